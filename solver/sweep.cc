#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/common/wide_int.h>
#include <poolproof/solver/sweep.h>

#include <algorithm>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "solver/families/family_unit.h"
#include "solver/z3_encoding.h"

namespace poolproof::solver {
namespace {

struct check_task {
  std::int64_t n, m;
  reference::pool_kind kind;
};

// The checks of a sweep in order (n, then m, then avg before max), produced from their index:
// nothing is listed up front, so a range of any size starts at once in constant memory.
class task_order {
 public:
  explicit task_order(const sweep_options& options)
      : options_(options),
        ms_(common::wide(options.out.last) - common::wide(options.out.first) + 1),
        total_((common::wide(options.in.last) - common::wide(options.in.first) + 1) * ms_ * 2) {}

  [[nodiscard]] common::int128 total() const { return total_; }

  [[nodiscard]] check_task at(common::int128 index) const {
    const common::int128 pair = index / 2;
    return {common::narrow(common::wide(options_.in.first) + pair / ms_),
            common::narrow(common::wide(options_.out.first) + pair % ms_),
            index % 2 == 0 ? reference::pool_kind::avg : reference::pool_kind::max};
  }

 private:
  const sweep_options& options_;
  common::int128 ms_, total_;
};

// The windows the reference re-checks when m is too large to visit all (as a single prove
// does): the telling ones, an even sample and the last; find_mismatch's unsat covers the rest.
std::vector<std::int64_t> recheck_sample(std::int64_t n, std::int64_t m) {
  std::vector<std::int64_t> sample = detail::telling_outputs(n, m);
  constexpr std::int64_t even_sample = 4096;
  for (std::int64_t step = 0; step < even_sample; ++step)
    sample.push_back(step * (m / even_sample));
  sample.push_back(m - 1);
  return sample;
}

// Whether the closed form's witness reproduces n -> m: window by window up to
// max_rechecked_windows, beyond on a sample with Z3 certifying every window, so a check at
// 2^62 outputs takes as long as a single prove of that pair.
std::optional<std::string> witness_problem(std::int64_t n, std::int64_t m,
                                           reference::pool_kind kind, const family_params& witness,
                                           const solver_options& options, bool& unknown) {
  if (m <= options.max_rechecked_windows) return family_mismatch(n, m, witness, kind);
  if (auto mismatch = family_mismatch(n, m, witness, kind, recheck_sample(n, m))) return mismatch;
  const detail::mismatch_search search = detail::find_mismatch(n, m, kind, witness, options);
  unknown = search.status == detail::solve_status::unknown;
  if (search.status != detail::solve_status::sat) return std::nullopt;
  const std::int64_t output = search.output;
  return family_mismatch(n, m, witness, kind, std::span(&output, 1))
      .value_or("Z3 finds output " + std::to_string(output) + " differs");
}

void require_sweep_size(common::int128 checks) {
  if (checks > max_sweep_checks) {
    throw common::input_error(
        "a sweep of these ranges has more than 2^62 checks (the most one sweep counts); split "
        "the ranges");
  }
}

}  // namespace

std::optional<std::string> check_closed_form(std::int64_t n, std::int64_t m,
                                             reference::pool_kind kind,
                                             const solver_options& options, bool& unknown,
                                             pool_family family) {
  const closed_form_answer answer = closed_form(n, m, kind, family);
  const std::string pair = fmt::format("{} -> {} {} {}", n, m, pool_family_name(family),
                                       reference::pool_kind_name(kind));
  if (answer.witness) {
    if (auto mismatch = witness_problem(n, m, kind, *answer.witness, options, unknown)) {
      return pair + ": the closed form's witness fails the reference: " + *mismatch;
    }
    if (unknown) return std::nullopt;
  }
  std::string reason;
  const detail::solve_status status = detail::witness_below_exists(
      n, m, kind, answer.witness.value_or(detail::unit_of(family).above_every_layer()), options,
      reason);
  unknown = status == detail::solve_status::unknown;
  if (status != detail::solve_status::sat) return std::nullopt;
  return pair + (answer.witness ? ": Z3 finds a witness before the closed form's (" +
                                      std::string(branch_name(answer.branch)) + ")"
                                : ": Z3 finds a witness where the closed form says none");
}

sweep_result sweep(const sweep_options& options,
                   const std::function<void(std::int64_t, std::int64_t)>& progress,
                   const std::atomic<bool>& stop) {
  POOLPROOF_CHECK(options.threads >= 1);
  const task_order tasks(options);
  require_sweep_size(tasks.total());
  sweep_result result;
  result.total = common::narrow(tasks.total());
  std::atomic<std::int64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex guard;
  const auto work = [&] {
    for (std::int64_t index = next++; index < result.total && !stop && !failed; index = next++) {
      const check_task task = tasks.at(index);
      bool unknown = false;
      const auto disagreement =
          check_closed_form(task.n, task.m, task.kind, options.solver, unknown, options.family);
      const closed_form_branch branch =
          closed_form(task.n, task.m, task.kind, options.family).branch;
      const std::lock_guard lock(guard);
      ++result.checked;
      if (disagreement) {
        if (!result.disagreement) result.disagreement = disagreement;
        failed = true;
      } else if (unknown) {
        ++result.unknown;
      } else {
        ++(branch == closed_form_branch::none ? result.agreed_not_equivalent
                                              : result.agreed_equivalent);
        ++result.per_branch[static_cast<std::size_t>(branch)];
      }
      progress(result.checked, result.total);
    }
  };
  std::vector<std::thread> workers;
  for (unsigned thread = 0; thread < options.threads; ++thread) workers.emplace_back(work);
  for (std::thread& worker : workers) worker.join();
  result.interrupted = stop && result.checked < result.total;
  return result;
}

}  // namespace poolproof::solver

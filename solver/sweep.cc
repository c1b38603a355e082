#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/solver/sweep.h>

#include <mutex>
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

std::vector<check_task> tasks_of(const sweep_options& options) {
  std::vector<check_task> tasks;
  for (std::int64_t n = options.in.first; n <= options.in.last; ++n) {
    for (std::int64_t m = options.out.first; m <= options.out.last; ++m) {
      for (reference::pool_kind kind : {reference::pool_kind::avg, reference::pool_kind::max})
        tasks.push_back({n, m, kind});
    }
  }
  return tasks;
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
    if (auto mismatch = family_mismatch(n, m, *answer.witness, kind)) {
      return pair + ": the closed form's witness fails the reference: " + *mismatch;
    }
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
  const std::vector<check_task> tasks = tasks_of(options);
  sweep_result result;
  result.total = static_cast<std::int64_t>(tasks.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex guard;
  const auto work = [&] {
    for (std::size_t index = next++; index < tasks.size() && !stop && !failed; index = next++) {
      const check_task& task = tasks[index];
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

// Sweeps: the closed form (the theorem) checked against Z3 on every (n, m) of a range.
#pragma once

#include <poolproof/solver/closed_form.h>
#include <poolproof/solver/equivalence.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace poolproof::solver {

/// Inclusive range of sizes [first, last].
struct size_range {
  std::int64_t first = 1;
  std::int64_t last = 1;
};

struct sweep_options {
  size_range in{1, 1};
  size_range out{1, 1};
  unsigned threads = 1;
  solver_options solver;
  pool_family family = default_family;  ///< whose theorem and layers are checked
};

/// Counts of a sweep over (n, m, kind) checks, kinds avg and max. A check agrees when Z3
/// proves the closed form's answer: no witness at all where it says none (unsat), or none before
/// its witness in the solver's order where it gives one (unsat; the witness itself re-checked by
/// the reference), so the theorem's witness is also proven the least one.
struct sweep_result {
  std::int64_t total = 0;
  std::int64_t checked = 0;
  std::int64_t agreed_equivalent = 0;
  std::int64_t agreed_not_equivalent = 0;
  std::int64_t unknown = 0;
  std::array<std::int64_t, 5> per_branch{};  ///< agreed checks, indexed by closed_form_branch
  std::optional<std::string> disagreement;   ///< the first one found; the sweep stops there
  bool interrupted = false;                  ///< `stop` was raised before every check ran
};

/// The most checks one sweep runs (its counts are 64-bit): 2^62.
inline constexpr std::int64_t max_sweep_checks = std::int64_t{1} << 62;

/// Runs every check of the ranges on `threads` threads, producing the (n, m, kind) checks in
/// order as the workers take them (constant memory for any range); a witness is re-checked by the
/// reference as a single prove re-checks one (every window up to max_rechecked_windows, beyond a
/// sample with Z3 certifying the rest). Throws input_error for ranges of more than
/// max_sweep_checks checks. `progress(checked, total)` is called from the workers, one at a time;
/// raising `stop` (e.g. from a signal handler) ends the sweep early with the counts so far.
/// Preconditions: valid ranges, threads >= 1.
[[nodiscard]] sweep_result sweep(const sweep_options& options,
                                 const std::function<void(std::int64_t, std::int64_t)>& progress,
                                 const std::atomic<bool>& stop);

/// One check of a sweep: nullopt when Z3 agrees with the closed form (or, with `unknown` set,
/// could not decide), else the disagreement in one line.
[[nodiscard]] std::optional<std::string> check_closed_form(
    std::int64_t in_size, std::int64_t out_size, reference::pool_kind kind,
    const solver_options& options, bool& unknown, pool_family family = default_family);

}  // namespace poolproof::solver

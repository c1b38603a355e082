// Private to solver/: the Z3 encoding of "a fixed pooling reproduces adaptive n -> m on one axis".
#pragma once

#include <poolproof/solver/equivalence.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace poolproof::solver::detail {

enum class solve_status { sat, unsat, unknown };

/// What solving the family's query gave: on sat the lexicographically least parameters found.
struct solve_outcome {
  solve_status status = solve_status::unknown;
  family_params params;
  bool minimal = true;
  std::string reason;  ///< Z3's reason when unknown.
};

/// Solves the feasibility query restricted to the windows of `outputs` (increasing; all of them
/// for the exact query, fewer for a relaxation whose unsat still refutes), then minimises in the
/// family's preference order (kernel, stride, pads, then its defaults; families/family_unit.h).
[[nodiscard]] solve_outcome solve_minimal(std::int64_t in_size, std::int64_t out_size,
                                          pool_family family, reference::pool_kind kind,
                                          const shared_flags& flags, const solver_options& options,
                                          std::span<const std::int64_t> outputs);

/// 0, 1, ..., m-1.
[[nodiscard]] std::vector<std::int64_t> every_output(std::int64_t out_size);

/// The outputs whose windows usually refute a wrong layer already: both ends (clipping and
/// padding), the middle (the stride) and around m/n (where the first two-element window and,
/// when n divides m, the first repeated element sit). Increasing, at most 16.
[[nodiscard]] std::vector<std::int64_t> telling_outputs(std::int64_t in_size,
                                                        std::int64_t out_size);

/// Result of searching for an output where a layer differs from adaptive pooling.
struct mismatch_search {
  solve_status status = solve_status::unknown;  ///< unsat: the layer matches every window
  std::int64_t output = -1;                     ///< on sat, an output that differs
  std::string reason;
};

/// One constant-size query (whatever m is): does some window of the dilation-1 `layer` (any
/// family, resolved by its reference model) differ from adaptive window i, or (avg) its divisor
/// from the window's length?
[[nodiscard]] mismatch_search find_mismatch(std::int64_t in_size, std::int64_t out_size,
                                            reference::pool_kind kind, const family_params& layer,
                                            const solver_options& options);

/// The find_mismatch query as SMT-LIB2: unsat certifies the layer on every window.
[[nodiscard]] std::string mismatch_smt2(std::int64_t in_size, std::int64_t out_size,
                                        reference::pool_kind kind, const family_params& layer);

/// Whether some layer of the bound's family reproduces adaptive n -> m and comes before `bound`
/// in the family's preference order. unsat proves `bound`, if it is a witness, the least one.
/// For sweeps, each thread reuses one solver across calls, one push/pop scope per query (rebuilt
/// every 250 queries, on other budgets and after an unknown); the answer is as a fresh solver's.
[[nodiscard]] solve_status witness_below_exists(std::int64_t in_size, std::int64_t out_size,
                                                reference::pool_kind kind,
                                                const family_params& bound,
                                                const solver_options& options, std::string& reason);

/// The feasibility query alone, as SMT-LIB2 without tracked names (so it can be re-checked).
[[nodiscard]] std::string feasibility_smt2(std::int64_t in_size, std::int64_t out_size,
                                           pool_family family, reference::pool_kind kind,
                                           const shared_flags& flags,
                                           std::span<const std::int64_t> outputs);

/// A minimal unsat core of the refutation over `outputs`: which windows (increasing) and whether
/// the output count take part. status is unsat when the core was found.
struct refutation_core {
  solve_status status = solve_status::unknown;
  std::vector<std::int64_t> windows;
  bool needs_output_count = false;
  bool needs_dilated_branch = false;
  std::string reason;
};

[[nodiscard]] refutation_core minimal_refutation_core(std::int64_t in_size, std::int64_t out_size,
                                                      pool_family family, reference::pool_kind kind,
                                                      std::span<const std::int64_t> outputs,
                                                      const solver_options& options);

}  // namespace poolproof::solver::detail

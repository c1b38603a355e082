// Private to solver/: the Z3 encoding of "a fixed pooling reproduces adaptive n -> m on one axis".
#pragma once

#include <cstdint>
#include <string>

#include "solver/equivalence.h"

namespace poolproof::detail {

enum class solve_status { sat, unsat, unknown };

/// What solving the family's query gave: on sat the lexicographically least parameters found.
struct solve_outcome {
  solve_status status = solve_status::unknown;
  fixed_pool_params params;
  bool minimal = true;
  std::string reason;  ///< Z3's reason when unknown.
};

/// Solves the feasibility query, then minimises kernel, stride, padding, then prefers
/// ceil_mode=false, count_include_pad=true (avg) and the least dilation (max).
[[nodiscard]] solve_outcome solve_minimal(std::int64_t in_size, std::int64_t out_size,
                                          pool_kind kind, const shared_flags& flags,
                                          const solver_options& options);

/// Whether some layer of the family reproduces adaptive n -> m and comes before `bound` in the
/// solver's preference order (kernel, stride, padding, ceil_mode=false, count_include_pad=true or
/// least dilation). unsat proves `bound`, if it is a witness, the least one. One query.
[[nodiscard]] solve_status witness_below_exists(std::int64_t in_size, std::int64_t out_size,
                                                pool_kind kind, const fixed_pool_params& bound,
                                                const solver_options& options, std::string& reason);

/// The feasibility query alone, as SMT-LIB2 without tracked names (so it can be re-checked).
[[nodiscard]] std::string feasibility_smt2(std::int64_t in_size, std::int64_t out_size,
                                           pool_kind kind, const shared_flags& flags);

}  // namespace poolproof::detail

// Why no fixed pooling fits: a minimal unsat core told in windows, strides and output counts.
#pragma once

#include <poolproof/solver/equivalence.h>

#include <cstdint>
#include <string>

namespace poolproof::solver {

/// Explains a refutation of n -> m from a minimal unsat core of the windows it used: which
/// adaptive windows alone rule out every layer, how their starts and ends move from one to the
/// next (a fixed pooling moves both by its stride, but where padding clips), and whether the
/// output count or the dilated branch take part. Several lines, each indented by four spaces.
/// Re-solves, so it is only as decided as the solver's budget allows.
/// `family` names whose layers were refuted (p below is its pad_begin).
[[nodiscard]] std::string explain_not_equivalent(std::int64_t in_size, std::int64_t out_size,
                                                 reference::pool_kind kind,
                                                 const not_equivalent& refutation,
                                                 const solver_options& options,
                                                 pool_family family = default_family);

}  // namespace poolproof::solver

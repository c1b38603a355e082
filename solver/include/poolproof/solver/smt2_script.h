// The SMT-LIB2 script of every query of one prove_equivalence call, for re-checking elsewhere.
#pragma once

#include <poolproof/solver/equivalence.h>

#include <cstdint>
#include <span>
#include <string>

namespace poolproof::solver {

/// One script holding, per axis and per kind, the query behind that axis's verdict
/// (equivalence_smt2) in its own (push 1) ... (check-sat) (pop 1) scope, announced by an
/// (echo "axis A KIND: n -> m, expect ANSWER") line, so that `cvc5 --incremental FILE` prints
/// one labelled answer per query; `family` is the one the verdicts are about (named in the
/// echo lines unless PyTorch). Preconditions: one verdict per axis in each list, or none for a
/// kind that was not asked.
[[nodiscard]] std::string equivalence_script(std::span<const std::int64_t> in_sizes,
                                             std::span<const std::int64_t> out_sizes,
                                             std::span<const verdict> avg,
                                             std::span<const verdict> max,
                                             const solver_options& options,
                                             pool_family family = default_family);

}  // namespace poolproof::solver

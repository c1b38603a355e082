// The SMT-LIB2 script of every query of one prove_equivalence call, for re-checking elsewhere.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace poolproof {

/// One script holding, per axis and per kind (avg, max), the feasibility query in its own
/// (push 1) ... (check-sat) (pop 1) scope, announced by an (echo "...") line, so that
/// `cvc5 --incremental FILE` prints one labelled sat/unsat per query. Preconditions: equal
/// numbers of valid sizes.
[[nodiscard]] std::string equivalence_script(std::span<const std::int64_t> in_sizes,
                                             std::span<const std::int64_t> out_sizes);

}  // namespace poolproof

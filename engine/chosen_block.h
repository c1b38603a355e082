// The 1-D max backward's block writes (not a public interface): each chosen input of a block of
// planes gets its gradient, or the sum of the two neighbouring outputs that chose it.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/simd.h"

namespace poolproof::engine::detail {

/// For a block of 1-D planes (any format F; n inputs to m <= n outputs, so no input has a third
/// chooser when every index lies in its window), `planes` filled with +0 beforehand: output k
/// writes at planes[offset[k] + chosen[k]] round_to(F, +0 + grads[k]) (the gradient, +0 for -0),
/// or, when output k - 1 chose the same input, round_to(F, (+0 + grads[k - 1]) + grads[k]). Each
/// output is checked before it is written: false at the first whose index lies outside
/// [begin[k], last[k]] (its window) or whose gradient is an infinity or a NaN, with only (some of)
/// the outputs before it written; true when all were written. On the CPU's best lanes up to
/// `ceiling` (tests ask for each). `paired` is scratch.
template <typename F>
[[nodiscard]] bool write_chosen_block(const typename F::storage* grads, const std::int64_t* chosen,
                                      const std::int64_t* begin, const std::int64_t* last,
                                      const std::int64_t* offset, std::int64_t count,
                                      typename F::storage* planes,
                                      std::vector<std::int64_t>& paired,
                                      simd_level ceiling = simd_level::avx512);

}  // namespace poolproof::engine::detail

// The 1-D max backward's block writes (not a public interface): each chosen input of a block of
// planes gets its gradient, or the sum of the two neighbouring outputs that chose it.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/simd.h"

namespace poolproof::engine::detail {

/// For a block of 1-D planes (any format F; n inputs to m <= n outputs, so no input has a third
/// chooser) whose `count` indices lie in their windows and whose gradients are finite, `planes`
/// filled with +0 beforehand: output k writes at planes[offset[k] + chosen[k]] round_to(F, +0 +
/// grads[k]) (the gradient, +0 for -0), or, when output k - 1 chose the same input, round_to(F,
/// (+0 + grads[k - 1]) + grads[k]). On the CPU's best lanes up to `ceiling` (tests ask for each).
/// `paired` is scratch.
template <typename F>
void write_chosen_block(const typename F::storage* grads, const std::int64_t* chosen,
                        const std::int64_t* offset, std::int64_t count, typename F::storage* planes,
                        std::vector<std::int64_t>& paired, simd_level ceiling = simd_level::avx512);

}  // namespace poolproof::engine::detail

// Batched binary16 and bfloat16 means of exact double sums (not a public interface): eight
// quotients an instruction on AVX-512, each rounded once to 16 bits.
#pragma once

#include <poolproof/reference/float_format.h>

#include <cstdint>
#include <span>

#include "engine/simd.h"

namespace poolproof::engine::detail {

/// means[k] = round_mean_16(sums[k], divisors[k]) in `format` (binary16 or bfloat16) for each
/// k: the mean of an exact finite double sum rounded once (an exact zero mean is +0). On
/// AVX-512 eight lanes divide at once and keep a lane's result when the quotient's binary32
/// neighbours narrow alike (narrowed_near) or the quotient is exact and a binary32 number (its
/// one narrowing is then the answer, midpoints included); every other lane, and every lane
/// below that level, takes round_mean_16. The spans are equally long; 1 <= divisors[k] < 2^53.
void narrowed_means(reference::float_format format, std::span<const double> sums,
                    std::span<const std::uint64_t> divisors, std::span<std::uint16_t> means,
                    simd_level ceiling = simd_level::avx512);

}  // namespace poolproof::engine::detail

// One value over a count, rounded once, in binary32 lanes (not a public interface): the means of
// 1-D avg backward's one-window cells, whose exact sum is a single gradient.
#pragma once

#include <poolproof/reference/float_format.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/simd.h"

namespace poolproof::engine::detail {

/// means[k] = round_mean_16(values[k], divisors[k]) in `format` (binary16 or bfloat16): for each
/// k, the finite value of a 16-bit pattern (widened exactly) over an integer divisor, rounded once
/// (an exact zero mean is +0). On AVX2 (with FMA and F16C) and up, eight lanes divide in binary32
/// and keep a lane's result when the quotient's binary32 neighbours narrow alike or the division
/// is exact (narrowed_means' rule); the other lanes, and every lane on the baseline, take
/// round_mean_16. Returns how many means the lanes kept (tests hold them to most). The spans are
/// equally long; each divisor is an integer in [1, 2^24); the float environment is the default
/// one (the engine's entry points set it: subnormal values and quotients must not be flushed).
std::size_t narrowed_quotients(reference::float_format format, std::span<const float> values,
                               std::span<const float> divisors, std::span<std::uint16_t> means,
                               simd_level ceiling = simd_level::avx512);

/// means[k] = round_to(binary32, (values[k] + 0) / divisors[k]) for each k: a finite binary32
/// value over an integer divisor rounded once (an exact zero mean is +0), by the hardware's
/// binary32 division (eight lanes at a time on AVX2 and up), which is that rounding in the
/// default float environment (the engine's entry points set it). The spans are equally long;
/// each divisor is an integer in [1, 2^24).
void binary32_quotients(std::span<const float> values, std::span<const float> divisors,
                        std::span<float> means, simd_level ceiling = simd_level::avx512);

}  // namespace poolproof::engine::detail

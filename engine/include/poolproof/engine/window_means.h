// The engine's one rounding of a window's mean, for callers that sum windows themselves (the
// golden check verifies a stored result from its own exact window sums with it).
#pragma once

#include <poolproof/reference/float_format.h>

#include <cstdint>
#include <span>

namespace poolproof::engine {

/// means[k] = the bit pattern of round_to(format, sums[k] / counts[k]) in binary16, bfloat16 or
/// binary32, rounded as adaptive_avg_pool rounds a window's mean: once, an exact zero mean +0,
/// whatever the caller's floating-point environment. Preconditions (checked): the format is one
/// of those three; the spans are equally long; 1 <= counts[k] < 2^53; sums[k] is finite, a
/// multiple of 2^units[k] with |sums[k]| < 2^(units[k] + 53), and -1023 < units[k] < 1022. Each
/// sums[k] is the exact sum of counts[k] values of `format` (binary32 reads the units; the
/// 16-bit formats do not).
void round_window_means(reference::float_format format, std::span<const double> sums,
                        std::span<const int> units, std::span<const std::uint64_t> counts,
                        std::span<std::uint64_t> means);

}  // namespace poolproof::engine

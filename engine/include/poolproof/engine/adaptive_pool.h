// The fast exact engine: adaptive pooling straight on float arrays, bit for bit equal to the
// plain reference (adaptive_pool.h, the specification) after its single correct rounding.
//
// Binary floats are dyadic rationals, so a window sum is an exact fixed-point integer anchored at
// the window's least exponent. A scan of the window's exponent range picks the narrowest exact
// accumulator: hardware doubles where every partial sum is provably exact (binary32 and the
// 16-bit formats: one SIMD pass sums and scans; binary64: each value split into two doubles on a
// grid, engine/double_sums.h), else int64, __int128, or a GMP integer; the mean is then rounded
// once from the exact quotient and remainder. Avg backward rounds once per group of inputs covered
// by the same windows (a cell); max backward sums exactly where windows overlap. Planes (batch x
// channels) are split into up to `threads` ranges (at most one per core) run by an OpenMP team, one
// pool of threads per calling thread, which spin a few milliseconds after a call before they sleep
// (OMP_WAIT_POLICY); in a forked child, on the calling thread alone (libgomp's threads do not
// survive fork). The caller's floating-point environment does not matter: each pass runs in the
// default one (round to nearest, subnormals kept, no traps) on every thread and restores the
// caller's. Nothing is converted to a wider representation up front: memory beyond the caller's
// input and output is O(output axes), plus per worker 8 bytes per output-plane element for avg
// backward (the plane's gradients in fixed point) and, for max backward on planes up to 2^20
// elements, 16 bytes per input-plane and 8 per output-plane element, built for the first plane that
// needs them, plus 4 bytes per input-plane element (the chooser counts), kept per thread for planes
// up to 2^16 elements; 1-D max backward keeps 24 bytes per output of a block of planes (about 2 KiB
// of input), and 8 more in the 16-bit formats (the pairs noted). Each thread keeps its last
// geometry and avg backward plan (O(input and output axes)) and the max forward kernels' scratch
// (at most about 3 MiB) for the next call. Avg forward keeps per thread and format 8 bytes
// (binary64: 16) per element of an input row, for rows up to 2^16 wide (the column sums of a band
// of rows; at most 2.5 MiB a thread over all formats). Avg forward in binary16 and bfloat16 on
// planes of small windows or rows past 2^16 widens planes of at most 2^20 elements exactly to
// binary32 and runs the binary32 passes on them: 4 bytes per element of a plane per worker, kept
// per thread up to 2^16 elements. Max forward reads 16-bit planes in place. The output must not
// overlap the input.
#pragma once

#include <poolproof/reference/float_format.h>

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

namespace poolproof::engine {

/// Element types the fast engine reads and writes: binary16 and bfloat16 as uint16 bit patterns,
/// binary32 as float, binary64 as double (the format argument must match the type).
template <typename T>
concept element =
    std::same_as<T, std::uint16_t> || std::same_as<T, float> || std::same_as<T, double>;

/// Worker threads for `threads` (0: std::thread::hardware_concurrency()), at least 1.
[[nodiscard]] unsigned resolve_threads(unsigned threads);

/// adaptive_avg_pool on a dense row-major `[N, C, *in]` or `[C, *in]` array of `format`: output[i]
/// is round_to(format, adaptive_avg_pool(decode(input))[i]), so NaN outputs are the quiet NaN
/// with a clear sign bit and a zero mean is +0. `output` holds adaptive_output_shape's count
/// (<poolproof/reference/tensor.h>).
/// Throws input_error on bad shapes, sizes, a mismatched format or span length.
template <element T>
void adaptive_avg_pool(reference::float_format format, std::span<const std::int64_t> input_shape,
                       std::span<const T> input, std::span<const std::int64_t> out_size,
                       std::span<T> output, unsigned threads = 1);

/// adaptive_max_pool on a dense array: the same argmax in `indices` (flat within the spatial
/// plane) and as value the winning element itself, bit for bit (a NaN keeps its payload, -0
/// stays -0), so decode(format, output[i]) equals the reference's value. Throws like avg.
template <element T>
void adaptive_max_pool(reference::float_format format, std::span<const std::int64_t> input_shape,
                       std::span<const T> input, std::span<const std::int64_t> out_size,
                       std::span<T> output, std::span<std::int64_t> indices, unsigned threads = 1);

/// adaptive_avg_pool_backward: grad_output has adaptive_output_shape(input_shape, out_size);
/// grad_input (input_shape's count) gets round_to of the exact gradient, each element rounded
/// once. Inputs with the same covering windows share one value, computed once per plane.
template <element T>
void adaptive_avg_pool_backward(reference::float_format format,
                                std::span<const std::int64_t> input_shape,
                                std::span<const std::int64_t> out_size,
                                std::span<const T> grad_output, std::span<T> grad_input,
                                unsigned threads = 1);

/// adaptive_max_pool_backward: each grad_output element is added at its argmax `indices` (as
/// fast_adaptive_max_pool returns them); grad_input gets round_to of the exact sums (+0 where no
/// output chose). Throws input_error on an index outside the plane, like the reference.
template <element T>
void adaptive_max_pool_backward(reference::float_format format,
                                std::span<const std::int64_t> input_shape,
                                std::span<const std::int64_t> out_size,
                                std::span<const T> grad_output,
                                std::span<const std::int64_t> indices, std::span<T> grad_input,
                                unsigned threads = 1);

}  // namespace poolproof::engine

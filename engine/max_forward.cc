// The fast engine's max forward pass: PyTorch's scan rule per window (binary32 planes go to the
// SIMD kernels of max_forward_simd.cc, 16-bit planes too once widened exactly), the winner's own
// pattern as the value.
#include <poolproof/engine/adaptive_pool.h>

#include <algorithm>
#include <limits>
#include <type_traits>
#include <vector>

#include "engine/float_environment.h"
#include "engine/planes.h"

namespace poolproof::engine {
namespace detail {
namespace {

// PyTorch's scan: a NaN always wins (so the last one does), otherwise only a strictly greater
// value; the running maximum starts at -inf on the first element. The output is read back from
// the winner's position, so it is the winner's pattern (if nothing beat -inf, the first element
// is -inf itself).
template <typename F>
std::int64_t argmax(const geometry& g, const typename F::storage* plane, const box3& box) {
  std::int64_t best_at = first_offset(g, box);
  if constexpr (std::is_floating_point_v<typename F::storage>) {
    auto best = -std::numeric_limits<typename F::storage>::infinity();
    for_each_offset(g, box, [&](std::int64_t offset) {
      const auto value = plane[offset];
      if (value > best || value != value) {
        best = value;
        best_at = offset;
      }
    });
  } else {
    // 16-bit patterns: keys order non-NaN patterns like their values (-0 and +0 both map to 0).
    auto best_key = -static_cast<std::int64_t>(F::infinity);
    bool best_nan = false;
    for_each_offset(g, box, [&](std::int64_t offset) {
      const std::uint64_t bits = F::to_bits(plane[offset]);
      const std::uint64_t magnitude = bits & ~F::sign_mask;
      const bool nan = magnitude > F::infinity;
      const auto key = (bits & F::sign_mask) != 0 ? -static_cast<std::int64_t>(magnitude)
                                                  : static_cast<std::int64_t>(magnitude);
      if (nan || (!best_nan && key > best_key)) {
        best_key = key;
        best_nan = nan;
        best_at = offset;
      }
    });
  }
  return best_at;
}

// Planes of at most this many elements (input and output) take the widened 16-bit path; chunks
// of planes are widened up to about `widened_chunk` elements at a time, which stay in cache and
// are kept per thread.
constexpr std::int64_t widened_plane_limit = std::int64_t{1} << 20;
constexpr std::int64_t widened_chunk = std::int64_t{1} << 16;

// binary16 and bfloat16 planes [first, end) through the binary32 kernels: a chunk of planes is
// widened exactly (widen_to_binary32), so the floats compare as the patterns' values do (NaN
// stays NaN, -0 ties +0) and PyTorch's scan picks the same winner in both; the value written is
// the winner's own 16-bit pattern (its widened value narrowed back exactly). Needs planes of at
// most widened_plane_limit elements.
template <typename F>
void max_planes_widened(const geometry& g, const std::uint16_t* input, std::uint16_t* output,
                        std::int64_t* indices, std::int64_t first, std::int64_t end) {
  thread_local std::vector<float> wide, values;
  const std::int64_t chunk =
      std::max<std::int64_t>(1, widened_chunk / std::max(g.in_plane, g.out_plane));
  const auto planes = static_cast<std::size_t>(std::min(chunk, end - first));
  if (wide.size() < planes * static_cast<std::size_t>(g.in_plane))
    wide.resize(planes * static_cast<std::size_t>(g.in_plane));
  if (values.size() < planes * static_cast<std::size_t>(g.out_plane))
    values.resize(planes * static_cast<std::size_t>(g.out_plane));
  for (std::int64_t p0 = first; p0 < end; p0 += chunk) {
    const std::int64_t count = std::min(chunk, end - p0);
    widen_to_binary32(F::format, input + p0 * g.in_plane, wide.data(), count * g.in_plane);
    max_planes_binary32(g, wide.data(), values.data(), indices + p0 * g.out_plane, 0, count);
    // The winners' widened values back to their patterns, in lanes (a gather by index cost a
    // third of the pass on short rows).
    patterns_of_widened(F::format, values.data(), output + p0 * g.out_plane, count * g.out_plane);
  }
  // A plane past the chunk size made the scratch larger than what is kept.
  if (wide.size() > static_cast<std::size_t>(widened_chunk)) std::vector<float>().swap(wide);
  if (values.size() > static_cast<std::size_t>(widened_chunk)) std::vector<float>().swap(values);
}

template <typename F>
void max_planes(const geometry& g, const typename F::storage* input, typename F::storage* output,
                std::int64_t* indices, std::int64_t first, std::int64_t end) {
  if constexpr (std::same_as<F, binary32_traits>) {
    if (g.in_plane < (std::int64_t{1} << 31))
      return max_planes_binary32(g, input, output, indices, first, end);
  } else if constexpr (std::same_as<typename F::storage, std::uint16_t>) {
    if (g.in_plane <= widened_plane_limit && g.out_plane <= widened_plane_limit)
      return max_planes_widened<F>(g, input, output, indices, first, end);
  }
  for (std::int64_t p = first; p < end; ++p) {
    const typename F::storage* plane = input + p * g.in_plane;
    for_each_output(g, [&](std::int64_t at, const box3& box) {
      const std::int64_t best_at = argmax<F>(g, plane, box);
      output[p * g.out_plane + at] = F::from_bits(F::to_bits(plane[best_at]));
      indices[p * g.out_plane + at] = best_at;
    });
  }
}

}  // namespace
}  // namespace detail

template <element T>
void adaptive_max_pool(reference::float_format format, std::span<const std::int64_t> input_shape,
                       std::span<const T> input, std::span<const std::int64_t> out_size,
                       std::span<T> output, std::span<std::int64_t> indices, unsigned threads) {
  // A caller's flush-to-zero or rounding mode would break the exact hardware paths.
  const detail::default_float_environment environment;
  const detail::geometry& g =
      detail::remembered_geometry<T>(format, input_shape, out_size, input.size(), output.size());
  if (indices.size() != output.size())
    throw common::input_error("max pool indices and output differ");
  detail::with_traits<T>(format, [&](auto traits) {
    using F = decltype(traits);
    detail::parallel_planes(g.planes, threads, [&](std::int64_t first, std::int64_t end) {
      detail::max_planes<F>(g, input.data(), output.data(), indices.data(), first, end);
    });
  });
}

#define POOLPROOF_MAX_FORWARD(T)                                                             \
  template void adaptive_max_pool<T>(reference::float_format, std::span<const std::int64_t>, \
                                     std::span<const T>, std::span<const std::int64_t>,      \
                                     std::span<T>, std::span<std::int64_t>, unsigned);
POOLPROOF_MAX_FORWARD(std::uint16_t)
POOLPROOF_MAX_FORWARD(float)
POOLPROOF_MAX_FORWARD(double)
#undef POOLPROOF_MAX_FORWARD

}  // namespace poolproof::engine

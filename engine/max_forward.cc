// The fast engine's max forward pass: PyTorch's scan rule per window (the SIMD kernels of
// max_forward_simd.cc take binary32 and 16-bit planes of fewer than 2^31 elements, and binary64
// planes of bands of rows), the winner's own pattern as the value.
#include <poolproof/common/float_environment.h>
#include <poolproof/engine/adaptive_pool.h>

#include <limits>
#include <type_traits>

#include "engine/double_sums.h"
#include "engine/planes.h"

namespace poolproof::engine {
namespace detail {
namespace {

// PyTorch's scan: a NaN always wins (so the last one does), otherwise only a strictly greater
// value; the running maximum starts at -inf on the first element. The output is read back from
// the winner's position, so it is the winner's pattern (if nothing beat -inf, the first element
// is -inf itself).
// 16-bit patterns are compared as their exact binary32 values (NaN stays NaN, -0 ties +0).
template <typename F>
std::int64_t argmax(const geometry& g, const typename F::storage* plane, const box3& box) {
  const auto value_at = [plane](std::int64_t offset) {
    if constexpr (std::is_floating_point_v<typename F::storage>) {
      return plane[offset];
    } else {
      return widened<F>(plane[offset]);
    }
  };
  std::int64_t best_at = first_offset(g, box);
  auto best = -std::numeric_limits<decltype(value_at(0))>::infinity();
  for_each_offset(g, box, [&](std::int64_t offset) {
    const auto value = value_at(offset);
    if (value > best || value != value) {
      best = value;
      best_at = offset;
    }
  });
  return best_at;
}

template <typename F>
void max_planes(const geometry& g, const typename F::storage* input, typename F::storage* output,
                std::int64_t* indices, std::int64_t first, std::int64_t end) {
  if constexpr (std::same_as<F, binary32_traits>) {
    if (g.in_plane < (std::int64_t{1} << 31))
      return max_planes_binary32(g, input, output, indices, first, end);
  } else if constexpr (std::same_as<F, binary64_traits>) {
    if (max_planes_binary64(g, input, output, indices, first, end)) return;
    if (max_rows_binary64(g, input, output, indices, first, end)) return;
  } else if constexpr (std::same_as<typename F::storage, std::uint16_t>) {
    if (g.in_plane < (std::int64_t{1} << 31))
      return max_planes_sixteen_bit(F::format, g, input, output, indices, first, end);
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
  const common::default_float_environment environment;
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

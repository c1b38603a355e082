// The adaptive pooling window rule: the one place that says which inputs feed each output.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace poolproof::reference {

/// Largest size accepted on one axis, 2^62: every product i*n of the window rule then fits in
/// 128 bits, and every window bound in 64.
inline constexpr std::int64_t max_size = std::int64_t{1} << 62;

/// Half-open range [begin, end) of input indices along one axis.
struct window {
  std::int64_t begin = 0;
  std::int64_t end = 0;

  [[nodiscard]] std::int64_t length() const { return end - begin; }
  friend bool operator==(const window&, const window&) = default;
};

/// Throws input_error unless 1 <= size <= max_size; `what` names the size in the message.
void require_valid_size(std::int64_t size, std::string_view what);

/// floor(i*n/m), the first input index of adaptive window i (PyTorch aten/src/ATen/native/
/// AdaptivePooling.h `start_index`). Exact for 1 <= n, m <= 2^62 and 0 <= i <= m.
[[nodiscard]] std::int64_t start_index(std::int64_t i, std::int64_t in_size, std::int64_t out_size);

/// ceil((i+1)*n/m), one past the last input index of adaptive window i (PyTorch `end_index`).
/// Exact for 1 <= n, m <= 2^62 and 0 <= i < m.
[[nodiscard]] std::int64_t end_index(std::int64_t i, std::int64_t in_size, std::int64_t out_size);

/// Adaptive window i of n -> m: [floor(i*n/m), ceil((i+1)*n/m)). Never empty.
[[nodiscard]] window adaptive_window(std::int64_t in_size, std::int64_t out_size, std::int64_t i);

/// All m windows of one axis, in output order; m must be small enough to hold in memory.
[[nodiscard]] std::vector<window> adaptive_windows(std::int64_t in_size, std::int64_t out_size);

/// One window per spatial axis: the N-D window is their Cartesian product.
using window_box = std::vector<window>;

/// The N-D adaptive window of the output at multi-index `out_index`: the product of the per-axis
/// adaptive windows (PyTorch pools each spatial axis independently).
[[nodiscard]] window_box adaptive_box(std::span<const std::int64_t> in_sizes,
                                      std::span<const std::int64_t> out_sizes,
                                      std::span<const std::int64_t> out_index);

}  // namespace poolproof::reference

// Exact tensors in PyTorch's pooling layout: optional batch, channels, then 1-3 spatial axes.
#pragma once

#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/exact_number.h>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace poolproof::reference {

/// A dense row-major tensor of exact values.
struct exact_tensor {
  std::vector<std::int64_t> shape;
  std::vector<extended_rational> values;
};

/// How a `[N, C, *spatial]` or `[C, *spatial]` shape splits for pooling: the leading axes
/// flatten into independent planes, each pooled over the spatial axes.
struct pooling_layout {
  std::int64_t planes = 1;
  std::vector<std::int64_t> spatial;

  [[nodiscard]] std::int64_t plane_size() const;
};

/// Splits `shape` for pooling with `spatial_dims` (1-3) spatial axes. Throws input_error unless
/// the rank is spatial_dims + 1 or + 2 and every size is >= 1 with a total that fits in memory.
[[nodiscard]] pooling_layout split_pooling_shape(std::span<const std::int64_t> shape,
                                                 std::size_t spatial_dims);

/// Shape of adaptive pooling's output: the input's leading axes, then `out_size`. Throws
/// input_error on bad shapes or sizes (split_pooling_shape's and require_valid_size's rules).
[[nodiscard]] std::vector<std::int64_t> adaptive_output_shape(
    std::span<const std::int64_t> input_shape, std::span<const std::int64_t> out_size);

/// Number of elements of a shape; throws input_error past 2^40 (not a tensor one can hold).
[[nodiscard]] std::int64_t element_count(std::span<const std::int64_t> shape);

/// Row-major flat index within `sizes` of every multi-index in the box, in row-major order.
[[nodiscard]] std::vector<std::int64_t> box_flat_indices(const window_box& box,
                                                         std::span<const std::int64_t> sizes);

/// Calls visit(out_index, flat) for every multi-index of `sizes` in row-major order.
void for_each_multi_index(
    std::span<const std::int64_t> sizes,
    const std::function<void(std::span<const std::int64_t>, std::int64_t)>& visit);

}  // namespace poolproof::reference

// Exact adaptive average and max pooling, forward and backward: the specification of the values.
#pragma once

#include <poolproof/reference/tensor.h>

#include <cstdint>
#include <span>
#include <vector>

namespace poolproof::reference {

/// Exact adaptive average pooling of a `[N, C, *in]` or `[C, *in]` tensor to `out_size` (1-3
/// axes). Each output is the exact mean of its window, the sum taken in IEEE's extended sense:
/// any NaN, or both +inf and -inf, gives NaN; otherwise an infinity gives that infinity; a zero
/// mean is +0 (PyTorch's accumulator starts at +0, and +0 + -0 = +0).
/// Throws input_error on bad shapes or sizes.
[[nodiscard]] exact_tensor adaptive_avg_pool(const exact_tensor& input,
                                             std::span<const std::int64_t> out_size);

/// Result of max pooling: values, and for each the flat spatial index (within its plane, row-major
/// over the input's spatial axes) of the element it came from.
struct max_pool_result {
  exact_tensor values;
  std::vector<std::int64_t> indices;
};

/// Exact adaptive max pooling with PyTorch's argmax rule, scanning each window in row-major order:
/// an element wins if it is greater than the running maximum (which starts at -inf, at the
/// window's first element) or is NaN. So the first maximal element wins ties, an all -inf
/// window reports its first element, and any NaN makes the output NaN at the last NaN scanned.
/// The output is the winning element itself (-0 stays -0).
[[nodiscard]] max_pool_result adaptive_max_pool(const exact_tensor& input,
                                                std::span<const std::int64_t> out_size);

/// Exact gradient of adaptive_avg_pool with respect to its input: output gradient g of a window
/// of L elements adds g/L to each of them; overlapping windows accumulate.
/// `input_shape` is the forward input's shape; grad_output has the forward output's shape, whose
/// last `spatial_dims` (1-3) axes are the output size. Throws input_error on mismatched shapes.
[[nodiscard]] exact_tensor adaptive_avg_pool_backward(const exact_tensor& grad_output,
                                                      std::span<const std::int64_t> input_shape,
                                                      std::size_t spatial_dims);

/// Exact gradient of adaptive_max_pool: each output gradient is added at its argmax `indices`
/// (as returned by adaptive_max_pool); positions never chosen get +0.
[[nodiscard]] exact_tensor adaptive_max_pool_backward(const exact_tensor& grad_output,
                                                      std::span<const std::int64_t> indices,
                                                      std::span<const std::int64_t> input_shape,
                                                      std::size_t spatial_dims);

}  // namespace poolproof::reference

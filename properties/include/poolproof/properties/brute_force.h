// Slow, plainly correct restatements of pooling, written apart from reference/, to compare it to.
#pragma once

#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/reference/tensor.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace poolproof::properties {

/// Calls visit(multi_index) for every multi-index of `sizes` in row-major order (an odometer).
void for_each_index(std::span<const std::int64_t> sizes,
                    const std::function<void(const std::vector<std::int64_t>&)>& visit);

/// Row-major flat index of `index` within `sizes`.
[[nodiscard]] std::int64_t flat_index(std::span<const std::int64_t> index,
                                      std::span<const std::int64_t> sizes);

/// The flat row-major indices (within `sizes`) of the product of per-axis index lists, in
/// row-major order, by nested loops: the order PyTorch scans an N-D window in.
[[nodiscard]] std::vector<std::int64_t> product_members(
    const std::vector<std::vector<std::int64_t>>& per_axis, std::span<const std::int64_t> sizes);

/// One output of adaptive pooling and the inputs it reads, as flat positions in whole tensors.
struct pooled_window {
  std::size_t output = 0;                    ///< Position in the output tensor.
  std::vector<std::size_t> inputs;           ///< Positions in the input tensor, in scan order.
  std::vector<std::int64_t> spatial_inputs;  ///< The same inputs as flat indices in their plane.
};

/// Calls visit for every output of adaptive pooling a tensor of `input_shape` to `out_size`
/// (its last out_size.size() axes are spatial), plane by plane, outputs in row-major order; the
/// inputs are the product of the per-axis adaptive windows, by product_members.
void for_each_adaptive_window(const std::vector<std::int64_t>& input_shape,
                              const std::vector<std::int64_t>& out_size,
                              const std::function<void(const pooled_window&)>& visit);

/// The indices [w.begin, w.end) listed one by one.
[[nodiscard]] std::vector<std::int64_t> window_indices(const reference::window& w);

/// The inputs output o of a fixed layer reads, by listing its taps o*s - p + j*d (0 <= j < k) and
/// keeping those inside [0, n). Costs O(k).
[[nodiscard]] std::vector<std::int64_t> fixed_taps(std::int64_t in_size,
                                                   const reference::fixed_pool_params& params,
                                                   std::int64_t o);

/// PyTorch's output count read as a set: the o >= 0 with o*s <= n + 2p - reach (plus s - 1 in
/// ceil_mode, where the window must also start before n + p), reach = d*(k-1) + 1. Counts by
/// stepping o, so only for small layers; never negative.
[[nodiscard]] std::int64_t fixed_output_count_by_search(std::int64_t in_size,
                                                        const reference::fixed_pool_params& params);

/// AvgPool's divisor by counting: divisor_override if set; else the kernel positions
/// o*s - p + j that fall inside the padded extent [-p, n + p) (count_include_pad) or the real
/// inputs read.
[[nodiscard]] std::int64_t fixed_divisor_by_counting(std::int64_t in_size,
                                                     const reference::fixed_pool_params& params,
                                                     std::int64_t o);

/// The first output at which the fixed layer differs from adaptive pooling n -> m (other taps,
/// or for avg another divisor); -1 when the output counts differ; nullopt when it reproduces
/// adaptive pooling. Costs O(m*k) plus the count search.
[[nodiscard]] std::optional<std::int64_t> first_fixed_difference(
    std::int64_t in_size, std::int64_t out_size, const reference::fixed_pool_params& params,
    reference::pool_kind kind);

/// The layer of least (kernel, stride, padding) that reproduces adaptive pooling n -> m, searched
/// over kernel <= 2n + 2, stride <= n + kernel + 1, every valid padding, dilation <= n + 1 (max),
/// both ceil_mode and count_include_pad (avg) values. Only for small n: about 10 ms at n = 24.
[[nodiscard]] std::optional<reference::fixed_pool_params> least_witness_in_box(
    std::int64_t in_size, std::int64_t out_size, reference::pool_kind kind);

/// Values of fixed pooling, and for max the flat spatial index each came from.
struct fixed_pool_output {
  reference::exact_tensor values;
  std::vector<std::int64_t> indices;
};

/// Fixed pooling of a `[N, C, *spatial]` or `[C, *spatial]` tensor with one layer per spatial
/// axis (no divisor_override), evaluated from fixed_taps: avg divides the window sum by the
/// product of the per-axis divisors; max scans the window in row-major order with PyTorch's rule
/// (greater than the running maximum, or NaN). Preconditions: every output count is >= 1 and
/// every window reads at least one input.
[[nodiscard]] fixed_pool_output fixed_pool_evaluate(
    const reference::exact_tensor& input, const std::vector<reference::fixed_pool_params>& layers,
    reference::pool_kind kind);

}  // namespace poolproof::properties

// PyTorch's fixed pooling (AvgPool/MaxPool{1,2,3}d) on one axis, in the adaptive window vocabulary.
#pragma once

#include <poolproof/reference/adaptive_window.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace poolproof::reference {

/// Which reduction a pooling layer applies to its window.
enum class pool_kind { avg, max };

/// "avg" or "max".
[[nodiscard]] const char* pool_kind_name(pool_kind kind);

/// One axis of torch.nn.AvgPoolNd / MaxPoolNd. N-D pooling is one of these per spatial axis.
struct fixed_pool_params {
  std::int64_t kernel = 1;
  std::int64_t stride = 1;
  std::int64_t padding = 0;
  std::int64_t dilation = 1;  ///< MaxPool only; AvgPool has none (always 1).
  bool ceil_mode = false;
  bool count_include_pad = true;                 ///< AvgPool only.
  std::optional<std::int64_t> divisor_override;  ///< AvgPool only; PyTorch takes one for all axes.

  friend bool operator==(const fixed_pool_params&, const fixed_pool_params&) = default;
};

/// Throws input_error where PyTorch refuses the layer: kernel, stride, dilation in [1, 2^62];
/// 0 <= padding <= kernel/2 (integer division, PyTorch's pool shape check); dilation 1 for avg;
/// divisor_override >= 1.
void require_valid_params(const fixed_pool_params& params, pool_kind kind);

/// Number of outputs, exactly as PyTorch's pooling_output_shape computes it:
/// o = div_rtn(n + 2p - d*(k-1) - 1 + (ceil_mode ? s-1 : 0), s) + 1, and in ceil_mode the last
/// window is dropped when it would start at or past n + p. May be <= 0, where PyTorch errors;
/// counts below -2^62 (possible only when d*(k-1) > 2^62) are reported as -2^62.
/// Precondition: valid params and in_size.
[[nodiscard]] std::int64_t fixed_pool_output_size(std::int64_t in_size,
                                                  const fixed_pool_params& params);

/// The input indices {first + j*step : 0 <= j < count}, increasing.
struct index_progression {
  std::int64_t first = 0;
  std::int64_t count = 0;
  std::int64_t step = 1;
};

/// One axis of a fixed pooling of any family resolved to numbers: `count` outputs; output o's
/// taps are o*stride - pad_begin + j*dilation (0 <= j < kernel), of which those in [0, n) are
/// read; the padded extent is [-pad_begin, n + pad_end). Avg divides by divisor_override if set,
/// else with `divide_by_padded` by the taps inside the padded extent (dilation 1 only), else by
/// the inputs read. PyTorch's layers (fixed_pool_geometry) and ONNX's and TFLite's
/// (export_pool.h) all resolve to one.
struct pool_geometry {
  std::int64_t count = 0;
  std::int64_t kernel = 1;
  std::int64_t stride = 1;
  std::int64_t dilation = 1;
  std::int64_t pad_begin = 0;
  std::int64_t pad_end = 0;
  bool divide_by_padded = false;
  std::optional<std::int64_t> divisor_override;
};

/// The geometry of explicit pads: o = floor or (ceil_mode) ceil of
/// (n + pad_begin + pad_end - d*(k-1) - 1)/s, plus 1, where ceil_mode drops a last window that
/// starts at or past n + pad_begin (PyTorch's pooling_output_shape, "ensure that the last pooling
/// starts inside the image"; ONNX's "windows that would start in the right padded region are
/// ignored"). Counts below -2^62 (only when d*(k-1) > 2^62) saturate there.
[[nodiscard]] pool_geometry explicit_pads_geometry(std::int64_t in_size, std::int64_t kernel,
                                                   std::int64_t stride, std::int64_t dilation,
                                                   std::int64_t pad_begin, std::int64_t pad_end,
                                                   bool ceil_mode);

/// PyTorch's layer as a geometry: padding on both sides, count_include_pad and divisor_override
/// as the avg divisor rule. Precondition: valid params.
[[nodiscard]] pool_geometry fixed_pool_geometry(std::int64_t in_size,
                                                const fixed_pool_params& params);

/// The inputs output o reads: {o*s - pad_begin + j*d : 0 <= j < k} intersected with [0, n)
/// (PyTorch's and ONNX Runtime's max pool loops). Precondition: 0 <= o < g.count.
[[nodiscard]] index_progression geometry_indices(std::int64_t in_size, const pool_geometry& g,
                                                 std::int64_t o);

/// The avg divisor of output o: divisor_override; or with divide_by_padded
/// min(x0 + k, n + pad_end) - x0 where x0 = o*s - pad_begin (PyTorch's and ONNX Runtime's
/// pool_size); else the inputs read. Precondition as geometry_indices.
[[nodiscard]] std::int64_t geometry_avg_divisor(std::int64_t in_size, const pool_geometry& g,
                                                std::int64_t o);

/// The first output at which the geometry differs from adaptive pooling n -> m (count, index
/// set, or avg divisor), in one line; nullopt when it reproduces it. All m outputs when
/// `outputs` is empty (O(m)), else the output count and the listed outputs (each in [0, m)).
[[nodiscard]] std::optional<std::string> geometry_mismatch(std::int64_t in_size,
                                                           std::int64_t out_size,
                                                           const pool_geometry& g, pool_kind kind,
                                                           std::span<const std::int64_t> outputs);

/// The inputs output o reads: {o*s - p + j*d : 0 <= j < k} intersected with [0, n) (PyTorch's
/// max pool loop; avg pool is the d = 1 case). Precondition: 0 <= o < fixed_pool_output_size.
[[nodiscard]] index_progression fixed_pool_indices(std::int64_t in_size,
                                                   const fixed_pool_params& params, std::int64_t o);

/// "[b,e)" for a contiguous window (also for a progression of step 1 or of at most one index),
/// "[first..last step d]" for a dilated progression, "{}" for an empty one.
[[nodiscard]] std::string to_string(const window& w);
[[nodiscard]] std::string to_string(const index_progression& indices);

/// Whether the progression reads exactly the inputs of the contiguous window.
[[nodiscard]] bool same_indices(const index_progression& indices, const window& target);

/// The number PyTorch's AvgPool divides output o's sum by: divisor_override if set; else with
/// count_include_pad the window clipped to the padded extent [-p, n+p) (so ceil_mode's overhang
/// is not counted); else the number of real inputs read. Precondition as fixed_pool_indices.
[[nodiscard]] std::int64_t fixed_avg_divisor(std::int64_t in_size, const fixed_pool_params& params,
                                             std::int64_t o);

/// The first output at which the fixed pooling differs from adaptive pooling n -> m (a different
/// output count, index set, or for avg divisor), described in one line; nullopt when it
/// reproduces adaptive pooling exactly. Costs O(m).
[[nodiscard]] std::optional<std::string> fixed_pool_mismatch(std::int64_t in_size,
                                                             std::int64_t out_size,
                                                             const fixed_pool_params& params,
                                                             pool_kind kind);

/// fixed_pool_mismatch restricted to the output count and the listed outputs (each in [0, m)):
/// the reference's check where visiting all m windows is out of reach.
[[nodiscard]] std::optional<std::string> fixed_pool_mismatch_at(
    std::int64_t in_size, std::int64_t out_size, const fixed_pool_params& params, pool_kind kind,
    std::span<const std::int64_t> outputs);

}  // namespace poolproof::reference

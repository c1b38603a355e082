// ONNX's and TFLite's fixed pooling on one axis, in the adaptive window vocabulary of
// fixed_pool.h: both resolve to its pool_geometry (count, taps, padded extent, divisor rule).
#pragma once

#include <poolproof/reference/fixed_pool.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace poolproof::reference {

/// ONNX's auto_pad attribute (AveragePool/MaxPool, opset 19-22).
enum class onnx_auto_pad { notset, same_upper, same_lower, valid };

/// "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID".
[[nodiscard]] const char* onnx_auto_pad_name(onnx_auto_pad auto_pad);

/// One axis of ONNX AveragePool / MaxPool. Defaults are ONNX's (count_include_pad 0).
struct onnx_pool_params {
  std::int64_t kernel = 1;
  std::int64_t stride = 1;
  std::int64_t pad_begin = 0;  ///< pads[i] (NOTSET only; auto_pad derives the pads)
  std::int64_t pad_end = 0;    ///< pads[i + rank] (NOTSET only)
  std::int64_t dilation = 1;   ///< MaxPool only in this family
  onnx_auto_pad auto_pad = onnx_auto_pad::notset;
  bool ceil_mode = false;
  bool count_include_pad = false;  ///< AveragePool only

  friend bool operator==(const onnx_pool_params&, const onnx_pool_params&) = default;
};

/// Throws input_error outside the family: kernel, stride, dilation in [1, 2^62]; NOTSET pads in
/// [0, kernel) (ONNX Runtime: "Pad should be smaller than kernel"); with auto_pad, pads 0,
/// ceil_mode 0 and dilation 1 (there ONNX Runtime 1.30 departs from the spec: VALID with
/// ceil_mode counts as NOTSET does, SAME pads with the undilated kernel); avg: dilation 1.
void require_valid_onnx_params(const onnx_pool_params& params, pool_kind kind);

/// The geometry, as the ONNX operator spec defines it. NOTSET: o = floor or (ceil_mode) ceil of
/// (n + pads - d*(k-1) - 1)/s + 1, dropping a last window that starts at or past n + pad_begin
/// ("windows that would start in the right padded region are ignored"). SAME_*: o = ceil(n/s),
/// P = (o-1)*s + k - n split floor(P/2) | ceil(P/2) before (UPPER | LOWER), the rest after;
/// P < 0 is refused (ONNX Runtime: "padding values must be non-negative"): count 0. VALID:
/// o = floor((n - k)/s) + 1, no pads. Counts <= 0 mean the layer is refused; below -2^62 they
/// saturate. Precondition: valid params and in_size.
[[nodiscard]] pool_geometry onnx_pool_geometry(std::int64_t in_size, const onnx_pool_params& params,
                                               pool_kind kind);

/// geometry_mismatch of onnx_pool_geometry: all outputs, or the count and `outputs`.
[[nodiscard]] std::optional<std::string> onnx_pool_mismatch(
    std::int64_t in_size, std::int64_t out_size, const onnx_pool_params& params, pool_kind kind,
    std::span<const std::int64_t> outputs = {});

/// TensorFlow / TFLite padding: SAME or VALID.
enum class tflite_padding { valid, same };

/// "VALID" or "SAME".
[[nodiscard]] const char* tflite_padding_name(tflite_padding padding);

/// One axis of TFLite AVERAGE_POOL_2D / MAX_POOL_2D (tf.nn.avg_pool / max_pool): no dilation,
/// no ceil_mode, and avg always divides by the inputs read.
struct tflite_pool_params {
  std::int64_t kernel = 1;
  std::int64_t stride = 1;
  tflite_padding padding = tflite_padding::valid;

  friend bool operator==(const tflite_pool_params&, const tflite_pool_params&) = default;
};

/// Throws input_error unless kernel and stride are in [1, 2^62].
void require_valid_tflite_params(const tflite_pool_params& params);

/// The geometry, as TensorFlow defines it (tf.nn.convolution's padding doc, TFLite
/// ComputePaddingWithOffset): SAME: o = ceil(n/s), P = max((o-1)*s + k - n, 0), floor(P/2)
/// before, the rest after; VALID: o = ceil((n - k + 1)/s) (<= 0: refused), no pads.
[[nodiscard]] pool_geometry tflite_pool_geometry(std::int64_t in_size,
                                                 const tflite_pool_params& params);

/// geometry_mismatch of tflite_pool_geometry: all outputs, or the count and `outputs`.
[[nodiscard]] std::optional<std::string> tflite_pool_mismatch(
    std::int64_t in_size, std::int64_t out_size, const tflite_pool_params& params, pool_kind kind,
    std::span<const std::int64_t> outputs = {});

}  // namespace poolproof::reference

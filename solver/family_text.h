// Private to solver/: ONNX and TFLite witnesses as their own code and as JSON.
#pragma once

#include <poolproof/solver/family.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace poolproof::solver::detail {

/// The ONNX node (`AveragePool(kernel_shape=[3], strides=[2], pads=[1, 0], ...)`, pads in
/// ONNX's [begin..., end...] order) or the TF call (`tf.nn.avg_pool(ksize=[3], strides=[2],
/// padding='SAME')`) of one layer, one params per axis. Precondition: the axes share a family,
/// onnx or tflite, and its shared flags.
[[nodiscard]] std::string export_layer_text(const std::vector<family_params>& axes,
                                            reference::pool_kind kind);

/// The same layer as JSON: "kernel", "stride" (numbers for 1-D, arrays for N-D), and ONNX's
/// "pads" ([begin..., end...]), "auto_pad", "ceil_mode", "count_include_pad" (avg) or
/// "dilation" (max), or TFLite's "padding" ("SAME" or "VALID").
[[nodiscard]] nlohmann::json export_layer_json(const std::vector<family_params>& axes,
                                               reference::pool_kind kind);

}  // namespace poolproof::solver::detail

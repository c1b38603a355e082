// A decomposition of adaptive pooling as a complete ONNX model, written with libonnx.
#pragma once

#include <poolproof/solver/decomposition.h>

#include <cstdint>
#include <string>

namespace poolproof::exporter {

/// The opset the models import: ONNX 1.12's checker knows up to 17, and ONNX Runtime runs it.
inline constexpr int onnx_opset = 17;

/// A serialised ModelProto and what it holds.
struct onnx_model {
  std::string bytes;
  std::int64_t nodes = 0;
  int opset = onnx_opset;
};

/// The ONNX family's decomposition `d` as one model: input "x" float32 [N, C, *in_size] (N and C
/// symbolic), output "y" [N, C, *out_size]; AveragePool/MaxPool, Gather (int64 initializers),
/// Concat. The doc string says what it computes and where engines depart from PyTorch on NaN
/// (golden/KNOWN_DIVERGENCES.md). The model passes onnx::checker and strict shape inference
/// before it is returned. Preconditions: d.family is onnx. Throws input_error when a gather
/// would hold more than 2^26 indices (sizes too large to emit as a static graph).
[[nodiscard]] onnx_model make_onnx_model(const solver::decomposition& d);

}  // namespace poolproof::exporter

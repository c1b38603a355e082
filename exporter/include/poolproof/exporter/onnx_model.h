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
/// symbolic), output "y" [N, C, *out_size]; AveragePool/MaxPool, Gather (int32 initializers) and
/// Concat as the decomposition says, axes first to last; the innermost axis is gathered with that
/// axis moved to the front (Transpose, Reshape to [1, 1, n, rest], and back, the shape taken from
/// Shape(x)), where ONNX Runtime copies a row per index. The doc string says what it computes and
/// where ONNX Runtime departs from PyTorch on NaN and -inf (golden/KNOWN_DIVERGENCES.md). The
/// model passes onnx::checker and strict shape inference before it is returned.
/// Preconditions: d.family is onnx. Throws input_error when a gather would hold more than 2^26
/// indices (sizes too large to emit as a static graph).
[[nodiscard]] onnx_model make_onnx_model(const solver::decomposition& d);

}  // namespace poolproof::exporter

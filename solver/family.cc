#include <poolproof/common/error.h>
#include <poolproof/solver/family.h>

namespace poolproof::solver {

const char* pool_family_name(pool_family family) {
  switch (family) {
    case pool_family::onnx:
      return "onnx";
    case pool_family::tflite:
      return "tflite";
    case pool_family::pytorch:
      break;
  }
  return "pytorch";
}

pool_family parse_pool_family(std::string_view name) {
  for (pool_family family : {pool_family::pytorch, pool_family::onnx, pool_family::tflite}) {
    if (name == pool_family_name(family)) return family;
  }
  throw common::input_error("target '" + std::string(name) +
                            "' is not pytorch, onnx, tflite or all");
}

pool_family family_of(const family_params& params) {
  return static_cast<pool_family>(params.index());
}

std::optional<std::string> family_mismatch(std::int64_t n, std::int64_t m,
                                           const family_params& params, reference::pool_kind kind,
                                           std::span<const std::int64_t> outputs) {
  if (const auto* pytorch = std::get_if<reference::fixed_pool_params>(&params)) {
    return outputs.empty() ? reference::fixed_pool_mismatch(n, m, *pytorch, kind)
                           : reference::fixed_pool_mismatch_at(n, m, *pytorch, kind, outputs);
  }
  if (const auto* onnx = std::get_if<reference::onnx_pool_params>(&params)) {
    return reference::onnx_pool_mismatch(n, m, *onnx, kind, outputs);
  }
  return reference::tflite_pool_mismatch(n, m, std::get<reference::tflite_pool_params>(params),
                                         kind, outputs);
}

void require_valid_family_params(const family_params& params, reference::pool_kind kind) {
  if (const auto* pytorch = std::get_if<reference::fixed_pool_params>(&params)) {
    reference::require_valid_params(*pytorch, kind);
  } else if (const auto* onnx = std::get_if<reference::onnx_pool_params>(&params)) {
    reference::require_valid_onnx_params(*onnx, kind);
  } else {
    reference::require_valid_tflite_params(std::get<reference::tflite_pool_params>(params));
  }
}

reference::pool_geometry family_geometry(std::int64_t n, const family_params& params,
                                         reference::pool_kind kind) {
  if (const auto* onnx = std::get_if<reference::onnx_pool_params>(&params)) {
    return reference::onnx_pool_geometry(n, *onnx, kind);
  }
  if (const auto* tflite = std::get_if<reference::tflite_pool_params>(&params)) {
    return reference::tflite_pool_geometry(n, *tflite);
  }
  const auto& p = std::get<reference::fixed_pool_params>(params);
  POOLPROOF_CHECK(!p.divisor_override);
  reference::pool_geometry g = reference::fixed_pool_geometry(n, p);
  g.divide_by_padded = kind == reference::pool_kind::avg && p.count_include_pad;
  return g;
}

}  // namespace poolproof::solver

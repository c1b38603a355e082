#include "solver/family.h"

#include "reference/error.h"

namespace poolproof {

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
  throw input_error("target '" + std::string(name) + "' is not pytorch, onnx, tflite or all");
}

pool_family family_of(const family_params& params) {
  return static_cast<pool_family>(params.index());
}

std::optional<std::string> family_mismatch(std::int64_t n, std::int64_t m,
                                           const family_params& params, pool_kind kind,
                                           std::span<const std::int64_t> outputs) {
  if (const auto* pytorch = std::get_if<fixed_pool_params>(&params)) {
    return outputs.empty() ? fixed_pool_mismatch(n, m, *pytorch, kind)
                           : fixed_pool_mismatch_at(n, m, *pytorch, kind, outputs);
  }
  if (const auto* onnx = std::get_if<onnx_pool_params>(&params)) {
    return onnx_pool_mismatch(n, m, *onnx, kind, outputs);
  }
  return tflite_pool_mismatch(n, m, std::get<tflite_pool_params>(params), kind, outputs);
}

void require_valid_family_params(const family_params& params, pool_kind kind) {
  if (const auto* pytorch = std::get_if<fixed_pool_params>(&params)) {
    require_valid_params(*pytorch, kind);
  } else if (const auto* onnx = std::get_if<onnx_pool_params>(&params)) {
    require_valid_onnx_params(*onnx, kind);
  } else {
    require_valid_tflite_params(std::get<tflite_pool_params>(params));
  }
}

pool_geometry family_geometry(std::int64_t n, const family_params& params, pool_kind kind) {
  if (const auto* onnx = std::get_if<onnx_pool_params>(&params)) {
    return onnx_pool_geometry(n, *onnx, kind);
  }
  if (const auto* tflite = std::get_if<tflite_pool_params>(&params)) {
    return tflite_pool_geometry(n, *tflite);
  }
  const auto& p = std::get<fixed_pool_params>(params);
  POOLPROOF_CHECK(!p.divisor_override);
  pool_geometry g = fixed_pool_geometry(n, p);
  g.divide_by_padded = kind == pool_kind::avg && p.count_include_pad;
  return g;
}

}  // namespace poolproof

#include "solver/family_text.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poolproof/common/error.h>

namespace poolproof::solver::detail {
namespace {

using json = nlohmann::json;

// One number per axis: the bare number for 1-D, a list for N-D.
template <typename Params>
json per_axis(const std::vector<family_params>& axes, std::int64_t Params::*field) {
  std::vector<std::int64_t> values;
  values.reserve(axes.size());
  for (const family_params& axis : axes) values.push_back(std::get<Params>(axis).*field);
  return values.size() == 1 ? json(values.front()) : json(values);
}

// ONNX lists every axis's begin pad, then every axis's end pad.
std::vector<std::int64_t> onnx_pads(const std::vector<family_params>& axes) {
  std::vector<std::int64_t> pads;
  pads.reserve(2 * axes.size());
  for (const family_params& axis : axes)
    pads.push_back(std::get<reference::onnx_pool_params>(axis).pad_begin);
  for (const family_params& axis : axes)
    pads.push_back(std::get<reference::onnx_pool_params>(axis).pad_end);
  return pads;
}

template <typename Params>
std::string list(const std::vector<family_params>& axes, std::int64_t Params::*field) {
  std::vector<std::int64_t> values;
  values.reserve(axes.size());
  for (const family_params& axis : axes) values.push_back(std::get<Params>(axis).*field);
  return fmt::format("[{}]", fmt::join(values, ", "));
}

std::string onnx_text(const std::vector<family_params>& axes, reference::pool_kind kind) {
  const auto& shared = std::get<reference::onnx_pool_params>(axes.front());
  std::string text = fmt::format("{}(kernel_shape={}, strides={}",
                                 kind == reference::pool_kind::avg ? "AveragePool" : "MaxPool",
                                 list(axes, &reference::onnx_pool_params::kernel),
                                 list(axes, &reference::onnx_pool_params::stride));
  if (shared.auto_pad == reference::onnx_auto_pad::notset) {
    text += fmt::format(", pads=[{}], ceil_mode={}", fmt::join(onnx_pads(axes), ", "),
                        shared.ceil_mode ? 1 : 0);
  } else {
    text += fmt::format(", auto_pad={}", reference::onnx_auto_pad_name(shared.auto_pad));
  }
  if (kind == reference::pool_kind::avg) {
    return text + fmt::format(", count_include_pad={})", shared.count_include_pad ? 1 : 0);
  }
  return text + fmt::format(", dilations={})", list(axes, &reference::onnx_pool_params::dilation));
}

}  // namespace

std::string export_layer_text(const std::vector<family_params>& axes, reference::pool_kind kind) {
  POOLPROOF_CHECK(!axes.empty());
  if (family_of(axes.front()) == pool_family::onnx) return onnx_text(axes, kind);
  const auto& shared = std::get<reference::tflite_pool_params>(axes.front());
  return fmt::format("tf.nn.{}(ksize={}, strides={}, padding='{}')",
                     kind == reference::pool_kind::avg ? "avg_pool" : "max_pool",
                     list(axes, &reference::tflite_pool_params::kernel),
                     list(axes, &reference::tflite_pool_params::stride),
                     reference::tflite_padding_name(shared.padding));
}

json export_layer_json(const std::vector<family_params>& axes, reference::pool_kind kind) {
  POOLPROOF_CHECK(!axes.empty());
  if (family_of(axes.front()) == pool_family::tflite) {
    return {{"kernel", per_axis(axes, &reference::tflite_pool_params::kernel)},
            {"stride", per_axis(axes, &reference::tflite_pool_params::stride)},
            {"padding", reference::tflite_padding_name(
                            std::get<reference::tflite_pool_params>(axes.front()).padding)}};
  }
  const auto& shared = std::get<reference::onnx_pool_params>(axes.front());
  json w = {{"kernel", per_axis(axes, &reference::onnx_pool_params::kernel)},
            {"stride", per_axis(axes, &reference::onnx_pool_params::stride)},
            {"pads", onnx_pads(axes)},
            {"auto_pad", reference::onnx_auto_pad_name(shared.auto_pad)},
            {"ceil_mode", shared.ceil_mode}};
  if (kind == reference::pool_kind::avg) {
    w["count_include_pad"] = shared.count_include_pad;
  } else {
    w["dilation"] = per_axis(axes, &reference::onnx_pool_params::dilation);
  }
  return w;
}

}  // namespace poolproof::solver::detail

// Private to solver/: one parameter of a layer gathered across its axes, as JSON or as text.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace poolproof::solver::detail {

/// The field's value on each axis.
template <typename Params>
[[nodiscard]] std::vector<std::int64_t> axis_values(const std::vector<Params>& axes,
                                                    std::int64_t Params::*field) {
  std::vector<std::int64_t> values;
  values.reserve(axes.size());
  for (const Params& axis : axes) values.push_back(axis.*field);
  return values;
}

/// The bare number for 1-D, a list for N-D.
template <typename Params>
[[nodiscard]] nlohmann::json axis_json(const std::vector<Params>& axes,
                                       std::int64_t Params::*field) {
  const std::vector<std::int64_t> values = axis_values(axes, field);
  return values.size() == 1 ? nlohmann::json(values.front()) : nlohmann::json(values);
}

/// "[a, b]" whatever the rank (ONNX's and TF's lists).
template <typename Params>
[[nodiscard]] std::string axis_list(const std::vector<Params>& axes, std::int64_t Params::*field) {
  return fmt::format("[{}]", fmt::join(axis_values(axes, field), ", "));
}

/// The bare number for 1-D, "(a, b)" for N-D (PyTorch's int-or-tuple arguments).
template <typename Params>
[[nodiscard]] std::string axis_tuple(const std::vector<Params>& axes, std::int64_t Params::*field) {
  if (axes.size() == 1) return std::to_string(axes.front().*field);
  return fmt::format("({})", fmt::join(axis_values(axes, field), ", "));
}

}  // namespace poolproof::solver::detail

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poolproof/common/error.h>
#include <poolproof/exporter/pytorch_module.h>
#include <poolproof/solver/family.h>

#include <string>
#include <vector>

#include "exporter/emit_limits.h"

namespace poolproof::exporter {
namespace {

using reference::fixed_pool_params;
using solver::axis_decomposition;
using solver::axis_method;

// A tuple of per-axis values as Python writes it.
std::string tuple(const std::vector<std::int64_t>& values) {
  return values.size() == 1 ? fmt::format("({},)", values.front())
                            : fmt::format("({})", fmt::join(values, ", "));
}

std::string pool_call(const std::vector<solver::family_params>& axes, reference::pool_kind kind,
                      const std::string& input) {
  std::vector<std::int64_t> kernel, stride, padding, dilation;
  for (const solver::family_params& axis : axes) {
    const auto& p = std::get<fixed_pool_params>(axis);
    kernel.push_back(p.kernel);
    stride.push_back(p.stride);
    padding.push_back(p.padding);
    dilation.push_back(p.dilation);
  }
  const auto& shared = std::get<fixed_pool_params>(axes.front());
  const auto flag = [](bool value) { return value ? "True" : "False"; };
  if (kind == reference::pool_kind::avg) {
    return fmt::format(
        "F.avg_pool{}d({}, kernel_size={}, stride={}, padding={}, ceil_mode={}, "
        "count_include_pad={})",
        axes.size(), input, tuple(kernel), tuple(stride), tuple(padding), flag(shared.ceil_mode),
        flag(shared.count_include_pad));
  }
  return fmt::format(
      "F.max_pool{}d({}, kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={})",
      axes.size(), input, tuple(kernel), tuple(stride), tuple(padding), tuple(dilation),
      flag(shared.ceil_mode));
}

// The module's constructor (index buffers) and forward body, built together.
struct module_body {
  std::vector<std::string> buffers;  // "self.register_buffer(...)" lines
  std::vector<std::string> lines;    // forward's statements
  int next = 0;

  std::string buffer(const std::vector<std::int64_t>& indices) {
    if (indices.size() > static_cast<std::size_t>(detail::max_gather)) {
      throw common::input_error(
          fmt::format("a gather of {} indices is too large to emit", indices.size()));
    }
    const std::string name = fmt::format("index_{}", next++);
    buffers.push_back(
        fmt::format("        self.register_buffer(\"{}\", torch.tensor([{}], dtype=torch.long), "
                    "persistent=False)",
                    name, fmt::join(indices, ", ")));
    return "self." + name;
  }

  std::string assign(const std::string& expression) {
    std::string name = fmt::format("t{}", next++);
    lines.push_back(fmt::format("        {} = {}", name, expression));
    return name;
  }
};

// Spatial axis `axis` sits at dimension axis - rank from the end, for [N, C, *] and [C, *] alike.
std::string emit_axis(module_body& body, const solver::decomposition& d, std::size_t axis,
                      const std::string& input) {
  const axis_decomposition& a = d.axes[axis];
  const std::size_t rank = d.in_size.size();
  const auto dim = static_cast<std::int64_t>(axis) - static_cast<std::int64_t>(rank);
  const auto layer = [&](const solver::family_params& pool) {
    return solver::axis_pool_layer(d.family, pool, axis, rank);
  };
  const auto gather = [&](const std::string& from, const std::vector<std::int64_t>& indices) {
    return body.assign(
        fmt::format("torch.index_select({}, {}, {})", from, dim, body.buffer(indices)));
  };
  switch (a.method) {
    case axis_method::identity:
      return input;
    case axis_method::single_layer:
      return body.assign(pool_call(layer(*a.layer), d.kind, input));
    case axis_method::gather:
      return gather(input, solver::single_gather(a));
    case axis_method::gather_pool:
    case axis_method::gather_pools:
      break;
  }
  std::vector<std::string> parts;
  for (std::size_t s = 0; s < a.segments.size(); ++s) {
    const std::string gathered = gather(input, solver::segment_gather(a, s));
    parts.push_back(a.segments[s].pooled
                        ? body.assign(pool_call(layer(a.segments[s].pool), d.kind, gathered))
                        : gathered);
  }
  const std::string joined =
      parts.size() == 1
          ? parts.front()
          : body.assign(fmt::format("torch.cat([{}], {})", fmt::join(parts, ", "), dim));
  return a.reorders ? gather(joined, solver::output_order(a)) : joined;
}

std::string class_name(const solver::decomposition& d) {
  return fmt::format("Adaptive{}Pool{}dExact", d.kind == reference::pool_kind::avg ? "Avg" : "Max",
                     d.in_size.size());
}

}  // namespace

std::string pytorch_module_source(const solver::decomposition& d) {
  POOLPROOF_CHECK(d.family == solver::pool_family::pytorch);
  detail::require_emittable(d);
  module_body body;
  std::string result = "x";
  if (!d.layer.empty()) {
    result = body.assign(pool_call(d.layer, d.kind, result));
  } else {
    for (std::size_t axis = 0; axis < d.axes.size(); ++axis)
      result = emit_axis(body, d, axis, result);
  }
  const std::string adaptive =
      fmt::format("nn.Adaptive{}Pool{}d({})", d.kind == reference::pool_kind::avg ? "Avg" : "Max",
                  d.in_size.size(),
                  d.out_size.size() == 1 ? std::to_string(d.out_size.front()) : tuple(d.out_size));
  return fmt::format(
      "# Generated by poolproof (prove_equivalence --emit-pytorch): {} pooling op(s).\n"
      "import torch\n"
      "import torch.nn.functional as F\n\n\n"
      "class {}(torch.nn.Module):\n"
      "    \"\"\"Exactly {} for inputs [N, C, {}] or [C, {}] (values; max returns no indices).\n\n"
      "    Built from fixed pooling, torch.index_select and torch.cat, so torch.onnx.export\n"
      "    accepts it. Every window and divisor was re-checked against poolproof's exact\n"
      "    reference. Other input sizes are refused.\n"
      "    \"\"\"\n\n"
      "    in_size = {}\n"
      "    out_size = {}\n\n"
      "    def __init__(self):\n"
      "        super().__init__()\n"
      "{}{}"
      "    def forward(self, x):\n"
      "        # Not checked while traced (torch.onnx.export): the graph is valid at in_size "
      "only.\n"
      "        if not torch.jit.is_tracing() and tuple(x.shape[-{}:]) != self.in_size:\n"
      "            raise ValueError(f\"expected spatial sizes {{self.in_size}}, got "
      "{{tuple(x.shape)}}\")\n"
      "{}"
      "        return {}\n",
      d.pooling_ops(), class_name(d), adaptive, fmt::join(d.in_size, ", "),
      fmt::join(d.in_size, ", "), tuple(d.in_size), tuple(d.out_size),
      fmt::join(body.buffers, "\n"), body.buffers.empty() ? "" : "\n\n", d.in_size.size(),
      body.lines.empty() ? "" : fmt::format("{}\n", fmt::join(body.lines, "\n")), result);
}

std::string pytorch_module_source(std::span<const std::int64_t> in_sizes,
                                  std::span<const std::int64_t> out_sizes,
                                  reference::pool_kind kind) {
  if (in_sizes.size() != out_sizes.size() || in_sizes.empty() || in_sizes.size() > 3)
    throw common::input_error("input and output sizes need the same number (1-3) of axes");
  return pytorch_module_source(
      solver::decompose(in_sizes, out_sizes, kind, solver::pool_family::pytorch, {}));
}

}  // namespace poolproof::exporter

// A decomposition told in its family's own vocabulary, and as JSON.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/solver/decomposition.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "solver/families/family_unit.h"

namespace poolproof::solver {
namespace {

using json = nlohmann::json;

// Index lists longer than this are summarised in the text and left out of the JSON.
constexpr std::size_t listed_indices = 24;
constexpr std::int64_t json_indices = 65536;

std::vector<family_params> on_axis(pool_family family, const family_params& pool, std::size_t axis,
                                   std::size_t rank) {
  return axis_pool_layer(family, pool, axis, rank);
}

std::string indices_text(const std::vector<std::int64_t>& indices) {
  if (indices.size() <= listed_indices) return fmt::format("[{}]", fmt::join(indices, ", "));
  const std::vector<std::int64_t> head(indices.begin(), indices.begin() + 8);
  const std::vector<std::int64_t> tail(indices.end() - 4, indices.end());
  return fmt::format("[{}, ..., {}] ({} indices)", fmt::join(head, ", "), fmt::join(tail, ", "),
                     indices.size());
}

// The gather's indices, or (too many to build) how they are made.
std::string gather_indices(const axis_decomposition& a, std::size_t segment) {
  const std::int64_t size =
      segment == a.segments.size() ? a.out_size : a.segments[segment].gathered_size;
  if (size > 1'000'000) {
    return fmt::format("[window by window] ({} indices)", size);
  }
  return indices_text(segment == a.segments.size() ? single_gather(a) : segment_gather(a, segment));
}

std::string axis_lines(const decomposition& d, std::size_t axis, const std::string& input) {
  const axis_decomposition& a = d.axes[axis];
  const detail::family_unit& unit = detail::unit_of(d.family);
  const detail::family_unit::data_movement moves = unit.movement();
  const std::size_t tensor_axis = moves.first_spatial_axis + axis;
  const std::size_t rank = d.in_size.size();
  std::string out = fmt::format("  axis {} ({} -> {}): {}, {} pooling op(s)\n", axis, a.in_size,
                                a.out_size, axis_method_name(a.method), a.pooling_ops);
  const std::string result = fmt::format("y{}", axis);
  switch (a.method) {
    case axis_method::identity:
      return out + fmt::format("    {} = {}\n", result, input);
    case axis_method::single_layer:
      return out + fmt::format("    {} = {}({})\n", result,
                               axis_pool_text(d.family, *a.layer, axis, rank, d.kind), input);
    case axis_method::gather:
      return out + fmt::format("    {} = {}({}, {}={}, {})\n", result, moves.gather, input,
                               moves.axis_keyword, tensor_axis, gather_indices(a, 0));
    case axis_method::gather_pool:
    case axis_method::gather_pools:
      break;
  }
  std::vector<std::string> parts;
  for (std::size_t s = 0; s < a.segments.size(); ++s) {
    const axis_segment& seg = a.segments[s];
    const std::string gathered = fmt::format("g{}_{}", axis, s);
    out += fmt::format("    {} = {}({}, {}={}, {})  # {} window(s) of {}\n", gathered, moves.gather,
                       input, moves.axis_keyword, tensor_axis, gather_indices(a, s), seg.windows,
                       seg.window_length);
    if (!seg.pooled) {
      parts.push_back(gathered);
      continue;
    }
    const std::string pooled = fmt::format("p{}_{}", axis, s);
    out += fmt::format("    {} = {}({})\n", pooled,
                       axis_pool_text(d.family, seg.pool, axis, rank, d.kind), gathered);
    parts.push_back(pooled);
  }
  std::string joined = parts.front();
  if (parts.size() > 1) {
    joined = fmt::format("{}([{}], {}={})", moves.concat, fmt::join(parts, ", "),
                         moves.axis_keyword, tensor_axis);
  }
  if (!a.reorders) return out + fmt::format("    {} = {}\n", result, joined);
  const std::string order = a.out_size > 1'000'000
                                ? fmt::format("[adaptive order] ({} indices)", a.out_size)
                                : indices_text(output_order(a));
  return out + fmt::format("    {} = {}({}, {}={}, {})\n", result, moves.gather, joined,
                           moves.axis_keyword, tensor_axis, order);
}

json segment_json(const decomposition& d, const axis_decomposition& a, std::size_t axis,
                  std::size_t s) {
  const axis_segment& seg = a.segments[s];
  json out = {{"kernel", seg.kernel},
              {"windows", seg.windows},
              {"window_length", seg.window_length},
              {"short_first", seg.short_first},
              {"short_last", seg.short_last},
              {"gathered_size", seg.gathered_size},
              {"pooled", seg.pooled}};
  if (seg.pooled) {
    out["call"] = detail::unit_of(d.family).call_json(
        on_axis(d.family, seg.pool, axis, d.in_size.size()), d.kind);
  }
  if (seg.gathered_size <= json_indices) out["indices"] = segment_gather(a, s);
  return out;
}

json axis_json(const decomposition& d, std::size_t axis) {
  const axis_decomposition& a = d.axes[axis];
  json out = {{"axis", axis},
              {"in_size", a.in_size},
              {"out_size", a.out_size},
              {"method", axis_method_name(a.method)},
              {"pooling_ops", a.pooling_ops},
              {"minimality", a.minimality},
              {"reorders", a.reorders},
              {"segments", json::array()}};
  if (a.layer) {
    out["call"] = detail::unit_of(d.family).call_json(
        on_axis(d.family, *a.layer, axis, d.in_size.size()), d.kind);
  }
  if (a.method == axis_method::gather && a.out_size <= json_indices) {
    out["indices"] = single_gather(a);
  }
  for (std::size_t s = 0; s < a.segments.size(); ++s)
    out["segments"].push_back(segment_json(d, a, axis, s));
  if (a.reorders && a.out_size <= json_indices) out["order"] = output_order(a);
  return out;
}

}  // namespace

std::vector<family_params> axis_pool_layer(pool_family family, const family_params& pool,
                                           std::size_t axis, std::size_t rank) {
  std::vector<family_params> axes(rank, detail::unit_of(family).untouched_axis(pool));
  axes.at(axis) = pool;
  return axes;
}

std::string axis_pool_text(pool_family family, const family_params& pool, std::size_t axis,
                           std::size_t rank, reference::pool_kind kind) {
  return detail::unit_of(family).layer_text(on_axis(family, pool, axis, rank), kind);
}

std::string decomposition_text(const decomposition& d) {
  const detail::family_unit& unit = detail::unit_of(d.family);
  const std::string head =
      fmt::format("{} {}: ", pool_family_name(d.family), reference::pool_kind_name(d.kind));
  if (!d.layer.empty()) {
    return head + "SINGLE LAYER  " + unit.layer_text(d.layer, d.kind) +
           "\n  fewest pooling ops: 1 (lemma: a window of two or more inputs needs a pooling op)\n";
  }
  std::string out = fmt::format(
      "{}DECOMPOSED  {} pooling op(s), axes applied first to last, each window re-checked by "
      "the reference ({} checked)\n",
      head, d.pooling_ops(), d.rechecked_windows);
  std::string input = "x";
  for (std::size_t axis = 0; axis < d.axes.size(); ++axis) {
    out += axis_lines(d, axis, input);
    input = fmt::format("y{}", axis);
  }
  out +=
      "  fewest pooling ops per axis, in the class: static gathers, the family's fixed pooling,"
      " static data movement\n";
  for (std::size_t axis = 0; axis < d.axes.size(); ++axis) {
    out += fmt::format("    axis {}: {} ({})\n", axis, d.axes[axis].pooling_ops,
                       d.axes[axis].minimality);
  }
  return out;
}

std::string decomposition_json(const decomposition& d) {
  const detail::family_unit& unit = detail::unit_of(d.family);
  json out = {{"target", pool_family_name(d.family)},
              {"kind", reference::pool_kind_name(d.kind)},
              {"in_size", d.in_size},
              {"out_size", d.out_size},
              {"pooling_ops", d.pooling_ops()},
              {"reference_rechecked_windows", d.rechecked_windows}};
  if (!d.layer.empty()) {
    out["method"] = "single layer";
    out["call"] = unit.call_json(d.layer, d.kind);
    return out.dump(2) + "\n";
  }
  out["method"] = "per axis";
  out["axes"] = json::array();
  for (std::size_t axis = 0; axis < d.axes.size(); ++axis)
    out["axes"].push_back(axis_json(d, axis));
  return out.dump(2) + "\n";
}

}  // namespace poolproof::solver

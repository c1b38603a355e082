// engine_check's ONNX family's wrong layers: the reference model of an ONNX pooling layer (not
// adaptive pooling) decides whether ONNX Runtime ran the layer as written.
#include "engine_check_onnx.h"

#include <poolproof/common/error.h>
#include <poolproof/reference/export_pool.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/reference/float_format.h>

#include <cstdint>
#include <string>

namespace poolproof::runtimes {
namespace {

using poolproof::common::input_error;
using poolproof::reference::extended_rational;
using poolproof::reference::rational;

poolproof::reference::onnx_pool_params onnx_params(const json& layer,
                                                   poolproof::reference::pool_kind kind) {
  const std::string where = "onnx layer " + layer.dump();
  poolproof::reference::onnx_pool_params p;
  p.kernel = field(layer, "kernel", where).get<std::int64_t>();
  p.stride = field(layer, "stride", where).get<std::int64_t>();
  const json& pads = field(layer, "pads", where);
  if (!pads.is_array() || pads.size() != 2) throw input_error(where + ": pads is not [begin, end]");
  p.pad_begin = pads[0].get<std::int64_t>();
  p.pad_end = pads[1].get<std::int64_t>();
  const std::string auto_pad = field(layer, "auto_pad", where).get<std::string>();
  bool known = false;
  for (const poolproof::reference::onnx_auto_pad a :
       {poolproof::reference::onnx_auto_pad::notset,
        poolproof::reference::onnx_auto_pad::same_upper,
        poolproof::reference::onnx_auto_pad::same_lower,
        poolproof::reference::onnx_auto_pad::valid}) {
    if (auto_pad == poolproof::reference::onnx_auto_pad_name(a)) {
      p.auto_pad = a;
      known = true;
    }
  }
  if (!known) throw input_error(where + ": unknown auto_pad");
  p.ceil_mode = field(layer, "ceil_mode", where).get<bool>();
  if (kind == poolproof::reference::pool_kind::avg) {
    p.count_include_pad = field(layer, "count_include_pad", where).get<bool>();
  } else {
    p.dilation = field(layer, "dilation", where).get<std::int64_t>();
  }
  poolproof::reference::require_valid_onnx_params(p, kind);
  return p;
}

// An empty string when the engine's outputs are those of the layer as the reference models ONNX
// (onnx_pool_geometry: count, taps, divisor), exactly for max and within the float32 bound for
// avg; else why not. This is the reference model, not adaptive pooling, so a wrong layer that the
// engine runs differently from the model is reported as a disagreement.
std::string check_model(const case_key& key, const json& bits, const json& layer,
                        const poolproof::reference::exact_tensor& input) {
  const poolproof::reference::pool_kind kind = key.kind == "avg"
                                                   ? poolproof::reference::pool_kind::avg
                                                   : poolproof::reference::pool_kind::max;
  const std::int64_t n = key.in_size;
  const poolproof::reference::pool_geometry g =
      poolproof::reference::onnx_pool_geometry(n, onnx_params(layer, kind), kind);
  const std::int64_t rows = input.shape[0];
  if (!bits.is_array() || static_cast<std::int64_t>(bits.size()) != rows) {
    return "expected " + std::to_string(rows) + " output rows";
  }
  tally scratch;
  for (std::int64_t r = 0; r < rows; ++r) {
    const json& row = bits[static_cast<std::size_t>(r)];
    if (!row.is_array() || static_cast<std::int64_t>(row.size()) != g.count) {
      return "row " + std::to_string(r) + " has " + std::to_string(row.size()) +
             " outputs, the model has " + std::to_string(g.count);
    }
    for (std::int64_t o = 0; o < g.count; ++o) {
      const poolproof::reference::index_progression taps =
          poolproof::reference::geometry_indices(n, g, o);
      if (taps.count == 0) {
        return "output " + std::to_string(o) + " reads no input (the model leaves it undefined)";
      }
      rational sum = 0, sum_abs = 0, largest = 0;
      for (std::int64_t j = 0; j < taps.count; ++j) {
        const rational& x =
            input.values[static_cast<std::size_t>(r * n + taps.first + j * taps.step)].value;
        sum += x;
        sum_abs += abs(x);
        if (j == 0 || x > largest) largest = x;
      }
      const json& got = row[static_cast<std::size_t>(o)];
      const std::uint32_t b = bits_of(got, describe(key));
      const std::string at = "row " + std::to_string(r) + " output " + std::to_string(o) + ": ";
      if (kind == poolproof::reference::pool_kind::max) {
        const std::string why =
            check_output("max", b, extended_rational::finite(largest), 0, taps.count, scratch);
        if (!why.empty()) return at + why;
        continue;
      }
      const std::int64_t divisor = poolproof::reference::geometry_avg_divisor(n, g, o);
      const rational exact = sum / divisor;
      const rational error =
          abs(poolproof::reference::decode(poolproof::reference::float_format::binary32, b).value -
              exact);
      const rational bound = avg_error_bound(sum_abs, taps.count, divisor, exact);
      if (error > bound) {
        return at + "got " +
               poolproof::reference::to_string(
                   poolproof::reference::decode(poolproof::reference::float_format::binary32, b)) +
               ", the model's exact " + to_string(extended_rational::finite(exact)) + " (divisor " +
               std::to_string(divisor) + ") is farther than the float32 bound";
      }
    }
  }
  return "";
}

}  // namespace

// A wrong layer passes when the engine runs it as the reference model says (so ONNX Runtime and
// our ONNX model agree on it too) and the comparison with adaptive pooling fails on it (an engine
// error is no such proof).
void check_wrong(const case_key& key, const json& entry, const json& layer,
                 const poolproof::reference::exact_tensor& input, report& out) {
  const std::string group = group_of(key);
  const std::string name = describe(key) + " " + layer.dump();
  if (entry.contains("error")) {
    out.fail(group, name + ": engine error: " + entry.at("error").dump());
    return;
  }
  const json& bits = field(entry, "bits", "output entry");
  if (const std::string model = check_model(key, bits, layer, input); !model.empty()) {
    out.fail(group,
             name + ": the engine disagrees with the reference model of the layer: " + model);
    return;
  }
  tally scratch;  // the wrong layer's errors must not count in the witnesses' statistics
  const std::string why = check_pooled(key, bits, input, scratch);
  if (why.empty()) {
    out.fail(group, name + ": NOT detected: the engine's outputs match adaptive pooling, the " +
                        "reference model says the layer differs");
    return;
  }
  ++out.groups[group].passed;
  out.detections.emplace(group, name + ": " + why);
}

}  // namespace poolproof::runtimes

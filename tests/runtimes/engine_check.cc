// engine_check CASES RESULTS: decides exactly whether a real engine's pooling outputs agree with
// the exact reference. Every comparison is in rationals on decoded float32 bit patterns, never in
// floating point. Exit status: 0 all passed, 1 any failure, 2 malformed input.
#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/exact_number.h>
#include <poolproof/reference/export_pool.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/reference/float_format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace {

using json = nlohmann::json;
using poolproof::common::input_error;
using poolproof::reference::extended_rational;
using poolproof::reference::rational;

// --- The float32 error bound for an average -----------------------------------------------------
//
// An engine computes the mean of a window x_1..x_L of float32 values in float32 (round to
// nearest, unit roundoff u = 2^-24, no overflow or underflow: inputs here are integers of
// magnitude < 2^24 and L <= 64). Let S = sum x_i and A = S/L, the exact mean.
//  1. Summation in ANY order (left to right, pairwise, several SIMD lanes, any binary tree; zeros
//     added for padding change nothing) takes each x_i through at most L-1 roundings, so the
//     computed sum is S' = S + e with |e| <= gamma_{L-1} * sum|x_i| (Higham, Accuracy and
//     Stability of Numerical Algorithms, 2nd ed., section 4.2, eq. 4.6), where
//     gamma_k = k*u / (1 - k*u). A sum accumulated in a wider format and rounded once to
//     float32 is also within this (|e| <= (u + gamma^{wide}_{L-1}) * sum|x_i|).
//  2. The division either rounds once, fl(S'/L) = (S'/L)(1 + d), or is a multiplication by a
//     rounded reciprocal, fl(S' * fl(1/L)) = (S'/L)(1 + d1)(1 + d2), with |d|, |d1|, |d2| <= u.
//     In both cases the result is (S'/L)(1 + t) with |t| <= 2u + u^2 <= gamma_2, so
//       |result - A| <= (1 + u)^2 |e| / L + gamma_2 |A|
//                    <= gamma_{L+1} * sum|x_i| / L + gamma_2 * |A|,
//     using (1 + u) gamma_k <= gamma_{k+1} (Higham, Lemma 3.3) twice.
// The bound is evaluated in exact rationals. A plain division would allow only u|A| for the
// second term; gamma_2 also admits engines that multiply by 1/L, which is not an error.
rational unit_roundoff() { return rational(1, std::int64_t{1} << 24); }

rational gamma(std::int64_t k) {
  const rational ku = rational(k) * unit_roundoff();
  return ku / (1 - ku);
}

rational avg_error_bound(const rational& sum_abs, std::int64_t length, const rational& exact) {
  return gamma(length + 1) * sum_abs / length + gamma(2) * abs(exact);
}

// The same for a fixed pooling that sums `length` inputs and divides by `divisor` (which
// count_include_pad may make larger): the argument above with S'/divisor in place of S'/L.
rational avg_error_bound(const rational& sum_abs, std::int64_t length, std::int64_t divisor,
                         const rational& exact) {
  return gamma(std::max<std::int64_t>(length, 1) + 1) * sum_abs / divisor + gamma(2) * abs(exact);
}

// --- Reading the files --------------------------------------------------------------------------

json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw input_error("cannot read '" + path + "'");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw input_error("cannot parse '" + path + "': " + e.what());
  }
}

const json& field(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) {
    throw input_error(where + ": missing field '" + key + "'");
  }
  return object.at(key);
}

std::int64_t size_field(const json& object, const char* key, const std::string& where) {
  const json& value = field(object, key, where);
  if (!value.is_number_integer() || value.get<std::int64_t>() < 1 ||
      value.get<std::int64_t>() > 4096) {
    throw input_error(where + ": '" + key + "' is not a size in [1, 4096]");
  }
  return value.get<std::int64_t>();
}

std::uint32_t bits_of(const json& value, const std::string& where) {
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() > 0xFFFF'FFFFu) {
    throw input_error(where + ": output is not a float32 bit pattern (uint32)");
  }
  return static_cast<std::uint32_t>(value.get<std::uint64_t>());
}

// The exact rows of one input size, as a [rows, 1, n] tensor; values must be float32 integers.
poolproof::reference::exact_tensor input_tensor(const json& rows, std::int64_t n,
                                                const std::string& where) {
  poolproof::reference::exact_tensor tensor{{0, 1, n}, {}};
  for (const json& row : rows) {
    if (!row.is_array() || static_cast<std::int64_t>(row.size()) != n) {
      throw input_error(where + ": an input row does not have " + std::to_string(n) + " values");
    }
    for (const json& v : row) {
      if (!v.is_number_integer() || v.get<std::int64_t>() > (1 << 24) ||
          v.get<std::int64_t>() < -(1 << 24)) {
        throw input_error(where + ": an input value is not an integer of magnitude <= 2^24");
      }
      tensor.values.push_back(extended_rational::finite(rational(v.get<std::int64_t>())));
    }
    ++tensor.shape[0];
  }
  if (tensor.shape[0] == 0) throw input_error(where + ": no input rows");
  return tensor;
}

// --- Tallies ------------------------------------------------------------------------------------

struct tally {
  std::int64_t passed = 0;
  std::int64_t failed = 0;
  std::int64_t outputs = 0;
  std::int64_t correctly_rounded = 0;  ///< avg outputs bit-identical to the rounded exact mean
  rational worst_ratio = 0;            ///< avg: largest |engine - exact| / bound seen
};

struct report {
  std::map<std::string, tally> groups;
  std::vector<std::string> failures;
  std::map<std::string, std::string> detections;  ///< per group, the first wrong layer caught

  void fail(const std::string& group, const std::string& message) {
    ++groups[group].failed;
    failures.push_back(group + ": " + message);
  }
};

// --- Checking pooled outputs --------------------------------------------------------------------

/// One engine run: adaptive pooling (witness -1), or fixed pooling with witness 0 (Z3's) or a
/// variant (1, 2, ... in the order of the case's "variants"). Family "onnx": the ONNX family's
/// closed-form witness (0) or an auto_pad variant (1, 2, ... in the order of the case's
/// "auto_pad_variants"), or (`wrong`) the case's deliberately wrong layer, which must fail.
struct case_key {
  std::int64_t in_size, out_size;
  std::string kind, pooling;
  std::int64_t witness = -1;
  std::string family = "pytorch";
  bool wrong = false;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>.
  auto operator<=>(const case_key&) const = default;
};

std::string describe(const case_key& key) {
  std::string text = std::to_string(key.in_size) + " -> " + std::to_string(key.out_size);
  if (key.wrong) return text + " wrong layer";
  if (key.witness <= 0) return text;
  return text + (key.family == "onnx" ? " auto_pad variant " : " variant ") +
         std::to_string(key.witness);
}

// The tally a run counts in: "fixed avg", "adaptive max"; for the ONNX family "onnx witness avg",
// "onnx auto_pad max", "onnx wrong avg".
std::string group_of(const case_key& key) {
  if (key.family != "onnx") return key.pooling + " " + key.kind;
  const char* layer = key.wrong ? "wrong" : key.witness > 0 ? "auto_pad" : "witness";
  return "onnx " + std::string(layer) + " " + key.kind;
}

// An empty string when output i of a row agrees with the exact reference, else why not.
std::string check_output(const std::string& kind, std::uint32_t bits,
                         const extended_rational& exact, const rational& sum_abs,
                         std::int64_t length, tally& counts) {
  const extended_rational got =
      poolproof::reference::decode(poolproof::reference::float_format::binary32, bits);
  const std::uint64_t expected_bits =
      poolproof::reference::round_to(poolproof::reference::float_format::binary32, exact);
  ++counts.outputs;
  if (kind == "max" || !exact.is_finite() || !got.is_finite()) {
    if (bits == expected_bits) return "";
    return "got " + to_string(got) + " (bits " + std::to_string(bits) + "), exact " +
           to_string(exact);
  }
  if (bits == expected_bits) ++counts.correctly_rounded;
  const rational error = abs(got.value - exact.value);
  const rational bound = avg_error_bound(sum_abs, length, exact.value);
  if (bound > 0 && error / bound > counts.worst_ratio) counts.worst_ratio = error / bound;
  if (error <= bound) return "";
  return "got " + to_string(got) + ", exact " + to_string(exact) + ", error " +
         to_string(extended_rational::finite(error)) + " exceeds the float32 bound " +
         to_string(extended_rational::finite(bound));
}

rational window_sum_abs(const poolproof::reference::exact_tensor& input, std::int64_t row,
                        const poolproof::reference::window& w) {
  rational sum = 0;
  const std::int64_t n = input.shape[2];
  for (std::int64_t j = w.begin; j < w.end; ++j) {
    sum += abs(input.values[static_cast<std::size_t>(row * n + j)].value);
  }
  return sum;
}

// Compares every row of one engine output with the exact adaptive pooling of the same rows.
std::string check_pooled(const case_key& key, const json& bits,
                         const poolproof::reference::exact_tensor& input, tally& counts) {
  const std::int64_t n = key.in_size, m = key.out_size;
  const std::vector<std::int64_t> out_size{m};
  const poolproof::reference::exact_tensor exact =
      key.kind == "avg" ? poolproof::reference::adaptive_avg_pool(input, out_size)
                        : poolproof::reference::adaptive_max_pool(input, out_size).values;
  const std::int64_t rows = input.shape[0];
  if (!bits.is_array() || static_cast<std::int64_t>(bits.size()) != rows) {
    return "expected " + std::to_string(rows) + " output rows";
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    const json& row = bits[static_cast<std::size_t>(r)];
    if (!row.is_array() || static_cast<std::int64_t>(row.size()) != m) {
      return "row " + std::to_string(r) + " has " + std::to_string(row.size()) +
             " outputs, adaptive pooling has " + std::to_string(m);
    }
    for (std::int64_t i = 0; i < m; ++i) {
      const poolproof::reference::window w = poolproof::reference::adaptive_window(n, m, i);
      const std::string why =
          check_output(key.kind, bits_of(row[static_cast<std::size_t>(i)], describe(key)),
                       exact.values[static_cast<std::size_t>(r * m + i)],
                       window_sum_abs(input, r, w), w.length(), counts);
      if (!why.empty()) {
        return "row " + std::to_string(r) + " output " + std::to_string(i) + ": " + why;
      }
    }
  }
  return "";
}

// --- Checking recovered windows -----------------------------------------------------------------

// An empty string when the engine's windows for n -> m are exactly the adaptive windows.
std::string check_windows(std::int64_t n, std::int64_t m, const json& entry) {
  const json& anomalies = entry.value("anomalies", json::array());
  if (!anomalies.empty()) return "engine anomalies: " + anomalies.dump();
  const json& windows = field(entry, "windows", "windows entry");
  if (!windows.is_array() || static_cast<std::int64_t>(windows.size()) != m) {
    return "expected " + std::to_string(m) + " windows";
  }
  for (std::int64_t i = 0; i < m; ++i) {
    const json& w = windows[static_cast<std::size_t>(i)];
    const poolproof::reference::window expected = poolproof::reference::adaptive_window(n, m, i);
    if (!w.is_array() || w.size() != 2 || !w[0].is_number_integer() || !w[1].is_number_integer()) {
      return "output " + std::to_string(i) + " reads " + w.dump() + ", not a contiguous window; " +
             "adaptive " + poolproof::reference::to_string(expected);
    }
    const poolproof::reference::window got{w[0].get<std::int64_t>(), w[1].get<std::int64_t>()};
    if (got != expected) {
      return "output " + std::to_string(i) + " reads " + poolproof::reference::to_string(got) +
             ", adaptive " + poolproof::reference::to_string(expected);
    }
  }
  return "";
}

void check_all_windows(const json& results, std::int64_t max_size, report& out) {
  std::set<std::pair<std::int64_t, std::int64_t>> seen;
  for (const json& entry : field(results, "windows", "results")) {
    const std::int64_t n = size_field(entry, "in_size", "windows entry");
    const std::int64_t m = size_field(entry, "out_size", "windows entry");
    const std::string name = "windows " + std::to_string(n) + " -> " + std::to_string(m);
    if (n > max_size || m > max_size || !seen.insert({n, m}).second) {
      out.fail("windows", name + ": unexpected or repeated entry");
      continue;
    }
    const std::string why = check_windows(n, m, entry);
    if (why.empty()) {
      ++out.groups["windows"].passed;
    } else {
      out.fail("windows", std::string(name).append(": ").append(why));
    }
  }
  for (std::int64_t n = 1; n <= max_size; ++n) {
    for (std::int64_t m = 1; m <= max_size; ++m) {
      if (!seen.contains({n, m})) {
        out.fail("windows", std::to_string(n) + " -> " + std::to_string(m) + ": not reported");
      }
    }
  }
}

// --- Putting it together ------------------------------------------------------------------------

struct options {
  std::string cases_path, results_path;
  std::vector<std::string> required{"fixed"};
};

struct case_table {
  std::int64_t max_size = 0, window_max_size = 0;
  std::map<std::int64_t, poolproof::reference::exact_tensor> inputs;
  std::map<case_key, bool> expected;     ///< (n, m, kind, pooling) -> the engine must report it
  std::map<case_key, json> onnx_layers;  ///< the ONNX family's layers, named in messages
};

// The ONNX family's runs of one case: the witness, its auto_pad variants and the wrong layer.
void expect_onnx(const json& c, std::int64_t n, std::int64_t m, case_table& table) {
  const json& family = field(c, "onnx", "case (run engine_cases again)");
  for (const char* kind : {"avg", "max"}) {
    const json& verdict = field(family, kind, "case onnx");
    if (!field(verdict, "equivalent", "case onnx").get<bool>()) continue;
    if (!table.inputs.contains(n)) {
      throw input_error("cases: no input rows for n = " + std::to_string(n));
    }
    std::vector<json> layers{field(verdict, "witness", "case onnx")};
    for (const json& v : field(verdict, "auto_pad_variants", "case onnx")) layers.push_back(v);
    for (std::size_t w = 0; w < layers.size(); ++w) {
      const case_key key{n, m, kind, "fixed", static_cast<std::int64_t>(w), "onnx"};
      table.expected[key] = true;
      table.onnx_layers[key] = layers[w];
    }
    const case_key wrong{n, m, kind, "fixed", 0, "onnx", true};
    table.expected[wrong] = true;
    table.onnx_layers[wrong] = field(verdict, "wrong", "case onnx");
  }
}

case_table read_cases(const json& cases, const std::vector<std::string>& required, report& out) {
  case_table table;
  table.max_size = size_field(cases, "max_size", "cases");
  table.window_max_size = size_field(cases, "window_max_size", "cases");
  for (const json& input : field(cases, "inputs", "cases")) {
    const std::int64_t n = size_field(input, "in_size", "cases input");
    table.inputs[n] = input_tensor(field(input, "rows", "cases input"), n, "cases input");
  }
  for (const json& c : field(cases, "cases", "cases")) {
    const std::int64_t n = size_field(c, "in_size", "case"), m = size_field(c, "out_size", "case");
    if (std::find(required.begin(), required.end(), "onnx") != required.end()) {
      expect_onnx(c, n, m, table);
    }
    for (const char* kind : {"avg", "max"}) {
      const json& verdict = field(field(c, kind, "case"), "equivalent", "case");
      const case_key key{n, m, kind, ""};
      if (verdict.is_null()) out.fail("verdicts", describe(key) + " " + kind + ": Z3 unknown");
      if (!verdict.is_boolean() || !verdict.get<bool>()) continue;
      if (!table.inputs.contains(n)) {
        throw input_error("cases: no input rows for n = " + std::to_string(n));
      }
      const auto witnesses =
          1 + static_cast<std::int64_t>(field(c.at(kind), "variants", "case").size());
      for (const std::string& pooling : required) {
        if (pooling == "adaptive") table.expected[{n, m, kind, pooling, -1}] = true;
        if (pooling != "fixed") continue;
        for (std::int64_t w = 0; w < witnesses; ++w)
          table.expected[{n, m, kind, pooling, w}] = true;
      }
    }
  }
  return table;
}

// --- The ONNX family's wrong layers
// ----------------------------------------------------------------

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

void check_outputs(const json& results, case_table& table, report& out) {
  for (const json& entry : field(results, "outputs", "results")) {
    case_key key{size_field(entry, "in_size", "output entry"),
                 size_field(entry, "out_size", "output entry"),
                 field(entry, "kind", "output entry").get<std::string>(),
                 field(entry, "pooling", "output entry").get<std::string>(),
                 entry.value("witness", std::int64_t{-1}),
                 entry.value("family", std::string("pytorch")),
                 entry.value("wrong", false)};
    const std::string group = group_of(key);
    const auto wanted = table.expected.find(key);
    if (wanted == table.expected.end() || !wanted->second) {
      out.fail(group, describe(key) + ": not an expected case, or reported twice");
      continue;
    }
    wanted->second = false;
    const poolproof::reference::exact_tensor& input = table.inputs.at(key.in_size);
    const auto layer = table.onnx_layers.find(key);
    if (key.wrong) {
      check_wrong(key, entry, layer->second, input, out);
      continue;
    }
    std::string why =
        entry.contains("error")
            ? "engine error: " + entry.at("error").dump()
            : check_pooled(key, field(entry, "bits", "output entry"), input, out.groups[group]);
    if (why.empty()) {
      ++out.groups[group].passed;
    } else {
      std::string name = describe(key);
      if (layer != table.onnx_layers.end()) name.append(" ").append(layer->second.dump());
      out.fail(group, name.append(": ").append(why));
    }
  }
  for (const auto& [key, missing] : table.expected) {
    if (missing) out.fail(group_of(key), describe(key) + ": not reported");
  }
}

void print(const json& results, const report& out) {
  const std::string engine =
      results.value("engine", "engine") + " " + results.value("engine_version", std::string("?"));
  std::int64_t passed = 0, failed = 0;
  for (const auto& [group, t] : out.groups) {
    std::cout << engine << ": " << group << ": " << t.passed << " passed, " << t.failed
              << " failed";
    if (t.outputs > 0) std::cout << " (" << t.outputs << " outputs";
    if (group.starts_with("onnx wrong")) std::cout << " (passed = the comparison said no)";
    if (group.ends_with("avg") && t.outputs > 0) {
      std::cout << ", " << t.correctly_rounded << " correctly rounded, largest error "
                << t.worst_ratio.convert_to<double>() << " of its bound";
    }
    std::cout << (t.outputs > 0 ? ")\n" : "\n");
    passed += t.passed;
    failed += t.failed;
  }
  for (const auto& [group, detection] : out.detections) {
    std::cout << "caught wrong layer (" << group << "), e.g. " << detection << "\n";
  }
  for (std::size_t i = 0; i < out.failures.size() && i < 20; ++i) {
    std::cout << "FAIL " << out.failures[i] << "\n";
  }
  if (out.failures.size() > 20) std::cout << "... and " << out.failures.size() - 20 << " more\n";
  std::cout << passed << " passed, " << failed << " failed\n";
}

int run(const options& opts) {
  const json cases = read_json(opts.cases_path);
  const json results = read_json(opts.results_path);
  report out;
  case_table table = read_cases(cases, opts.required, out);
  check_outputs(results, table, out);
  if (std::find(opts.required.begin(), opts.required.end(), "windows") != opts.required.end()) {
    check_all_windows(results, table.window_max_size, out);
  }
  print(results, out);
  return out.failures.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Check a real engine's pooling results against the exact reference.\n"
      "Exit status: 0 all passed, 1 any failure, 2 malformed input."};
  options opts;
  app.add_option("CASES", opts.cases_path, "cases JSON written by engine_cases")->required();
  app.add_option("RESULTS", opts.results_path, "results JSON written by an engine script")
      ->required();
  app.add_option("--require", opts.required,
                 "what the results must cover: fixed, adaptive, windows, onnx (the ONNX "
                 "family's witnesses, auto_pad variants and wrong layers)")
      ->delimiter(',')
      ->check(CLI::IsMember({"fixed", "adaptive", "windows", "onnx"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "engine_check: " << e.what() << " (see --help)\n";
    return 2;
  }
  try {
    return run(opts);
  } catch (const input_error& e) {
    std::cerr << "engine_check: " << e.what() << "\n";
    return 2;
  } catch (const json::exception& e) {
    std::cerr << "engine_check: malformed JSON: " << e.what() << "\n";
    return 2;
  }
}

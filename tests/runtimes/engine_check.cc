// engine_check CASES RESULTS: decides exactly whether a real engine's pooling outputs agree with
// the exact reference. Every comparison is in rationals on decoded float32 bit patterns, never in
// floating point. Exit status: 0 all passed, 1 any failure, 2 malformed input.
#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/reference/tensor.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine_check_compare.h"
#include "engine_check_onnx.h"

namespace poolproof::runtimes {
namespace {

using poolproof::common::input_error;

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
}  // namespace poolproof::runtimes

int main(int argc, char** argv) {
  CLI::App app{
      "Check a real engine's pooling results against the exact reference.\n"
      "Exit status: 0 all passed, 1 any failure, 2 malformed input."};
  poolproof::runtimes::options opts;
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
    return poolproof::runtimes::run(opts);
  } catch (const poolproof::common::input_error& e) {
    std::cerr << "engine_check: " << e.what() << "\n";
    return 2;
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "engine_check: malformed JSON: " << e.what() << "\n";
    return 2;
  }
}

// engine_check CASES RESULTS: decides exactly whether a real engine's pooling outputs agree with
// the exact reference. Every comparison is in rationals on decoded float32 bit patterns, never in
// floating point. Exit status: 0 all passed, 1 any failure, 2 malformed input.
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

#include "reference/adaptive_pool.h"
#include "reference/adaptive_window.h"
#include "reference/error.h"
#include "reference/exact_number.h"
#include "reference/fixed_pool.h"
#include "reference/float_format.h"

namespace {

using json = nlohmann::json;
using poolproof::extended_rational;
using poolproof::input_error;
using poolproof::rational;

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
poolproof::exact_tensor input_tensor(const json& rows, std::int64_t n, const std::string& where) {
  poolproof::exact_tensor tensor{{0, 1, n}, {}};
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

  void fail(const std::string& group, const std::string& message) {
    ++groups[group].failed;
    failures.push_back(group + ": " + message);
  }
};

// --- Checking pooled outputs --------------------------------------------------------------------

/// One engine run: adaptive pooling (witness -1), or fixed pooling with witness 0 (Z3's) or a
/// variant (1, 2, ... in the order of the case's "variants").
struct case_key {
  std::int64_t in_size, out_size;
  std::string kind, pooling;
  std::int64_t witness = -1;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>.
  auto operator<=>(const case_key&) const = default;
};

std::string describe(const case_key& key) {
  std::string text = std::to_string(key.in_size) + " -> " + std::to_string(key.out_size);
  return key.witness > 0 ? text + " variant " + std::to_string(key.witness) : text;
}

// An empty string when output i of a row agrees with the exact reference, else why not.
std::string check_output(const std::string& kind, std::uint32_t bits,
                         const extended_rational& exact, const rational& sum_abs,
                         std::int64_t length, tally& counts) {
  const extended_rational got = poolproof::decode(poolproof::float_format::binary32, bits);
  const std::uint64_t expected_bits = poolproof::round_to(poolproof::float_format::binary32, exact);
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

rational window_sum_abs(const poolproof::exact_tensor& input, std::int64_t row,
                        const poolproof::window& w) {
  rational sum = 0;
  const std::int64_t n = input.shape[2];
  for (std::int64_t j = w.begin; j < w.end; ++j) {
    sum += abs(input.values[static_cast<std::size_t>(row * n + j)].value);
  }
  return sum;
}

// Compares every row of one engine output with the exact adaptive pooling of the same rows.
std::string check_pooled(const case_key& key, const json& bits,
                         const poolproof::exact_tensor& input, tally& counts) {
  const std::int64_t n = key.in_size, m = key.out_size;
  const std::vector<std::int64_t> out_size{m};
  const poolproof::exact_tensor exact = key.kind == "avg"
                                            ? poolproof::adaptive_avg_pool(input, out_size)
                                            : poolproof::adaptive_max_pool(input, out_size).values;
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
      const poolproof::window w = poolproof::adaptive_window(n, m, i);
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
    const poolproof::window expected = poolproof::adaptive_window(n, m, i);
    if (!w.is_array() || w.size() != 2 || !w[0].is_number_integer() || !w[1].is_number_integer()) {
      return "output " + std::to_string(i) + " reads " + w.dump() + ", not a contiguous window; " +
             "adaptive " + poolproof::to_string(expected);
    }
    const poolproof::window got{w[0].get<std::int64_t>(), w[1].get<std::int64_t>()};
    if (got != expected) {
      return "output " + std::to_string(i) + " reads " + poolproof::to_string(got) + ", adaptive " +
             poolproof::to_string(expected);
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
  std::map<std::int64_t, poolproof::exact_tensor> inputs;
  std::map<case_key, bool> expected;  ///< (n, m, kind, pooling) -> the engine must report it
};

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
                 entry.value("witness", std::int64_t{-1})};
    const std::string group = key.pooling + " " + key.kind;
    const auto wanted = table.expected.find(key);
    if (wanted == table.expected.end() || !wanted->second) {
      out.fail(group, describe(key) + ": not an expected case, or reported twice");
      continue;
    }
    wanted->second = false;
    std::string why = entry.contains("error")
                          ? "engine error: " + entry.at("error").dump()
                          : check_pooled(key, field(entry, "bits", "output entry"),
                                         table.inputs.at(key.in_size), out.groups[group]);
    if (why.empty()) {
      ++out.groups[group].passed;
    } else {
      out.fail(group, describe(key) + ": " + why);
    }
  }
  for (const auto& [key, missing] : table.expected) {
    if (missing) out.fail(key.pooling + " " + key.kind, describe(key) + ": not reported");
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
    if (group.ends_with("avg") && t.outputs > 0) {
      std::cout << ", " << t.correctly_rounded << " correctly rounded, largest error "
                << t.worst_ratio.convert_to<double>() << " of its bound";
    }
    std::cout << (t.outputs > 0 ? ")\n" : "\n");
    passed += t.passed;
    failed += t.failed;
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
                 "what the results must cover: fixed, adaptive, windows")
      ->delimiter(',')
      ->check(CLI::IsMember({"fixed", "adaptive", "windows"}));
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

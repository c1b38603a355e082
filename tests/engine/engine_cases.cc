// engine_cases: the cases the engine tests run on real engines (ONNX Runtime, PyTorch). For every
// n, m <= --max-size it records Z3's verdict for avg and max and, when equivalent, the PyTorch
// witness and its reference-checked variants; for every n the input rows to pool. Everything the
// engine scripts need is in the file.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "reference/atomic_file.h"
#include "reference/error.h"
#include "reference/fixed_pool.h"
#include "solver/equivalence.h"

namespace {

using json = nlohmann::json;
using poolproof::pool_kind;

// 2^24: every integer of magnitude up to here is a float32.
constexpr std::int64_t float32_integer_limit = std::int64_t{1} << 24;

// A fixed permutation of 0..P-1 (P the smallest power of two >= max(n, 2)): 37 is odd, so
// j -> (37j + 11) mod P is a bijection and the first n values are distinct.
std::int64_t permuted(std::int64_t j, std::int64_t n) {
  std::int64_t period = 2;
  while (period < n) period *= 2;
  return (37 * j + 11) % period - period / 2;
}

// The rows pooled for input size n, each a float32-exact integer vector of length n:
//  0: distinct small signed integers, so a wrong window or divisor changes the output;
//  1: distinct integers just below 2^24, whose float32 sums round (exercising the avg bound);
//  2..n+1: the one-hot vectors e_0..e_{n-1}, which pin down every window and divisor exactly.
json input_rows(std::int64_t n) {
  json rows = json::array();
  json small = json::array();
  json large = json::array();
  for (std::int64_t j = 0; j < n; ++j) {
    small.push_back(permuted(j, n));
    large.push_back(float32_integer_limit - 64 + permuted(j, n));
  }
  rows.push_back(small);
  rows.push_back(large);
  for (std::int64_t hot = 0; hot < n; ++hot) {
    json row = json::array();
    for (std::int64_t j = 0; j < n; ++j) row.push_back(j == hot ? 1 : 0);
    rows.push_back(row);
  }
  return rows;
}

json witness_json(const poolproof::fixed_pool_params& p, pool_kind kind) {
  json w = {{"kernel", p.kernel},
            {"stride", p.stride},
            {"padding", p.padding},
            {"ceil_mode", p.ceil_mode}};
  if (kind == pool_kind::avg) {
    w["count_include_pad"] = p.count_include_pad;
  } else {
    w["dilation"] = p.dilation;
  }
  return w;
}

// The minimal witness takes PyTorch's defaults first, so it never sets ceil_mode and (with
// padding) never count_include_pad. Variants that toggle those flags, or that lengthen the kernel
// past the input under ceil_mode (reading the same window), exercise an engine's code for them;
// each is kept only when the reference confirms it still reproduces adaptive pooling n -> m.
json variants_json(std::int64_t n, std::int64_t m, pool_kind kind,
                   const poolproof::fixed_pool_params& witness) {
  std::vector<poolproof::fixed_pool_params> candidates;
  for (const bool ceil_mode : {false, true}) {
    for (const bool count_include_pad : {true, false}) {
      if (kind == pool_kind::max && !count_include_pad) continue;
      poolproof::fixed_pool_params p = witness;
      p.ceil_mode = ceil_mode;
      p.count_include_pad = count_include_pad;
      candidates.push_back(p);
      p.kernel += 1;
      p.stride += 1;
      candidates.push_back(p);
    }
  }
  json variants = json::array();
  std::vector<poolproof::fixed_pool_params> kept{witness};
  for (const poolproof::fixed_pool_params& p : candidates) {
    if (std::find(kept.begin(), kept.end(), p) != kept.end()) continue;
    if (2 * p.padding > p.kernel || poolproof::fixed_pool_mismatch(n, m, p, kind)) continue;
    kept.push_back(p);
    variants.push_back(witness_json(p, kind));
  }
  return variants;
}

// {"equivalent": true, "witness": {...}, "variants": [...]}, {"equivalent": false}, or
// {"equivalent": null, "reason": ...} when Z3 ran out of budget (the checker fails on that).
json verdict_json(std::int64_t n, std::int64_t m, pool_kind kind) {
  const poolproof::verdict v = poolproof::prove_equivalence(n, m, kind, {});
  if (const auto* yes = std::get_if<poolproof::equivalent>(&v)) {
    return {{"equivalent", true},
            {"witness", witness_json(yes->witness, kind)},
            {"variants", variants_json(n, m, kind, yes->witness)}};
  }
  if (std::holds_alternative<poolproof::not_equivalent>(v)) return {{"equivalent", false}};
  return {{"equivalent", nullptr}, {"reason", std::get<poolproof::unknown>(v).reason}};
}

json make_cases(std::int64_t max_size, std::int64_t window_max_size) {
  json out = {{"format", "poolproof-engine-cases"},
              {"version", 1},
              {"max_size", max_size},
              {"window_max_size", window_max_size},
              {"inputs", json::array()},
              {"cases", json::array()}};
  for (std::int64_t n = 1; n <= max_size; ++n) {
    out["inputs"].push_back({{"in_size", n}, {"rows", input_rows(n)}});
    for (std::int64_t m = 1; m <= max_size; ++m) {
      out["cases"].push_back({{"in_size", n},
                              {"out_size", m},
                              {"avg", verdict_json(n, m, pool_kind::avg)},
                              {"max", verdict_json(n, m, pool_kind::max)}});
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Write the engine test cases: Z3 verdicts, witnesses and inputs for n, m <= N."};
  std::string out_path;
  std::int64_t max_size = 40;
  std::int64_t window_max_size = 64;
  app.add_option("--out", out_path, "cases JSON file to write")->required();
  app.add_option("--max-size", max_size, "largest n and m of the pooled cases")
      ->check(CLI::Range(1, 64));
  app.add_option("--window-max-size", window_max_size, "largest n and m of the window check")
      ->check(CLI::Range(1, 256));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "engine_cases: " << e.what() << " (see --help)\n";
    return 2;
  }
  try {
    poolproof::write_file_atomically(out_path, make_cases(max_size, window_max_size).dump() + "\n");
  } catch (const poolproof::input_error& e) {
    std::cerr << "engine_cases: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

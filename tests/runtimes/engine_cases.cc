// engine_cases: the cases the engine tests run on real engines (ONNX Runtime, PyTorch). For every
// n, m <= --max-size it records Z3's verdict for avg and max and, when equivalent, the PyTorch
// witness and its reference-checked variants; for the ONNX family, the closed form's witness, the
// auto_pad layers the reference says reproduce adaptive pooling, and one deliberately wrong layer;
// for every n the input rows to pool. Everything the engine scripts need is in the file.
#include <poolproof/common/atomic_file.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/export_pool.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/closed_form.h>
#include <poolproof/solver/equivalence.h>
#include <poolproof/solver/family.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace {

using json = nlohmann::json;
using poolproof::reference::pool_kind;

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

json witness_json(const poolproof::reference::fixed_pool_params& p, pool_kind kind) {
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
                   const poolproof::reference::fixed_pool_params& witness) {
  std::vector<poolproof::reference::fixed_pool_params> candidates;
  for (const bool ceil_mode : {false, true}) {
    for (const bool count_include_pad : {true, false}) {
      if (kind == pool_kind::max && !count_include_pad) continue;
      poolproof::reference::fixed_pool_params p = witness;
      p.ceil_mode = ceil_mode;
      p.count_include_pad = count_include_pad;
      candidates.push_back(p);
      p.kernel += 1;
      p.stride += 1;
      candidates.push_back(p);
    }
  }
  json variants = json::array();
  std::vector<poolproof::reference::fixed_pool_params> kept{witness};
  for (const poolproof::reference::fixed_pool_params& p : candidates) {
    if (std::find(kept.begin(), kept.end(), p) != kept.end()) continue;
    if (2 * p.padding > p.kernel || poolproof::reference::fixed_pool_mismatch(n, m, p, kind))
      continue;
    kept.push_back(p);
    variants.push_back(witness_json(p, kind));
  }
  return variants;
}

// {"equivalent": true, "witness": {...}, "variants": [...]}, {"equivalent": false}, or
// {"equivalent": null, "reason": ...} when Z3 ran out of budget (the checker fails on that).
json verdict_json(std::int64_t n, std::int64_t m, pool_kind kind) {
  const poolproof::solver::verdict v = poolproof::solver::prove_equivalence(n, m, kind, {});
  if (const auto* yes = std::get_if<poolproof::solver::equivalent>(&v)) {
    const auto& witness = std::get<poolproof::reference::fixed_pool_params>(yes->witness);
    return {{"equivalent", true},
            {"witness", witness_json(witness, kind)},
            {"variants", variants_json(n, m, kind, witness)}};
  }
  if (std::holds_alternative<poolproof::solver::not_equivalent>(v)) return {{"equivalent", false}};
  return {{"equivalent", nullptr}, {"reason", std::get<poolproof::solver::unknown>(v).reason}};
}

// --- The ONNX family -----------------------------------------------------------------------------

json onnx_layer_json(const poolproof::reference::onnx_pool_params& p, pool_kind kind) {
  json w = {{"kernel", p.kernel},
            {"stride", p.stride},
            {"pads", {p.pad_begin, p.pad_end}},
            {"auto_pad", poolproof::reference::onnx_auto_pad_name(p.auto_pad)},
            {"ceil_mode", p.ceil_mode}};
  if (kind == pool_kind::avg) {
    w["count_include_pad"] = p.count_include_pad;
  } else {
    w["dilation"] = p.dilation;
  }
  return w;
}

// Inside the family (ONNX Runtime accepts it) and at least one output, so ONNX Runtime runs it.
bool runnable(std::int64_t n, const poolproof::reference::onnx_pool_params& p, pool_kind kind) {
  try {
    poolproof::reference::require_valid_onnx_params(p, kind);
  } catch (const poolproof::common::input_error&) {
    return false;
  }
  return poolproof::reference::onnx_pool_geometry(n, p, kind).count >= 1;
}

// Every auto_pad layer (SAME_UPPER, SAME_LOWER, VALID) with kernel, stride <= n + 1 (and, for avg,
// either count_include_pad) that the reference model says reproduces adaptive pooling n -> m: run
// on ONNX Runtime, they test our model of auto_pad against the engine.
json onnx_auto_pad_variants(std::int64_t n, std::int64_t m, pool_kind kind) {
  json variants = json::array();
  for (const poolproof::reference::onnx_auto_pad auto_pad :
       {poolproof::reference::onnx_auto_pad::same_upper,
        poolproof::reference::onnx_auto_pad::same_lower,
        poolproof::reference::onnx_auto_pad::valid}) {
    for (std::int64_t k = 1; k <= n + 1; ++k) {
      for (std::int64_t s = 1; s <= n + 1; ++s) {
        for (const bool count_include_pad : {false, true}) {
          if (kind == pool_kind::max && count_include_pad) continue;
          poolproof::reference::onnx_pool_params p;
          p.kernel = k;
          p.stride = s;
          p.auto_pad = auto_pad;
          p.count_include_pad = count_include_pad;
          if (!runnable(n, p, kind) || poolproof::reference::onnx_pool_mismatch(n, m, p, kind))
            continue;
          variants.push_back(onnx_layer_json(p, kind));
        }
      }
    }
  }
  return variants;
}

// One layer near the witness that the reference says does NOT reproduce adaptive pooling n -> m
// (pads swapped, ceil_mode or count_include_pad flipped, a pad, the kernel or the stride moved by
// one, or a longer kernel with more padding: the first of those that ONNX Runtime can run), with
// the reference's reason. Run on ONNX Runtime, it must fail the check: the check can say no.
json onnx_wrong_layer(std::int64_t n, std::int64_t m, pool_kind kind,
                      const poolproof::reference::onnx_pool_params& witness) {
  std::vector<poolproof::reference::onnx_pool_params> candidates;
  auto add = [&](auto&& edit) {
    poolproof::reference::onnx_pool_params p = witness;
    edit(p);
    candidates.push_back(p);
  };
  add([](auto& p) { std::swap(p.pad_begin, p.pad_end); });
  add([](auto& p) { p.ceil_mode = !p.ceil_mode; });
  add([](auto& p) { p.count_include_pad = !p.count_include_pad; });
  add([](auto& p) { p.pad_end += 1; });
  add([](auto& p) { p.pad_end -= 1; });
  add([](auto& p) { p.pad_begin += 1; });
  add([](auto& p) { p.pad_begin -= 1; });
  add([](auto& p) { p.kernel += 1; });
  add([](auto& p) { p.kernel -= 1; });
  add([](auto& p) { p.stride += 1; });
  add([](auto& p) {  // one more output at each end (n = m = 1, max: only the count can differ)
    p.kernel += 1;
    p.pad_begin += 1;
    p.pad_end += 1;
  });
  for (const poolproof::reference::onnx_pool_params& p : candidates) {
    if (p == witness || (kind == pool_kind::max && p.count_include_pad) || !runnable(n, p, kind)) {
      continue;
    }
    if (const std::optional<std::string> why =
            poolproof::reference::onnx_pool_mismatch(n, m, p, kind)) {
      json layer = onnx_layer_json(p, kind);
      layer["differs"] = *why;
      return layer;
    }
  }
  throw poolproof::common::input_error("no wrong ONNX layer near the witness of " +
                                       std::to_string(n) + " -> " + std::to_string(m));
}

// The ONNX family's closed form: {"equivalent": true, "branch": ..., "witness": {...},
// "auto_pad_variants": [...], "wrong": {...}} or {"equivalent": false}. The witness is re-checked
// by the reference model (a mismatch is an error: the cases would be wrong).
json onnx_verdict_json(std::int64_t n, std::int64_t m, pool_kind kind) {
  const poolproof::solver::closed_form_answer answer =
      poolproof::solver::closed_form(n, m, kind, poolproof::solver::pool_family::onnx);
  if (!answer.witness) return {{"equivalent", false}};
  const auto& witness = std::get<poolproof::reference::onnx_pool_params>(*answer.witness);
  if (const std::optional<std::string> why =
          poolproof::reference::onnx_pool_mismatch(n, m, witness, kind)) {
    throw poolproof::common::input_error("the ONNX closed-form witness of " + std::to_string(n) +
                                         " -> " + std::to_string(m) +
                                         " differs from adaptive pooling: " + *why);
  }
  return {{"equivalent", true},
          {"branch", poolproof::solver::branch_name(answer.branch)},
          {"witness", onnx_layer_json(witness, kind)},
          {"auto_pad_variants", onnx_auto_pad_variants(n, m, kind)},
          {"wrong", onnx_wrong_layer(n, m, kind, witness)}};
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
                              {"max", verdict_json(n, m, pool_kind::max)},
                              {"onnx",
                               {{"avg", onnx_verdict_json(n, m, pool_kind::avg)},
                                {"max", onnx_verdict_json(n, m, pool_kind::max)}}}});
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
    poolproof::common::write_file_atomically(out_path,
                                             make_cases(max_size, window_max_size).dump() + "\n");
  } catch (const poolproof::common::input_error& e) {
    std::cerr << "engine_cases: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

// Prints, from the C++ reference and the solver, the table proof/Bridge.v computes from the
// Coq definitions: windows, geometries (counts, index progressions, avg divisors), closed forms
// with their witnesses, and N-D flag choices. The proof_bridge test diffs the two.
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/export_pool.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/closed_form.h>
#include <poolproof/solver/equivalence.h>
#include <poolproof/solver/family.h>

#include <cstdint>
#include <iostream>
#include <span>
#include <string>
#include <vector>

namespace {

using namespace poolproof::reference;
using namespace poolproof::solver;
using std::int64_t;

void row(const std::string& tag, const std::vector<int64_t>& numbers) {
  std::string line = tag;
  for (int64_t x : numbers) line += " " + std::to_string(x);
  std::cout << line << '\n';
}

// The header with count, pads and divisor rule, then per output first, count, step, divisor.
void geometry_rows(const std::string& tag, std::vector<int64_t> header, int64_t n,
                   const pool_geometry& g) {
  header.insert(header.end(), {g.count, g.pad_begin, g.pad_end, g.divide_by_padded ? 1 : 0});
  row(tag, header);
  for (int64_t o = 0; o < g.count; ++o) {
    const index_progression p = geometry_indices(n, g, o);
    const bool defined = !g.divide_by_padded || g.dilation == 1;
    row("out", {o, p.first, p.count, p.step, defined ? geometry_avg_divisor(n, g, o) : -1});
  }
}

void windows_and_geometries(int64_t max_n) {
  for (int64_t n = 1; n <= max_n; ++n)
    for (int64_t m = 1; m <= max_n; ++m)
      for (int64_t i = 0; i < m; ++i)
        row("window", {n, m, i, start_index(i, n, m), end_index(i, n, m)});
  for (int64_t n = 1; n <= max_n; ++n)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t s = 1; s <= 3; ++s)
        for (int64_t p = 0; p <= k / 2; ++p)
          for (int64_t d = 1; d <= 2; ++d)
            for (int c = 0; c <= 1; ++c)
              for (int cip = 0; cip <= 1; ++cip)
                geometry_rows("pytorch", {n, k, s, p, d, c, cip}, n,
                              fixed_pool_geometry(n, {k, s, p, d, c == 1, cip == 1, std::nullopt}));
  const auto onnx = [](int64_t n, const onnx_pool_params& p) {
    geometry_rows(
        "onnx",
        {n, p.kernel, p.stride, p.pad_begin, p.pad_end, p.dilation,
         static_cast<int64_t>(p.auto_pad), p.ceil_mode ? 1 : 0, p.count_include_pad ? 1 : 0},
        n, onnx_pool_geometry(n, p, pool_kind::avg));
  };
  for (int64_t n = 1; n <= max_n; ++n)
    for (int64_t k = 1; k <= 4; ++k)
      for (int64_t s = 1; s <= 3; ++s) {
        for (int64_t b = 0; b < k; ++b)
          for (int64_t e = 0; e < k; ++e)
            for (int64_t d = 1; d <= 2; ++d)
              for (int c = 0; c <= 1; ++c)
                for (int cip = 0; cip <= 1; ++cip)
                  onnx(n, {k, s, b, e, d, onnx_auto_pad::notset, c == 1, cip == 1});
        for (onnx_auto_pad a :
             {onnx_auto_pad::same_upper, onnx_auto_pad::same_lower, onnx_auto_pad::valid})
          for (int cip = 0; cip <= 1; ++cip) onnx(n, {k, s, 0, 0, 1, a, false, cip == 1});
      }
  for (int64_t n = 1; n <= max_n; ++n)
    for (int64_t k = 1; k <= 6; ++k)
      for (int64_t s = 1; s <= 4; ++s)
        for (tflite_padding pad : {tflite_padding::valid, tflite_padding::same})
          geometry_rows("tflite", {n, k, s, pad == tflite_padding::same ? 1 : 0}, n,
                        tflite_pool_geometry(n, {k, s, pad}));
}

// A layer's parameters in its family's own fields.
std::vector<int64_t> layer_numbers(const family_params& w) {
  if (const auto* p = std::get_if<fixed_pool_params>(&w))
    return {p->kernel, p->stride, p->padding, p->dilation, p->ceil_mode, p->count_include_pad};
  if (const auto* o = std::get_if<onnx_pool_params>(&w))
    return {o->kernel,    o->stride,           o->pad_begin,
            o->pad_end,   o->dilation,         static_cast<int64_t>(o->auto_pad),
            o->ceil_mode, o->count_include_pad};
  const auto& t = std::get<tflite_pool_params>(w);
  return {t.kernel, t.stride, t.padding == tflite_padding::same ? 1 : 0};
}

// The witness's parameters, then 1 when the reference finds it reproduces n -> m.
std::vector<int64_t> witness_numbers(int64_t n, int64_t m, pool_kind kind, const family_params& w) {
  std::vector<int64_t> numbers = layer_numbers(w);
  numbers.push_back(family_mismatch(n, m, w, kind) ? 0 : 1);
  return numbers;
}

constexpr pool_family bridged_families[] = {pool_family::pytorch, pool_family::onnx,
                                            pool_family::tflite};
constexpr pool_kind all_kinds[] = {pool_kind::avg, pool_kind::max};

void closed_forms(int64_t max_n) {
  for (pool_family family : bridged_families)
    for (pool_kind kind : all_kinds)
      for (int64_t n = 1; n <= max_n; ++n)
        for (int64_t m = 1; m <= max_n; ++m) {
          const closed_form_answer answer = closed_form(n, m, kind, family);
          std::vector<int64_t> numbers{static_cast<int64_t>(family), static_cast<int64_t>(kind), n,
                                       m, static_cast<int64_t>(answer.branch)};
          if (answer.witness) {
            for (int64_t x : witness_numbers(n, m, kind, *answer.witness)) numbers.push_back(x);
          }
          row("closed", numbers);
        }
}

// The shared flags of the tool's N-D layer, read off its first axis's witness (-1: not fixed).
std::vector<int64_t> nd_flags(pool_family family, pool_kind kind, const nd_verdict& v) {
  if (v.status == verdict_status::unknown) return {-2};
  if (v.status == verdict_status::not_equivalent) return {0};
  const family_params& w = std::get<equivalent>(v.layer.front()).witness;
  const bool avg = kind == pool_kind::avg;
  switch (family) {
    case pool_family::pytorch: {
      const auto& p = std::get<fixed_pool_params>(w);
      return {1, p.ceil_mode, avg ? int64_t{p.count_include_pad} : -1, -1};
    }
    case pool_family::onnx: {
      const auto& o = std::get<onnx_pool_params>(w);
      return {1, o.ceil_mode, o.count_include_pad, static_cast<int64_t>(o.auto_pad)};
    }
    case pool_family::tflite:
      break;
  }
  const bool same = std::get<tflite_pool_params>(w).padding == tflite_padding::same;
  return {1, 0, 0, static_cast<int64_t>(same ? onnx_auto_pad::same_upper : onnx_auto_pad::valid)};
}

// The flags, then each axis's layer under them.
std::vector<int64_t> nd_numbers(pool_family family, pool_kind kind, const nd_verdict& v) {
  std::vector<int64_t> numbers = nd_flags(family, kind, v);
  if (v.status != verdict_status::equivalent) return numbers;
  for (const verdict& axis : v.layer) {
    for (int64_t x : layer_numbers(std::get<equivalent>(axis).witness)) numbers.push_back(x);
  }
  return numbers;
}

// Pairs of axes n1 -> m1, n2 -> m2 (n <= max_n, least_m <= m <= max_n) each equivalent alone
// (the others are the 1-D rows' business), decided by Z3 as prove_equivalence does.
void nd_layers(std::span<const pool_family> families, std::span<const pool_kind> kinds,
               int64_t max_n, int64_t least_m) {
  const solver_options options;
  for (pool_family family : families)
    for (pool_kind kind : kinds) {
      const auto alone = [&](int64_t n, int64_t m) {
        return closed_form(n, m, kind, family).branch != closed_form_branch::none;
      };
      for (int64_t n1 = 1; n1 <= max_n; ++n1)
        for (int64_t m1 = least_m; m1 <= max_n; ++m1)
          for (int64_t n2 = 1; n2 <= max_n; ++n2)
            for (int64_t m2 = least_m; m2 <= max_n; ++m2) {
              if (!alone(n1, m1) || !alone(n2, m2)) continue;
              const std::vector<int64_t> in{n1, n2}, out{m1, m2};
              std::vector<int64_t> numbers{
                  static_cast<int64_t>(family), static_cast<int64_t>(kind), n1, m1, n2, m2};
              for (int64_t x :
                   nd_numbers(family, kind, prove_equivalence_nd(in, out, kind, options, family)))
                numbers.push_back(x);
              row("nd", numbers);
            }
    }
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  windows_and_geometries(32);
  closed_forms(32);
  nd_layers(bridged_families, all_kinds, 4, 1);
  constexpr pool_family tflite_only[] = {pool_family::tflite};
  constexpr pool_kind avg_only[] = {pool_kind::avg};
  nd_layers(tflite_only, avg_only, 7, 3);
  return 0;
}

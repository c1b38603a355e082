// Per-axis plans of a decomposition, where each window sits in them, and the reference's re-check.
#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/common/wide_int.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/solver/decomposition.h>

#include <algorithm>
#include <numeric>
#include <string>

#include "solver/decomposition_detail.h"
#include "solver/families/family_unit.h"
#include "solver/window_classes.h"

namespace poolproof::solver {
namespace {

using detail::window_classes;

// Outputs per axis the reference re-checks one by one; beyond, a sample (as for witnesses).
constexpr std::int64_t full_recheck_limit = 10'000'000;

axis_segment blocks(std::int64_t kernel, std::int64_t windows, std::int64_t window_length,
                    bool short_first, bool short_last) {
  axis_segment s;
  s.kernel = kernel;
  s.windows = windows;
  s.window_length = window_length;
  s.short_first = short_first;
  s.short_last = short_last;
  // The gathered copy is an input of the family's pool, so it must lie in the reference's
  // domain too (n + m cells at most for avg, m times the longest window for max).
  const common::int128 size =
      common::wide(windows) * common::wide(kernel) - (short_first ? 1 : 0) - (short_last ? 1 : 0);
  if (size > reference::max_size) {
    throw common::input_error(fmt::format(
        "the decomposition would gather {} windows of {} into one axis of more than 2^62 cells",
        windows, kernel));
  }
  s.gathered_size = common::narrow(size);
  return s;
}

// The family's first block layer that its reference model confirms on the segment; false when
// none does.
bool choose_pool(axis_segment& s, reference::pool_kind kind, pool_family family) {
  for (const family_params& pool :
       detail::unit_of(family).block_layers(s.kernel, s.short_first, s.short_last, kind)) {
    s.pool = pool;
    if (!detail::segment_mismatch(s, kind)) return true;
  }
  return false;
}

// avg, n > m, two lengths, at most two shorter windows: one pool of the longer kernel, the
// shorter windows at the ends read through one padded cell (the family decides which end).
std::optional<axis_decomposition> shorter_at_the_ends(axis_decomposition a, const window_classes& c,
                                                      pool_family family) {
  const std::vector<std::pair<bool, bool>> layouts =
      c.shorts == 2 ? std::vector<std::pair<bool, bool>>{{true, true}}
                    : std::vector<std::pair<bool, bool>>{{true, false}, {false, true}};
  for (const auto& [first, last] : layouts) {
    axis_segment s = blocks(c.long_length(), a.out_size, c.long_length(), first, last);
    if (!choose_pool(s, reference::pool_kind::avg, family)) continue;
    a.method = axis_method::gather_pool;
    a.segments = {s};
    // Symmetric windows: two shorter ones are i and m-1-i, one is the middle one.
    const std::int64_t first_short = c.kth(false, 0);
    a.reorders = !(c.shorts == 2 && first_short == 0) && a.out_size > 1;
    a.pooling_ops = 1;
    return a;
  }
  return std::nullopt;
}

axis_decomposition by_lengths(axis_decomposition a, const window_classes& c,
                              reference::pool_kind kind, pool_family family) {
  a.method = axis_method::gather_pools;
  a.reorders = true;
  axis_segment shorter = blocks(c.short_length, c.shorts, c.short_length, false, false);
  axis_segment longer = blocks(c.long_length(), c.longs, c.long_length(), false, false);
  shorter.pooled = c.short_length > 1;
  if (shorter.pooled) POOLPROOF_CHECK(choose_pool(shorter, kind, family));
  POOLPROOF_CHECK(choose_pool(longer, kind, family));
  a.segments = {shorter, longer};
  a.pooling_ops = shorter.pooled ? 2 : 1;
  return a;
}

axis_decomposition plan_axis(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                             pool_family family, const solver_options& options) {
  axis_decomposition a;
  a.in_size = n;
  a.out_size = m;
  const window_classes c = detail::classes_of(n, m);
  if (n == m) {
    a.minimality = "nothing to compute (n = m)";
    return a;
  }
  if (c.longest() == 1) {
    a.method = axis_method::gather;
    a.minimality = "no pooling: every window holds one input";
    return a;
  }
  a.minimality = "lemma: a window of two or more inputs needs a pooling op (docs/decomposition.md)";
  a.pooling_ops = 1;
  if (const closed_form_answer theorem = closed_form(n, m, kind, family); theorem.witness) {
    a.method = axis_method::single_layer;
    a.layer = theorem.witness;
    return a;
  }
  if (kind == reference::pool_kind::max || c.longs == 0) {
    axis_segment s = blocks(c.longest(), m, c.longest(), false, false);
    POOLPROOF_CHECK(choose_pool(s, kind, family));
    a.method = axis_method::gather_pool;
    a.segments = {s};
    return a;
  }
  if (c.short_length >= 2 && c.shorts <= 2) {
    if (auto fitted = shorter_at_the_ends(a, c, family)) return *fitted;
  }
  a = by_lengths(a, c, kind, family);
  if (a.pooling_ops == 2) a.minimality = detail::two_pools_needed(c, options);
  return a;
}

// ---- where each window sits -------------------------------------------------------------------

struct placement {
  std::size_t segment = 0;
  std::int64_t position = 0;
};

// The trick layout: [first shorter window][longer ones in order][last shorter window].
bool ends_layout(const axis_decomposition& a) {
  return a.method == axis_method::gather_pool &&
         (a.segments.front().short_first || a.segments.front().short_last);
}

placement place(const axis_decomposition& a, const window_classes& c, std::int64_t i) {
  if (a.method == axis_method::gather_pools) {
    const std::int64_t before = c.longs_before(i);
    return c.is_long(i) ? placement{1, before} : placement{0, i - before};
  }
  if (!ends_layout(a)) return {0, i};
  const axis_segment& s = a.segments.front();
  if (c.is_long(i)) return {0, (s.short_first ? 1 : 0) + c.longs_before(i)};
  const bool first = i == c.kth(false, 0);
  return {0, s.short_first && first ? 0 : s.windows - 1};
}

std::int64_t window_at(const axis_decomposition& a, const window_classes& c, std::size_t segment,
                       std::int64_t j) {
  if (a.method == axis_method::gather_pools) return c.kth(segment == 1, j);
  if (!ends_layout(a)) return j;
  const axis_segment& s = a.segments.front();
  if (s.short_first && j == 0) return c.kth(false, 0);
  if (s.short_last && j == s.windows - 1) return c.kth(false, c.shorts - 1);
  return c.kth(true, j - (s.short_first ? 1 : 0));
}

// The outputs the reference re-checks: all of them up to the limit, else both ends, an even
// sample and the windows around each class boundary the layouts single out.
std::vector<std::int64_t> rechecked_outputs(std::int64_t m) {
  std::vector<std::int64_t> outputs;
  if (m <= full_recheck_limit) {
    outputs.resize(static_cast<std::size_t>(m));
    std::iota(outputs.begin(), outputs.end(), std::int64_t{0});
    return outputs;
  }
  for (std::int64_t k = 0; k < 4096; ++k) outputs.push_back(k * (m / 4096));
  for (std::int64_t k = 0; k < 16; ++k) outputs.insert(outputs.end(), {k, m - 1 - k, m / 2 + k});
  return outputs;
}

std::optional<std::string> window_mismatch(const axis_decomposition& a, const window_classes& c,
                                           reference::pool_kind kind, std::int64_t i) {
  const reference::window w = reference::adaptive_window(a.in_size, a.out_size, i);
  const std::string where = "output " + std::to_string(i) + " " + to_string(w) + ": ";
  if (a.method == axis_method::gather) {
    return w.length() == 1 ? std::nullopt : std::optional(where + "gathered, but not one input");
  }
  const placement p = place(a, c, i);
  if (window_at(a, c, p.segment, p.position) != i) return where + "its block holds another window";
  const axis_segment& s = a.segments[p.segment];
  const std::int64_t length = detail::block_length(s, p.position);
  if (!s.pooled) {
    return length == 1 && w.length() == 1 ? std::nullopt
                                          : std::optional(where + "gathered, but not one input");
  }
  // The block holds the window's inputs (max: its last one repeated up to the block length).
  const bool fits = kind == reference::pool_kind::avg ? length == w.length() : length >= w.length();
  if (!fits) return where + "its block has " + std::to_string(length) + " cells";
  return std::nullopt;
}

}  // namespace

namespace detail {

std::int64_t block_begin(const axis_segment& s, std::int64_t j) {
  return j * s.kernel - (s.short_first && j > 0 ? 1 : 0);
}

std::int64_t block_length(const axis_segment& s, std::int64_t j) {
  return s.kernel - (s.short_first && j == 0 ? 1 : 0) -
         (s.short_last && j == s.windows - 1 ? 1 : 0);
}

// The pool's windows on the gathered copy, by the family's reference model: one output per
// block, reading exactly that block, dividing (avg) by its length.
std::optional<std::string> segment_mismatch(const axis_segment& s, reference::pool_kind kind) {
  if (!s.pooled) return std::nullopt;
  const reference::pool_geometry g = family_geometry(s.gathered_size, s.pool, kind);
  if (g.count != s.windows) {
    return "the pool has " + std::to_string(g.count) + " outputs for " + std::to_string(s.windows) +
           " blocks";
  }
  const auto check = [&](std::int64_t j) -> std::optional<std::string> {
    const reference::window block{block_begin(s, j), block_begin(s, j) + block_length(s, j)};
    const reference::index_progression read = reference::geometry_indices(s.gathered_size, g, j);
    if (!reference::same_indices(read, block)) {
      return "pool output " + std::to_string(j) + " reads " + reference::to_string(read) +
             ", its block is " + reference::to_string(block);
    }
    if (kind == reference::pool_kind::avg &&
        reference::geometry_avg_divisor(s.gathered_size, g, j) != block.length()) {
      return "pool output " + std::to_string(j) + " divides by another count than its block";
    }
    return std::nullopt;
  };
  const std::vector<std::int64_t> outputs = rechecked_outputs(s.windows);
  for (std::int64_t j : outputs) {
    if (auto mismatch = check(j)) return mismatch;
  }
  return std::nullopt;
}

std::optional<std::string> axis_mismatch(const axis_decomposition& a, reference::pool_kind kind,
                                         std::int64_t& rechecked) {
  if (a.method == axis_method::identity) {
    rechecked += a.out_size;
    return a.in_size == a.out_size ? std::nullopt : std::optional<std::string>("not n = m");
  }
  const std::vector<std::int64_t> outputs = rechecked_outputs(a.out_size);
  rechecked += static_cast<std::int64_t>(outputs.size());
  if (a.method == axis_method::single_layer) {
    return family_mismatch(
        a.in_size, a.out_size, *a.layer, kind,
        a.out_size <= full_recheck_limit ? std::span<const std::int64_t>{} : std::span(outputs));
  }
  for (const axis_segment& s : a.segments) {
    if (auto mismatch = segment_mismatch(s, kind)) return mismatch;
  }
  const window_classes c = classes_of(a.in_size, a.out_size);
  for (std::int64_t i : outputs) {
    if (auto mismatch = window_mismatch(a, c, kind, i)) return mismatch;
  }
  return std::nullopt;
}

}  // namespace detail

const char* axis_method_name(axis_method method) {
  switch (method) {
    case axis_method::identity:
      return "identity";
    case axis_method::single_layer:
      return "single layer";
    case axis_method::gather:
      return "gather";
    case axis_method::gather_pool:
      return "gather + pool";
    case axis_method::gather_pools:
      return "gathers + pools";
  }
  common::check_failed("an axis_method without a name", __FILE__, __LINE__);
}

int decomposition::pooling_ops() const {
  if (!layer.empty()) return 1;
  int ops = 0;
  for (const axis_decomposition& a : axes) ops += a.pooling_ops;
  return ops;
}

decomposition decompose(std::span<const std::int64_t> in_sizes,
                        std::span<const std::int64_t> out_sizes, reference::pool_kind kind,
                        pool_family family, const solver_options& options) {
  POOLPROOF_CHECK(in_sizes.size() == out_sizes.size() && !in_sizes.empty());
  decomposition d{
      family, kind, {in_sizes.begin(), in_sizes.end()}, {out_sizes.begin(), out_sizes.end()}, {},
      {},     0};
  // One axis: the theorem decides in O(1) (swept against Z3); N-D: the prover picks flags the
  // axes share.
  if (in_sizes.size() == 1) {
    reference::require_valid_size(in_sizes[0], "input size");
    reference::require_valid_size(out_sizes[0], "output size");
    if (const closed_form_answer theorem = closed_form(in_sizes[0], out_sizes[0], kind, family);
        theorem.witness) {
      d.layer = {*theorem.witness};
      std::int64_t checked = 0;
      axis_decomposition single{
          in_sizes[0], out_sizes[0], axis_method::single_layer, theorem.witness, {}, false, 1, ""};
      if (auto mismatch = detail::axis_mismatch(single, kind, checked)) {
        common::check_failed(
            ("the theorem's layer passes the reference re-check (" + *mismatch + ")").c_str(),
            __FILE__, __LINE__);
      }
      d.rechecked_windows = checked;
      return d;
    }
  }
  const nd_verdict whole = in_sizes.size() == 1
                               ? nd_verdict{}
                               : prove_equivalence_nd(in_sizes, out_sizes, kind, options, family);
  if (whole.status == verdict_status::equivalent) {
    for (const verdict& axis : whole.layer) {
      d.layer.push_back(std::get<equivalent>(axis).witness);
      d.rechecked_windows += std::get<equivalent>(axis).rechecked_windows;
    }
    return d;
  }
  for (std::size_t axis = 0; axis < in_sizes.size(); ++axis) {
    d.axes.push_back(plan_axis(in_sizes[axis], out_sizes[axis], kind, family, options));
    // A plan the reference refutes is a bug here, never an answer: abort with the window.
    if (auto mismatch = detail::axis_mismatch(d.axes.back(), kind, d.rechecked_windows)) {
      const std::string what = "decomposition of axis " + std::to_string(axis) +
                               " passes the reference re-check (" + *mismatch + ")";
      common::check_failed(what.c_str(), __FILE__, __LINE__);
    }
  }
  return d;
}

std::vector<std::int64_t> segment_windows(const axis_decomposition& a, std::size_t segment) {
  const window_classes c = detail::classes_of(a.in_size, a.out_size);
  std::vector<std::int64_t> windows(static_cast<std::size_t>(a.segments.at(segment).windows));
  for (std::int64_t i = 0; i < a.out_size; ++i) {
    const placement p = place(a, c, i);
    if (p.segment == segment) windows[static_cast<std::size_t>(p.position)] = i;
  }
  return windows;
}

std::vector<std::int64_t> segment_gather(const axis_decomposition& a, std::size_t segment) {
  const axis_segment& s = a.segments.at(segment);
  std::vector<std::int64_t> indices;
  indices.reserve(static_cast<std::size_t>(s.gathered_size));
  const std::vector<std::int64_t> windows = segment_windows(a, segment);
  for (std::size_t j = 0; j < windows.size(); ++j) {
    const reference::window w = reference::adaptive_window(a.in_size, a.out_size, windows[j]);
    const std::int64_t length = detail::block_length(s, static_cast<std::int64_t>(j));
    for (std::int64_t t = 0; t < length; ++t)
      indices.push_back(w.begin + std::min(t, w.length() - 1));
  }
  return indices;
}

std::vector<std::int64_t> single_gather(const axis_decomposition& a) {
  std::vector<std::int64_t> indices;
  for (std::int64_t i = 0; i < a.out_size; ++i)
    indices.push_back(reference::adaptive_window(a.in_size, a.out_size, i).begin);
  return indices;
}

std::vector<std::int64_t> output_order(const axis_decomposition& a) {
  const window_classes c = detail::classes_of(a.in_size, a.out_size);
  std::vector<std::int64_t> order;
  order.reserve(static_cast<std::size_t>(a.out_size));
  for (std::int64_t i = 0; i < a.out_size; ++i) {
    const placement p = place(a, c, i);
    order.push_back(p.position + (p.segment == 1 ? a.segments.front().windows : 0));
  }
  return order;
}

}  // namespace poolproof::solver

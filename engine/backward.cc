// The fast engine's backward passes. Avg: along one axis, the inputs covered by the same windows
// form a segment (at most 2m + 1 of them), so the exact gradient is constant on each product of
// segments (a cell): it is computed and rounded once per cell and plane, then filled. Max: a
// binary32 or binary64 plane whose inputs have at most two choosers each is summed by hardware
// additions, which are then exact (add_in_hardware); other planes chain each input's choosers.
#include <poolproof/engine/adaptive_pool.h>

#include <algorithm>
#include <numeric>
#include <optional>

#include "engine/pool_internal.h"

namespace poolproof::engine {
namespace detail {
namespace {

// Inputs [begin, end) of one axis, covered by exactly the windows [first, last]. `denominator` is
// the lcm of those windows' lengths (0 past 2^62), weights[o - first] = denominator / length(o).
struct segment {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::int64_t denominator = 0;
  std::vector<std::int64_t> weights;
};

constexpr std::int64_t too_big = std::int64_t{1} << 62;

// lcm of the lengths of windows [first, last], or 0 when it reaches 2^62.
std::int64_t common_length(const std::vector<reference::window>& windows, std::int64_t first,
                           std::int64_t last) {
  std::int64_t result = 1;
  for (std::int64_t o = first; o <= last; ++o) {
    const std::int64_t length = windows[static_cast<std::size_t>(o)].length();
    const fast_int128 next = fast_int128{result / std::gcd(result, length)} * length;
    if (next >= too_big) return 0;
    result = static_cast<std::int64_t>(next);
  }
  return result;
}

std::vector<segment> axis_segments(const std::vector<reference::window>& windows,
                                   std::int64_t in_size) {
  std::vector<std::int64_t> cuts{0, in_size};
  for (const reference::window& w : windows) {
    cuts.push_back(w.begin);
    cuts.push_back(w.end);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<segment> segments;
  for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
    segment s{cuts[c], cuts[c + 1], 0, 0, 0, {}};
    // Window bounds never decrease with the output index, so the covering windows of any x in
    // the segment are one contiguous run.
    const auto ends_after =
        std::partition_point(windows.begin(), windows.end(),
                             [&](const reference::window& w) { return w.end <= s.begin; });
    const auto begins_after =
        std::partition_point(windows.begin(), windows.end(),
                             [&](const reference::window& w) { return w.begin <= s.begin; });
    s.first = ends_after - windows.begin();
    s.last = (begins_after - windows.begin()) - 1;
    POOLPROOF_CHECK(s.first <= s.last);
    s.denominator = common_length(windows, s.first, s.last);
    for (std::int64_t o = s.first; o <= s.last && s.denominator != 0; ++o)
      s.weights.push_back(s.denominator / windows[static_cast<std::size_t>(o)].length());
    segments.push_back(std::move(s));
  }
  return segments;
}

struct cell {
  const segment& s0;
  const segment& s1;
  const segment& s2;
};

// Calls visit(grad_offset, weight) for every output window covering the cell; the weight is
// denominator / |W_o| (0 when some axis's denominator passed 2^62).
template <typename Visit>
void for_each_cover(const geometry& g, const cell& c, Visit visit) {
  const bool weighted = c.s0.denominator != 0 && c.s1.denominator != 0 && c.s2.denominator != 0;
  auto weight = [&](const segment& s, std::int64_t o) {
    return weighted ? s.weights[static_cast<std::size_t>(o - s.first)] : 0;
  };
  for (std::int64_t o0 = c.s0.first; o0 <= c.s0.last; ++o0) {
    for (std::int64_t o1 = c.s1.first; o1 <= c.s1.last; ++o1) {
      const std::int64_t row = (o0 * g.out[1] + o1) * g.out[2];
      const std::int64_t w01 = weight(c.s0, o0) * weight(c.s1, o1);
      for (std::int64_t o2 = c.s2.first; o2 <= c.s2.last; ++o2)
        visit(row + o2, w01 * weight(c.s2, o2));
    }
  }
}

// The exact gradient sum_o g_o / |W_o| of a cell as a rational: the rare path for spreads past
// 127 bits or denominators past 2^62.
template <typename F>
std::uint64_t cell_gradient_wide(const geometry& g, const typename F::storage* grads,
                                 const cell& c) {
  reference::rational total = 0;
  for (std::int64_t o0 = c.s0.first; o0 <= c.s0.last; ++o0) {
    for (std::int64_t o1 = c.s1.first; o1 <= c.s1.last; ++o1) {
      for (std::int64_t o2 = c.s2.first; o2 <= c.s2.last; ++o2) {
        const std::int64_t at = (o0 * g.out[1] + o1) * g.out[2] + o2;
        const std::int64_t length = g.windows[0][static_cast<std::size_t>(o0)].length() *
                                    g.windows[1][static_cast<std::size_t>(o1)].length() *
                                    g.windows[2][static_cast<std::size_t>(o2)].length();
        total += decode(F::format, F::to_bits(grads[at])).value / reference::rational(length);
      }
    }
  }
  return round_to(F::format, reference::extended_rational::finite(total));
}

// sum_o g_o * weight_o in fixed point, over the denominator D = d0 * d1 * d2.
template <typename F, typename Acc>
std::uint64_t cell_gradient_fixed(const geometry& g, const typename F::storage* grads,
                                  const cell& c, const exponent_range& range,
                                  std::uint64_t denominator) {
  Acc sum = 0;
  const int anchor = range.anchor();
  for_each_cover(g, c, [&](std::int64_t at, std::int64_t weight) {
    sum += fixed_point<F, Acc>(F::to_bits(grads[at]), anchor) * static_cast<Acc>(weight);
  });
  return round_fixed<F>(sum, range.unit_exponent<F>(), denominator);
}

template <typename F>
std::uint64_t cell_gradient(const geometry& g, const typename F::storage* grads, const cell& c) {
  exponent_range range;
  special_tally specials;
  std::uint64_t count = 0;
  for_each_cover(g, c, [&](std::int64_t at, std::int64_t) {
    const std::uint64_t bits = F::to_bits(grads[at]);
    widen<F>(range, bits);
    specials.add<F>(bits);
    ++count;
  });
  if (specials.any()) return specials.result<F>();
  const fast_int128 denominator =
      fast_int128{c.s0.denominator} * c.s1.denominator * c.s2.denominator;
  if (denominator == 0 || denominator >= too_big) return cell_gradient_wide<F>(g, grads, c);
  const auto d = static_cast<std::uint64_t>(denominator);
  const int bits = range.sum_bits<F>(count) + detail::bit_length(d);
  if (bits <= 63) return cell_gradient_fixed<F, std::int64_t>(g, grads, c, range, d);
  if (bits <= 127) return cell_gradient_fixed<F, fast_int128>(g, grads, c, range, d);
  return cell_gradient_wide<F>(g, grads, c);
}

// The largest cell denominator and cover count over all cells (denominator 0: some lcm passed
// 2^62), so one check per plane can clear the int64 path for every cell.
struct cell_bounds {
  std::int64_t denominator = 1;
  std::int64_t covers = 1;
};

cell_bounds bounds_of(const std::array<std::vector<segment>, 3>& segments) {
  cell_bounds bounds;
  for (const std::vector<segment>& axis : segments) {
    std::int64_t denominator = 0, covers = 0;
    for (const segment& s : axis) {
      if (s.denominator == 0) return {0, 0};
      denominator = std::max(denominator, s.denominator);
      covers = std::max(covers, s.last - s.first + 1);
    }
    const fast_int128 product = fast_int128{bounds.denominator} * denominator;
    if (product >= too_big) return {0, 0};
    bounds = {static_cast<std::int64_t>(product), bounds.covers * covers};
  }
  return bounds;
}

// Whether doubles hold a cell's sum and denominator exactly (the double routes' precondition).
bool in_doubles(std::int64_t sum, std::uint64_t denominator) {
  constexpr std::int64_t limit = std::int64_t{1} << 53;
  return sum > -limit && sum < limit && denominator < static_cast<std::uint64_t>(limit);
}

// The cell value sum * 2^unit / denominator, rounded once: through doubles for binary32 when
// they can vouch for it.
template <typename F>
std::uint64_t round_cell(std::int64_t sum, int unit, std::uint64_t denominator) {
  if constexpr (std::same_as<F, binary32_traits>) {
    if (in_doubles(sum, denominator)) {
      const auto bits = round_quotient_binary32(static_cast<double>(sum), unit, denominator);
      if (bits) return *bits;
    }
  }
  return round_fixed<F>(sum, unit, denominator);
}

// round_cell given also the denominator's reciprocal (see round_product_binary32: at most three
// roundings from 1 / denominator), so that binary32 cells cost a multiplication, not a division;
// the division route decides what the product cannot vouch for.
template <typename F>
std::uint64_t round_cell(std::int64_t sum, int unit, std::uint64_t denominator, double reciprocal) {
  if constexpr (std::same_as<F, binary32_traits>) {
    if (in_doubles(sum, denominator)) {
      const auto bits = round_product_binary32(static_cast<double>(sum), unit, reciprocal);
      if (bits) return *bits;
    }
  }
  return round_cell<F>(sum, unit, denominator);
}

// The cell's gradient from the plane's gradients in fixed point (`fixed`, anchored at the
// plane's least exponent), when the plane check cleared int64.
template <typename F>
std::uint64_t cell_gradient_int64(const geometry& g, const std::int64_t* fixed, const cell& c,
                                  int unit) {
  std::int64_t sum = 0;
  for (std::int64_t o0 = c.s0.first; o0 <= c.s0.last; ++o0) {
    const std::int64_t w0 = c.s0.weights[static_cast<std::size_t>(o0 - c.s0.first)];
    for (std::int64_t o1 = c.s1.first; o1 <= c.s1.last; ++o1) {
      const std::int64_t* row = fixed + (o0 * g.out[1] + o1) * g.out[2];
      const std::int64_t w01 = w0 * c.s1.weights[static_cast<std::size_t>(o1 - c.s1.first)];
      std::int64_t partial = 0;
      for (std::int64_t o2 = c.s2.first; o2 <= c.s2.last; ++o2)
        partial += row[o2] * c.s2.weights[static_cast<std::size_t>(o2 - c.s2.first)];
      sum += partial * w01;
    }
  }
  return round_cell<F>(
      sum, unit,
      static_cast<std::uint64_t>(c.s0.denominator * c.s1.denominator * c.s2.denominator));
}

// Axis-2 segments covered by one or two windows (always so when the axis does not grow): the
// cover is (a, wa) and (b, wb), with wb = 0 (and b = a) for one window.
struct pair_cover {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t a = 0;
  std::int64_t b = 0;
  std::int64_t wa = 0;
  std::int64_t wb = 0;
  std::int64_t denominator = 0;
  double reciprocal = 0;  ///< 1 / denominator, rounded once
};

// The pair covers of axis 2, or an empty list when some segment has more than two windows or
// an lcm past 2^62.
std::vector<pair_cover> pair_covers(const std::vector<segment>& axis) {
  std::vector<pair_cover> covers;
  for (const segment& s : axis) {
    if (s.denominator == 0 || s.last - s.first > 1) return {};
    const bool two = s.last > s.first;
    covers.push_back({s.begin, s.end, s.first, s.last, s.weights[0], two ? s.weights[1] : 0,
                      s.denominator, 1.0 / static_cast<double>(s.denominator)});
  }
  return covers;
}

// Everything avg backward derives from the windows alone: segments per axis, the bounds over
// all cells and the pair covers of axis 2.
struct cell_plan {
  std::array<std::vector<reference::window>, 3> windows;
  std::array<std::int64_t, 3> in{};
  std::array<std::vector<segment>, 3> segments;
  cell_bounds bounds;
  std::vector<pair_cover> covers;
  bool one_row_blocks = false;         ///< every axis-0 and axis-1 segment has one window (so 1-D)
  std::vector<std::int32_t> cover_of;  ///< per axis-2 input, its pair cover (when there are covers)
};

// The calling thread's last cell plan, rebuilt when the windows change (they repeat call after
// call in a model; building the segments costs more than a small backward pass).
const cell_plan& remembered_plan(const geometry& g) {
  thread_local cell_plan plan;
  if (plan.windows != g.windows || plan.in != g.in) {
    plan.windows = g.windows;
    plan.in = g.in;
    for (std::size_t axis = 0; axis < 3; ++axis)
      plan.segments[axis] = axis_segments(g.windows[axis], g.in[axis]);
    plan.bounds = bounds_of(plan.segments);
    plan.covers = pair_covers(plan.segments[2]);
    const auto one_window = [](const segment& s) { return s.first == s.last; };
    plan.one_row_blocks = std::ranges::all_of(plan.segments[0], one_window) &&
                          std::ranges::all_of(plan.segments[1], one_window);
    plan.cover_of.assign(plan.covers.empty() ? 0 : static_cast<std::size_t>(g.in[2]), 0);
    for (std::size_t k = 0; k < plan.covers.size(); ++k) {
      for (std::int64_t i = plan.covers[k].begin; i < plan.covers[k].end; ++i)
        plan.cover_of[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(k);
    }
  }
  return plan;
}

// round_double_cell's rare cells: through the division, else in fixed point.
[[gnu::noinline]] std::uint64_t round_double_cell_exactly(double sum, int unit,
                                                          std::uint64_t denominator) {
  if (const auto bits = round_quotient_binary32(sum, 0, denominator)) return *bits;
  return round_cell<binary32_traits>(static_cast<std::int64_t>(std::ldexp(sum, -unit)), unit,
                                     denominator);
}

// A binary32 cell whose sum doubles hold exactly (a multiple of 2^unit below 2^(unit + 53)):
// through the reciprocal, else in fixed point from the same exact sum.
std::uint64_t round_double_cell(double sum, int unit, std::uint64_t denominator,
                                double reciprocal) {
  // An exact zero is +0 (round_to's), but products of -0 add up to -0: -0 + +0 is +0.
  sum += 0.0;
  // A power-of-two denominator has an exact reciprocal, so the quotient is exact in doubles and
  // its one IEEE rounding is round_to's (subnormal results included). Its sums of two windows
  // meet binary32 midpoints often, which the other routes would decline.
  if ((denominator & (denominator - 1)) == 0)
    return std::bit_cast<std::uint32_t>(static_cast<float>(sum * reciprocal));
  if (const auto bits = round_product_binary32(sum, 0, reciprocal)) return *bits;
  return round_double_cell_exactly(sum, unit, denominator);
}

// The doubles path of a one-row block (binary32, every cell sum exact in doubles, one output
// row over the block): each pair cover's value into `cells`, then the block's first row from
// them, input by input (cells are short: filling them one by one costs more).
void double_cells_row(const geometry& g, const cell_plan& plan, const segment& s0,
                      const segment& s1, const float* grads, int unit, float* first_row,
                      float* cells) {
  const std::int64_t row = (s0.first * g.out[1] + s1.first) * g.out[2];
  const auto w01 = static_cast<double>(s0.weights[0] * s1.weights[0]);
  const std::int64_t d01 = s0.denominator * s1.denominator;
  const double reciprocal01 = 1.0 / static_cast<double>(d01);
  for (std::size_t k = 0; k < plan.covers.size(); ++k) {
    const pair_cover& pc = plan.covers[k];
    const double sum = (static_cast<double>(grads[row + pc.a]) * static_cast<double>(pc.wa) +
                        static_cast<double>(grads[row + pc.b]) * static_cast<double>(pc.wb)) *
                       w01;
    cells[k] = std::bit_cast<float>(static_cast<std::uint32_t>(
        round_double_cell(sum, unit, static_cast<std::uint64_t>(d01 * pc.denominator),
                          pc.reciprocal * reciprocal01)));
  }
  for (std::int64_t i = 0; i < g.in[2]; ++i)
    first_row[i] = cells[plan.cover_of[static_cast<std::size_t>(i)]];
}

// One row block of the int64 path with pair covers along axis 2: the cells of segments s0, s1.
template <typename F>
void pair_cells(const geometry& g, const std::vector<pair_cover>& covers, const segment& s0,
                const segment& s1, const std::int64_t* fixed, int unit,
                typename F::storage* first_row) {
  const std::int64_t d01 = s0.denominator * s1.denominator;
  const double reciprocal01 = 1.0 / static_cast<double>(d01);
  auto write = [&](const pair_cover& pc, std::int64_t sum) {
    const std::uint64_t bits = round_cell<F>(
        sum, unit, static_cast<std::uint64_t>(d01 * pc.denominator), pc.reciprocal * reciprocal01);
    std::fill(first_row + pc.begin, first_row + pc.end, F::from_bits(bits));
  };
  if (s0.first == s0.last && s1.first == s1.last) {
    // One output row covers the block (always so for 1-D pooling).
    const std::int64_t* row = fixed + (s0.first * g.out[1] + s1.first) * g.out[2];
    const std::int64_t w01 = s0.weights[0] * s1.weights[0];
    for (const pair_cover& pc : covers) write(pc, (row[pc.a] * pc.wa + row[pc.b] * pc.wb) * w01);
    return;
  }
  for (const pair_cover& pc : covers) {
    std::int64_t sum = 0;
    for (std::int64_t o0 = s0.first; o0 <= s0.last; ++o0) {
      const std::int64_t w0 = s0.weights[static_cast<std::size_t>(o0 - s0.first)];
      for (std::int64_t o1 = s1.first; o1 <= s1.last; ++o1) {
        const std::int64_t* row = fixed + (o0 * g.out[1] + o1) * g.out[2];
        const std::int64_t w01 = w0 * s1.weights[static_cast<std::size_t>(o1 - s1.first)];
        sum += (row[pc.a] * pc.wa + row[pc.b] * pc.wb) * w01;
      }
    }
    write(pc, sum);
  }
}

// Copies a row block's first row (its cell values) to the block's other rows.
template <typename T>
void copy_first_row(const geometry& g, const segment& s0, const segment& s1, T* plane,
                    const T* first_row) {
  for (std::int64_t i0 = s0.begin; i0 < s0.end; ++i0) {
    for (std::int64_t i1 = s1.begin; i1 < s1.end; ++i1) {
      T* row = plane + (i0 * g.in[1] + i1) * g.in[2];
      if (row != first_row) std::copy(first_row, first_row + g.in[2], row);
    }
  }
}

// One plane: per block of rows sharing their axis-0 and axis-1 segments, the row of cell values
// along axis 2 is computed once (one rounding per cell) and copied to the block's other rows.
// A scan of the plane's gradients decides whether every cell fits the int64 path; then the
// gradients are put in fixed point once per plane (into `fixed`, out_plane long).
template <typename F>
void avg_backward_plane(const geometry& g, const cell_plan& plan, const typename F::storage* grads,
                        typename F::storage* plane, std::int64_t* fixed,
                        [[maybe_unused]] float* cells) {
  const auto& segments = plan.segments;
  const auto& covers = plan.covers;
  exponent_range range;
  for (std::int64_t o = 0; o < g.out_plane; ++o) widen<F>(range, F::to_bits(grads[o]));
  // Every cell's exact sum sum_o g_o * weight_o is a multiple of 2^unit below 2^(unit + spread).
  const int spread = range.special || plan.bounds.denominator == 0
                         ? 128
                         : range.sum_bits<F>(static_cast<std::uint64_t>(plan.bounds.covers)) +
                               bit_length(static_cast<std::uint64_t>(plan.bounds.denominator));
  const bool narrow = spread <= 63;
  const int unit = range.unit_exponent<F>();
  if constexpr (std::same_as<F, binary32_traits>) {
    if (spread <= 53 && !covers.empty() && plan.one_row_blocks) {
      // Doubles hold every partial sum: the gradients need no fixed point.
      for (const segment& s0 : segments[0]) {
        for (const segment& s1 : segments[1]) {
          float* first_row = plane + (s0.begin * g.in[1] + s1.begin) * g.in[2];
          double_cells_row(g, plan, s0, s1, grads, unit, first_row, cells);
          copy_first_row(g, s0, s1, plane, first_row);
        }
      }
      return;
    }
  }
  if (narrow) {
    const int anchor = range.anchor();
    for (std::int64_t o = 0; o < g.out_plane; ++o)
      fixed[o] = fixed_point<F, std::int64_t>(F::to_bits(grads[o]), anchor);
  }
  for (const segment& s0 : segments[0]) {
    for (const segment& s1 : segments[1]) {
      typename F::storage* first_row = plane + (s0.begin * g.in[1] + s1.begin) * g.in[2];
      if (narrow && !covers.empty()) {
        pair_cells<F>(g, covers, s0, s1, fixed, unit, first_row);
      } else {
        for (const segment& s2 : segments[2]) {
          const cell c{s0, s1, s2};
          const std::uint64_t bits =
              narrow ? cell_gradient_int64<F>(g, fixed, c, unit) : cell_gradient<F>(g, grads, c);
          std::fill(first_row + s2.begin, first_row + s2.end, F::from_bits(bits));
        }
      }
      copy_first_row(g, s0, s1, plane, first_row);
    }
  }
}

template <typename F>
void avg_backward_planes(const geometry& g, const cell_plan& plan,
                         const typename F::storage* grad_output, typename F::storage* grad_input,
                         std::int64_t first, std::int64_t end) {
  std::vector<std::int64_t> fixed(static_cast<std::size_t>(g.out_plane));
  std::vector<float> cells(plan.covers.size());
  for (std::int64_t p = first; p < end; ++p) {
    avg_backward_plane<F>(g, plan, grad_output + p * g.out_plane, grad_input + p * g.in_plane,
                          fixed.data(), cells.data());
  }
}

// The exact sum of the gradients one input received (count >= 1), rounded once; +0 for zero.
template <typename F>
std::uint64_t chosen_sum(const typename F::storage* grads, std::span<const std::int64_t> outputs) {
  if constexpr (std::same_as<F, binary32_traits>) {
    // One pass: the double sum and the exponent range. When every partial sum is a multiple of
    // 2^unit below 2^(unit + 53) in magnitude each double addition is exact, and the conversion
    // rounds the exact sum once (half to even, overflow to infinity, subnormals, as round_to
    // does); a zero sum is +0.
    std::uint32_t least = ~0u, greatest = 0;
    double sum = 0;
    for (std::int64_t o : outputs) {
      const std::uint32_t magnitude = std::bit_cast<std::uint32_t>(grads[o]) & 0x7FFFFFFFu;
      least = std::min(least, magnitude - 1);
      greatest = std::max(greatest, magnitude);
      sum += static_cast<double>(grads[o]);
    }
    const exponent_range quick = magnitude_range<F>(least, greatest);
    if (!quick.special && quick.sum_bits<F>(outputs.size()) <= 53)
      return sum == 0 ? 0 : std::bit_cast<std::uint32_t>(static_cast<float>(sum));
  }
  exponent_range range;
  special_tally specials;
  for (std::int64_t o : outputs) {
    widen<F>(range, F::to_bits(grads[o]));
    specials.add<F>(F::to_bits(grads[o]));
  }
  if (specials.any()) return specials.result<F>();
  const int bits = range.sum_bits<F>(outputs.size());
  if (bits > 127) {
    reference::rational total = 0;
    for (std::int64_t o : outputs) total += decode(F::format, F::to_bits(grads[o])).value;
    return round_to(F::format, reference::extended_rational::finite(total));
  }
  fast_int128 sum = 0;
  for (std::int64_t o : outputs)
    sum += fixed_point<F, fast_int128>(F::to_bits(grads[o]), range.anchor());
  return round_fixed<F>(sum, range.unit_exponent<F>(), 1);
}

// The gradient of an input chosen once: its own pattern, but +0 for -0 (the sum starts at +0)
// and the quiet NaN for any NaN (round_to's).
template <typename F>
std::uint64_t chosen_once(std::uint64_t bits) {
  const std::uint64_t magnitude = bits & ~F::sign_mask;
  if (magnitude > F::infinity) return F::quiet_nan;
  return magnitude == 0 ? 0 : bits;
}

// Where one plane's outputs put their gradients. The first chooser of an input writes it
// directly (stamped with the plane's tag, so the arrays are never cleared); later choosers are
// chained to it (newest first) and each input chosen more than once is summed exactly once all
// its choosers are known.
class chooser_table {
 public:
  chooser_table(std::int64_t in_plane, std::int64_t out_plane)
      : stamp_(static_cast<std::size_t>(in_plane)),
        head_(static_cast<std::size_t>(in_plane)),
        next_(static_cast<std::size_t>(out_plane)) {}

  template <typename F>
  void scatter(const typename F::storage* grads, const std::int64_t* indices,
               std::int64_t out_plane, std::uint64_t tag, typename F::storage* plane) {
    shared_.clear();
    for (std::int64_t o = 0; o < out_plane; ++o) {
      const auto at = static_cast<std::size_t>(indices[o]);
      std::int64_t& head = head_[at];
      if (stamp_[at] == tag) {
        if (next_[static_cast<std::size_t>(head)] < 0) shared_.push_back(indices[o]);
        next_[static_cast<std::size_t>(o)] = head;
        head = o;
        continue;
      }
      stamp_[at] = tag;
      head = o;
      next_[static_cast<std::size_t>(o)] = -1;
      plane[at] = F::from_bits(chosen_once<F>(F::to_bits(grads[o])));
    }
    for (const std::int64_t target : shared_) {
      outputs_.clear();
      for (std::int64_t o = head_[static_cast<std::size_t>(target)]; o >= 0;
           o = next_[static_cast<std::size_t>(o)])
        outputs_.push_back(o);
      plane[target] = F::from_bits(chosen_sum<F>(grads, outputs_));
    }
  }

 private:
  std::vector<std::uint64_t> stamp_;
  std::vector<std::int64_t> head_;     // per input: its latest chooser
  std::vector<std::int64_t> next_;     // per output: the previous chooser of its input, or -1
  std::vector<std::int64_t> shared_;   // inputs chosen more than once
  std::vector<std::int64_t> outputs_;  // one shared input's choosers
};

// Planes too large for a chooser_table (16 bytes per input, 8 per output): sort the (input, output)
// pairs.
template <typename F>
void scatter_sorted(const typename F::storage* grads, const std::int64_t* indices,
                    std::int64_t out_plane, typename F::storage* plane) {
  std::vector<std::pair<std::int64_t, std::int64_t>> chosen;
  for (std::int64_t o = 0; o < out_plane; ++o) chosen.emplace_back(indices[o], o);
  std::sort(chosen.begin(), chosen.end());
  std::vector<std::int64_t> outputs;
  for (std::size_t i = 0; i < chosen.size();) {
    outputs.clear();
    const std::int64_t target = chosen[i].first;
    for (; i < chosen.size() && chosen[i].first == target; ++i) outputs.push_back(chosen[i].second);
    plane[target] =
        F::from_bits(outputs.size() == 1 ? chosen_once<F>(F::to_bits(grads[outputs.front()]))
                                         : chosen_sum<F>(grads, outputs));
  }
}

// Whether every pattern is finite: the exponent field plus one reaches the sign bit only for
// an infinity or a NaN. One branch-free pass that vectorizes.
template <typename F>
bool all_finite(const typename F::storage* values, std::int64_t count) {
  constexpr std::uint64_t field_unit = std::uint64_t{1} << F::fraction_bits;
  typename F::bits fields = 0;
  for (std::int64_t i = 0; i < count; ++i)
    fields |= static_cast<typename F::bits>((F::to_bits(values[i]) & F::infinity) + field_unit);
  return (fields & F::sign_mask) == 0;
}

// binary32 and binary64, finite gradients: adds each gradient at its input in hardware, on a
// plane of +0, and tells whether that gave round_to of every exact sum: so when no input has
// three or more choosers. Then an input gets +0 (no chooser), +0 + a, or (+0 + a) + b. +0 + a
// is exact (-0 becoming +0, round_to's zero), and IEEE addition in the default environment
// (round to nearest even, no flush to zero, no excess precision) is the correctly rounded exact
// sum: half to even, overflow to infinity, an exact zero as +0; a sum of two finite values is a
// multiple of the least subnormal, so it never rounds to a signed zero. On false the plane
// holds garbage at the chosen inputs only, which chooser_table::scatter overwrites.
// Branch-free: `choosers` (in_plane counts, left all 0) counts, and a count before the
// increment is 2 or more exactly when it has a bit above the lowest.
template <typename F>
bool add_in_hardware(const typename F::storage* grads, const std::int64_t* indices,
                     std::int64_t out_plane, std::uint32_t* choosers, typename F::storage* plane) {
  std::uint32_t counts = 0;
  for (std::int64_t o = 0; o < out_plane; ++o) {
    const std::int64_t at = indices[o];
    counts |= choosers[at]++;
    plane[at] += grads[o];
  }
  for (std::int64_t o = 0; o < out_plane; ++o) choosers[indices[o]] = 0;
  return counts <= 1;
}

void require_indices(std::span<const std::int64_t> indices, std::int64_t in_plane) {
  // One branch-free pass, then the culprit for the error. With last = in_plane - 1 < 2^63,
  // 0 <= index <= last exactly when neither index nor last - index (mod 2^64) has its top bit
  // set: a negative index has it, and for index > last the difference wraps to 2^64 - k with
  // 0 < k < 2^63. Or and subtract in 64-bit lanes vectorize with SSE2 (an unsigned compare
  // would not).
  const auto last = static_cast<std::uint64_t>(in_plane - 1);
  std::uint64_t tops = 0;
  for (std::int64_t index : indices) {
    const auto bits = static_cast<std::uint64_t>(index);
    tops |= bits | (last - bits);
  }
  if ((tops >> 63) == 0) return;
  for (std::int64_t index : indices) {
    if (index < 0 || index >= in_plane) {
      throw common::input_error("max pool index " + std::to_string(index) +
                                " is outside the input plane of " + std::to_string(in_plane));
    }
  }
}

// Whether no index of a plane's can have three choosers because they ascend (never decrease)
// and none equals the one two places on, so no value appears three times. Argmaxes of one row of
// windows usually ascend; checking so is branch-free and vectorizes, where counting choosers
// goes through memory index by index.
bool ascending_without_triples(const std::int64_t* indices, std::int64_t count) {
  bool descends = false, triple = false;
  for (std::int64_t o = 1; o < count; ++o) descends |= indices[o] < indices[o - 1];
  for (std::int64_t o = 2; o < count; ++o) triple |= indices[o] == indices[o - 2];
  return !descends && !triple;
}

// add_in_hardware's additions once ascending_without_triples vouched for them.
template <typename F>
void add_ascending(const typename F::storage* grads, const std::int64_t* indices,
                   std::int64_t out_plane, typename F::storage* plane) {
  for (std::int64_t o = 0; o < out_plane; ++o) plane[indices[o]] += grads[o];
}

template <typename F>
void max_backward_planes(const geometry& g, const typename F::storage* grad_output,
                         const std::int64_t* indices, typename F::storage* grad_input,
                         std::int64_t first, std::int64_t end) {
  constexpr std::int64_t table_limit = std::int64_t{1} << 20;
  constexpr bool hardware = std::same_as<F, binary32_traits> || std::same_as<F, binary64_traits>;
  const bool small = g.in_plane <= table_limit && g.out_plane <= table_limit;
  std::vector<std::uint32_t> choosers(hardware && small ? static_cast<std::size_t>(g.in_plane) : 0);
  std::optional<chooser_table> table;  // built for the first plane that needs it
  // An infinity or NaN anywhere in the worker's gradients leaves the hardware path out.
  const bool finite =
      hardware && all_finite<F>(grad_output + first * g.out_plane, (end - first) * g.out_plane);
  const bool one_row = g.out_plane == g.out[2];  // one row of windows
  for (std::int64_t p = first; p < end; ++p) {
    const typename F::storage* grads = grad_output + p * g.out_plane;
    const std::int64_t* chosen = indices + p * g.out_plane;
    // Checked plane by plane while the indices are in cache (a bad one throws; earlier planes
    // are written by then).
    require_indices({chosen, static_cast<std::size_t>(g.out_plane)}, g.in_plane);
    typename F::storage* plane = grad_input + p * g.in_plane;
    std::fill(plane, plane + g.in_plane, F::from_bits(0));
    if (!small) {
      scatter_sorted<F>(grads, chosen, g.out_plane, plane);
      continue;
    }
    if constexpr (hardware) {
      if (finite && one_row && ascending_without_triples(chosen, g.out_plane)) {
        add_ascending<F>(grads, chosen, g.out_plane, plane);
        continue;
      }
      if (finite && add_in_hardware<F>(grads, chosen, g.out_plane, choosers.data(), plane))
        continue;
    }
    if (!table) table.emplace(g.in_plane, g.out_plane);
    table->scatter<F>(grads, chosen, g.out_plane, static_cast<std::uint64_t>(p) + 1, plane);
  }
}

}  // namespace
}  // namespace detail

template <element T>
void adaptive_avg_pool_backward(reference::float_format format,
                                std::span<const std::int64_t> input_shape,
                                std::span<const std::int64_t> out_size,
                                std::span<const T> grad_output, std::span<T> grad_input,
                                unsigned threads) {
  const detail::geometry& g = detail::remembered_geometry<T>(format, input_shape, out_size,
                                                             grad_input.size(), grad_output.size());
  const detail::cell_plan& plan = detail::remembered_plan(g);
  detail::with_traits<T>(format, [&](auto traits) {
    using F = decltype(traits);
    detail::parallel_planes(g.planes, threads, [&](std::int64_t first, std::int64_t end) {
      detail::avg_backward_planes<F>(g, plan, grad_output.data(), grad_input.data(), first, end);
    });
  });
}

template <element T>
void adaptive_max_pool_backward(reference::float_format format,
                                std::span<const std::int64_t> input_shape,
                                std::span<const std::int64_t> out_size,
                                std::span<const T> grad_output,
                                std::span<const std::int64_t> indices, std::span<T> grad_input,
                                unsigned threads) {
  const detail::geometry& g = detail::remembered_geometry<T>(format, input_shape, out_size,
                                                             grad_input.size(), grad_output.size());
  if (indices.size() != grad_output.size()) {
    throw common::input_error("max pool backward got " + std::to_string(indices.size()) +
                              " indices for " + std::to_string(grad_output.size()) +
                              " output gradients");
  }
  detail::with_traits<T>(format, [&](auto traits) {
    using F = decltype(traits);
    detail::parallel_planes(g.planes, threads, [&](std::int64_t first, std::int64_t end) {
      detail::max_backward_planes<F>(g, grad_output.data(), indices.data(), grad_input.data(),
                                     first, end);
    });
  });
}

#define POOLPROOF_FAST_BACKWARD(T)                                                           \
  template void adaptive_avg_pool_backward<T>(                                               \
      reference::float_format, std::span<const std::int64_t>, std::span<const std::int64_t>, \
      std::span<const T>, std::span<T>, unsigned);                                           \
  template void adaptive_max_pool_backward<T>(                                               \
      reference::float_format, std::span<const std::int64_t>, std::span<const std::int64_t>, \
      std::span<const T>, std::span<const std::int64_t>, std::span<T>, unsigned);
POOLPROOF_FAST_BACKWARD(std::uint16_t)
POOLPROOF_FAST_BACKWARD(float)
POOLPROOF_FAST_BACKWARD(double)
#undef POOLPROOF_FAST_BACKWARD

}  // namespace poolproof::engine

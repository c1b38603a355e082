// The fast engine's avg backward pass. Along one axis, the inputs covered by the same windows
// form a segment (at most 2m + 1 of them), so the exact gradient is constant on each product of
// segments (a cell): it is computed and rounded once per cell and plane, then filled.
#include <poolproof/common/float_environment.h>
#include <poolproof/common/fresh_pages.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/exact_number.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "engine/avg_backward_16.h"
#include "engine/avg_backward_plan.h"
#include "engine/avg_backward_split.h"
#include "engine/double_cell_rows.h"
#include "engine/double_sums.h"
#include "engine/planes.h"

namespace poolproof::engine {
namespace detail {
namespace {

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
// binary16 and bfloat16 take narrowed_near of the scaled product (its relative error is a few
// double ulps; 2^unit is a normal double for them).
template <typename F>
std::uint64_t round_cell(std::int64_t sum, int unit, std::uint64_t denominator, double reciprocal) {
  if constexpr (std::same_as<F, binary32_traits>) {
    if (in_doubles(sum, denominator)) {
      const auto bits = round_product_binary32(static_cast<double>(sum), unit, reciprocal);
      if (bits) return *bits;
    }
  } else if constexpr (std::same_as<typename F::storage, std::uint16_t>) {
    if (in_doubles(sum, denominator)) {
      const double scale = std::bit_cast<double>(static_cast<std::uint64_t>(1023 + unit) << 52);
      if (const auto h = narrowed_near<F>(static_cast<double>(sum) * reciprocal * scale)) return *h;
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

// round_double_cell's rare cells: through the division, else in fixed point.
[[gnu::noinline]] std::uint64_t round_double_cell_exactly(double sum, int unit,
                                                          std::uint64_t denominator) {
  if (const auto bits = round_quotient_binary32(sum, 0, denominator)) return *bits;
  return round_cell<binary32_traits>(static_cast<std::int64_t>(std::ldexp(sum, -unit)), unit,
                                     denominator);
}

// A cell whose sum doubles hold exactly (a multiple of 2^unit below 2^(unit + 53)): through
// the reciprocal, else in fixed point from the same exact sum (binary32), or from the sum's
// significand (16 bits).
template <typename F>
std::uint64_t round_double_cell(double sum, int unit, std::uint64_t denominator,
                                double reciprocal) {
  // An exact zero is +0 (round_to's), but products of -0 add up to -0: -0 + +0 is +0.
  sum += 0.0;
  if constexpr (std::same_as<F, binary32_traits>) {
    // A power-of-two denominator has an exact reciprocal, so the quotient is exact in doubles
    // and its one IEEE rounding is round_to's (subnormal results included). Its sums of two
    // windows meet binary32 midpoints often, which the other routes would decline.
    if ((denominator & (denominator - 1)) == 0)
      return std::bit_cast<std::uint32_t>(static_cast<float>(sum * reciprocal));
    if (const auto bits = round_product_binary32(sum, 0, reciprocal)) return *bits;
    return round_double_cell_exactly(sum, unit, denominator);
  } else {
    if (const auto h = narrowed_near<F>(sum * reciprocal)) return *h;
    return round_double_quotient<F>(sum, 0, denominator);
  }
}

// The doubles path of a one-row block (binary32, binary16 or bfloat16, every cell sum exact in
// doubles, one output row over the block): each pair cover's value into `cells`, then the
// block's first row from them, input by input (cells are short: filling them one by one costs
// more). 16-bit gradients are widened exactly.
template <typename F>
void double_cells_row(const geometry& g, const cell_plan& plan, const segment& s0,
                      const segment& s1, const typename F::storage* grads, int unit,
                      typename F::storage* first_row, typename F::storage* cells) {
  const auto value = [](typename F::storage x) {
    if constexpr (std::same_as<F, binary32_traits>) {
      return static_cast<double>(x);
    } else {
      return static_cast<double>(widened<F>(x));
    }
  };
  const std::int64_t row = (s0.first * g.out[1] + s1.first) * g.out[2];
  const auto w01 = static_cast<double>(s0.weights[0] * s1.weights[0]);
  const std::int64_t d01 = s0.denominator * s1.denominator;
  const double reciprocal01 = 1.0 / static_cast<double>(d01);
  for (std::size_t k = 0; k < plan.covers.size(); ++k) {
    const pair_cover& pc = plan.covers[k];
    const double sum = (value(grads[row + pc.a]) * static_cast<double>(pc.wa) +
                        value(grads[row + pc.b]) * static_cast<double>(pc.wb)) *
                       w01;
    cells[k] = F::from_bits(round_double_cell<F>(
        sum, unit, static_cast<std::uint64_t>(d01 * pc.denominator), pc.reciprocal * reciprocal01));
  }
  write_cells_row(g, plan, cells, first_row);
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

// One plane: per block of rows sharing their axis-0 and axis-1 segments, the row of cell values
// along axis 2 is computed once (one rounding per cell) and copied to the block's other rows.
// A scan of the plane's gradients decides whether every cell fits the int64 path; then the
// gradients are put in fixed point once per plane (into `fixed`, out_plane long).
template <typename F>
void avg_backward_plane(const geometry& g, const cell_plan& plan, const typename F::storage* grads,
                        typename F::storage* plane, std::int64_t* fixed,
                        [[maybe_unused]] typename F::storage* cells) {
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
  if constexpr (!std::same_as<F, binary64_traits>) {
    if (spread <= 53 && !covers.empty() && plan.one_row_blocks) {
      // Doubles hold every partial sum: the gradients need no fixed point.
      for (const segment& s0 : segments[0]) {
        for (const segment& s1 : segments[1]) {
          typename F::storage* first_row = plane + (s0.begin * g.in[1] + s1.begin) * g.in[2];
          double_cells_row<F>(g, plan, s0, s1, grads, unit, first_row, cells);
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
  std::vector<typename F::storage> cells(plan.covers.size());
  const auto one_plane = [&](std::int64_t p) {
    avg_backward_plane<F>(g, plan, grad_output + p * g.out_plane, grad_input + p * g.in_plane,
                          fixed.data(), cells.data());
  };
  if constexpr (std::same_as<F, binary64_traits>) {
    if (split_cells_fit(plan))
      return split_cells_planes(g, plan, grad_output, grad_input, first, end, one_plane);
  } else if constexpr (std::same_as<typename F::storage, std::uint16_t>) {
    if (plan.one_row_blocks && !plan.covers.empty())
      return double_cells_planes<F>(g, plan, grad_output, grad_input, first, end, one_plane);
  } else {
    // 1-D planes: a run of rows in one batch when its range keeps the cells exact in doubles;
    // any other run plane by plane.
    const double_cell_rows<F> runs(g, plan);
    if (runs.usable()) {
      const auto run = [&](std::int64_t p, std::int64_t rows) {
        return runs.cells(grad_output + p * g.out_plane, rows, grad_input + p * g.in_plane);
      };
      return runs_of_planes(first, end, runs.rows_per_run(), run, one_plane);
    }
  }
  for (std::int64_t p = first; p < end; ++p) one_plane(p);
}

}  // namespace
}  // namespace detail

template <element T>
void adaptive_avg_pool_backward(reference::float_format format,
                                std::span<const std::int64_t> input_shape,
                                std::span<const std::int64_t> out_size,
                                std::span<const T> grad_output, std::span<T> grad_input,
                                unsigned threads) {
  // A caller's flush-to-zero or rounding mode would break the exact hardware paths.
  const common::default_float_environment environment;
  const detail::geometry& g = detail::remembered_geometry<T>(format, input_shape, out_size,
                                                             grad_input.size(), grad_output.size());
  const detail::cell_plan& plan = detail::remembered_plan(g);
  detail::with_traits<T>(format, [&](auto traits) {
    using F = decltype(traits);
    detail::parallel_planes(g.planes, threads, [&](std::int64_t first, std::int64_t end) {
      common::prefault_planes(grad_input, g.in_plane, first, end);
      detail::avg_backward_planes<F>(g, plan, grad_output.data(), grad_input.data(), first, end);
    });
  });
}

#define POOLPROOF_AVG_BACKWARD(T)                                                            \
  template void adaptive_avg_pool_backward<T>(                                               \
      reference::float_format, std::span<const std::int64_t>, std::span<const std::int64_t>, \
      std::span<const T>, std::span<T>, unsigned);
POOLPROOF_AVG_BACKWARD(std::uint16_t)
POOLPROOF_AVG_BACKWARD(float)
POOLPROOF_AVG_BACKWARD(double)
#undef POOLPROOF_AVG_BACKWARD

}  // namespace poolproof::engine

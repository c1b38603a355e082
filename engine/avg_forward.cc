// The fast engine's avg forward pass: each window's exact sum in the narrowest exact
// accumulator its exponent range allows (doubles, int64, __int128, a GMP integer), rounded once.
// Planes are summed a band of rows at a time, column by column, in doubles (16-bit values widened
// exactly on the way, binary64 split in two parts); planes of small windows by one scan of the
// plane (16-bit ones widened to binary32 first), and planes of one row of small windows with
// their means rounded in batches across rows (binary32_means, narrowed_means, split means); what
// none of these proves exact, window by window.
#include <poolproof/common/float_environment.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/exact_number.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <optional>
#include <vector>

#include "engine/avg_bands.h"
#include "engine/avg_forward_binary64.h"
#include "engine/avg_rows_16.h"
#include "engine/band_sums.h"
#include "engine/double_sums.h"
#include "engine/narrowed_means.h"
#include "engine/planes.h"
#include "engine/row_batches.h"
#include "engine/streaming.h"

namespace poolproof::engine {
namespace detail {
namespace {

// A window sum in one fixed-point accumulator: exact while the window's spread fits Acc.
template <typename F, typename Acc>
Acc window_sum(const geometry& g, const typename F::storage* plane, const box3& box, int anchor) {
  Acc sum = 0;
  for_each_offset(
      g, box, [&](std::int64_t at) { sum += fixed_point<F, Acc>(F::to_bits(plane[at]), anchor); });
  return sum;
}

// The exact sum of a window of any spread in a GMP integer, in units of 2^unit.
template <typename F>
reference::integer window_sum_wide(const geometry& g, const typename F::storage* plane,
                                   const box3& box, int anchor) {
  reference::integer sum = 0;
  for_each_offset(g, box, [&](std::int64_t at) {
    const std::uint64_t b = F::to_bits(plane[at]);
    const reference::integer term = reference::integer(significand<F>(b))
                                    << static_cast<unsigned>(effective_exponent<F>(b) - anchor);
    if ((b & F::sign_mask) != 0) {
      sum -= term;
    } else {
      sum += term;
    }
  });
  return sum;
}

// round_to(F, sign * magnitude * 2^exponent / divisor) for magnitudes of any size (the rare
// windows whose exponent spread exceeds 127 bits).
template <typename F>
std::uint64_t round_wide_quotient(const reference::integer& sum, int exponent,
                                  std::int64_t divisor) {
  reference::integer numerator = sum, denominator = divisor;
  if (exponent >= 0) {
    numerator <<= static_cast<unsigned>(exponent);
  } else {
    denominator <<= static_cast<unsigned>(-exponent);
  }
  return round_to(
      F::format, reference::extended_rational::finite(reference::rational(numerator, denominator)));
}

// The mean of one window from its exact sum: specials first, then the narrowest exact
// accumulator for its exponent range (int64, __int128, a GMP integer).
template <typename F>
std::uint64_t window_mean(const geometry& g, const typename F::storage* plane, const box3& box,
                          const exponent_range& range) {
  if (range.special) {
    special_tally specials;
    for_each_offset(g, box, [&](std::int64_t at) { specials.add<F>(F::to_bits(plane[at])); });
    if (specials.any()) return specials.result<F>();
  }
  const auto count = static_cast<std::uint64_t>(box.volume());
  const int anchor = range.anchor();
  const int unit = range.unit_exponent<F>();
  const int bits = range.sum_bits<F>(count);
  if (bits <= 63)
    return round_fixed<F>(window_sum<F, std::int64_t>(g, plane, box, anchor), unit, count);
  if (bits <= 127)
    return round_fixed<F>(window_sum<F, fast_int128>(g, plane, box, anchor), unit, count);
  return round_wide_quotient<F>(window_sum_wide<F>(g, plane, box, anchor), unit, box.volume());
}

// binary32 first tries the one-pass double sum (the common case: spreads up to 53 bits).
template <typename F>
std::uint64_t window_mean(const geometry& g, const typename F::storage* plane, const box3& box) {
  const auto count = static_cast<std::uint64_t>(box.volume());
  if constexpr (std::same_as<F, binary32_traits>) {
    const bool one_row = box.w0.length() == 1 && box.w1.length() == 1;
    const double_pass pass =
        box.w2.length() >= 8 ? sum_and_scan(g, plane, box)
        : one_row            ? sum_and_scan_row(plane + first_offset(g, box), 0, box.w2.length())
                             : sum_and_scan_scalar(g, plane, box);
    if (!pass.range.special && pass.range.sum_bits<F>(count) <= 53) {
      if (const auto bits = round_quotient_binary32(pass.sum, 0, count)) return *bits;
      return round_double_sum<F>(pass.sum, pass.range, count);
    }
    return window_mean<F>(g, plane, box, pass.range);
  } else if constexpr (std::same_as<F, binary64_traits>) {
    const binary64_pass pass = sum_and_scan_binary64(g, plane, box);
    if (pass.parts) {
      if (const auto mean = mean_of_parts(*pass.parts, count)) return F::to_bits(*mean);
      const int unit = pass.range.unit_exponent<F>();
      return round_fixed<F>(parts_in_units(*pass.parts, unit), unit, count);
    }
    return window_mean<F>(g, plane, box, pass.range);
  } else {
    const double_pass pass = sum_and_scan_16_simd<F>(g, plane, box);
    if (!pass.range.special && pass.range.sum_bits<F>(count) <= 53)
      return round_double_sum<F>(pass.sum, pass.range, count);
    return window_mean<F>(g, plane, box, pass.range);
  }
}

}  // namespace

std::uint64_t binary64_window_mean(const geometry& g, const double* plane, const box3& box) {
  return window_mean<binary64_traits>(g, plane, box);
}

namespace {

// A 16-bit window's mean from its plane widened exactly to binary32 (`wide`): the binary32 pass
// sums and scans it (its range is the binary32 view of the same values, so its exactness
// condition holds), else the 16-bit path decides from the patterns.
template <typename F>
std::uint64_t widened_window_mean(const geometry& g, const float* wide, const std::uint16_t* plane,
                                  const box3& box) {
  const auto count = static_cast<std::uint64_t>(box.volume());
  const bool one_row = box.w0.length() == 1 && box.w1.length() == 1;
  const double_pass pass = box.w2.length() >= 8 ? sum_and_scan(g, wide, box)
                           : one_row
                               ? sum_and_scan_row(wide + first_offset(g, box), 0, box.w2.length())
                               : sum_and_scan_scalar(g, wide, box);
  if (!pass.range.special && pass.range.sum_bits<binary32_traits>(count) <= 53)
    return round_mean_16<F>(pass.sum, count);
  return window_mean<F>(g, plane, box);
}

// A binary32 window's sum in doubles, without an exponent scan (the caller vouches that every
// partial sum is exact); one-row windows skip the nested loops.
double window_sum_in_doubles(const geometry& g, const float* plane, const box3& box) {
  if (box.w0.length() == 1 && box.w1.length() == 1) {
    return sum_and_scan_row(plane + first_offset(g, box), 0, box.w2.length()).sum;
  }
  double sum = 0;
  for_each_offset(g, box, [&](std::int64_t at) { sum += static_cast<double>(plane[at]); });
  return sum;
}

// The rounded mean of a binary32 window (or a 16-bit one widened) from its exact double sum.
template <typename F>
typename F::storage mean_of_double_sum(double sum, const exponent_range& range,
                                       std::uint64_t count) {
  if constexpr (std::same_as<F, binary32_traits>) {
    return binary32_mean(sum, range.unit_exponent<F>(), count);
  } else {
    return static_cast<std::uint16_t>(round_mean_16<F>(sum, count));
  }
}

// A binary32 plane of small windows (each would take the scalar pass): one scan of the whole
// plane bounds every window's exponent range. When it shows every double sum of up to
// largest_window values exact (see double_pass: each window's values are multiples of the
// plane's unit, and its partial sums stay below 2^(unit + 53)), each window is summed without a
// scan of its own and rounded once. Returns false, writing nothing, when the plane needs the
// per-window path (an infinity or NaN, or too wide a spread).
// F: binary32, or a 16-bit format whose plane was widened exactly into `plane`.
template <typename F>
bool avg_plane_in_doubles(const geometry& g, const float* plane, typename F::storage* out) {
  const box3 whole{{0, g.in[0]}, {0, g.in[1]}, {0, g.in[2]}};
  const exponent_range range = sum_and_scan(g, plane, whole).range;
  const auto largest = static_cast<std::uint64_t>(g.largest_window);
  if (range.special || range.sum_bits<binary32_traits>(largest) > 53) return false;
  for_each_output(g, [&](std::int64_t at, const box3& box) {
    out[at] = mean_of_double_sum<F>(window_sum_in_doubles(g, plane, box), range,
                                    static_cast<std::uint64_t>(box.volume()));
  });
  return true;
}

// Planes of one row of small binary32 windows: each row scanned once, as avg_plane_in_doubles
// scans a plane; when its windows' double sums are exact, they wait in a batch across rows and
// binary32_means rounds them eight divisions an instruction (a window at a time, the wait for
// each division cost most of the pass). A row that is not exact goes window by window.
void avg_rows_in_doubles(const geometry& g, const float* input, float* output, std::int64_t first,
                         std::int64_t end) {
  const box3 whole{{0, 1}, {0, 1}, {0, g.in[2]}};
  const auto largest = static_cast<std::uint64_t>(g.largest_window);
  const auto row_values = [&](std::int64_t p) { return input + p * g.in_plane; };
  const auto row_unit = [&](std::int64_t p) -> std::optional<int> {
    const exponent_range range = sum_and_scan(g, row_values(p), whole).range;
    if (range.special || range.sum_bits<binary32_traits>(largest) > 53) return std::nullopt;
    return range.unit_exponent<binary32_traits>();
  };
  const auto means = [](std::span<const double> sums, std::span<const std::uint64_t> counts,
                        std::span<const int> units,
                        std::span<float> out) { binary32_means(sums, counts, units, out); };
  const auto other_row = [&](std::int64_t p) {
    const float* row = input + p * g.in_plane;
    float* out = output + p * g.out_plane;
    for_each_output(g, [&](std::int64_t at, const box3& box) {
      out[at] = binary32_traits::from_bits(window_mean<binary32_traits>(g, row, box));
    });
  };
  batched_row_means(g, output, first, end, row_values, row_unit, means, other_row);
}

// Rows at most this wide take the banded pass (its column sums are kept per thread and format:
// 8 bytes, or 16 for binary64, per element of a row; at most 2.5 MiB a thread over all formats).
constexpr std::int64_t banded_row_limit = std::int64_t{1} << 16;

// 16-bit band means wait here and are rounded together once the plane's bands are summed
// (bfloat16 rounded one by one read 1.06x-1.2x once the band sums got faster: measured).
positioned_means& pending_means() {
  thread_local positioned_means pending;
  return pending;
}

// A binary32, binary16 or bfloat16 plane band by band: each band's rows are added column by
// column into doubles (16-bit values widened exactly on the way) while their exponent range is
// scanned; when that range shows every sum of up to the band's largest window exact (see
// double_pass: all of a window's partial sums, the columns' and the columns' sum, are sums of its
// values), each window's sum is its columns' sum, rounded once. A band that is not exact takes
// each window's own path. One pass over the rows replaces a scan and a sum per window, and the
// additions run along rows.
template <typename F>
void avg_plane_banded(const geometry& g, const typename F::storage* plane, typename F::storage* out,
                      band_order order = band_order::down_columns) {
  thread_local std::vector<double> columns;
  columns.resize(static_cast<std::size_t>(g.in[2]));
  exponent_range range;
  // One thread-local lookup, not one per window (binary32 rounds each window as it goes).
  [[maybe_unused]] positioned_means& pending = pending_means();
  const auto add_band = [&](const reference::window& w0, const reference::window& w1) {
    std::ranges::fill(columns, 0.0);
    seen_magnitudes seen;
    // The band's rows for one i0 are consecutive: a run per i0.
    const band_layout band{w1.length(), g.in[2], w0.length(), g.in[1] * g.in[2]};
    const typename F::storage* rows = plane + (w0.begin * g.in[1] + w1.begin) * g.in[2];
    if constexpr (std::same_as<F, binary32_traits>) {
      add_rows_to_columns(rows, band, columns.data(), seen, simd_level::avx512, order);
    } else {
      add_rows16_to_columns(F::format, rows, band, columns.data(), seen);
    }
    range = magnitude_range<F>(seen.least_minus_one, seen.greatest);
    return !range.special && range.sum_bits<F>(band_largest(g, w0.length() * w1.length())) <= 53;
  };
  const auto visit_band = [&](std::int64_t at, const reference::window& w0,
                              const reference::window& w1) {
    const std::int64_t rows = w0.length() * w1.length();
    for (const reference::window& w2 : g.windows[2]) {
      const double sum = column_sum(columns, w2);
      const auto count = static_cast<std::uint64_t>(rows * w2.length());
      if constexpr (!std::same_as<F, binary32_traits>) {
        pending.add(at++, sum, count);
      } else {
        out[at++] = mean_of_double_sum<F>(sum, range, count);
      }
    }
  };
  const auto fall_back = [&](std::int64_t at, const box3& box) {
    out[at] = static_cast<typename F::storage>(F::from_bits(window_mean<F>(g, plane, box)));
  };
  for_each_band(g, add_band, visit_band, fall_back);
  if constexpr (!std::same_as<F, binary32_traits>) pending.write(F::format, out);
}

// Small windows with rows shorter than a SIMD vector: where a window's own scan costs most.
bool small_windows(const geometry& g) {
  return g.largest_window <= 64 &&
         std::ranges::all_of(g.windows[2],
                             [](const reference::window& w) { return w.length() < 8; });
}

// 16-bit planes of at most this many elements are widened to binary32 (kept per thread up to
// widened_kept elements) and take the binary32 passes.
constexpr std::int64_t widened_plane_limit = std::int64_t{1} << 20;
constexpr std::size_t widened_kept = std::size_t{1} << 16;

// binary16 and bfloat16 planes through the binary32 passes: each plane widened exactly, then the
// whole-plane scan of small windows or each window's binary32 pass, rounded once to 16 bits.
// Planes of one row of small windows go through avg_rows_16 first.
template <typename F>
void avg_planes_widened(const geometry& g, const std::uint16_t* input, std::uint16_t* output,
                        std::int64_t first, std::int64_t end) {
  thread_local std::vector<float> wide;
  const bool whole_plane_scan = small_windows(g);
  const bool banded = g.in[2] <= banded_row_limit;
  const auto one_plane = [&](std::int64_t p) {
    const std::uint16_t* plane = input + p * g.in_plane;
    std::uint16_t* out = output + p * g.out_plane;
    // The banded pass widens as it goes; the other two read the plane widened.
    if (banded && !whole_plane_scan) return avg_plane_banded<F>(g, plane, out);
    if (wide.size() < static_cast<std::size_t>(g.in_plane))
      wide.resize(static_cast<std::size_t>(g.in_plane));
    widen_to_binary32(F::format, plane, wide.data(), g.in_plane);
    if (whole_plane_scan && avg_plane_in_doubles<F>(g, wide.data(), out)) return;
    if (banded) return avg_plane_banded<F>(g, plane, out);
    for_each_output(g, [&](std::int64_t at, const box3& box) {
      out[at] = static_cast<std::uint16_t>(widened_window_mean<F>(g, wide.data(), plane, box));
    });
  };
  if (whole_plane_scan && g.in_plane == g.in[2] && g.out_plane == g.out[2]) {
    avg_rows_16<F>(g, input, output, first, end, one_plane);
  } else {
    for (std::int64_t p = first; p < end; ++p) one_plane(p);
  }
  if (wide.size() > widened_kept) std::vector<float>().swap(wide);
}

template <typename F>
void avg_planes(const geometry& g, const typename F::storage* input, typename F::storage* output,
                std::int64_t first, std::int64_t end) {
  if constexpr (std::same_as<typename F::storage, std::uint16_t>) {
    if (g.in_plane <= widened_plane_limit)
      return avg_planes_widened<F>(g, input, output, first, end);
  }
  [[maybe_unused]] const bool whole_plane_scan = small_windows(g);
  [[maybe_unused]] const bool banded = g.in[2] <= banded_row_limit;
  // Planes of one input row and one output row (more outputs than inputs can give a plane of
  // one input row several output rows).
  [[maybe_unused]] const bool rows =
      whole_plane_scan && g.in_plane == g.in[2] && g.out_plane == g.out[2];
  if constexpr (std::same_as<F, binary64_traits>) {
    if (rows) return avg_rows_split(g, input, output, first, end);
  } else if constexpr (std::same_as<F, binary32_traits>) {
    if (rows) return avg_rows_in_doubles(g, input, output, first, end);
  }
  // A binary32 worker's input larger than the last-level cache comes from memory: the bands of
  // 2-D planes are read in memory order (3-D bands, a few rows per depth slice, read 1.04x slower
  // so).
  [[maybe_unused]] const band_order order =
      std::same_as<F, binary32_traits> && g.in[0] == 1 &&
              past_cache((end - first) * g.in_plane, sizeof(typename F::storage))
          ? band_order::along_rows
          : band_order::down_columns;
  for (std::int64_t p = first; p < end; ++p) {
    const typename F::storage* plane = input + p * g.in_plane;
    typename F::storage* out = output + p * g.out_plane;
    if constexpr (std::same_as<F, binary32_traits>) {
      if (whole_plane_scan && avg_plane_in_doubles<F>(g, plane, out)) continue;
      if (banded) {
        avg_plane_banded<F>(g, plane, out, order);
        continue;
      }
    } else if constexpr (std::same_as<F, binary64_traits>) {
      if (whole_plane_scan && avg_plane_split(g, plane, out)) continue;
      if (banded) {
        avg_plane_banded_binary64(g, plane, out);
        continue;
      }
    }
    for_each_output(g, [&](std::int64_t at, const box3& box) {
      out[at] = F::from_bits(window_mean<F>(g, plane, box));
    });
  }
}

}  // namespace
}  // namespace detail

template <element T>
void adaptive_avg_pool(reference::float_format format, std::span<const std::int64_t> input_shape,
                       std::span<const T> input, std::span<const std::int64_t> out_size,
                       std::span<T> output, unsigned threads) {
  // A caller's flush-to-zero or rounding mode would break the exact hardware paths.
  const common::default_float_environment environment;
  const detail::geometry& g =
      detail::remembered_geometry<T>(format, input_shape, out_size, input.size(), output.size());
  detail::with_traits<T>(format, [&](auto traits) {
    using F = decltype(traits);
    detail::parallel_planes(g.planes, threads, [&](std::int64_t first, std::int64_t end) {
      detail::avg_planes<F>(g, input.data(), output.data(), first, end);
    });
  });
}

#define POOLPROOF_AVG_FORWARD(T)                                                             \
  template void adaptive_avg_pool<T>(reference::float_format, std::span<const std::int64_t>, \
                                     std::span<const T>, std::span<const std::int64_t>,      \
                                     std::span<T>, unsigned);
POOLPROOF_AVG_FORWARD(std::uint16_t)
POOLPROOF_AVG_FORWARD(float)
POOLPROOF_AVG_FORWARD(double)
#undef POOLPROOF_AVG_FORWARD

}  // namespace poolproof::engine

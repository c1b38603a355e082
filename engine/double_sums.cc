// Exact binary64 window sums in doubles. Every value of the window is a multiple of the unit
// 2^u (u: the ulp of the range's lowest exponent, at or below the values' least). Each x is
// split exactly into hi = x rounded to a multiple of 2^T (by adding and subtracting
// C = 1.5 * 2^(T + 52)) and lo = x - hi, |lo| <= 2^(T - 1). With T = u + 53 - c (c: bit length
// of the count), every partial sum of the lo parts is a multiple of 2^u below 2^(u + 52) and
// every partial sum of the hi parts a multiple of 2^T below 2^(T + 53) when the spread is small
// enough, so both double sums are exact in any order, and sum_hi + sum_lo is the window's exact
// sum.
#include "engine/double_sums.h"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstring>
#include <limits>

#include "engine/simd.h"

namespace poolproof::engine::detail {
namespace {

using binary64 = binary64_traits;

// The widest spread (highest - lowest effective exponent) split_grid takes for `count` values.
int widest_split_spread(std::uint64_t count) {
  const int c = bit_length(count);
  return std::min(53 - 2 * c, 51 - c);
}

// The grid exponent T for a window of `count` values, or nullopt when the split is not exact:
// |x| < 2^(u + spread + 53) must stay below 2^(T + 51) (so x + C keeps C's binade) and the hi
// sum below 2^(T + 53); C's exponent T + 52 must stay finite.
std::optional<int> split_grid(const exponent_range& range, std::uint64_t count) {
  const int spread = range.highest - range.lowest;
  const int unit = range.unit_exponent<binary64>();
  const int grid = unit + 53 - bit_length(count);
  if (spread > widest_split_spread(count) || grid + 53 > 1023) return std::nullopt;
  return grid;
}

// A double that is a multiple of 2^unit, in units of 2^unit (exact: |d| / 2^unit < 2^126).
fast_int128 in_units(double d, int unit) {
  const auto bits = std::bit_cast<std::uint64_t>(d);
  const std::uint64_t magnitude = significand<binary64>(bits);
  if (magnitude == 0) return 0;
  const int shift = effective_exponent<binary64>(bits) - binary64::bias - 52 - unit;
  const fast_int128 value =
      shift >= 0 ? static_cast<fast_int128>(static_cast<fast_uint128>(magnitude) << shift)
                 : static_cast<fast_int128>(magnitude >> -shift);
  return (bits & binary64::sign_mask) != 0 ? -value : value;
}

// The least non-zero magnitude and the greatest magnitude of the window (magnitudes are below
// 2^63, so signed lanes compare them; zeros become the largest int64 for the least).
template <int Width>
[[gnu::always_inline]] inline exponent_range scan_lanes(const geometry& g, const double* plane,
                                                        const box3& box) {
  using i64 = vec<std::int64_t, Width>;
  constexpr std::int64_t none = std::numeric_limits<std::int64_t>::max();
  i64 least = i64{} + none, greatest{};
  std::int64_t least_tail = none, greatest_tail = 0;
  for (std::int64_t i0 = box.w0.begin; i0 < box.w0.end; ++i0) {
    for (std::int64_t i1 = box.w1.begin; i1 < box.w1.end; ++i1) {
      const double* row = plane + (i0 * g.in[1] + i1) * g.in[2];
      std::int64_t i = box.w2.begin;
      for (; i + Width <= box.w2.end; i += Width) {
        // The scan is the window's first touch; the rows below are next.
        __builtin_prefetch(row + 4 * g.in[2] + i);
        i64 bits;
        std::memcpy(&bits, row + i, sizeof bits);
        const i64 magnitude = bits & std::numeric_limits<std::int64_t>::max();
        const i64 nonzero = magnitude == 0 ? none : magnitude;
        least = nonzero < least ? nonzero : least;
        greatest = magnitude > greatest ? magnitude : greatest;
      }
      for (; i < box.w2.end; ++i) {
        const auto magnitude =
            static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(row[i]) & ~binary64::sign_mask);
        least_tail = std::min(least_tail, magnitude == 0 ? none : magnitude);
        greatest_tail = std::max(greatest_tail, magnitude);
      }
    }
  }
  for (int k = 0; k < Width; ++k) {
    least_tail = std::min<std::int64_t>(least_tail, least[k]);
    greatest_tail = std::max<std::int64_t>(greatest_tail, greatest[k]);
  }
  // magnitude_range takes the least magnitude minus one (zeros wrap out of it).
  return magnitude_range<binary64>(static_cast<std::uint64_t>(least_tail) - 1,
                                   static_cast<std::uint64_t>(greatest_tail));
}

// sum_hi and sum_lo of the split at grid 2^T.
template <int Width>
[[gnu::always_inline]] inline split_parts split_sum_lanes(const geometry& g, const double* plane,
                                                          const box3& box, int grid) {
  using f64 = vec<double, Width>;
  // C = 1.5 * 2^(grid + 52): adding it rounds x to a multiple of 2^grid (x stays in C's binade).
  const double c = std::bit_cast<double>((static_cast<std::uint64_t>(grid + 52 + 1023) << 52) |
                                         (std::uint64_t{1} << 51));
  f64 high{}, low{};
  double high_tail = 0, low_tail = 0;
  for (std::int64_t i0 = box.w0.begin; i0 < box.w0.end; ++i0) {
    for (std::int64_t i1 = box.w1.begin; i1 < box.w1.end; ++i1) {
      const double* row = plane + (i0 * g.in[1] + i1) * g.in[2];
      std::int64_t i = box.w2.begin;
      for (; i + Width <= box.w2.end; i += Width) {
        f64 x;
        std::memcpy(&x, row + i, sizeof x);
        const f64 hi = (x + c) - c;
        high += hi;
        low += x - hi;
      }
      for (; i < box.w2.end; ++i) {
        const double hi = (row[i] + c) - c;
        high_tail += hi;
        low_tail += row[i] - hi;
      }
    }
  }
  for (int k = 0; k < Width; ++k) {
    high_tail += high[k];
    low_tail += low[k];
  }
  return {high_tail, low_tail};
}

template <int Width>
[[gnu::always_inline]] inline binary64_pass pass_lanes(const geometry& g, const double* plane,
                                                       const box3& box) {
  binary64_pass pass{std::nullopt, scan_lanes<Width>(g, plane, box)};
  if (pass.range.special || pass.range.lowest > pass.range.highest) return pass;
  const auto grid = split_grid(pass.range, static_cast<std::uint64_t>(box.volume()));
  if (grid) pass.parts = split_sum_lanes<Width>(g, plane, box, *grid);
  return pass;
}

[[gnu::target("avx2")]] binary64_pass pass_avx2(const geometry& g, const double* plane,
                                                const box3& box) {
  return pass_lanes<4>(g, plane, box);
}

[[gnu::target("avx2")]] exponent_range scan_avx2(const geometry& g, const double* plane,
                                                 const box3& box) {
  return scan_lanes<4>(g, plane, box);
}

// AVX-512 has 64-bit minimum and maximum instructions: the scan is half AVX2's work.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] exponent_range scan_avx512(
    const geometry& g, const double* plane, const box3& box) {
  return scan_lanes<8>(g, plane, box);
}

// Whether every non-zero magnitude of `values` is in [lower, upper) (signed lanes: magnitudes
// are below 2^63): one comparison pair per value and one reduction per call, where the scan
// reduces two vectors of extremes.
template <int Width>
[[gnu::always_inline]] inline bool within_lanes(const double* values, std::int64_t count,
                                                std::int64_t lower, std::int64_t upper) {
  using i64 = vec<std::int64_t, Width>;
  constexpr std::int64_t magnitude_mask = std::numeric_limits<std::int64_t>::max();
  i64 outside{};
  std::int64_t i = 0;
  for (; i + Width <= count; i += Width) {
    i64 bits;
    std::memcpy(&bits, values + i, sizeof bits);
    const i64 magnitude = bits & magnitude_mask;
    outside |= (magnitude != 0) & ((magnitude < lower) | (magnitude >= upper));
  }
  bool any = false;
  for (int k = 0; k < Width; ++k) any |= outside[k] != 0;
  for (; i < count; ++i) {
    const auto magnitude =
        static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(values[i]) & ~binary64::sign_mask);
    any |= magnitude != 0 && (magnitude < lower || magnitude >= upper);
  }
  return !any;
}

// within_lanes in AVX-512 masks (GCC's vector comparisons of 64-bit lanes went through scalar
// code here), the row's tail by a masked load whose lanes past it read as zeros.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] bool within_avx512(const double* values,
                                                                         std::int64_t count,
                                                                         std::int64_t lower,
                                                                         std::int64_t upper) {
  const __m512i magnitude_mask = _mm512_set1_epi64(std::numeric_limits<std::int64_t>::max());
  const __m512i least = _mm512_set1_epi64(lower), past = _mm512_set1_epi64(upper);
  __mmask8 outside = 0;
  for (std::int64_t i = 0; i < count; i += 8) {
    const auto lanes = static_cast<__mmask8>(count - i >= 8 ? 0xFF : (1U << (count - i)) - 1);
    const __m512i magnitude =
        _mm512_and_si512(_mm512_maskz_loadu_epi64(lanes, values + i), magnitude_mask);
    const __mmask8 nonzero = _mm512_test_epi64_mask(magnitude, magnitude);
    outside |= static_cast<__mmask8>(_mm512_mask_cmplt_epi64_mask(nonzero, magnitude, least) |
                                     _mm512_mask_cmpge_epi64_mask(nonzero, magnitude, past));
  }
  return outside == 0;
}

[[gnu::target("avx2")]] bool within_avx2(const double* values, std::int64_t count,
                                         std::int64_t lower, std::int64_t upper) {
  return within_lanes<4>(values, count, lower, upper);
}

binary64_pass pass_baseline(const geometry& g, const double* plane, const box3& box) {
  return pass_lanes<2>(g, plane, box);
}

// sum_and_scan_16 `Width` values at a time: magnitudes in uint32 lanes, the widened values as
// floats, summed as two halves of doubles; rows shorter than Width go to the scalar pass.
template <typename F, int Width>
[[gnu::always_inline]] inline double_pass sum_and_scan_16_lanes(const geometry& g,
                                                                const std::uint16_t* plane,
                                                                const box3& box) {
  if (box.w2.length() < Width) return sum_and_scan_16<F>(g, plane, box);
  using u16 = typename lanes<Width>::u16;
  using u32 = typename lanes<Width>::u32;
  using f32 = typename lanes<Width>::f32;
  using f64 = typename lanes<Width>::f64;
  u32 least = ~u32{}, greatest{};
  f64 sum_low{}, sum_high{};
  double sum_tail = 0;
  std::uint32_t least_tail = ~0u, greatest_tail = 0;
  for (std::int64_t i0 = box.w0.begin; i0 < box.w0.end; ++i0) {
    for (std::int64_t i1 = box.w1.begin; i1 < box.w1.end; ++i1) {
      const std::uint16_t* row = plane + (i0 * g.in[1] + i1) * g.in[2];
      std::int64_t i = box.w2.begin;
      for (; i + Width <= box.w2.end; i += Width) {
        u16 raw;
        std::memcpy(&raw, row + i, sizeof raw);
        const u32 wide = __builtin_convertvector(raw, u32);
        const u32 magnitude = wide & 0x7FFFu;
        const u32 below = magnitude - 1u;
        least = below < least ? below : least;
        greatest = magnitude > greatest ? magnitude : greatest;
        // As widened<F>, lane by lane (the builtin: std::bit_cast is a call, not AVX2-compiled).
        f32 value;
        if constexpr (std::same_as<F, bfloat16_traits>) {
          value = __builtin_bit_cast(f32, wide << 16);
        } else {
          value = __builtin_bit_cast(f32, ((wide & 0x8000u) << 16) | (magnitude << 13)) * 0x1p112f;
        }
        add_widened_halves<Width>(value, sum_low, sum_high);
      }
      for (; i < box.w2.end; ++i) {
        const std::uint32_t magnitude = row[i] & 0x7FFFu;
        least_tail = std::min(least_tail, magnitude - 1);
        greatest_tail = std::max(greatest_tail, magnitude);
        sum_tail += static_cast<double>(widened<F>(row[i]));
      }
    }
  }
  for (int k = 0; k < Width / 2; ++k) sum_tail += sum_low[k] + sum_high[k];
  for (int k = 0; k < Width; ++k) {
    least_tail = std::min(least_tail, static_cast<std::uint32_t>(least[k]));
    greatest_tail = std::max(greatest_tail, static_cast<std::uint32_t>(greatest[k]));
  }
  return {sum_tail, magnitude_range<F>(least_tail, greatest_tail)};
}

template <typename F>
[[gnu::target("avx2")]] double_pass sum_and_scan_16_avx2(const geometry& g,
                                                         const std::uint16_t* plane,
                                                         const box3& box) {
  return sum_and_scan_16_lanes<F, 8>(g, plane, box);
}

template <typename F>
double_pass sum_and_scan_16_baseline(const geometry& g, const std::uint16_t* plane,
                                     const box3& box) {
  return sum_and_scan_16_lanes<F, 4>(g, plane, box);
}

}  // namespace

template <typename F>
double_pass sum_and_scan_16_simd(const geometry& g, const std::uint16_t* plane, const box3& box,
                                 bool baseline) {
  return cpu_has_avx2() && !baseline ? sum_and_scan_16_avx2<F>(g, plane, box)
                                     : sum_and_scan_16_baseline<F>(g, plane, box);
}
template double_pass sum_and_scan_16_simd<binary16_traits>(const geometry&, const std::uint16_t*,
                                                           const box3&, bool);
template double_pass sum_and_scan_16_simd<bfloat16_traits>(const geometry&, const std::uint16_t*,
                                                           const box3&, bool);

binary64_pass sum_and_scan_binary64(const geometry& g, const double* plane, const box3& box,
                                    bool baseline) {
  return cpu_has_avx2() && !baseline ? pass_avx2(g, plane, box) : pass_baseline(g, plane, box);
}

exponent_range scan_binary64(const geometry& g, const double* plane, const box3& box,
                             simd_level ceiling) {
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      return scan_avx512(g, plane, box);
    case simd_level::avx2:
      return scan_avx2(g, plane, box);
    case simd_level::baseline:
      break;
  }
  return scan_lanes<2>(g, plane, box);
}

std::optional<magnitude_bounds> within_bounds(const exponent_range& covered) {
  if (covered.special || covered.lowest > covered.highest) return std::nullopt;
  // Effective exponent e >= lowest: magnitude >= lowest's first pattern (every non-zero one has
  // e >= 1); e <= highest: magnitude below the pattern after highest's binade (infinities and
  // NaNs, field 2047, are never below it).
  return magnitude_bounds{
      .lower = covered.lowest <= 1 ? 1 : static_cast<std::int64_t>(covered.lowest) << 52,
      .upper = static_cast<std::int64_t>(std::min(covered.highest + 1, 2047)) << 52};
}

bool values_within(const double* values, std::int64_t count, const exponent_range& covered,
                   simd_level ceiling) {
  const auto bounds = within_bounds(covered);
  if (!bounds) return false;
  const auto [lower, upper] = *bounds;
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      return within_avx512(values, count, lower, upper);
    case simd_level::avx2:
      return within_avx2(values, count, lower, upper);
    case simd_level::baseline:
      break;
  }
  return within_lanes<2>(values, count, lower, upper);
}

std::optional<binary64_split> plane_split(const exponent_range& range, std::uint64_t count) {
  if (range.special || range.lowest > range.highest) return std::nullopt;
  const auto grid = split_grid(range, count);
  if (!grid) return std::nullopt;
  const double c = std::bit_cast<double>((static_cast<std::uint64_t>(*grid + 52 + 1023) << 52) |
                                         (std::uint64_t{1} << 51));
  return binary64_split{c, range.unit_exponent<binary64>()};
}

std::optional<exponent_range> widest_split_range(int highest, std::uint64_t count) {
  const int spread = widest_split_spread(count);
  if (spread < 0) return std::nullopt;
  exponent_range range;
  range.highest = highest;
  range.lowest = std::max(1, highest - spread);
  return range;
}

std::optional<binary64_split> covering_split(const exponent_range& previous, std::uint64_t count,
                                             exponent_range& covered) {
  if (previous.special || previous.lowest > previous.highest) return std::nullopt;
  const std::optional<exponent_range> widest = widest_split_range(previous.highest + 1, count);
  if (!widest) return std::nullopt;
  covered = *widest;
  return plane_split(covered, count);
}

split_parts split_sum(const geometry& g, const double* plane, const box3& box,
                      const binary64_split& split) {
  double high = 0, low = 0;
  for_each_offset(g, box, [&](std::int64_t at) {
    const double hi = (plane[at] + split.c) - split.c;
    high += hi;
    low += plane[at] - hi;
  });
  return {high, low};
}

fast_int128 parts_in_units(const split_parts& parts, int unit) {
  return in_units(parts.high, unit) + in_units(parts.low, unit);
}

}  // namespace poolproof::engine::detail

// Exact window sums in hardware doubles for the formats other than binary32 (whose SIMD pass is
// in simd.cc): binary64 by splitting each value on a grid, the 16-bit formats by widening
// exactly. They replace a scan plus a fixed-point loop per element in avg pooling.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "engine/float_bits.h"
#include "engine/planes.h"

namespace poolproof::engine::detail {

/// A box's exact sum as two doubles: the sums of the values' parts on the grid and below it,
/// each exact.
struct split_parts {
  double high = 0;
  double low = 0;
};

/// A binary64 window's exponent range and, when the split below is exact for it, its exact sum
/// as two parts (parts_in_units gives it in units of 2^range.unit_exponent<binary64_traits>()).
struct binary64_pass {
  std::optional<split_parts> parts;
  exponent_range range;
};

/// Two SIMD passes over a binary64 window (AVX2 when the CPU has it, unless `baseline`): an
/// exponent scan, then, for a window without infinities or NaNs whose spread is narrow enough
/// (see split_grid in the .cc), the split sum. parts is nullopt otherwise; the caller falls back
/// to the fixed-point accumulators.
[[nodiscard]] binary64_pass sum_and_scan_binary64(const geometry& g, const double* plane,
                                                  const box3& box, bool baseline = false);

/// The exponent range of a binary64 box (one SIMD pass on the CPU's best lanes up to `ceiling`;
/// tests compare the levels).
[[nodiscard]] exponent_range scan_binary64(const geometry& g, const double* plane, const box3& box,
                                           simd_level ceiling = simd_level::avx512);

/// Whether `range` lies within `covered`: not special, and only zeros or its lowest and highest
/// effective exponents inside covered's.
[[nodiscard]] inline bool range_within(const exponent_range& range, const exponent_range& covered) {
  if (range.special) return false;
  return range.lowest > range.highest ||
         (range.lowest >= covered.lowest && range.highest <= covered.highest);
}

/// The bit patterns' magnitudes (sign cleared, as int64) of the non-zero values within
/// `covered`: lower <= magnitude < upper (infinities and NaNs are never below upper).
struct magnitude_bounds {
  std::int64_t lower = 0;
  std::int64_t upper = 0;
};

/// values_within's bounds for `covered`, or nullopt when no value lies within it (special or
/// empty).
[[nodiscard]] std::optional<magnitude_bounds> within_bounds(const exponent_range& covered);

/// Whether the range of the `count` values from `values` lies within `covered` (their non-zero
/// magnitudes' effective exponents between covered.lowest and covered.highest, no infinity or
/// NaN; values that are all zeros lie within any range that is not special or empty), on the
/// CPU's best lanes up to `ceiling`.
[[nodiscard]] bool values_within(const double* values, std::int64_t count,
                                 const exponent_range& covered,
                                 simd_level ceiling = simd_level::avx512);

/// The split of binary64 values on a grid (see double_sums.cc): c = 1.5 * 2^(grid + 52), sums
/// in units of 2^unit.
struct binary64_split {
  double c = 0;
  int unit = 0;
};

/// The split that is exact for any `count` or fewer values of a box whose exponent range is
/// within `range` (the grid only tightens with range and count), or nullopt (specials, only
/// zeros, too wide a spread).
[[nodiscard]] std::optional<binary64_split> plane_split(const exponent_range& range,
                                                        std::uint64_t count);

/// The widest exponent range with this `highest` effective exponent whose spread plane_split
/// accepts for `count` values (nullopt when no spread is narrow enough for `count`; plane_split
/// may still refuse it near the top exponents, where C would overflow): its split, chosen
/// before the values are seen, is exact for every box of at most `count` values whose range
/// turns out to lie within it (range_within).
[[nodiscard]] std::optional<exponent_range> widest_split_range(int highest, std::uint64_t count);

/// A split for values whose range is not known yet, from the range of similar values seen
/// before (`previous`): one binade of headroom above its highest exponent, and as far down as a
/// split allows (widest_split_range). Sets `covered` to the range it is exact for (values_within
/// tells whether new values lie within it); nullopt when `previous` is special or holds only
/// zeros, or no split fits.
[[nodiscard]] std::optional<binary64_split> covering_split(const exponent_range& previous,
                                                           std::uint64_t count,
                                                           exponent_range& covered);

/// A split kept from earlier rows or planes of `count` or fewer values for the ones whose values
/// lie within the range it covers: one comparison pass (values_within) instead of a scan and a
/// new split, as neighbours usually share their scale.
class kept_split {
 public:
  explicit kept_split(std::uint64_t count) : count_(count) {}

  /// The split kept from the values before (nullopt until one was split), exact for `count` or
  /// fewer values within covered(): for runs of values checked at once by their own pass.
  [[nodiscard]] const std::optional<binary64_split>& split() const { return kept_; }
  [[nodiscard]] const exponent_range& covered() const { return covered_; }

  /// A split exact for `values`: the kept one when they lie within its range, else
  /// plane_split(scan(), count), whose covering_split is kept for the values after (nullopt
  /// when plane_split refuses; the kept split then stays). `scan()` returns the values' range.
  template <typename Scan>
  [[nodiscard]] std::optional<binary64_split> for_values(std::span<const double> values,
                                                         Scan&& scan) {
    if (kept_ && values_within(values.data(), static_cast<std::int64_t>(values.size()), covered_))
      return kept_;
    const exponent_range range = std::forward<Scan>(scan)();
    std::optional<binary64_split> split = plane_split(range, count_);
    if (split) kept_ = covering_split(range, count_, covered_);
    return split;
  }

 private:
  std::uint64_t count_;
  std::optional<binary64_split> kept_;
  exponent_range covered_;
};

/// The parts of a box's exact sum, in scalar code (small boxes), for a split that plane_split
/// gave for a range and count covering the box.
[[nodiscard]] split_parts split_sum(const geometry& g, const double* plane, const box3& box,
                                    const binary64_split& split);

/// split_sum of one window of a row (`row[window.begin, window.end)`), without the box's loops;
/// inline, for rows of many short windows.
[[nodiscard]] inline split_parts split_row_sum(const double* row, const reference::window& window,
                                               const binary64_split& split) {
  // Two chains each for the parts: the additions' latency, not their count, bounds a short row.
  // Named accumulators, not an array indexed by parity: GCC kept such an array in memory, each
  // addition waiting on the store before it.
  double high_even = 0, high_odd = 0, low_even = 0, low_odd = 0;
  const auto add = [&split](double x, double& high, double& low) {
    const double hi = (x + split.c) - split.c;
    high += hi;
    low += x - hi;
  };
  std::int64_t i = window.begin;
  for (; i + 2 <= window.end; i += 2) {
    add(row[i], high_even, low_even);
    add(row[i + 1], high_odd, low_odd);
  }
  if (i < window.end) add(row[i], high_even, low_even);
  return {high_even + high_odd, low_even + low_odd};
}

/// The parts' exact sum in units of 2^unit (the split's unit).
[[nodiscard]] fast_int128 parts_in_units(const split_parts& parts, int unit);

/// round_to(binary64, (parts.high + parts.low) / count) in hardware doubles (TwoSum, a division
/// and its exact remainder), or nullopt when that route cannot decide (the quotient outside
/// [2^-960, 2^960], or the exact mean past a whole spacing from the double quotient).
/// Precondition: 1 <= count < 2^53, the parts finite with a finite sum.
[[nodiscard]] std::optional<double> mean_of_parts(const split_parts& parts, std::uint64_t count);

/// means[k] = mean_of_parts(parts[k], counts[k]) for each k, or a NaN where that declines (no
/// mean of finite parts is one), bit for bit on every level: eight at a time on AVX-512 lanes,
/// four on AVX2 with FMA (a group with a divisor of 2^52 or more one by one), else one loop, so
/// the divisions overlap.
/// Returns whether every mean was decided (no NaN written). The spans are equally long; tests
/// pass each `ceiling` in turn (double_means.cc).
bool means_of_parts(std::span<const split_parts> parts, std::span<const std::uint64_t> counts,
                    std::span<double> means, simd_level ceiling = simd_level::avx512);

/// means[k] = round_to(binary64, (parts[k].high + parts[k].low) / counts[k]) for each k:
/// means_of_parts, then each mean it declines from the parts' exact sum in units of
/// 2^unit_of(k) (a zero quotient declines there, so a zero mean is +0). Preconditions: those of
/// means_of_parts, and each parts[k] is a sum of multiples of 2^unit_of(k).
template <typename UnitOf>
void split_means(std::span<const split_parts> parts, std::span<const std::uint64_t> counts,
                 UnitOf unit_of, std::span<double> means) {
  if (means_of_parts(parts, counts, means)) return;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (!std::isnan(means[k])) continue;
    const int unit = unit_of(k);
    means[k] = binary64_traits::from_bits(
        round_fixed<binary64_traits>(parts_in_units(parts[k], unit), unit, counts[k]));
  }
}

/// The value of a binary16 or bfloat16 pattern as a float, exactly for finite patterns
/// (infinities and NaNs come out as some value; the caller's range flags them).
template <typename F>
inline float widened(std::uint16_t bits) {
  if constexpr (std::same_as<F, bfloat16_traits>) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
  } else {
    // The half's fields land in a binary32's (a subnormal half becomes a subnormal float);
    // scaling by 2^(127 - 15) is exact. No branch on the sign: it is as random as the data.
    const auto wide = static_cast<std::uint32_t>(bits);
    return std::bit_cast<float>(((wide & 0x8000u) << 16) | ((wide & 0x7FFFu) << 13)) * 0x1p112f;
  }
}

/// The pattern of `x`'s value rounded once to binary16 or bfloat16 (to nearest, ties to even,
/// overflow to infinity, subnormals included); x finite. bfloat16 is binary32's upper half after
/// the rounding bias; binary16 follows F. Giesen's float_to_half_fast3_rtne: results below 2^-14
/// are rounded by a hardware addition of 0.5 (whose ulp is the half's least subnormal), others
/// by the bias on the low 13 bits, a carry reaching the exponent (infinity from 65520 up).
template <typename F>
inline std::uint16_t narrowed(float x) {
  const auto bits = std::bit_cast<std::uint32_t>(x);
  if constexpr (std::same_as<F, bfloat16_traits>) {
    return static_cast<std::uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
  } else {
    const std::uint32_t sign = bits & 0x80000000u;
    const std::uint32_t magnitude = bits ^ sign;
    std::uint32_t half = 0x7C00u;  // 2^16 and above
    if (magnitude < 113u << 23) {
      half = std::bit_cast<std::uint32_t>(std::bit_cast<float>(magnitude) + 0.5f) - 0x3F000000u;
    } else if (magnitude < 143u << 23) {
      half = (magnitude - (112u << 23) + 0xFFFu + ((magnitude >> 13) & 1u)) >> 13;
    }
    return static_cast<std::uint16_t>(half | (sign >> 16));
  }
}

/// round_to(F, a + b) for the binary32 values a and b of finite binary16 or bfloat16 patterns
/// (widened): narrowed of their hardware binary32 sum s = RN24(a + b). Exact in one rounding: with
/// p the format's precision (8 or 11) and d the gap between the operands' ulp exponents, the sum
/// fits binary32's 24 bits unless d >= 24 - p, and then the smaller operand is below 2^(2p - 24)
/// (at most 1/4) of the larger's 16-bit ulp, so a + b lies at least 2^-d of that ulp (binary16,
/// d = 13, at a power of two) or a quarter of it away from every 16-bit midpoint, while s lies
/// within half a binary32 ulp (at most 2^-14 of it) of a + b: s is not a midpoint, and as every
/// midpoint is a binary32 number, none lies between a + b and s, so both round alike. Sums in
/// the subnormal ranges are exact; past binary32's range s is an infinity, as is the answer.
template <typename F>
inline std::uint16_t narrowed_sum(float a, float b) {
  return narrowed<F>(a + b);
}

/// round_to(F, x) for F binary16 or bfloat16, from a double q within a few double ulps of x
/// (relative error below 2^-50), or nullopt. Rounding is monotone, so when f = RN24(q)'s two
/// binary32 neighbours round to the same 16-bit value h, everything between them does, x
/// included, and h is the answer; nullopt when they differ (f at or beside a 16-bit midpoint),
/// and for f zero or past binary32's range. For f in binary16's normal range (2^-14 <= |f| <
/// 2^16) the neighbours are only narrowed when f's low 13 bits lie at a midpoint or beside one.
template <typename F>
inline std::optional<std::uint16_t> narrowed_near(double q) {
  const auto f = static_cast<float>(q);
  const auto bits = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t magnitude = bits & 0x7FFFFFFFu;
  if (magnitude == 0 || magnitude >= 0x7F800000u) return std::nullopt;
  const std::uint16_t h = narrowed<F>(f);
  if constexpr (std::same_as<F, binary16_traits>) {
    // From 2^-14 to below 2^16, narrowed adds one to the upper bits exactly when the low 13 bits
    // L exceed 0x1000 (or equal it, the upper bits odd). A neighbour's L is L - 1 or L + 1, or a
    // carry or borrow across the upper bits, which gives the same value (L = 0x1FFF rounds up to
    // what L = 0 keeps), the range's ends included; so only L in 0x0FFF..0x1001 can differ.
    if (magnitude >= 113u << 23 && magnitude < 143u << 23 && ((magnitude - 0xFFFu) & 0x1FFFu) > 2)
      return h;
  }
  if (narrowed<F>(std::bit_cast<float>(bits - 1)) != h ||
      narrowed<F>(std::bit_cast<float>(bits + 1)) != h)
    return std::nullopt;
  return h;
}

/// round_to(F, sum * 2^unit / divisor) for an exact finite double `sum`, F binary16 or
/// bfloat16, from the sum's integer significand.
template <typename F>
inline std::uint16_t round_double_quotient(double sum, int unit, std::uint64_t divisor) {
  int exponent = 0;
  const double fraction = std::frexp(std::fabs(sum), &exponent);
  return static_cast<std::uint16_t>(
      round_quotient<F>(sum < 0, static_cast<std::uint64_t>(std::ldexp(fraction, 53)),
                        exponent - 53 + unit, divisor));
}

/// The mean sum / count rounded once to binary16 or bfloat16, for an exact double sum (an
/// exact zero mean is +0): narrowed_near of the double quotient, else the exact quotient.
template <typename F>
inline std::uint16_t round_mean_16(double sum, std::uint64_t count) {
  sum += 0.0;
  if (const auto h = narrowed_near<F>(sum / static_cast<double>(count))) return *h;
  return round_double_quotient<F>(sum, 0, count);
}

/// A 16-bit window's sum in doubles and its exponent range in one pass, with the guarantee of
/// double_pass: exact when range.sum_bits<F>(count) <= 53 (always, for binary16 windows of up
/// to 2^12 values). Four accumulators break the chain of double additions; exactness does not
/// depend on the order.
template <typename F>
double_pass sum_and_scan_16(const geometry& g, const std::uint16_t* plane, const box3& box) {
  std::array<double, 4> sums{};
  std::uint32_t least = ~0u, greatest = 0;
  auto add = [&](std::uint16_t bits, std::size_t k) {
    const std::uint32_t magnitude = bits & 0x7FFFu;
    least = std::min(least, magnitude - 1);
    greatest = std::max(greatest, magnitude);
    sums[k] += static_cast<double>(widened<F>(bits));
  };
  for (std::int64_t i0 = box.w0.begin; i0 < box.w0.end; ++i0) {
    for (std::int64_t i1 = box.w1.begin; i1 < box.w1.end; ++i1) {
      const std::uint16_t* row = plane + (i0 * g.in[1] + i1) * g.in[2];
      std::int64_t i = box.w2.begin;
      for (; i + 4 <= box.w2.end; i += 4) {
        for (std::size_t k = 0; k < 4; ++k) add(row[i + static_cast<std::int64_t>(k)], k);
      }
      for (; i < box.w2.end; ++i) add(row[i], 0);
    }
  }
  return {(sums[0] + sums[1]) + (sums[2] + sums[3]), magnitude_range<F>(least, greatest)};
}

/// The exponent range of `size` binary16 or bfloat16 patterns (widen's, pattern by pattern, when
/// none is special). One branch-free pass.
template <typename F>
inline exponent_range pattern_range(const std::uint16_t* values, std::int64_t size) {
  // In signed 16-bit lanes (SSE2 has their min and max): magnitude - 1 wraps a zero to 0x7FFF,
  // above every other, so zeros drop out of the least unless all are zero.
  std::int16_t least = 0x7FFF, greatest = 0;
  for (std::int64_t o = 0; o < size; ++o) {
    const auto magnitude = static_cast<std::int16_t>(values[o] & 0x7FFF);
    least = std::min(least, static_cast<std::int16_t>((magnitude - 1) & 0x7FFF));
    greatest = std::max(greatest, magnitude);
  }
  return magnitude_range<F>(least == 0x7FFF ? ~std::uint64_t{0} : static_cast<std::uint64_t>(least),
                            static_cast<std::uint64_t>(greatest));
}

/// Whether `size` binary16 or bfloat16 patterns are finite and their exponent range makes every
/// partial sum of up to `count` of them a multiple of 2^unit below 2^(unit + 53), so exact in
/// doubles in any order (see double_pass). One branch-free pass.
template <typename F>
inline bool sums_fit_doubles(const std::uint16_t* values, std::int64_t size, std::int64_t count) {
  const exponent_range range = pattern_range<F>(values, size);
  return !range.special && range.sum_bits<F>(static_cast<std::uint64_t>(count)) <= 53;
}

/// sum_and_scan_16 in SIMD lanes (AVX2 when the CPU has it, unless `baseline`), for F binary16
/// or bfloat16: the same range, and the same sum whenever that one is exact.
template <typename F>
[[nodiscard]] double_pass sum_and_scan_16_simd(const geometry& g, const std::uint16_t* plane,
                                               const box3& box, bool baseline = false);

/// The rounded mean of an exact double window sum of `count` values, all multiples of 2^unit
/// (so the sum in those units is an integer below 2^53).
template <typename F>
std::uint64_t round_double_sum(double sum, int unit, std::uint64_t count) {
  // 2^-unit is a normal double (-1074 < unit < 1023 for the formats below binary64), built from
  // its exponent field.
  const double to_units = std::bit_cast<double>(static_cast<std::uint64_t>(1023 - unit) << 52);
  return round_fixed<F>(static_cast<std::int64_t>(sum * to_units), unit, count);
}

/// round_double_sum of values that are all multiples of 2^range.unit_exponent<F>().
template <typename F>
std::uint64_t round_double_sum(double sum, const exponent_range& range, std::uint64_t count) {
  return round_double_sum<F>(sum, range.unit_exponent<F>(), count);
}

}  // namespace poolproof::engine::detail

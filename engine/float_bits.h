// Building blocks of the fast exact engine: float formats as compile-time traits, exponent scans
// and the correctly rounded encoding of a scaled integer quotient.
#pragma once

#include <poolproof/common/wide_int.h>
#include <poolproof/reference/float_format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace poolproof::engine {

/// Unsigned 128-bit integer (GCC/Clang extension): the fixed-point accumulator's wide case.
using fast_uint128 = common::uint128;
/// Signed 128-bit integer.
using fast_int128 = common::int128;

/// The bit pattern of (-1)^negative * magnitude * 2^exponent / divisor correctly rounded to
/// `format` with round_to's rule (half to even, overflow to infinity, subnormals; a non-zero
/// value that rounds to zero keeps its sign); +0 when magnitude is 0.
/// Preconditions: magnitude < 2^127, 1 <= divisor < 2^62, |exponent| < 2^20.
[[nodiscard]] std::uint64_t round_scaled_quotient(reference::float_format format, bool negative,
                                                  fast_uint128 magnitude, int exponent,
                                                  std::uint64_t divisor);

namespace detail {

/// Number of bits of x (0 for 0), as an int.
inline int bit_length(std::uint64_t x) { return 64 - std::countl_zero(x); }
inline int bit_length(fast_uint128 x) {
  const auto high = static_cast<std::uint64_t>(x >> 64);
  return high != 0 ? 64 + bit_length(high) : bit_length(static_cast<std::uint64_t>(x));
}

/// A binary float format at compile time: `storage` is the element type the engine reads and
/// writes (uint16 bit patterns for binary16 and bfloat16), `bits` the same width unsigned.
template <reference::float_format Format, int FractionBits, int ExponentBits, typename Storage,
          typename Bits>
struct format_traits {
  static constexpr reference::float_format format = Format;
  using storage = Storage;
  using bits = Bits;
  static constexpr int fraction_bits = FractionBits;
  static constexpr int exponent_bits = ExponentBits;
  static constexpr int width = 1 + ExponentBits + FractionBits;
  static constexpr int bias = (1 << (ExponentBits - 1)) - 1;
  static constexpr std::uint64_t fraction_mask = (std::uint64_t{1} << FractionBits) - 1;
  static constexpr std::uint64_t exponent_ones = (std::uint64_t{1} << ExponentBits) - 1;
  static constexpr std::uint64_t sign_mask = std::uint64_t{1} << (width - 1);
  static constexpr std::uint64_t infinity = exponent_ones << FractionBits;
  static constexpr std::uint64_t quiet_nan = infinity | (std::uint64_t{1} << (FractionBits - 1));

  static std::uint64_t to_bits(Storage x) { return std::bit_cast<Bits>(x); }
  static Storage from_bits(std::uint64_t b) { return std::bit_cast<Storage>(static_cast<Bits>(b)); }
};

using binary16_traits =
    format_traits<reference::float_format::binary16, 10, 5, std::uint16_t, std::uint16_t>;
using bfloat16_traits =
    format_traits<reference::float_format::bfloat16, 7, 8, std::uint16_t, std::uint16_t>;
using binary32_traits =
    format_traits<reference::float_format::binary32, 23, 8, float, std::uint32_t>;
using binary64_traits =
    format_traits<reference::float_format::binary64, 52, 11, double, std::uint64_t>;

/// The compile-time traits restate the format table's field widths (reference::spec_of).
template <typename F>
inline constexpr bool matches_format_table =
    F::fraction_bits == reference::layout_of(F::format).fraction_bits&& F::exponent_bits
        == reference::layout_of(F::format).exponent_bits
    && sizeof(typename F::storage) * 8 == static_cast<std::size_t>(F::width);
static_assert(matches_format_table<binary16_traits> && matches_format_table<bfloat16_traits> &&
              matches_format_table<binary32_traits> && matches_format_table<binary64_traits>);

/// The exponent field of a pattern, with subnormals (field 0) moved to 1: value = significand *
/// 2^(effective_exponent - bias - fraction_bits).
template <typename F>
inline int effective_exponent(std::uint64_t bits) {
  const auto field = static_cast<int>((bits >> F::fraction_bits) & F::exponent_ones);
  return field | static_cast<int>(field == 0);
}

/// The integer significand of a finite pattern (implicit bit included for normal numbers).
template <typename F>
inline std::uint64_t significand(std::uint64_t bits) {
  const std::uint64_t field = (bits >> F::fraction_bits) & F::exponent_ones;
  return (bits & F::fraction_mask) | (static_cast<std::uint64_t>(field != 0) << F::fraction_bits);
}

/// Range of effective exponents over the non-zero finite values seen; `special` is set by any
/// infinity or NaN. An empty range (only zeros) has lowest > highest.
struct exponent_range {
  int lowest = 1 << 20;
  int highest = 1;
  bool special = false;

  /// Bits a sum of `count` values anchored at `lowest` needs: significand + spread + carries.
  template <typename F>
  [[nodiscard]] int sum_bits(std::uint64_t count) const {
    if (lowest > highest) return 0;
    return F::fraction_bits + 1 + (highest - lowest) + bit_length(count);
  }
  /// The effective exponent the fixed point is anchored at: the least one (1 for only zeros).
  [[nodiscard]] int anchor() const { return lowest > highest ? 1 : lowest; }
  /// The exponent of the accumulator's unit: 2^(anchor - bias - fraction_bits).
  template <typename F>
  [[nodiscard]] int unit_exponent() const {
    return anchor() - F::bias - F::fraction_bits;
  }
};

/// Widens `range` by one pattern.
template <typename F>
inline void widen(exponent_range& range, std::uint64_t bits) {
  const std::uint64_t magnitude = bits & ~F::sign_mask;
  const int field = static_cast<int>(magnitude >> F::fraction_bits);
  range.special |= field == static_cast<int>(F::exponent_ones);
  const int effective = field | static_cast<int>(field == 0);
  range.lowest = std::min(range.lowest, magnitude == 0 ? 1 << 20 : effective);
  range.highest = std::max(range.highest, field == static_cast<int>(F::exponent_ones) ? 1 : field);
}

/// The range of a set of patterns from the least of (magnitude - 1) over them (so zeros, which
/// wrap to the top, drop out) and their greatest magnitude.
template <typename F>
inline exponent_range magnitude_range(std::uint64_t least_minus_one, std::uint64_t greatest) {
  exponent_range range;
  range.special = (greatest >> F::fraction_bits) >= F::exponent_ones;
  const std::uint64_t least = (least_minus_one + 1) & ((F::sign_mask << 1) - 1);
  if (least == 0) return range;  // only zeros
  range.lowest = effective_exponent<F>(least);
  range.highest = effective_exponent<F>(greatest);
  return range;
}

/// The signed fixed-point value of a finite pattern in units of 2^(anchor - bias - fraction_bits).
/// Precondition: anchor <= the pattern's effective exponent unless the value is zero, and the
/// result fits in Acc.
template <typename F, typename Acc>
inline Acc fixed_point(std::uint64_t bits, int anchor) {
  const int shift = std::max(effective_exponent<F>(bits) - anchor, 0);
  const Acc value = static_cast<Acc>(static_cast<Acc>(significand<F>(bits)) << shift);
  return (bits & F::sign_mask) != 0 ? -value : value;
}

/// Encodes q * 2^exponent, plus a non-zero remainder below q's last bit when `sticky`, rounded
/// half to even. Q is uint64 or the 128-bit type. Preconditions: 2^(fraction_bits + 2) <= q <
/// 2^(bits of Q - 1).
template <typename F, typename Q>
inline std::uint64_t encode_rounded(Q q, bool sticky, int exponent, bool negative) {
  constexpr int q_bits = static_cast<int>(sizeof(Q)) * 8;
  const std::uint64_t sign = negative ? F::sign_mask : 0;
  const int top = bit_length(q) - 1 + exponent;  // floor(log2) of the value
  const int scale = std::max(top, 1 - F::bias);  // subnormals share the least exponent
  const int shift = scale - F::fraction_bits - exponent;
  if (shift >= q_bits) return sign;  // below half the least subnormal: q < 2^(q_bits-1) <= half
  const Q rest = q & ((Q{1} << shift) - 1);
  const Q half = Q{1} << (shift - 1);
  auto kept = static_cast<std::uint64_t>(q >> shift);
  if (rest > half || (rest == half && (sticky || (kept & 1) != 0))) ++kept;
  // The implicit bit of a normal significand carries 1 into the exponent field (hence the - 1);
  // a rounding carry to 2^(fraction_bits+1) carries once more, as it should.
  const std::uint64_t field_base = static_cast<std::uint64_t>(scale + F::bias - 1);
  const std::uint64_t bits = (field_base << F::fraction_bits) + kept;
  return sign | std::min(bits, F::infinity);
}

/// round_scaled_quotient for a format known at compile time.
template <typename F>
inline std::uint64_t round_quotient(bool negative, fast_uint128 magnitude, int exponent,
                                    std::uint64_t divisor) {
  if (magnitude == 0) return 0;
  if (magnitude < (fast_uint128{1} << 53) && bit_length(divisor) <= 50 - F::fraction_bits) {
    // Normalised to bit 52 the operands are exact doubles, and the correctly rounded double
    // quotient truncates to floor(a / d) or one more (integers up to 2^53 are doubles), which
    // the exact remainder corrects. The quotient keeps >= fraction_bits + 3 bits.
    auto a = static_cast<std::uint64_t>(magnitude);
    const int s = 53 - bit_length(a);
    a <<= s;
    auto q = static_cast<std::uint64_t>(static_cast<double>(a) / static_cast<double>(divisor));
    auto r = static_cast<std::int64_t>(a - q * divisor);
    if (r < 0) {
      --q;
      r += static_cast<std::int64_t>(divisor);
    }
    return encode_rounded<F, std::uint64_t>(q, r != 0, exponent - s, negative);
  }
  if (magnitude < (fast_uint128{1} << 63) && bit_length(divisor) <= 60 - F::fraction_bits) {
    // One 64-bit division: normalised to bit 62, the quotient keeps >= fraction_bits + 3 bits.
    auto a = static_cast<std::uint64_t>(magnitude);
    const int s = 63 - bit_length(a);
    a <<= s;
    return encode_rounded<F, std::uint64_t>(a / divisor, a % divisor != 0, exponent - s, negative);
  }
  // Normalised to bit 126, the quotient keeps >= 126 - 62 bits >= fraction_bits + 3.
  const int s = 127 - bit_length(magnitude);
  magnitude <<= s;
  return encode_rounded<F, fast_uint128>(magnitude / divisor, magnitude % divisor != 0,
                                         exponent - s, negative);
}

/// binary32 only: the correctly rounded pattern of sum * 2^unit / divisor through hardware
/// doubles, or nullopt when the fast route cannot vouch for it. q = RN53(x) for the exact x, then
/// RN24(q): the two roundings differ only when some binary32 midpoint lies between x and q, and
/// every such midpoint is itself a double, so as q is the double nearest x that midpoint can
/// only be q itself: hence the answer is RN24(q) unless q is exactly a binary32 midpoint.
/// Where q is at least 2^-126 a binary32 ulp is 2^29 double ulps, so q is a midpoint exactly
/// when the low 29 bits of its significand are 2^28, and then RN24(q) is still right if q is the
/// exact quotient (a tie, rounded to even); smaller non-zero q (binary32 subnormals) go to the
/// exact path, and q = 0 is exact.
/// Preconditions: `sum` is the exact numerator, 1 <= divisor < 2^53, -1022 <= unit <= 1023, and
/// sum / divisor * 2^unit is 0 or a normal double (so: |sum| < 2^53 with -160 <= unit <= 110, or
/// unit = 0 with a binary32 window sum).
inline std::optional<std::uint32_t> round_quotient_binary32(double sum, int unit,
                                                            std::uint64_t divisor) {
  const double scale = std::bit_cast<double>(static_cast<std::uint64_t>(1023 + unit) << 52);
  const double d = static_cast<double>(divisor);
  const double quotient = sum / d;
  const double q = quotient * scale;  // the scaling is exact
  const auto q_bits = std::bit_cast<std::uint64_t>(q);
  constexpr std::uint64_t least_normal = std::uint64_t{1023 - 126} << 52;  // 2^-126
  constexpr std::uint64_t low_bits = (std::uint64_t{1} << 29) - 1;
  const std::uint64_t q_magnitude = q_bits & ~(std::uint64_t{1} << 63);
  if (q_magnitude < least_normal && q_magnitude != 0) return std::nullopt;  // too small to tell
  // A midpoint q is still the answer's source when it is the exact quotient (x = q): exact
  // sums meet ties often (a window sum of four floats over 4). The fused residual of a normal
  // quotient is a multiple of 2^-1074, so it is zero exactly when quotient * d == sum.
  if ((q_bits & low_bits) == (std::uint64_t{1} << 28) && std::fma(quotient, d, -sum) != 0)
    return std::nullopt;  // a binary32 midpoint the exact quotient is not
  const auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(q));
  if ((bits & 0x7FFFFFFFu) == 0x7F800000u) return std::nullopt;  // overflow: the exact path decides
  return bits;
}

/// round_quotient_binary32 with a multiplication for the division: `reciprocal` is 1 / divisor
/// after at most three roundings (r = (1 / divisor)(1 + e), |e| <= 3u + O(u^2), u = 2^-53), so
/// q = RN53(sum * r * 2^unit) is within (4u + O(u^2)) |x| of the exact x, less than 4 double ulps
/// of q. RN24(q) is then RN24(x) unless a binary32 midpoint lies within those 4 ulps of q (every
/// such midpoint's low 29 bits are 2^28), so a q whose low bits are within 16 of 2^28 goes to the
/// caller's exact path (nullopt), as do q below 2^-126 (binary32 subnormals) and overflow.
/// Preconditions as for round_quotient_binary32.
inline std::optional<std::uint32_t> round_product_binary32(double sum, int unit,
                                                           double reciprocal) {
  const double scale = std::bit_cast<double>(static_cast<std::uint64_t>(1023 + unit) << 52);
  const double q = sum * reciprocal * scale;  // the scaling is exact
  const auto q_bits = std::bit_cast<std::uint64_t>(q);
  constexpr std::uint64_t least_normal = std::uint64_t{1023 - 126} << 52;  // 2^-126
  constexpr std::uint64_t low_bits = (std::uint64_t{1} << 29) - 1;
  constexpr std::uint64_t midpoint = std::uint64_t{1} << 28, guard = 16;
  const std::uint64_t q_magnitude = q_bits & ~(std::uint64_t{1} << 63);
  const auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(q));
  // One branch, on the rare decline: callers round many cells in a row.
  const bool normal_or_zero = q_magnitude >= least_normal || q_magnitude == 0;
  const bool clear_of_midpoints = (q_bits & low_bits) - (midpoint - guard) > 2 * guard;
  const bool finite = (bits & 0x7FFFFFFFu) != 0x7F800000u;
  if (normal_or_zero & clear_of_midpoints & finite) return bits;
  return std::nullopt;
}

}  // namespace detail
}  // namespace poolproof::engine

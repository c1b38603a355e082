// float_format.h: the format table's rules (special values, overflow) and exact decoding and
// rounding.
#include <poolproof/common/error.h>
#include <poolproof/reference/exact_number.h>
#include <poolproof/reference/float_format.h>

#include <algorithm>

namespace poolproof::reference {
namespace {

std::uint64_t ones(int count) {
  return count >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
}

integer power_of_two(long exponent) {
  integer result = 1;
  result <<= static_cast<unsigned>(exponent);
  return result;
}

// 2^exponent for any integer exponent, as an exact rational.
rational scale(long exponent) {
  return exponent >= 0 ? rational(power_of_two(exponent))
                       : rational(integer(1), power_of_two(-exponent));
}

// floor(log2(q)) for q > 0: start from the bit lengths, then correct by the one step they can miss.
long floor_log2(const rational& q) {
  const integer num = numerator(q), den = denominator(q);
  long exponent = static_cast<long>(msb(num)) - static_cast<long>(msb(den));
  if (q < scale(exponent)) --exponent;
  return exponent;
}

// Rounds a non-negative rational to an integer, ties to even.
integer round_half_even(const rational& q) {
  const integer num = numerator(q), den = denominator(q);
  integer quotient = num / den;
  const integer twice_remainder = 2 * (num - quotient * den);
  if (twice_remainder > den || (twice_remainder == den && (quotient & 1) != 0)) ++quotient;
  return quotient;
}

std::uint64_t sign_bit(const format_layout& layout, bool negative) {
  return negative ? std::uint64_t{1} << (layout.width() - 1) : 0;
}

// The all-ones exponent field over a zero fraction: IEEE 754's +infinity.
std::uint64_t all_ones_exponent(const format_layout& layout) {
  return ones(layout.exponent_bits) << layout.fraction_bits;
}

// What a magnitude past the largest finite value (or an infinite value) becomes.
std::uint64_t overflow_bits(const format_spec& spec, bool negative) {
  switch (spec.specials) {
    case special_values::ieee754:
      return sign_bit(spec.layout, negative) | all_ones_exponent(spec.layout);
  }
  POOLPROOF_CHECK(false);
}

// Encodes |x| > 0: the quantum is fixed by the exponent, clamped at the subnormal range.
std::uint64_t round_magnitude(const format_spec& spec, const rational& magnitude) {
  const format_layout& layout = spec.layout;
  const long min_exponent = 1 - layout.bias();
  const long exponent = std::max(floor_log2(magnitude), min_exponent);
  const long quantum_exponent = exponent - layout.fraction_bits;
  // significand in [0, 2^(fraction_bits+1)]: reaching the top carries into the exponent field,
  // which the biased encoding below absorbs on its own.
  const integer significand = round_half_even(magnitude / scale(quantum_exponent));
  const integer implicit = power_of_two(layout.fraction_bits);
  const long biased = significand >= implicit ? exponent + layout.bias() : 0;
  const integer fraction = significand >= implicit ? significand - implicit : significand;
  const integer bits = (integer(biased) << layout.fraction_bits) + fraction;
  // The finite patterns are ordered like their magnitudes, so past the largest is overflow.
  if (bits > largest_finite_bits(spec.format)) return overflow_bits(spec, false);
  return bits.convert_to<std::uint64_t>();
}

}  // namespace

std::uint64_t largest_finite_bits(float_format format) {
  const format_spec spec = spec_of(format);
  switch (spec.specials) {
    case special_values::ieee754:
      return all_ones_exponent(spec.layout) - 1;
  }
  POOLPROOF_CHECK(false);
}

std::optional<std::uint64_t> infinity_bits(float_format format) {
  const format_spec spec = spec_of(format);
  switch (spec.specials) {
    case special_values::ieee754:
      return all_ones_exponent(spec.layout);
  }
  POOLPROOF_CHECK(false);
}

std::uint64_t quiet_nan_bits(float_format format) {
  const format_spec spec = spec_of(format);
  switch (spec.specials) {
    case special_values::ieee754:
      return all_ones_exponent(spec.layout) | (std::uint64_t{1} << (spec.layout.fraction_bits - 1));
  }
  POOLPROOF_CHECK(false);
}

bool is_nan_bits(float_format format, std::uint64_t bits) {
  const format_spec spec = spec_of(format);
  const std::uint64_t magnitude = bits & ones(spec.layout.width() - 1);
  switch (spec.specials) {
    case special_values::ieee754:
      return magnitude > all_ones_exponent(spec.layout);
  }
  POOLPROOF_CHECK(false);
}

extended_rational decode(float_format format, std::uint64_t bits) {
  const format_layout layout = layout_of(format);
  POOLPROOF_CHECK((bits & ~ones(layout.width())) == 0);
  const bool negative = ((bits >> (layout.width() - 1)) & 1) != 0;
  if (is_nan_bits(format, bits)) return extended_rational::not_a_number();
  const std::uint64_t magnitude_bits = bits & ones(layout.width() - 1);
  if (magnitude_bits == infinity_bits(format)) return extended_rational::infinity(negative);
  const std::uint64_t biased = magnitude_bits >> layout.fraction_bits;
  const std::uint64_t fraction = bits & ones(layout.fraction_bits);
  // Subnormals share the smallest normal exponent but lose the implicit leading bit.
  const integer significand =
      biased == 0 ? integer(fraction) : integer(fraction) + power_of_two(layout.fraction_bits);
  const long exponent =
      (biased == 0 ? 1 : static_cast<long>(biased)) - layout.bias() - layout.fraction_bits;
  const rational magnitude = rational(significand) * scale(exponent);
  if (magnitude == 0)
    return negative ? extended_rational::negative_zero() : extended_rational::finite(0);
  return extended_rational::finite(negative ? rational(-magnitude) : magnitude);
}

std::uint64_t round_to(float_format format, const extended_rational& x) {
  const format_spec spec = spec_of(format);
  if (x.is_nan()) return quiet_nan_bits(format);
  if (x.is_infinite()) return overflow_bits(spec, x.negative);
  if (x.value == 0) return sign_bit(spec.layout, x.negative);
  return sign_bit(spec.layout, x.negative) | round_magnitude(spec, abs(x.value));
}

}  // namespace poolproof::reference

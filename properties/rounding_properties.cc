#include <poolproof/properties/rounding_properties.h>

#include <bit>

namespace poolproof::properties {
namespace {

std::uint64_t ones(int count) {
  return count >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
}

std::uint64_t sign_mask(reference::float_format format) {
  return std::uint64_t{1} << (reference::layout_of(format).width() - 1);
}

std::uint64_t infinity_magnitude(reference::float_format format) {
  const reference::format_layout layout = reference::layout_of(format);
  return ones(layout.exponent_bits) << layout.fraction_bits;
}

// The value of a magnitude pattern up to and including infinity's, which stands for 2^(emax+1):
// the next value up a format would have past its largest finite one.
reference::rational magnitude_value(reference::float_format format, std::uint64_t magnitude) {
  if (magnitude != infinity_magnitude(format)) return decode(format, magnitude).value;
  const reference::rational largest = decode(format, magnitude - 1).value;
  return 2 * largest - decode(format, magnitude - 2).value;
}

reference::rational distance(const reference::rational& a, const reference::rational& b) {
  return a > b ? reference::rational(a - b) : reference::rational(b - a);
}

std::uint64_t hardware_quotient(reference::float_format format, std::uint64_t a_bits,
                                std::uint64_t b_bits) {
  if (format == reference::float_format::binary64) {
    return std::bit_cast<std::uint64_t>(std::bit_cast<double>(a_bits) /
                                        std::bit_cast<double>(b_bits));
  }
  const auto a = std::bit_cast<float>(static_cast<std::uint32_t>(a_bits));
  const auto b = std::bit_cast<float>(static_cast<std::uint32_t>(b_bits));
  return std::bit_cast<std::uint32_t>(a / b);
}

bool finite_non_zero(const reference::extended_rational& x) {
  return x.is_finite() && x.value != 0;
}

// A neighbour at `neighbour` (a magnitude pattern) is no closer to |x| than the chosen one, and
// when equally close the chosen one is the even pattern.
void chosen_beats_neighbour(reference::float_format format, const reference::rational& magnitude,
                            std::uint64_t chosen, std::uint64_t neighbour) {
  const reference::rational chosen_distance = distance(magnitude, magnitude_value(format, chosen));
  const reference::rational other_distance =
      distance(magnitude, magnitude_value(format, neighbour));
  RC_ASSERT(chosen_distance <= other_distance);
  if (chosen_distance == other_distance) RC_ASSERT((chosen & 1) == 0);
}

}  // namespace

std::uint64_t expected_round_trip(reference::float_format format, std::uint64_t bits) {
  if (!decode(format, bits).is_nan()) return bits;
  return infinity_magnitude(format) |
         (std::uint64_t{1} << (reference::layout_of(format).fraction_bits - 1));
}

std::vector<std::uint64_t> round_trip_failures(reference::float_format format, std::uint64_t first,
                                               std::uint64_t last) {
  std::vector<std::uint64_t> failures;
  for (std::uint64_t bits = first; bits <= last; ++bits) {
    if (round_to(format, decode(format, bits)) != expected_round_trip(format, bits))
      failures.push_back(bits);
    if (bits == last) break;  // last may be the largest uint64
  }
  return failures;
}

void pattern_round_trips(reference::float_format format, std::uint64_t bits) {
  RC_ASSERT(round_to(format, decode(format, bits)) == expected_round_trip(format, bits));
}

void rounding_matches_hardware_division(reference::float_format format, std::uint64_t a_bits,
                                        std::uint64_t b_bits) {
  RC_PRE(format == reference::float_format::binary32 ||
         format == reference::float_format::binary64);
  const reference::extended_rational a = decode(format, a_bits), b = decode(format, b_bits);
  RC_PRE(finite_non_zero(a) && finite_non_zero(b));
  const reference::extended_rational quotient =
      reference::extended_rational::finite(a.value / b.value);
  RC_ASSERT(round_to(format, quotient) == hardware_quotient(format, a_bits, b_bits));
}

void rounding_matches_hardware_narrowing(std::uint64_t double_bits) {
  const reference::extended_rational x = decode(reference::float_format::binary64, double_bits);
  RC_PRE(!x.is_nan());
  const auto narrowed = static_cast<float>(std::bit_cast<double>(double_bits));
  RC_ASSERT(round_to(reference::float_format::binary32, x) ==
            std::bit_cast<std::uint32_t>(narrowed));
}

void rounding_is_monotone(reference::float_format format, const reference::rational& x,
                          const reference::rational& y) {
  const reference::rational low = x < y ? x : y, high = x < y ? y : x;
  const reference::extended_rational rounded_low =
      decode(format, round_to(format, reference::extended_rational::finite(low)));
  const reference::extended_rational rounded_high =
      decode(format, round_to(format, reference::extended_rational::finite(high)));
  RC_ASSERT(!greater(rounded_low, rounded_high));
}

void ties_round_to_even(reference::float_format format, std::uint64_t magnitude_bits,
                        bool negative) {
  RC_PRE(magnitude_bits < infinity_magnitude(format));
  const reference::rational midpoint =
      (magnitude_value(format, magnitude_bits) + magnitude_value(format, magnitude_bits + 1)) / 2;
  const std::uint64_t even = (magnitude_bits & 1) == 0 ? magnitude_bits : magnitude_bits + 1;
  const reference::extended_rational x =
      negative ? reference::extended_rational{reference::value_kind::finite, true,
                                              reference::rational(-midpoint)}
               : reference::extended_rational::finite(midpoint);
  RC_ASSERT(round_to(format, x) == (even | (negative ? sign_mask(format) : 0)));
}

void rounding_is_nearest(reference::float_format format, const reference::rational& x) {
  RC_PRE(x != 0);
  const std::uint64_t rounded = round_to(format, reference::extended_rational::finite(x));
  RC_ASSERT(((rounded & sign_mask(format)) != 0) == (x < 0));
  const std::uint64_t chosen = rounded & ~sign_mask(format);
  const reference::rational magnitude = x < 0 ? reference::rational(-x) : x;
  RC_ASSERT(chosen <= infinity_magnitude(format));
  if (chosen > 0) chosen_beats_neighbour(format, magnitude, chosen, chosen - 1);
  if (chosen < infinity_magnitude(format)) {
    chosen_beats_neighbour(format, magnitude, chosen, chosen + 1);
  }
}

}  // namespace poolproof::properties

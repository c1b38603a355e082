// Properties of decoding and correctly rounded encoding in the four float formats.
#pragma once

#include <poolproof/properties/generators.h>

#include <cstdint>
#include <vector>

namespace poolproof::properties {

/// The pattern round_to must give back for decode(format, bits): bits itself, or for a NaN
/// pattern the quiet NaN with a clear sign bit (all exponent bits and the top fraction bit set).
[[nodiscard]] std::uint64_t expected_round_trip(reference::float_format format, std::uint64_t bits);

/// The patterns of `format` in [first, last] for which round_to(decode(bits)) differs from
/// expected_round_trip: empty when they all round-trip. Exhaustive for 16-bit formats.
[[nodiscard]] std::vector<std::uint64_t> round_trip_failures(reference::float_format format,
                                                             std::uint64_t first,
                                                             std::uint64_t last);

/// round_to(format, decode(format, bits)) == expected_round_trip(format, bits).
void pattern_round_trips(reference::float_format format, std::uint64_t bits);

/// For binary32 and binary64: round_to of the exact quotient a/b of two finite non-zero values
/// equals the hardware's correctly rounded division, subnormal and overflowing results included.
void rounding_matches_hardware_division(reference::float_format format, std::uint64_t a_bits,
                                        std::uint64_t b_bits);

/// round_to(binary32, exact binary64 value) equals the hardware's double -> float conversion.
void rounding_matches_hardware_narrowing(std::uint64_t double_bits);

/// x <= y implies decode(round_to(x)) <= decode(round_to(y)).
void rounding_is_monotone(reference::float_format format, const reference::rational& x,
                          const reference::rational& y);

/// The exact midpoint between a magnitude and the next one up (2^(emax+1) past the largest finite
/// value) rounds to whichever has an even last fraction bit (infinity past the largest), with
/// the sign of the midpoint.
void ties_round_to_even(reference::float_format format, std::uint64_t magnitude_bits,
                        bool negative);

/// round_to(x) keeps the sign of x and is a nearest value: no neighbouring magnitude is closer,
/// an equally close one loses only to an even pattern, and infinity is given exactly from the
/// midpoint between the largest finite value and 2^(emax+1) upward.
void rounding_is_nearest(reference::float_format format, const reference::rational& x);

}  // namespace poolproof::properties

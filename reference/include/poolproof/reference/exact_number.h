// Exact arithmetic on the values floats can hold: rationals plus IEEE's infinities, NaN and -0.
#pragma once

#include <boost/multiprecision/gmp.hpp>
#include <cstdint>
#include <string>

namespace poolproof::reference {

/// Arbitrary-precision rational (GMP-backed: about 3x faster than cpp_rational on window means).
using rational = boost::multiprecision::mpq_rational;
/// Arbitrary-precision integer of the same backend.
using integer = boost::multiprecision::mpz_int;

enum class value_kind : std::uint8_t { finite, infinite, nan };

/// A value a float can take, held exactly. Finite values keep the sign of zero so every bit
/// pattern but NaN payloads round-trips; `negative` is the sign bit (for finite non-zero values it
/// always agrees with the sign of `value`).
struct extended_rational {
  value_kind kind = value_kind::finite;
  bool negative = false;
  rational value;

  [[nodiscard]] static extended_rational finite(const rational& value);
  [[nodiscard]] static extended_rational negative_zero();
  [[nodiscard]] static extended_rational infinity(bool negative);
  [[nodiscard]] static extended_rational not_a_number();

  [[nodiscard]] bool is_finite() const { return kind == value_kind::finite; }
  [[nodiscard]] bool is_nan() const { return kind == value_kind::nan; }
  [[nodiscard]] bool is_infinite() const { return kind == value_kind::infinite; }

  /// Identity, not IEEE equality: NaN equals NaN, -0 differs from +0.
  friend bool operator==(const extended_rational&, const extended_rational&) = default;
};

/// Exact IEEE addition: NaN if either is NaN or for inf + -inf; inf absorbs finite values; a
/// zero sum is -0 only when both addends are -0 (round-to-nearest's rule).
[[nodiscard]] extended_rational add(const extended_rational& a, const extended_rational& b);

/// Exact a / divisor for a divisor >= 1; keeps the sign of zero and of infinity.
[[nodiscard]] extended_rational divide(const extended_rational& a, std::int64_t divisor);

/// IEEE a > b: false whenever either is NaN; -0 and +0 compare equal.
[[nodiscard]] bool greater(const extended_rational& a, const extended_rational& b);

/// "nan", "inf", "-inf", "-0", or the reduced fraction "p/q" ("p" when q = 1).
[[nodiscard]] std::string to_string(const extended_rational& x);

}  // namespace poolproof::reference

#include <poolproof/common/error.h>
#include <poolproof/reference/exact_number.h>

namespace poolproof::reference {

extended_rational extended_rational::finite(const rational& value) {
  return {value_kind::finite, value < 0, value};
}

extended_rational extended_rational::negative_zero() { return {value_kind::finite, true, 0}; }

extended_rational extended_rational::infinity(bool negative) {
  return {value_kind::infinite, negative, 0};
}

extended_rational extended_rational::not_a_number() { return {value_kind::nan, false, 0}; }

extended_rational add(const extended_rational& a, const extended_rational& b) {
  if (a.is_nan() || b.is_nan()) return extended_rational::not_a_number();
  if (a.is_infinite() && b.is_infinite()) {
    return a.negative == b.negative ? a : extended_rational::not_a_number();
  }
  if (a.is_infinite()) return a;
  if (b.is_infinite()) return b;
  rational sum = a.value + b.value;
  if (sum == 0 && a.negative && b.negative) return extended_rational::negative_zero();
  return extended_rational::finite(sum);
}

extended_rational divide(const extended_rational& a, std::int64_t divisor) {
  POOLPROOF_CHECK(divisor >= 1);
  if (!a.is_finite()) return a;
  return {value_kind::finite, a.negative, a.value / rational(divisor)};
}

bool greater(const extended_rational& a, const extended_rational& b) {
  if (a.is_nan() || b.is_nan()) return false;
  if (a.is_infinite()) return !a.negative && !(b.is_infinite() && !b.negative);
  if (b.is_infinite()) return b.negative;
  return a.value > b.value;
}

std::string to_string(const extended_rational& x) {
  if (x.is_nan()) return "nan";
  if (x.is_infinite()) return x.negative ? "-inf" : "inf";
  if (x.value == 0) return x.negative ? "-0" : "0";
  return x.value.str();
}

}  // namespace poolproof::reference

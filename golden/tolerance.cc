#include <poolproof/common/error.h>
#include <poolproof/golden/tolerance.h>

#include <algorithm>

namespace poolproof::golden {
namespace {

// 2^exponent as an exact rational, for any integer exponent.
reference::rational power_of_two(int exponent) {
  reference::integer magnitude = 1;
  magnitude <<= static_cast<unsigned>(exponent < 0 ? -exponent : exponent);
  return exponent >= 0 ? reference::rational(magnitude)
                       : reference::rational(reference::integer(1), magnitude);
}

// Whether 1/length is below the normal range, so a rounded reciprocal carries an absolute error.
bool reciprocal_underflows(const format_constants& c, std::int64_t length) {
  return reference::rational(1, length) < power_of_two(c.min_exponent);
}

// Every partial sum of a bounded computation stays below (1 + gamma) * sum_abs (+ underflow);
// past the overflow threshold some order may round to infinity.
bool may_overflow(const format_constants& c, const std::optional<reference::rational>& growth,
                  const reference::rational& magnitude) {
  return !growth || (1 + *growth) * magnitude >= c.overflow;
}

}  // namespace

format_constants constants_of(reference::float_format format) {
  const reference::format_layout layout = reference::layout_of(format);
  format_constants c;
  c.precision = layout.fraction_bits + 1;
  c.min_exponent = 1 - layout.bias();
  c.unit_roundoff = power_of_two(-c.precision);
  c.underflow_half = power_of_two(c.min_exponent - c.precision);
  c.overflow = power_of_two(layout.bias()) * (2 - c.unit_roundoff);
  return c;
}

std::optional<reference::rational> gamma(std::int64_t k, const reference::rational& unit_roundoff) {
  POOLPROOF_CHECK(k >= 0);
  const reference::rational ku = unit_roundoff * k;
  if (ku >= 1) return std::nullopt;
  return ku / (1 - ku);
}

std::string_view accumulator_name(accumulator rule) {
  switch (rule) {
    case accumulator::any:
      return "any";
    case accumulator::float32:
      return "float32";
  }
  POOLPROOF_CHECK(false);
}

std::optional<accumulator> parse_accumulator(std::string_view name) {
  for (accumulator rule : {accumulator::any, accumulator::float32})
    if (accumulator_name(rule) == name) return rule;
  return std::nullopt;
}

reference::float_format accumulation_format(reference::float_format dtype, accumulator rule) {
  switch (rule) {
    case accumulator::any:
      return dtype;
    case accumulator::float32: {
      constexpr auto binary32 = reference::float_format::binary32;
      return reference::layout_of(dtype).fraction_bits <
                     reference::layout_of(binary32).fraction_bits
                 ? binary32
                 : dtype;
    }
  }
  POOLPROOF_CHECK(false);
}

bool sums_exactly(reference::float_format format, std::int64_t least_exponent,
                  const reference::rational& sum_abs) {
  if (sum_abs == 0) return true;
  const format_constants c = constants_of(format);
  // A multiple of 2^least_exponent below 2^(p + least_exponent) has at most p significant bits.
  const reference::rational limit = power_of_two(static_cast<int>(least_exponent) + c.precision);
  return sum_abs <= limit && sum_abs < c.overflow;
}

element_bound rounded_once(reference::float_format storage, const element_bound& inner,
                           const reference::rational& exact_abs) {
  const format_constants c = constants_of(storage);
  element_bound result;
  result.overflow_possible =
      inner.overflow_possible || !inner.bound || exact_abs + *inner.bound >= c.overflow;
  if (!inner.bound) return result;
  result.bound =
      (1 + c.unit_roundoff) * *inner.bound + c.unit_roundoff * exact_abs + c.underflow_half;
  return result;
}

std::int64_t division_roundings(int spatial_dims) { return std::max(2, spatial_dims); }

element_bound exact_bound() { return {reference::rational(0), false}; }

element_bound avg_forward_bound(reference::float_format format, int spatial_dims,
                                std::int64_t length, const reference::rational& sum_abs,
                                const reference::rational& mean, bool exact_sum) {
  POOLPROOF_CHECK(length >= 1);
  const format_constants c = constants_of(format);
  const std::int64_t r = division_roundings(spatial_dims);
  // An exact sum leaves the division phase alone: R = (S/L)(1 + t) + h.
  const auto g_sum =
      exact_sum ? std::optional<reference::rational>(0) : gamma(length - 1 + r, c.unit_roundoff);
  const auto g_div = gamma(r, c.unit_roundoff);
  // Exact partial sums stay below sum_abs, and only the division phase grows them.
  const auto g_growth = gamma(exact_sum ? r : length + r, c.unit_roundoff);
  element_bound result;
  result.overflow_possible = may_overflow(c, g_growth, sum_abs);
  if (!g_sum || !g_div || !g_growth) return result;
  reference::rational bound =
      *g_sum * sum_abs / length + *g_div * abs(mean) + r * c.underflow_half * (1 + *g_div);
  if (reciprocal_underflows(c, length)) bound += (1 + *g_growth) * sum_abs * c.underflow_half;
  result.bound = bound;
  return result;
}

reference::rational avg_backward_addend_underflow(reference::float_format format, int spatial_dims,
                                                  std::int64_t length,
                                                  const reference::rational& g_abs) {
  POOLPROOF_CHECK(length >= 1);
  const format_constants c = constants_of(format);
  const std::int64_t r = division_roundings(spatial_dims);
  reference::rational underflow = r * c.underflow_half * (1 + *gamma(r, c.unit_roundoff));
  if (reciprocal_underflows(c, length))
    underflow += (1 + c.unit_roundoff) * g_abs * c.underflow_half;
  return underflow;
}

element_bound avg_backward_bound(reference::float_format format, int spatial_dims,
                                 std::int64_t terms, const reference::rational& sum_abs,
                                 const reference::rational& underflow) {
  POOLPROOF_CHECK(terms >= 0);
  if (terms == 0) return exact_bound();
  const format_constants c = constants_of(format);
  const std::int64_t r = division_roundings(spatial_dims);
  const auto g_all = gamma(terms - 1 + r, c.unit_roundoff);
  const auto g_sum = gamma(terms - 1, c.unit_roundoff);
  element_bound result;
  result.overflow_possible = may_overflow(c, g_all, sum_abs + underflow);
  if (!g_all || !g_sum) return result;
  result.bound = *g_all * sum_abs + (1 + *g_sum) * underflow;
  return result;
}

element_bound max_backward_bound(reference::float_format format, std::int64_t terms,
                                 const reference::rational& sum_abs) {
  POOLPROOF_CHECK(terms >= 0);
  if (terms <= 1) return exact_bound();
  const format_constants c = constants_of(format);
  const auto g_sum = gamma(terms - 1, c.unit_roundoff);
  element_bound result;
  result.overflow_possible = may_overflow(c, g_sum, sum_abs);
  if (!g_sum) return result;
  result.bound = *g_sum * sum_abs + c.underflow_half;
  return result;
}

reference::rational ulp_at(reference::float_format format, std::uint64_t bits) {
  const reference::format_layout layout = reference::layout_of(format);
  const format_constants c = constants_of(format);
  const auto field = static_cast<int>((bits >> layout.fraction_bits) &
                                      ((std::uint64_t{1} << layout.exponent_bits) - 1));
  const int exponent = std::max(field - layout.bias(), c.min_exponent);
  return power_of_two(exponent - c.precision + 1);
}

}  // namespace poolproof::golden

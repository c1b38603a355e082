#include <gtest/gtest.h>
#include <poolproof/golden/tolerance.h>

#include <algorithm>
#include <random>

namespace poolproof::golden {
namespace {

reference::rational two_to(int e) {
  const reference::integer m = reference::integer(1) << (e < 0 ? -e : e);
  return e >= 0 ? reference::rational(m) : reference::rational(reference::integer(1), m);
}

reference::extended_rational rounded(reference::float_format f, const reference::rational& x) {
  return decode(f, round_to(f, reference::extended_rational::finite(x)));
}

TEST(Tolerance, FormatConstants) {
  const format_constants f32 = constants_of(reference::float_format::binary32);
  EXPECT_EQ(f32.precision, 24);
  EXPECT_EQ(f32.unit_roundoff, two_to(-24));
  EXPECT_EQ(f32.underflow_half, two_to(-150));  // half of the least subnormal 2^-149
  EXPECT_EQ(f32.overflow, two_to(127) * (2 - two_to(-24)));
  const format_constants bf16 = constants_of(reference::float_format::bfloat16);
  EXPECT_EQ(bf16.unit_roundoff, two_to(-8));
  EXPECT_EQ(bf16.min_exponent, -126);
  EXPECT_EQ(constants_of(reference::float_format::binary16).underflow_half, two_to(-25));
}

TEST(Tolerance, GammaAndItsDomain) {
  const reference::rational u = two_to(-8);
  EXPECT_EQ(*gamma(0, u), 0);
  EXPECT_EQ(*gamma(2, u), reference::rational(2, 254));
  EXPECT_TRUE(gamma(255, u).has_value());
  EXPECT_FALSE(gamma(256, u).has_value());
  EXPECT_EQ(division_roundings(1), 2);
  EXPECT_EQ(division_roundings(3), 3);
}

TEST(Tolerance, UlpOfABitPattern) {
  EXPECT_EQ(ulp_at(reference::float_format::binary32, 0x3f800000), two_to(-23));  // 1.0
  EXPECT_EQ(ulp_at(reference::float_format::binary32, 0), two_to(-149));
  EXPECT_EQ(ulp_at(reference::float_format::binary16, 0x0001), two_to(-24));
  EXPECT_EQ(ulp_at(reference::float_format::bfloat16, 0x4000), two_to(-6));  // 2.0
}

TEST(Tolerance, ExactAndTrivialCases) {
  EXPECT_EQ(*exact_bound().bound, 0);
  EXPECT_EQ(*max_backward_bound(reference::float_format::binary32, 1, 5).bound, 0);
  EXPECT_EQ(*avg_backward_bound(reference::float_format::binary32, 1, 0, 0, 0).bound, 0);
}

TEST(Tolerance, OverflowIsAdmittedOnlyWhenPossible) {
  const reference::rational big = decode(reference::float_format::binary16, 0x7bff).value;  // 65504
  EXPECT_TRUE(
      avg_forward_bound(reference::float_format::binary16, 1, 3, 3 * big, big).overflow_possible);
  EXPECT_FALSE(avg_forward_bound(reference::float_format::binary16, 1, 3, 3, 1).overflow_possible);
  EXPECT_FALSE(
      avg_forward_bound(reference::float_format::bfloat16, 1, 300, 300, 1).bound.has_value());
}

// A window's mean summed in every order the tests can enumerate, each rounding to the format,
// then divided or multiplied by the rounded reciprocal: every result must be inside the bound.
reference::rational worst_error(reference::float_format f,
                                const std::vector<reference::rational>& xs, bool reciprocal) {
  std::vector<std::size_t> order(xs.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  reference::rational exact_sum = 0, worst = 0;
  for (const reference::rational& x : xs) exact_sum += x;
  const auto length = static_cast<std::int64_t>(xs.size());
  do {
    reference::rational sum = 0;
    for (std::size_t k : order) sum = rounded(f, sum + xs[k]).value;
    const reference::rational mean =
        reciprocal ? rounded(f, sum * rounded(f, reference::rational(1, length)).value).value
                   : rounded(f, sum / length).value;
    worst = std::max(worst, reference::rational(abs(mean - exact_sum / length)));
  } while (std::next_permutation(order.begin(), order.end()));
  return worst;
}

TEST(Tolerance, AvgBoundHoldsForEverySummationOrder) {
  std::mt19937_64 rng(20261125);
  std::int64_t tight = 0;
  for (reference::float_format f :
       {reference::float_format::binary16, reference::float_format::bfloat16}) {
    for (int trial = 0; trial < 60; ++trial) {
      const std::size_t length = 2 + rng() % 5;
      const int scale = trial % 3 == 0 ? -20 : 0;  // some windows in the subnormal range
      std::vector<reference::rational> xs;
      reference::rational sum = 0, sum_abs = 0;
      for (std::size_t k = 0; k < length; ++k) {
        const auto numerator = static_cast<std::int64_t>(rng() % 2001) - 1000;
        xs.push_back(rounded(f, reference::rational(numerator, 97) * two_to(scale)).value);
        sum += xs.back();
        sum_abs += abs(xs.back());
      }
      const auto n = static_cast<std::int64_t>(length);
      const element_bound b = avg_forward_bound(f, 1, n, sum_abs, sum / n);
      ASSERT_TRUE(b.bound);
      for (bool reciprocal : {false, true}) {
        const reference::rational error = worst_error(f, xs, reciprocal);
        EXPECT_LE(error, *b.bound) << "trial " << trial;
        if (error * 8 > *b.bound) ++tight;
      }
    }
  }
  EXPECT_GE(tight, 1) << "the bound should not be loose by more than 8x everywhere";
}

TEST(Tolerance, UnderflowTermsMatterForSubnormalMeans) {
  // smin/3 rounds to 0: an error of smin/3, which no relative term can cover.
  const reference::rational smin = two_to(-24);
  const element_bound b =
      avg_forward_bound(reference::float_format::binary16, 1, 3, smin, smin / 3);
  ASSERT_TRUE(b.bound);
  EXPECT_GE(*b.bound, smin / 3);
  EXPECT_LT(*b.bound, smin * 2);
}

TEST(Tolerance, SumsExactlyWhenEveryPartialSumIsRepresentable) {
  constexpr auto f16 = reference::float_format::binary16;
  // Multiples of 2^-3 summing (in magnitude) to at most 2^(11 - 3): every order is exact.
  EXPECT_TRUE(sums_exactly(f16, -3, 256));
  EXPECT_FALSE(sums_exactly(f16, -3, 256 + reference::rational(1, 8)));
  EXPECT_TRUE(sums_exactly(f16, 5, 65504));   // the largest finite float16 itself
  EXPECT_FALSE(sums_exactly(f16, 5, 65536));  // a partial sum could round to infinity
  // 2047 + 2 is not a float16 (spacing 2 past 2048): the premise must fail there.
  EXPECT_FALSE(sums_exactly(f16, 0, 2049));
  EXPECT_TRUE(sums_exactly(f16, 0, 2048));
  // The exact-sum bound keeps only the division phase.
  const element_bound any = avg_forward_bound(f16, 1, 100, 100, 1);
  const element_bound exact = avg_forward_bound(f16, 1, 100, 100, 1, true);
  ASSERT_TRUE(any.bound && exact.bound);
  EXPECT_LT(*exact.bound * 20, *any.bound);
  EXPECT_GE(*exact.bound, two_to(-11));  // at least one rounding of the mean 1
}

TEST(Tolerance, Float32AccumulationNarrowsSixteenBitBounds) {
  constexpr auto f16 = reference::float_format::binary16;
  EXPECT_EQ(accumulation_format(f16, accumulator::float32), reference::float_format::binary32);
  EXPECT_EQ(accumulation_format(reference::float_format::binary64, accumulator::float32),
            reference::float_format::binary64);
  EXPECT_EQ(accumulation_format(f16, accumulator::any), f16);
  // 1000 terms of magnitude 1 with mean 1/2: any order in float16 has no useful bound, float32
  // accumulation then one rounding to float16 errs by about half an ulp of 1/2.
  const element_bound inner = avg_forward_bound(reference::float_format::binary32, 1, 1000, 1000,
                                                reference::rational(1, 2));
  const element_bound outer = rounded_once(f16, inner, reference::rational(1, 2));
  ASSERT_TRUE(outer.bound);
  EXPECT_LT(*outer.bound, two_to(-11));
  EXPECT_GT(*outer.bound, two_to(-12));
  EXPECT_EQ(parse_accumulator("float32"), accumulator::float32);
  EXPECT_FALSE(parse_accumulator("float16").has_value());
}

}  // namespace
}  // namespace poolproof::golden

#include <gtest/gtest.h>
#include <poolproof/reference/exact_number.h>

#include <vector>

#include "tests/reference/printers.h"

namespace poolproof::reference {
namespace {

const extended_rational nan = extended_rational::not_a_number();
const extended_rational inf = extended_rational::infinity(false);
const extended_rational minus_inf = extended_rational::infinity(true);
const extended_rational minus_zero = extended_rational::negative_zero();
const extended_rational zero = extended_rational::finite(0);

extended_rational q(long numerator, long denominator = 1) {
  return extended_rational::finite(rational(numerator) / rational(denominator));
}

bool is_plus_zero(const extended_rational& x) {
  return x.is_finite() && x.value == 0 && !x.negative;
}

bool is_minus_zero(const extended_rational& x) {
  return x.is_finite() && x.value == 0 && x.negative;
}

TEST(ExactNumber, Constructors) {
  EXPECT_TRUE(q(-3, 4).negative);
  EXPECT_FALSE(q(3, 4).negative);
  EXPECT_TRUE(is_plus_zero(zero));
  EXPECT_TRUE(is_minus_zero(minus_zero));
  EXPECT_TRUE(nan.is_nan());
  EXPECT_TRUE(inf.is_infinite() && !inf.negative);
  EXPECT_TRUE(minus_inf.is_infinite() && minus_inf.negative);
  EXPECT_TRUE(q(1, 3).is_finite());
}

TEST(ExactNumber, IdentityEquality) {
  EXPECT_EQ(nan, nan);
  EXPECT_NE(zero, minus_zero);
  EXPECT_NE(inf, minus_inf);
  EXPECT_EQ(q(2, 4), q(1, 2));
  EXPECT_NE(q(1, 2), q(1, 3));
}

TEST(ExactNumber, AddFinite) {
  EXPECT_EQ(add(q(1, 2), q(1, 3)), q(5, 6));
  EXPECT_EQ(add(q(-7, 2), q(1, 2)), q(-3));
  EXPECT_TRUE(add(q(-7, 2), q(1, 2)).negative);
  EXPECT_EQ(add(q(5), zero), q(5));
  EXPECT_EQ(add(minus_zero, q(-5)), q(-5));
}

TEST(ExactNumber, AddPropagatesNan) {
  for (const extended_rational& other : {nan, inf, minus_inf, zero, minus_zero, q(3, 7)}) {
    EXPECT_TRUE(add(nan, other).is_nan()) << to_string(other);
    EXPECT_TRUE(add(other, nan).is_nan()) << to_string(other);
  }
}

TEST(ExactNumber, AddInfinities) {
  EXPECT_TRUE(add(inf, minus_inf).is_nan());
  EXPECT_TRUE(add(minus_inf, inf).is_nan());
  EXPECT_EQ(add(inf, inf), inf);
  EXPECT_EQ(add(minus_inf, minus_inf), minus_inf);
  for (const extended_rational& finite : {zero, minus_zero, q(-1000), q(1, 3)}) {
    EXPECT_EQ(add(inf, finite), inf) << to_string(finite);
    EXPECT_EQ(add(finite, inf), inf) << to_string(finite);
    EXPECT_EQ(add(minus_inf, finite), minus_inf) << to_string(finite);
    EXPECT_EQ(add(finite, minus_inf), minus_inf) << to_string(finite);
  }
}

TEST(ExactNumber, AddSignOfZero) {
  EXPECT_TRUE(is_minus_zero(add(minus_zero, minus_zero)));
  EXPECT_TRUE(is_plus_zero(add(minus_zero, zero)));
  EXPECT_TRUE(is_plus_zero(add(zero, minus_zero)));
  EXPECT_TRUE(is_plus_zero(add(zero, zero)));
  EXPECT_TRUE(is_plus_zero(add(q(1), q(-1))));
  EXPECT_TRUE(is_plus_zero(add(q(-1, 3), q(1, 3))));
}

TEST(ExactNumber, DivideKeepsSign) {
  EXPECT_EQ(divide(q(7), 2), q(7, 2));
  EXPECT_EQ(divide(q(-1), 3), q(-1, 3));
  EXPECT_TRUE(divide(q(-1), 3).negative);
  EXPECT_TRUE(is_minus_zero(divide(minus_zero, 5)));
  EXPECT_TRUE(is_plus_zero(divide(zero, 5)));
  EXPECT_EQ(divide(inf, 3), inf);
  EXPECT_EQ(divide(minus_inf, 3), minus_inf);
  EXPECT_TRUE(divide(nan, 3).is_nan());
  EXPECT_EQ(divide(q(5, 3), 1), q(5, 3));
}

TEST(ExactNumber, GreaterOrdersExtendedReals) {
  // Strictly increasing: every earlier value is less than every later one.
  const std::vector<extended_rational> ordered{minus_inf,     q(-5),   q(-1, 3), zero,
                                               q(1, 1000000), q(1, 3), q(2),     inf};
  for (std::size_t a = 0; a < ordered.size(); ++a) {
    for (std::size_t b = 0; b < ordered.size(); ++b) {
      EXPECT_EQ(greater(ordered[a], ordered[b]), a > b)
          << to_string(ordered[a]) << " > " << to_string(ordered[b]);
    }
  }
}

TEST(ExactNumber, GreaterWithNanIsFalse) {
  for (const extended_rational& other : {nan, inf, minus_inf, zero, q(-2)}) {
    EXPECT_FALSE(greater(nan, other)) << to_string(other);
    EXPECT_FALSE(greater(other, nan)) << to_string(other);
  }
}

TEST(ExactNumber, GreaterZerosCompareEqual) {
  EXPECT_FALSE(greater(minus_zero, zero));
  EXPECT_FALSE(greater(zero, minus_zero));
  EXPECT_TRUE(greater(zero, q(-1, 2)));
  EXPECT_TRUE(greater(minus_zero, minus_inf));
  EXPECT_FALSE(greater(minus_zero, q(1, 2)));
}

TEST(ExactNumber, ToString) {
  EXPECT_EQ(to_string(q(7, 2)), "7/2");
  EXPECT_EQ(to_string(q(-14, 4)), "-7/2");
  EXPECT_EQ(to_string(q(6, 3)), "2");
  EXPECT_EQ(to_string(q(-3)), "-3");
  EXPECT_EQ(to_string(zero), "0");
  EXPECT_EQ(to_string(minus_zero), "-0");
  EXPECT_EQ(to_string(inf), "inf");
  EXPECT_EQ(to_string(minus_inf), "-inf");
  EXPECT_EQ(to_string(nan), "nan");
}

}  // namespace
}  // namespace poolproof::reference

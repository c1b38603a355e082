// float_format's rules for each format, checked from first principles: field layout and names,
// decode against independently computed values, round trips, ties to even and every edge case.
#include <gtest/gtest.h>
#include <poolproof/reference/float_format.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/reference/printers.h"

namespace poolproof::reference {
namespace {

// The formats' field widths, written out here rather than taken from layout_of.
struct format_case {
  float_format format;
  int exponent_bits;
  int fraction_bits;
  const char* name;

  [[nodiscard]] int width() const { return 1 + exponent_bits + fraction_bits; }
  [[nodiscard]] int bias() const { return (1 << (exponent_bits - 1)) - 1; }
  [[nodiscard]] std::uint64_t sign_mask() const { return std::uint64_t{1} << (width() - 1); }
  [[nodiscard]] std::uint64_t infinity_bits() const {
    return ((std::uint64_t{1} << exponent_bits) - 1) << fraction_bits;
  }
  [[nodiscard]] std::uint64_t one_bits() const {
    return static_cast<std::uint64_t>(bias()) << fraction_bits;
  }
  [[nodiscard]] bool is_nan_pattern(std::uint64_t bits) const {
    const std::uint64_t magnitude = bits & ~sign_mask();
    const bool fits = width() == 64 || (bits >> width()) == 0;
    return fits && magnitude > infinity_bits();
  }
};

// Names parameterized tests' GetParam() in ctest listings.
void PrintTo(const format_case& c, std::ostream* os) { *os << c.name; }

const format_case formats[] = {{float_format::binary16, 5, 10, "float16"},
                               {float_format::bfloat16, 8, 7, "bfloat16"},
                               {float_format::binary32, 8, 23, "float32"},
                               {float_format::binary64, 11, 52, "float64"}};

const format_case& case_of(float_format format) {
  for (const format_case& c : formats) {
    if (c.format == format) return c;
  }
  throw std::logic_error("unknown format");
}

// 2^exponent, built by shifting an integer.
rational pow2(int exponent) {
  const integer magnitude = integer(1) << static_cast<unsigned>(std::abs(exponent));
  return exponent >= 0 ? rational(magnitude) : rational(integer(1), magnitude);
}

extended_rational from_double(double x) {
  if (std::isnan(x)) return extended_rational::not_a_number();
  if (std::isinf(x)) return extended_rational::infinity(std::signbit(x));
  if (x == 0)
    return std::signbit(x) ? extended_rational::negative_zero() : extended_rational::finite(0);
  return extended_rational::finite(rational(x));  // mpq_set_d is exact
}

// The value of a bit pattern, computed without decode(): hardware reinterpretation where the
// machine has the format, and for binary16 the textbook formula in (exact) double arithmetic.
extended_rational reference_value(float_format format, std::uint64_t bits) {
  switch (format) {
    case float_format::binary16: {
      const int biased = static_cast<int>((bits >> 10) & 0x1F);
      const double fraction = static_cast<double>(bits & 0x3FF);
      const double sign = (bits & 0x8000) != 0 ? -1.0 : 1.0;
      if (biased == 31) {
        return fraction == 0 ? from_double(sign * std::numeric_limits<double>::infinity())
                             : from_double(std::numeric_limits<double>::quiet_NaN());
      }
      if (biased == 0) return from_double(sign * std::ldexp(fraction, -24));
      return from_double(sign * std::ldexp(1024 + fraction, biased - 25));
    }
    case float_format::bfloat16:
      return from_double(std::bit_cast<float>(static_cast<std::uint32_t>(bits << 16)));
    case float_format::binary32:
      return from_double(std::bit_cast<float>(static_cast<std::uint32_t>(bits)));
    case float_format::binary64:
      return from_double(std::bit_cast<double>(bits));
  }
  throw std::logic_error("unknown format");
}

extended_rational finite(const rational& x) { return extended_rational::finite(x); }

// x and -x round to mirror images: the same magnitude bits, with and without the sign bit.
void expect_rounds(const format_case& c, const rational& x, std::uint64_t expected) {
  ASSERT_GT(x, 0);
  EXPECT_EQ(round_to(c.format, finite(x)), expected) << c.name << " " << x.str();
  EXPECT_EQ(round_to(c.format, finite(-x)), expected | c.sign_mask()) << c.name << " -" << x.str();
}

TEST(FloatFormat, LayoutOf) {
  for (const format_case& c : formats) {
    const format_layout layout = layout_of(c.format);
    EXPECT_EQ(layout.exponent_bits, c.exponent_bits) << c.name;
    EXPECT_EQ(layout.fraction_bits, c.fraction_bits) << c.name;
  }
  EXPECT_EQ(layout_of(float_format::binary16).width(), 16);
  EXPECT_EQ(layout_of(float_format::bfloat16).width(), 16);
  EXPECT_EQ(layout_of(float_format::binary32).width(), 32);
  EXPECT_EQ(layout_of(float_format::binary64).width(), 64);
  EXPECT_EQ(layout_of(float_format::binary16).bias(), 15);
  EXPECT_EQ(layout_of(float_format::bfloat16).bias(), 127);
  EXPECT_EQ(layout_of(float_format::binary64).bias(), 1023);
}

TEST(FloatFormat, NamesRoundTrip) {
  for (const format_case& c : formats) {
    EXPECT_EQ(format_name(c.format), c.name);
    EXPECT_EQ(parse_format(c.name), c.format);
  }
  for (const char* bad : {"", "float8", "Float32", "half", "float32 ", "binary32", "bf16"}) {
    EXPECT_EQ(parse_format(bad), std::nullopt) << bad;
  }
}

struct known_pattern {
  float_format format;
  std::uint64_t bits;
  extended_rational value;
};

TEST(FloatFormat, DecodeKnownPatterns) {
  const extended_rational inf = extended_rational::infinity(false);
  const extended_rational minus_inf = extended_rational::infinity(true);
  const extended_rational zero = finite(0);
  const extended_rational minus_zero = extended_rational::negative_zero();
  const std::vector<known_pattern> patterns{
      {float_format::binary16, 0x3C00, finite(1)},
      {float_format::binary16, 0xC000, finite(-2)},
      {float_format::binary16, 0x0001, finite(pow2(-24))},
      {float_format::binary16, 0x8001, finite(-pow2(-24))},
      {float_format::binary16, 0x03FF, finite(1023 * pow2(-24))},
      {float_format::binary16, 0x0400, finite(pow2(-14))},
      {float_format::binary16, 0x7BFF, finite(65504)},
      {float_format::binary16, 0x3555, finite(rational(0x555) * pow2(-12))},
      {float_format::binary16, 0x0000, zero},
      {float_format::binary16, 0x8000, minus_zero},
      {float_format::binary16, 0x7C00, inf},
      {float_format::binary16, 0xFC00, minus_inf},
      {float_format::bfloat16, 0x3F80, finite(1)},
      {float_format::bfloat16, 0xC000, finite(-2)},
      {float_format::bfloat16, 0x0001, finite(pow2(-133))},
      {float_format::bfloat16, 0x7F7F, finite(255 * pow2(120))},
      {float_format::bfloat16, 0x0000, zero},
      {float_format::bfloat16, 0x8000, minus_zero},
      {float_format::bfloat16, 0x7F80, inf},
      {float_format::bfloat16, 0xFF80, minus_inf},
      {float_format::binary32, 0x3F800000, finite(1)},
      {float_format::binary32, 0xC0000000, finite(-2)},
      {float_format::binary32, 0x00000001, finite(pow2(-149))},
      {float_format::binary32, 0x7F7FFFFF, finite(rational((1 << 24) - 1) * pow2(104))},
      {float_format::binary32, 0x3EAAAAAB, finite(rational(0xAAAAAB) * pow2(-25))},
      {float_format::binary32, 0x00000000, zero},
      {float_format::binary32, 0x80000000, minus_zero},
      {float_format::binary32, 0x7F800000, inf},
      {float_format::binary32, 0xFF800000, minus_inf},
      {float_format::binary64, 0x3FF0000000000000, finite(1)},
      {float_format::binary64, 0xC000000000000000, finite(-2)},
      {float_format::binary64, 0x0000000000000001, finite(pow2(-1074))},
      {float_format::binary64, 0x7FEFFFFFFFFFFFFF, finite((pow2(53) - 1) * pow2(971))},
      {float_format::binary64, 0x0000000000000000, zero},
      {float_format::binary64, 0x8000000000000000, minus_zero},
      {float_format::binary64, 0x7FF0000000000000, inf},
      {float_format::binary64, 0xFFF0000000000000, minus_inf},
  };
  for (const known_pattern& pattern : patterns) {
    EXPECT_EQ(decode(pattern.format, pattern.bits), pattern.value)
        << format_name(pattern.format) << " 0x" << std::hex << pattern.bits;
  }
}

TEST(FloatFormat, DecodeNanPatterns) {
  const std::vector<std::pair<float_format, std::uint64_t>> nans{
      {float_format::binary16, 0x7E00},
      {float_format::binary16, 0x7C01},
      {float_format::binary16, 0xFFFF},
      {float_format::bfloat16, 0x7FC0},
      {float_format::bfloat16, 0xFF81},
      {float_format::binary32, 0x7FC00000},
      {float_format::binary32, 0x7F800001},
      {float_format::binary32, 0xFFFFFFFF},
      {float_format::binary64, 0x7FF8000000000000},
      {float_format::binary64, 0x7FF0000000000001},
      {float_format::binary64, 0xFFFFFFFFFFFFFFFF}};
  for (auto [format, bits] : nans) {
    EXPECT_TRUE(decode(format, bits).is_nan()) << format_name(format) << " 0x" << std::hex << bits;
  }
}

TEST(FloatFormat, DecodeRejectsBitsAboveWidth) {
  EXPECT_DEATH((void)decode(float_format::binary16, 0x10000), "internal check failed");
  EXPECT_DEATH((void)decode(float_format::binary32, std::uint64_t{1} << 32),
               "internal check failed");
}

TEST(FloatFormat, RoundSpecialValues) {
  EXPECT_EQ(round_to(float_format::binary16, extended_rational::not_a_number()), 0x7E00u);
  EXPECT_EQ(round_to(float_format::bfloat16, extended_rational::not_a_number()), 0x7FC0u);
  EXPECT_EQ(round_to(float_format::binary32, extended_rational::not_a_number()), 0x7FC00000u);
  EXPECT_EQ(round_to(float_format::binary64, extended_rational::not_a_number()),
            0x7FF8000000000000u);
  for (const format_case& c : formats) {
    EXPECT_EQ(round_to(c.format, extended_rational::infinity(false)), c.infinity_bits());
    EXPECT_EQ(round_to(c.format, extended_rational::infinity(true)),
              c.infinity_bits() | c.sign_mask());
    EXPECT_EQ(round_to(c.format, finite(0)), 0u);
    EXPECT_EQ(round_to(c.format, extended_rational::negative_zero()), c.sign_mask());
    EXPECT_EQ(round_to(c.format, finite(1)), c.one_bits());
    const std::uint64_t two_bits = c.one_bits() + (std::uint64_t{1} << c.fraction_bits);
    EXPECT_EQ(round_to(c.format, finite(-2)), two_bits | c.sign_mask());
  }
}

// One pattern: decode agrees with the reference value, and decode followed by round_to returns
// the same bits (a NaN returns some NaN pattern).
void check_pattern(const format_case& c, std::uint64_t bits) {
  const extended_rational value = decode(c.format, bits);
  ASSERT_EQ(value, reference_value(c.format, bits)) << c.name << " 0x" << std::hex << bits;
  const std::uint64_t back = round_to(c.format, value);
  if (c.is_nan_pattern(bits)) {
    ASSERT_TRUE(c.is_nan_pattern(back)) << c.name << " 0x" << std::hex << bits;
  } else {
    ASSERT_EQ(back, bits) << c.name << " 0x" << std::hex << bits;
  }
}

// Every pattern of a 16-bit format.
void check_all_patterns(const format_case& c) {
  for (std::uint64_t bits = 0; bits < (std::uint64_t{1} << c.width()); ++bits) {
    check_pattern(c, bits);
    if (testing::Test::HasFatalFailure()) return;
  }
}

TEST(FloatFormat, Binary16RoundTripExhaustive) {
  check_all_patterns(case_of(float_format::binary16));
}

TEST(FloatFormat, Bfloat16RoundTripExhaustive) {
  check_all_patterns(case_of(float_format::bfloat16));
}

void check_random_patterns(const format_case& c, int count, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  const std::uint64_t mask =
      c.width() == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << c.width()) - 1;
  for (int trial = 0; trial < count; ++trial) {
    check_pattern(c, random() & mask);
    if (testing::Test::HasFatalFailure()) return;
  }
}

TEST(FloatFormat, Binary32RoundTripRandom) {
  check_random_patterns(case_of(float_format::binary32), 300000, 1);
}

TEST(FloatFormat, Binary64RoundTripRandom) {
  check_random_patterns(case_of(float_format::binary64), 300000, 2);
}

// Midpoint of two consecutive finite patterns k, k+1: ties go to the even significand, and a
// nudge of 1/1024 of their gap either way decides the direction.
void check_consecutive(const format_case& c, std::uint64_t k) {
  const rational a = reference_value(c.format, k).value;
  const rational b = reference_value(c.format, k + 1).value;
  const rational middle = (a + b) / 2, nudge = (b - a) / 1024;
  const std::uint64_t even = k % 2 == 0 ? k : k + 1;
  if (k > 0) expect_rounds(c, a, k);
  expect_rounds(c, middle, even);
  expect_rounds(c, middle + nudge, k + 1);
  expect_rounds(c, middle - nudge, k);
}

TEST(FloatFormat, Binary16EveryMidpoint) {
  const format_case& c = case_of(float_format::binary16);
  for (std::uint64_t k = 0; k + 1 < c.infinity_bits(); ++k) {
    check_consecutive(c, k);
    if (HasFailure()) return;
  }
}

TEST(FloatFormat, Bfloat16EveryMidpoint) {
  const format_case& c = case_of(float_format::bfloat16);
  for (std::uint64_t k = 0; k + 1 < c.infinity_bits(); ++k) {
    check_consecutive(c, k);
    if (HasFailure()) return;
  }
}

TEST(FloatFormat, WideFormatsRandomMidpoints) {
  std::mt19937_64 random(3);
  for (float_format format : {float_format::binary32, float_format::binary64}) {
    const format_case& c = case_of(format);
    std::uniform_int_distribution<std::uint64_t> pattern(0, c.infinity_bits() - 2);
    for (int trial = 0; trial < 20000; ++trial) {
      check_consecutive(c, trial < 64 ? static_cast<std::uint64_t>(trial) : pattern(random));
      if (HasFailure()) return;
    }
  }
}

class RoundingEdges : public testing::TestWithParam<format_case> {};

TEST_P(RoundingEdges, TieWithEvenBelowRoundsDown) {
  const format_case& c = GetParam();
  // Between 1 (fraction 0, even) and 1 + 2^-f.
  expect_rounds(c, 1 + pow2(-c.fraction_bits - 1), c.one_bits());
}

TEST_P(RoundingEdges, TieWithOddBelowRoundsUp) {
  const format_case& c = GetParam();
  // Between 1 + 2^-f (odd) and 1 + 2*2^-f (even).
  expect_rounds(c, 1 + 3 * pow2(-c.fraction_bits - 1), c.one_bits() + 2);
}

TEST_P(RoundingEdges, JustOffTieRoundsToNearer) {
  const format_case& c = GetParam();
  const rational tie = 1 + pow2(-c.fraction_bits - 1), tiny = pow2(-c.fraction_bits - 30);
  expect_rounds(c, tie + tiny, c.one_bits() + 1);
  expect_rounds(c, tie - tiny, c.one_bits());
  const rational odd_tie = 1 + 3 * pow2(-c.fraction_bits - 1);
  expect_rounds(c, odd_tie - tiny, c.one_bits() + 1);
  expect_rounds(c, odd_tie + tiny, c.one_bits() + 2);
}

TEST_P(RoundingEdges, OverflowAtMidpointAboveLargestFinite) {
  const format_case& c = GetParam();
  const int emax = c.bias();
  const std::uint64_t largest_bits = c.infinity_bits() - 1;
  const rational largest = (2 - pow2(-c.fraction_bits)) * pow2(emax);
  // 2^(emax+1) - 2^(emax-p) with p = f+1: halfway to the next power, whose significand is even.
  const rational tie = pow2(emax + 1) - pow2(emax - c.fraction_bits - 1);
  const rational tiny = pow2(emax - c.fraction_bits - 40);
  expect_rounds(c, largest, largest_bits);
  expect_rounds(c, tie - tiny, largest_bits);
  expect_rounds(c, tie, c.infinity_bits());
  expect_rounds(c, tie + tiny, c.infinity_bits());
  expect_rounds(c, pow2(emax + 1), c.infinity_bits());
  expect_rounds(c, pow2(emax + 100), c.infinity_bits());
  // Inside the binade past emax, where a bare carry into the exponent field would spell a NaN.
  expect_rounds(c, 3 * pow2(emax), c.infinity_bits());
  expect_rounds(c, (4 - pow2(-c.fraction_bits)) * pow2(emax), c.infinity_bits());
}

TEST_P(RoundingEdges, UnderflowToZeroKeepsSign) {
  const format_case& c = GetParam();
  const rational smallest = pow2(1 - c.bias() - c.fraction_bits);
  const rational tiny = smallest * pow2(-40);
  expect_rounds(c, smallest / 2, 0);  // tie between 0 (even) and 1
  expect_rounds(c, smallest / 2 - tiny, 0);
  expect_rounds(c, smallest / 2 + tiny, 1);
  expect_rounds(c, smallest / 4, 0);
  expect_rounds(c, smallest * pow2(-2000), 0);
  expect_rounds(c, smallest, 1);
  expect_rounds(c, 3 * smallest / 2, 2);  // tie between 1 (odd) and 2
  expect_rounds(c, 5 * smallest / 2, 2);  // tie between 2 (even) and 3
}

TEST_P(RoundingEdges, SubnormalCarriesIntoNormal) {
  const format_case& c = GetParam();
  const rational smallest = pow2(1 - c.bias() - c.fraction_bits);
  const std::uint64_t smallest_normal_bits = std::uint64_t{1} << c.fraction_bits;
  const rational largest_subnormal = (pow2(c.fraction_bits) - 1) * smallest;
  expect_rounds(c, largest_subnormal, smallest_normal_bits - 1);
  expect_rounds(c, pow2(1 - c.bias()), smallest_normal_bits);
  // Halfway between the largest subnormal (odd) and the smallest normal.
  expect_rounds(c, largest_subnormal + smallest / 2, smallest_normal_bits);
  expect_rounds(c, largest_subnormal + smallest / 2 - smallest * pow2(-20),
                smallest_normal_bits - 1);
}

TEST_P(RoundingEdges, SignificandCarriesIntoNextBinade) {
  const format_case& c = GetParam();
  // Halfway between 2 - 2^-f (all fraction bits set, odd) and 2.
  const std::uint64_t two_bits = c.one_bits() + (std::uint64_t{1} << c.fraction_bits);
  expect_rounds(c, 2 - pow2(-c.fraction_bits - 1), two_bits);
  expect_rounds(c, 2 - pow2(-c.fraction_bits), two_bits - 1);
}

TEST_P(RoundingEdges, NonDyadicValues) {
  const format_case& c = GetParam();
  // 1/3 = 2^-2 * 1.010101...b: the fraction keeps f bits 0101..., floor(2^f / 3), and the first
  // dropped bit (position f+1, set when f+1 is even) decides; the tail is never a tie.
  const std::uint64_t truncated = (std::uint64_t{1} << c.fraction_bits) / 3;
  const std::uint64_t fraction = c.fraction_bits % 2 == 1 ? truncated + 1 : truncated;
  const std::uint64_t expected =
      (static_cast<std::uint64_t>(c.bias() - 2) << c.fraction_bits) | fraction;
  expect_rounds(c, rational(1) / 3, expected);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, RoundingEdges, testing::ValuesIn(formats),
                         [](const testing::TestParamInfo<format_case>& param_info) {
                           return std::string(param_info.param.name);
                         });

}  // namespace
}  // namespace poolproof::reference

// round_window_means (the public rounding of exact window sums) against the plain reference's
// rounding of the exact mean, in each format it takes, from windows of random values: normal
// ones, ones whose means are subnormal, and zeros of both signs.
#include <gtest/gtest.h>
#include <poolproof/engine/window_means.h>
#include <poolproof/reference/exact_number.h>
#include <poolproof/reference/float_format.h>

#include <bit>
#include <cfenv>
#include <cstdint>
#include <random>
#include <vector>

namespace poolproof::engine {
namespace {

using reference::float_format;

double as_double(float_format format, std::uint64_t bits) {
  return std::bit_cast<double>(round_to(float_format::binary64, decode(format, bits)));
}

// The exponent of the lowest set bit of a nonzero finite double (0 for zero).
int lowest_bit(double x) {
  if (x == 0) return 0;
  const auto bits = std::bit_cast<std::uint64_t>(x);
  const auto field = static_cast<int>((bits >> 52) & 0x7FF);
  const std::uint64_t significand =
      (bits & ((std::uint64_t{1} << 52) - 1)) | (field != 0 ? std::uint64_t{1} << 52 : 0);
  return (field != 0 ? field : 1) - 1075 + std::countr_zero(significand);
}

TEST(WindowMeans, RoundOnceAsTheReferenceDoes) {
  std::mt19937_64 random(17);
  for (const float_format format :
       {float_format::binary16, float_format::bfloat16, float_format::binary32}) {
    const reference::format_layout layout = reference::layout_of(format);
    std::vector<double> sums;
    std::vector<int> units;
    std::vector<std::uint64_t> counts;
    std::vector<std::uint64_t> expected;
    for (int trial = 0; trial < 2000; ++trial) {
      const int band = trial % 3;  // normal values, values near the subnormals, zeros
      const auto count = std::uniform_int_distribution<std::uint64_t>(1, 300)(random);
      reference::rational exact(0);
      double sum = 0;
      for (std::uint64_t i = 0; i < count; ++i) {
        const std::uint64_t field =
            band == 0   ? static_cast<std::uint64_t>(layout.bias()) - 4 + random() % 9
            : band == 1 ? random() % 4
                        : 0;
        const std::uint64_t fraction =
            band == 2 ? 0 : random() & ((std::uint64_t{1} << layout.fraction_bits) - 1);
        const std::uint64_t bits =
            (random() % 2) << (layout.width() - 1) | field << layout.fraction_bits | fraction;
        exact += decode(format, bits).value;
        sum += as_double(format, bits);
      }
      // The windows are narrow enough that the double sum is exact.
      ASSERT_EQ(reference::extended_rational::finite(exact),
                decode(float_format::binary64, std::bit_cast<std::uint64_t>(sum)));
      sums.push_back(sum);
      units.push_back(lowest_bit(sum));
      counts.push_back(count);
      expected.push_back(round_to(
          format, reference::extended_rational::finite(exact / reference::rational(count))));
    }
    std::vector<std::uint64_t> means(sums.size());
    round_window_means(format, sums, units, counts, means);
    for (std::size_t k = 0; k < means.size(); ++k)
      ASSERT_EQ(means[k], expected[k])
          << reference::format_name(format) << " " << sums[k] << " / " << counts[k];
  }
}

// An exact zero mean is +0 even from a sum of negative zeros, and the caller's rounding mode does
// not change a mean.
TEST(WindowMeans, ZeroIsPositiveAndTheCallersRoundingModeIsIgnored) {
  const std::vector<double> sums{-0.0, 1.0, -1.0};
  const std::vector<int> units{0, 0, 0};
  const std::vector<std::uint64_t> counts{3, 3, 3};
  for (const float_format format :
       {float_format::binary16, float_format::bfloat16, float_format::binary32}) {
    std::vector<std::uint64_t> expected;
    expected.reserve(sums.size());
    for (const double sum : sums) {
      expected.push_back(round_to(
          format, reference::extended_rational::finite(reference::rational(static_cast<long>(sum)) /
                                                       reference::rational(3))));
    }
    EXPECT_EQ(expected[0], 0U);
    for (const int mode : {FE_TONEAREST, FE_TOWARDZERO, FE_UPWARD, FE_DOWNWARD}) {
      std::vector<std::uint64_t> means(sums.size());
      ASSERT_EQ(std::fesetround(mode), 0);
      round_window_means(format, sums, units, counts, means);
      ASSERT_EQ(std::fesetround(FE_TONEAREST), 0);
      EXPECT_EQ(means, expected) << reference::format_name(format) << " mode " << mode;
    }
  }
}

}  // namespace
}  // namespace poolproof::engine

// float_format's rounding against the machine: round_to must give the bits that correctly
// rounded hardware conversions (double -> float, float -> half with F16C) and arithmetic give.
#include <gtest/gtest.h>
#include <poolproof/reference/exact_number.h>
#include <poolproof/reference/float_format.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace poolproof::reference {
namespace {

extended_rational finite(const rational& x) { return extended_rational::finite(x); }

// Random doubles spread over float's whole range and beyond: subnormal, normal, overflow.
std::uint64_t random_double_bits(std::mt19937_64& random, int trial) {
  const std::uint64_t sign = (random() & 1) << 63;
  const std::uint64_t fraction = random() & ((std::uint64_t{1} << 52) - 1);
  if (trial % 5 == 0) {
    std::uint64_t bits = random();
    while (std::isnan(std::bit_cast<double>(bits))) bits = random();
    return bits;
  }
  // Unbiased exponents -160 .. 135 cover float's subnormals (-149 .. -127) and its overflow (128+).
  const std::uint64_t exponent = std::uint64_t{1023 - 160} + random() % 296;
  return sign | (exponent << 52) | fraction;
}

TEST(FloatFormat, DoubleToFloatMatchesHardware) {
  std::mt19937_64 random(4);
  for (int trial = 0; trial < 200000; ++trial) {
    const std::uint64_t bits = random_double_bits(random, trial);
    const double x = std::bit_cast<double>(bits);
    const auto expected = std::bit_cast<std::uint32_t>(static_cast<float>(x));
    ASSERT_EQ(round_to(float_format::binary32, decode(float_format::binary64, bits)), expected)
        << "double 0x" << std::hex << bits;
  }
}

TEST(FloatFormat, DoubleToFloatHalfwayCasesMatchHardware) {
  // Doubles exactly halfway between floats (and one double ulp either side), across the range.
  std::mt19937_64 random(5);
  for (int trial = 0; trial < 50000; ++trial) {
    const std::uint64_t float_bits = random() % 0x7F7FFFFFu;  // high stays finite
    const double low = std::bit_cast<float>(static_cast<std::uint32_t>(float_bits));
    const double high = std::bit_cast<float>(static_cast<std::uint32_t>(float_bits + 1));
    const double middle = low + (high - low) / 2;  // exact: a float fits in a double with room
    for (double x : {middle, std::nextafter(middle, 0.0), std::nextafter(middle, 1e300)}) {
      for (double signed_x : {x, -x}) {
        const auto bits = std::bit_cast<std::uint64_t>(signed_x);
        ASSERT_EQ(round_to(float_format::binary32, decode(float_format::binary64, bits)),
                  std::bit_cast<std::uint32_t>(static_cast<float>(signed_x)))
            << "double 0x" << std::hex << bits;
      }
    }
  }
}

// A random value of Float (double or float, Bits its bit pattern) with a random sign and
// fraction, and an exponent within `spread` of 0: wide spreads reach subnormal and overflowing
// results. The field widths are written out, as in float_format_test.cc, not taken from
// layout_of.
template <typename Float, typename Bits>
Float draw_float(std::mt19937_64& random, int spread) {
  constexpr int fraction_bits = std::numeric_limits<Float>::digits - 1;
  constexpr int bias = std::numeric_limits<Float>::max_exponent - 1;
  constexpr int width = 8 * sizeof(Bits);
  const auto exponent = static_cast<Bits>(static_cast<Bits>(bias - spread) +
                                          random() % static_cast<std::uint64_t>(2 * spread));
  const auto sign = static_cast<Bits>(random() & 1) << (width - 1);
  const auto fraction = static_cast<Bits>(random() & ((std::uint64_t{1} << fraction_bits) - 1));
  return std::bit_cast<Float>(static_cast<Bits>(sign | (exponent << fraction_bits) | fraction));
}

// Quotients, sums and products are correctly rounded by the hardware: rounding their exact
// values must agree, including non-dyadic quotients and subnormal or overflowing results.
template <typename Float, typename Bits>
void expect_arithmetic_matches_hardware(float_format format, std::uint64_t seed, int spread_a,
                                        int spread_b) {
  std::mt19937_64 random(seed);
  for (int trial = 0; trial < 30000; ++trial) {
    const Float a = draw_float<Float, Bits>(random, spread_a);
    const Float b = draw_float<Float, Bits>(random, spread_b);
    const rational ra(a), rb(b);
    const auto check = [format](const rational& exact, Float hardware) {
      ASSERT_EQ(round_to(format, finite(exact)), std::bit_cast<Bits>(hardware)) << exact.str();
    };
    check(ra / rb, a / b);
    check(ra * rb, a * b);
    if (ra + rb != 0) check(ra + rb, a + b);
    if (testing::Test::HasFatalFailure()) return;
  }
}

TEST(FloatFormat, DoubleArithmeticMatchesHardware) {
  expect_arithmetic_matches_hardware<double, std::uint64_t>(float_format::binary64, 6, 1000, 120);
}

TEST(FloatFormat, FloatArithmeticMatchesHardware) {
  expect_arithmetic_matches_hardware<float, std::uint32_t>(float_format::binary32, 7, 120, 40);
}

// bfloat16 is the top half of float32; float32 -> bfloat16 with ties to even is the well-known
// integer recipe (bits + 0x7FFF + lsb) >> 16, which is exact for every non-NaN pattern.
TEST(FloatFormat, FloatToBfloat16MatchesBitRecipe) {
  std::mt19937_64 random(8);
  for (int trial = 0; trial < 300000; ++trial) {
    const auto bits = static_cast<std::uint32_t>(random());
    if (std::isnan(std::bit_cast<float>(bits))) continue;
    const std::uint32_t expected = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
    ASSERT_EQ(round_to(float_format::bfloat16, decode(float_format::binary32, bits)), expected)
        << "float 0x" << std::hex << bits;
  }
}

#if defined(__x86_64__)
__attribute__((target("f16c"))) std::uint16_t hardware_half(float x) {
  // _mm_cvtps_ph rather than _cvtss_sh: clang's _cvtss_sh is a C99 compound literal.
  return static_cast<std::uint16_t>(
      _mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(x), _MM_FROUND_TO_NEAREST_INT), 0));
}

// CPUID leaf 1, ECX bit 29; clang 14's __builtin_cpu_supports does not know "f16c".
bool cpu_has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 29)) != 0;
}
#endif

// F16C's float -> half conversion rounds to nearest even, subnormals included.
TEST(FloatFormat, FloatToBinary16MatchesF16c) {
#if defined(__x86_64__)
  if (!cpu_has_f16c()) GTEST_SKIP() << "no F16C on this CPU";
  std::mt19937_64 random(9);
  for (int trial = 0; trial < 300000; ++trial) {
    // Half the draws land in binary16's range (exponents -30 .. 17), half anywhere.
    auto bits = static_cast<std::uint32_t>(random());
    if (trial % 2 == 0) {
      const auto exponent = static_cast<std::uint32_t>(127 - 30 + static_cast<int>(random() % 48));
      bits = (bits & 0x807FFFFFu) | (exponent << 23);
    }
    const float x = std::bit_cast<float>(bits);
    if (std::isnan(x)) continue;
    ASSERT_EQ(round_to(float_format::binary16, decode(float_format::binary32, bits)),
              hardware_half(x))
        << "float 0x" << std::hex << bits;
  }
#else
  GTEST_SKIP() << "F16C comparison is x86-64 only";
#endif
}

}  // namespace
}  // namespace poolproof::reference

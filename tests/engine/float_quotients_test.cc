// One-window cells' quotients in binary32 lanes (float_quotients.h) on every SIMD level, against
// the scalar routes over every finite 16-bit pattern and the plain reference's rounding on a
// sample; the lanes keep most of the means.
#include "engine/float_quotients.h"

#include <gtest/gtest.h>
#include <poolproof/reference/float_format.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "engine/double_sums.h"
#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using reference::float_format;
using testing::all_simd_levels;
using testing::sixteen_bit_formats;

// Small divisors (windows' sizes), powers of two (exact quotients, ties in the subnormals), the
// largest the contract allows, and random large ones: their inexact quotients land on 16-bit
// midpoints in binary32 (on either side of the exact one), which the lanes must decline.
const std::vector<float> divisors_under_test = [] {
  std::vector<float> divisors;
  for (int d = 1; d <= 40; ++d) divisors.push_back(static_cast<float>(d));
  for (float d : {64.0f, 255.0f, 256.0f, 1000.0f, 1023.0f, 1024.0f, 65537.0f, 16777215.0f})
    divisors.push_back(d);
  std::mt19937 engine(3);
  std::uniform_int_distribution<std::uint32_t> large(1u << 13, (1u << 24) - 1);
  for (int k = 0; k < 24; ++k) divisors.push_back(static_cast<float>(large(engine)));
  return divisors;
}();

reference::extended_rational exact_quotient(float value, float divisor) {
  return reference::extended_rational::finite(
      reference::decode(float_format::binary32, std::bit_cast<std::uint32_t>(value)).value /
      reference::rational(static_cast<std::uint64_t>(divisor)));
}

std::uint16_t scalar_mean(float_format format, float value, float divisor) {
  const double sum = static_cast<double>(value) + 0.0;
  const auto count = static_cast<std::uint64_t>(divisor);
  return format == float_format::binary16
             ? detail::round_mean_16<detail::binary16_traits>(sum, count)
             : detail::round_mean_16<detail::bfloat16_traits>(sum, count);
}

float widened(float_format format, std::uint16_t bits) {
  return format == float_format::binary16 ? detail::widened<detail::binary16_traits>(bits)
                                          : detail::widened<detail::bfloat16_traits>(bits);
}

TEST(FloatQuotients, EveryFiniteSixteenBitPatternOverEachDivisorOnEveryLevel) {
  for (const float_format format : sixteen_bit_formats) {
    std::vector<float> values;
    for (std::uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
      const auto pattern = static_cast<std::uint16_t>(bits);
      const bool finite = format == float_format::binary16 ? (pattern & 0x7C00u) != 0x7C00u
                                                           : (pattern & 0x7F80u) != 0x7F80u;
      if (finite) values.push_back(widened(format, pattern));
    }
    const bool lanes = detail::cpu_has_avx2() && detail::cpu_has_fma() && detail::cpu_has_f16c();
    for (const detail::simd_level level : all_simd_levels) {
      for (const float divisor : divisors_under_test) {
        const std::vector<float> divisors(values.size(), divisor);
        std::vector<std::uint16_t> means(values.size());
        const std::size_t kept = detail::narrowed_quotients(format, values, divisors, means, level);
        // The lanes decline only quotients at or beside a 16-bit tie that are not exact (1.6%
        // of the binary16 patterns at most, over these divisors).
        if (lanes && level != detail::simd_level::baseline) {
          EXPECT_GT(kept, values.size() - values.size() / 40) << divisor;
        } else {
          EXPECT_EQ(kept, 0U);
        }
        for (std::size_t k = 0; k < values.size(); ++k) {
          ASSERT_EQ(means[k], scalar_mean(format, values[k], divisor))
              << reference::format_name(format) << " level " << static_cast<int>(level) << " "
              << std::hexfloat << values[k] << " / " << divisor;
        }
      }
    }
    // The scalar route against the plain reference, on a sample reaching the subnormal range,
    // ties and exact quotients.
    for (std::size_t k = 0; k < values.size(); k += 37) {
      for (const float divisor : {2.0f, 3.0f, 4.0f, 7.0f, 16.0f, 1023.0f}) {
        ASSERT_EQ(scalar_mean(format, values[k], divisor),
                  round_to(format, exact_quotient(values[k], divisor)))
            << std::hexfloat << values[k] << " / " << divisor;
      }
    }
  }
}

TEST(FloatQuotients, ShortGroupsAndMixedDivisors) {
  std::mt19937 engine(5);
  std::uniform_int_distribution<std::uint32_t> patterns(0, 0xFFFF);
  std::uniform_int_distribution<std::size_t> pick(0, divisors_under_test.size() - 1);
  for (const float_format format : sixteen_bit_formats) {
    for (const detail::simd_level level : all_simd_levels) {
      for (std::size_t length = 1; length <= 17; ++length) {  // every masked last group
        std::vector<float> values, divisors;
        while (values.size() < length) {
          const float value = widened(format, static_cast<std::uint16_t>(patterns(engine)));
          if (!std::isfinite(value)) continue;
          values.push_back(value);
          divisors.push_back(divisors_under_test[pick(engine)]);
        }
        std::vector<std::uint16_t> means(length);
        detail::narrowed_quotients(format, values, divisors, means, level);
        for (std::size_t k = 0; k < length; ++k)
          ASSERT_EQ(means[k], round_to(format, exact_quotient(values[k], divisors[k]))) << k;
      }
    }
  }
}

TEST(FloatQuotients, Binary32ValuesOfEveryMagnitudeOnEveryLevel) {
  // Random significands at every exponent (subnormals included), zeros of both signs, the
  // largest finite value and the least subnormal.
  std::mt19937 engine(9);
  std::uniform_int_distribution<std::uint32_t> significand(0, (1u << 23) - 1);
  std::vector<float> values{0.0f, -0.0f, 0x1p-149f, -0x1p-149f, 3.4028235e38f, -3.4028235e38f};
  for (std::uint32_t exponent = 0; exponent < 255; ++exponent) {
    for (int k = 0; k < 24; ++k)
      values.push_back(std::bit_cast<float>((k % 2 == 0 ? 0u : 0x80000000u) | exponent << 23 |
                                            significand(engine)));
  }
  for (const detail::simd_level level : all_simd_levels) {
    for (const float divisor : divisors_under_test) {
      const std::vector<float> divisors(values.size(), divisor);
      for (std::size_t length : {values.size(), std::size_t{13}}) {  // 13: eight, then a tail
        std::vector<float> means(length);
        detail::binary32_quotients(std::span(values).first(length),
                                   std::span(divisors).first(length), means, level);
        for (std::size_t k = 0; k < length; ++k) {
          ASSERT_EQ(std::bit_cast<std::uint32_t>(means[k]),
                    static_cast<std::uint32_t>(
                        round_to(float_format::binary32, exact_quotient(values[k], divisor))))
              << "level " << static_cast<int>(level) << " " << std::hexfloat << values[k] << " / "
              << divisor;
        }
      }
    }
  }
}

}  // namespace
}  // namespace poolproof::engine

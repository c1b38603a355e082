// One-window cells' quotients in binary32 lanes (float_quotients.h) on every SIMD level, against
// the scalar routes over every finite 16-bit pattern and the plain reference's rounding on a
// sample; and a run's inputs given their cells' values in chunks (expand_cells), against the
// tables' index.
#include "engine/float_quotients.h"

#include <gtest/gtest.h>
#include <poolproof/reference/float_format.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "engine/avg_backward_plan.h"
#include "engine/double_sums.h"
#include "engine/narrowed_means.h"
#include "engine/planes.h"
#include "engine/row_cells.h"
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
    for (const detail::simd_level level : all_simd_levels) {
      for (const float divisor : divisors_under_test) {
        const std::vector<float> divisors(values.size(), divisor);
        std::vector<std::uint16_t> means(values.size());
        detail::narrowed_quotients(format, values, divisors, means, level);
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

TEST(FloatQuotients, Binary32ValuesOfEveryMagnitude) {
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
  for (const float divisor : divisors_under_test) {
    const std::vector<float> divisors(values.size(), divisor);
    for (std::size_t length : {values.size(), std::size_t{5}}) {
      std::vector<float> means(length);
      detail::binary32_quotients(std::span(values).first(length), std::span(divisors).first(length),
                                 means);
      for (std::size_t k = 0; k < length; ++k) {
        ASSERT_EQ(std::bit_cast<std::uint32_t>(means[k]),
                  static_cast<std::uint32_t>(
                      round_to(float_format::binary32, exact_quotient(values[k], divisor))))
            << std::hexfloat << values[k] << " / " << divisor;
      }
    }
  }
}

// expand_cells of a run of rows of T against the index: each input's value is the one its
// tables name, on every level, for full runs, a run of one row and runs in between. False when
// the tables do not take the geometry.
template <typename T>
bool expect_expansion_follows_the_index(std::int64_t width, std::int64_t outputs) {
  const std::vector<std::int64_t> shape{600, width}, out{outputs};
  const detail::geometry g = detail::checked_geometry<float>(
      float_format::binary32, shape, out, static_cast<std::size_t>(600 * width),
      static_cast<std::size_t>(600 * outputs));
  const detail::cell_plan& plan = detail::remembered_plan(g);
  constexpr std::int64_t most_outputs = 256;
  const detail::row_cell_tables tables =
      detail::make_row_cell_tables(g, plan, most_outputs, 1024, sizeof(T));
  if (!tables.usable) return false;
  std::vector<T> values(2 * most_outputs + 16 / sizeof(T));
  for (std::size_t k = 0; k < values.size(); ++k) values[k] = static_cast<T>(k + 1);
  for (std::int64_t rows : {std::int64_t{1}, (tables.rows_per_run + 1) / 2, tables.rows_per_run}) {
    for (const detail::simd_level level : all_simd_levels) {
      std::vector<T> inputs(static_cast<std::size_t>(rows * width) + 1, T{0});
      detail::expand_cells(tables, values.data(), rows, inputs.data(), level);
      for (std::int64_t row = 0; row < rows; ++row) {
        for (std::int64_t i = 0; i < width; ++i) {
          const T expected = values[static_cast<std::size_t>(
              tables.value_of_input[static_cast<std::size_t>(i)] + row * outputs)];
          if (inputs[static_cast<std::size_t>(row * width + i)] != expected) {
            ADD_FAILURE() << width << " -> " << outputs << ", " << sizeof(T) << "-byte values, row "
                          << row << " input " << i << ", level " << static_cast<int>(level);
            return true;
          }
        }
      }
      EXPECT_EQ(inputs.back(), T{0}) << "written past the run";
    }
  }
  return true;
}

TEST(ExpandCells, InputsTakeTheirCellsValuesInChunksAndOneByOne) {
  const std::vector<std::pair<std::int64_t, std::int64_t>> geometries{
      {33, 10}, {12, 4}, {6, 8}, {1, 2}, {1000, 256}, {64, 3}, {64, 7}, {5, 9}, {17, 16}, {7, 5}};
  int usable = 0;
  for (const auto& [width, outputs] : geometries) {
    usable += static_cast<int>(expect_expansion_follows_the_index<std::uint16_t>(width, outputs));
    usable += static_cast<int>(expect_expansion_follows_the_index<float>(width, outputs));
    usable += static_cast<int>(expect_expansion_follows_the_index<double>(width, outputs));
  }
  // Every geometry but 5 -> 9 (three windows over an input), for each value size.
  EXPECT_EQ(usable, 27);
}

TEST(ExpandCells, TheLanesTakeTheCommonRows) {
  // 33 -> 10 (a 1-D row of two kinds of cells): chunks for every value size.
  const std::vector<std::int64_t> shape{600, 33}, out{10};
  const detail::geometry g = detail::checked_geometry<float>(float_format::binary32, shape, out,
                                                             std::size_t{19800}, std::size_t{6000});
  for (int value_bytes : {2, 4, 8}) {
    const detail::row_cell_tables tables =
        detail::make_row_cell_tables(g, detail::remembered_plan(g), 256, 1024, value_bytes);
    ASSERT_TRUE(tables.usable);
    EXPECT_EQ(static_cast<std::int64_t>(tables.chunks.size()),
              tables.rows_per_run * 33 * value_bytes / 16)
        << value_bytes;
  }
}

}  // namespace
}  // namespace poolproof::engine

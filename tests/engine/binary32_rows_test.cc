// The binary32 batch across rows: binary32_means (every SIMD level, against the plain
// reference's rounding and the scalar route) and the 1-D avg forward pass built on it, against
// the plain reference, with rows the batch cannot take (infinities, NaNs, spreads past doubles)
// between rows it can, so the batch ends and resumes around them.
#include <gtest/gtest.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/float_format.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "engine/float_bits.h"
#include "engine/narrowed_means.h"
#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using reference::float_format;
using testing::all_simd_levels;
using testing::row_kind_values;
using testing::sizes;
using testing::text;

// The exponent of the lowest set bit of a finite non-zero double (0 for zero): its value is a
// multiple of 2^unit, and in those units an odd integer below 2^53.
int lowest_bit_exponent(double x) {
  if (x == 0) return 0;
  int exponent = 0;
  const double fraction = std::frexp(std::abs(x), &exponent);
  const auto significand = static_cast<std::uint64_t>(std::ldexp(fraction, 53));
  return exponent - 53 + std::countr_zero(significand);
}

struct mean_case {
  double sum;
  std::uint64_t divisor;
};

// Exact double sums of binary32 values over their counts: random windows of many magnitudes
// (quotients down in the binary32 subnormals), exact quotients at binary32 values and at the
// midpoints between them, sums a double ulp or a few beside a midpoint times the count, zeros,
// and divisors past 2^32 (quotients on a midpoint that the exact one is not).
std::vector<mean_case> mean_cases() {
  std::mt19937 engine(43);
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<int> scale(-150, 120);
  std::uniform_int_distribution<std::uint64_t> counts(1, 64);
  std::vector<mean_case> cases;
  for (int k = 0; k < 30000; ++k) {
    const std::uint64_t n = counts(engine);
    const int e = scale(engine);
    double sum = 0;
    for (std::uint64_t i = 0; i < n; ++i) sum += static_cast<double>(std::ldexp(normal(engine), e));
    const float value = std::ldexp(normal(engine), e / 2);
    const double next = std::nextafter(value, std::numeric_limits<float>::infinity());
    const double midpoint = (static_cast<double>(value) + next) / 2;
    if (k % 5 == 1) sum = (k % 10 == 1 ? value : midpoint) * static_cast<double>(n);
    if (k % 5 == 3) {
      sum = midpoint * static_cast<double>(n);
      for (int step = 0; step < 1 + k % 3; ++step)
        sum = std::nextafter(sum, k % 2 == 0 ? 1e300 : -1e300);
    }
    if (k % 97 == 3) sum = 0;
    if (std::isfinite(sum)) cases.push_back({sum, n});
  }
  std::uniform_int_distribution<std::uint64_t> large(std::uint64_t{1} << 32,
                                                     (std::uint64_t{1} << 53) - 1);
  // A binary32 value or midpoint times a divisor past 2^32 is rounded to a double, so the
  // quotient of that sum can land on the midpoint while the exact one is beside it.
  for (int k = 0; k < 4000; ++k) {
    const std::uint64_t n = large(engine);
    // Every fourth in the binary32 subnormals, where a midpoint is not at the normal position.
    const float value = std::ldexp(normal(engine), k % 4 == 3 ? -140 : scale(engine) / 4);
    const double next = std::nextafter(value, std::numeric_limits<float>::infinity());
    const double midpoint = (static_cast<double>(value) + next) / 2;
    double sum = (k % 2 == 0 ? static_cast<double>(value) : midpoint) * static_cast<double>(n);
    for (int step = 0; step < k % 3; ++step) sum = std::nextafter(sum, 1e300);
    cases.push_back({sum, n});
  }
  return cases;
}

TEST(FastBinary32Rows, MeansRoundOnceOnEveryLevel) {
  const std::vector<mean_case> cases = mean_cases();
  std::vector<double> sums;
  std::vector<std::uint64_t> divisors;
  std::vector<int> units;
  for (const mean_case& c : cases) {
    sums.push_back(c.sum);
    divisors.push_back(c.divisor);
    units.push_back(lowest_bit_exponent(c.sum));
  }
  int declined_by_the_fast_route = 0;
  int wrong_through_the_quotient = 0;
  for (std::size_t k = 0; k < sums.size(); ++k) {
    const reference::extended_rational exact = reference::extended_rational::finite(
        decode(float_format::binary64, std::bit_cast<std::uint64_t>(sums[k])).value /
        reference::rational(divisors[k]));
    const auto expected = static_cast<std::uint32_t>(round_to(float_format::binary32, exact));
    ASSERT_EQ(std::bit_cast<std::uint32_t>(detail::binary32_mean(sums[k], units[k], divisors[k])),
              expected)
        << std::hexfloat << sums[k] << " / " << divisors[k];
    if (!detail::round_quotient_binary32(sums[k], 0, divisors[k])) ++declined_by_the_fast_route;
    const auto through_quotient = static_cast<float>(sums[k] / static_cast<double>(divisors[k]));
    if (std::bit_cast<std::uint32_t>(through_quotient) != expected) ++wrong_through_the_quotient;
  }
  // The cases reach the exact route (subnormal quotients, midpoints the exact quotient is not)
  // often, and there the quotient alone would round wrong often.
  EXPECT_GT(declined_by_the_fast_route, 500);
  EXPECT_GT(wrong_through_the_quotient, 100);
  for (const detail::simd_level level : all_simd_levels) {
    for (std::size_t length = 1; length <= 17; ++length) {  // every masked last group
      std::vector<float> short_batch(length);
      detail::binary32_means({sums.data(), length}, {divisors.data(), length},
                             {units.data(), length}, short_batch, level);
      for (std::size_t k = 0; k < length; ++k) {
        ASSERT_EQ(
            std::bit_cast<std::uint32_t>(short_batch[k]),
            std::bit_cast<std::uint32_t>(detail::binary32_mean(sums[k], units[k], divisors[k])))
            << k;
      }
    }
    std::vector<float> means(sums.size());
    detail::binary32_means(sums, divisors, units, means, level);
    for (std::size_t k = 0; k < sums.size(); ++k) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(means[k]),
                std::bit_cast<std::uint32_t>(detail::binary32_mean(sums[k], units[k], divisors[k])))
          << "level " << static_cast<int>(level) << " " << std::hexfloat << sums[k] << " / "
          << divisors[k];
    }
  }
}

// Row after row of the nine kinds (row_kind_values), at binary32's scales: the midpoint pattern's
// row spread must keep it out of the batch, and does.
std::vector<float> row_kinds(std::int64_t rows, std::int64_t row_size, unsigned seed) {
  row_kind_values kinds({-135, 3e38f, 1e30f, 1e-30f, true}, seed);
  std::vector<float> values;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t i = 0; i < row_size; ++i) values.push_back(kinds.next(r % 9, i, row_size));
  return values;
}

void expect_forward_matches(const sizes& shape, const sizes& out, unsigned threads) {
  const std::vector<float> input =
      row_kinds(reference::element_count(shape) / shape.back(), shape.back(), 9);
  std::vector<float> got(static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out))));
  adaptive_avg_pool<float>(float_format::binary32, shape, input, out, got, threads);
  reference::exact_tensor exact{shape, {}};
  for (float x : input)
    exact.values.push_back(decode(float_format::binary32, std::bit_cast<std::uint32_t>(x)));
  const reference::exact_tensor expected = reference::adaptive_avg_pool(exact, out);
  ASSERT_EQ(got.size(), expected.values.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    ASSERT_EQ(std::bit_cast<std::uint32_t>(got[k]),
              static_cast<std::uint32_t>(round_to(float_format::binary32, expected.values[k])))
        << text(shape) << " -> " << text(out) << ", " << threads << " threads, output " << k;
  }
}

TEST(FastBinary32Rows, ForwardBatchesAcrossRows) {
  // 120 rows of 10 outputs: batches of 512 end inside rows; every kind recurs.
  for (unsigned threads : {1u, 2u}) {
    expect_forward_matches({120, 33}, {10}, threads);
    expect_forward_matches({3, 40, 7}, {3}, threads);
    expect_forward_matches({45, 5}, {9}, threads);  // more outputs than inputs
    expect_forward_matches({30, 1}, {4}, threads);
    expect_forward_matches({18, 8}, {2}, threads);  // windows of four
    // One input row, several output rows: not a plane of one row.
    expect_forward_matches({20, 1, 7}, {2, 3}, threads);
  }
}

// Gradients in blocks of rows of one kind each (block_kind): subnormal quotients and exact ties
// included.
std::vector<float> blocks_of_kinds(std::int64_t rows, std::int64_t row_size, unsigned seed) {
  row_kind_values kinds({-135, 3e38f, 1e30f, 1e-30f, true}, seed);
  std::vector<float> values;
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t i = 0; i < row_size; ++i)
      values.push_back(kinds.next(testing::block_kind(r), i, row_size));
  }
  return values;
}

TEST(FastBinary32Rows, BackwardRunsOfRowsAndTheRowsBetween) {
  // Cells of one window and of two (33 -> 10), of one only (12 -> 4), more outputs than inputs (6
  // -> 8, 1 -> 2: windows without a cell of their own, identical windows), long rows (1000 -> 256,
  // 250 -> 200), and rows the lanes do not take (2 -> 7: three windows over an input).
  for (unsigned threads : {1u, 2u}) {
    for (const auto& [shape, out] :
         {std::pair<sizes, sizes>{{360, 33}, {10}}, std::pair<sizes, sizes>{{360, 12}, {4}},
          std::pair<sizes, sizes>{{360, 6}, {8}}, std::pair<sizes, sizes>{{360, 1}, {2}},
          std::pair<sizes, sizes>{{40, 1000}, {256}}, std::pair<sizes, sizes>{{90, 250}, {200}},
          std::pair<sizes, sizes>{{30, 2}, {7}}}) {
      const std::vector<float> grads = blocks_of_kinds(shape[0], out[0], 13);
      std::vector<float> got(static_cast<std::size_t>(shape[0] * shape[1]));
      adaptive_avg_pool_backward<float>(float_format::binary32, shape, out, grads, got, threads);
      reference::exact_tensor exact{{shape[0], out[0]}, {}};
      for (float x : grads)
        exact.values.push_back(decode(float_format::binary32, std::bit_cast<std::uint32_t>(x)));
      const reference::exact_tensor expected =
          reference::adaptive_avg_pool_backward(exact, shape, out.size());
      ASSERT_EQ(got.size(), expected.values.size());
      for (std::size_t k = 0; k < got.size(); ++k) {
        ASSERT_EQ(std::bit_cast<std::uint32_t>(got[k]),
                  static_cast<std::uint32_t>(round_to(float_format::binary32, expected.values[k])))
            << text(shape) << " -> " << text(out) << ", " << threads << " threads, input " << k;
      }
    }
  }
}

}  // namespace
}  // namespace poolproof::engine

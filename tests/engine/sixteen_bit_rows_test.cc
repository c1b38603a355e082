// The binary16 and bfloat16 batches across rows: narrowed_means (every SIMD level, against the
// plain reference's rounding and the scalar route) and the passes built on it, against the plain
// reference, with rows the batches cannot take (infinities, NaNs, spreads past doubles) between
// rows they can, so the batches flush and resume around them.
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
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/double_sums.h"
#include "engine/narrowed_means.h"
#include "engine/planes.h"
#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using reference::float_format;
using testing::all_simd_levels;
using testing::row_kind_scales;
using testing::row_kind_values;
using testing::sixteen_bit_formats;
using testing::sizes;
using testing::text;

std::uint16_t narrowed(float_format format, float x) {
  return format == float_format::binary16 ? detail::narrowed<detail::binary16_traits>(x)
                                          : detail::narrowed<detail::bfloat16_traits>(x);
}

float widened(float_format format, std::uint16_t bits) {
  return format == float_format::binary16 ? detail::widened<detail::binary16_traits>(bits)
                                          : detail::widened<detail::bfloat16_traits>(bits);
}

std::uint16_t single_mean(float_format format, double sum, std::uint64_t divisor) {
  return format == float_format::binary16
             ? detail::round_mean_16<detail::binary16_traits>(sum, divisor)
             : detail::round_mean_16<detail::bfloat16_traits>(sum, divisor);
}

// Exact sums of 16-bit values over their counts: random windows of many magnitudes, exact
// quotients at 16-bit values and at midpoints between them (either sign), zeros of both signs,
// means in the subnormal range, and means a binary32 ulp beside midpoints.
std::pair<std::vector<double>, std::vector<std::uint64_t>> mean_cases(float_format format) {
  std::mt19937 engine(41);
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<int> scale(format == float_format::binary16 ? -20 : -120,
                                           format == float_format::binary16 ? 12 : 120);
  std::uniform_int_distribution<std::uint64_t> counts(1, 64);
  std::vector<double> sums;
  std::vector<std::uint64_t> divisors;
  for (int k = 0; k < 30000; ++k) {
    const std::uint64_t n = counts(engine);
    const int e = scale(engine);
    double sum = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint16_t bits = narrowed(format, std::ldexp(normal(engine), e));
      sum += static_cast<double>(widened(format, bits));
    }
    if (k % 5 == 1) {  // an exact 16-bit value or midpoint times n
      const std::uint16_t bits = narrowed(format, std::ldexp(normal(engine), e));
      const double value = widened(format, bits);
      const double next = widened(format, static_cast<std::uint16_t>(bits + 1));
      sum = (k % 10 == 1 ? value : (value + next) / 2) * static_cast<double>(n);
    }
    if (k % 7 == 2) sum = static_cast<double>(std::nextafter(static_cast<float>(sum), 0.0f));
    if (k % 5 == 3) {  // a double ulp or a few beside a 16-bit midpoint times n: a binary32
      // rounding of the quotient would land on the midpoint, and its tie would go either way
      const std::uint16_t bits = narrowed(format, std::ldexp(normal(engine), e));
      const double value = widened(format, bits);
      const double next = widened(format, static_cast<std::uint16_t>(bits + 1));
      sum = (value + next) / 2 * static_cast<double>(n);
      for (int step = 0; step < 1 + k % 3; ++step)
        sum = std::nextafter(sum, k % 2 == 0 ? 1e300 : -1e300);
    }
    if (k % 97 == 3) sum = k % 2 == 0 ? 0.0 : -0.0;
    sums.push_back(sum);
    divisors.push_back(n);
  }
  // Divisors past 2^32, up to 2^53 - 1 (the backward cells' denominators reach 2^43): sums that
  // divide exactly (a 16-bit value or midpoint times the divisor, when that is exact) and sums
  // a double ulp or two beside them.
  std::uniform_int_distribution<std::uint64_t> large(std::uint64_t{1} << 32,
                                                     (std::uint64_t{1} << 53) - 1);
  for (int k = 0; k < 6000; ++k) {
    const std::uint64_t n =
        k % 4 == 0 ? (std::uint64_t{1} << 53) - 1 - 2 * static_cast<std::uint64_t>(k % 7)
                   : large(engine);
    const std::uint16_t bits = narrowed(format, std::ldexp(normal(engine), scale(engine) / 2));
    const double value = widened(format, bits);
    const double next = widened(format, static_cast<std::uint16_t>(bits + 1));
    double sum = (k % 2 == 0 ? value : (value + next) / 2) * static_cast<double>(n);
    for (int step = 0; step < k % 3; ++step) sum = std::nextafter(sum, k % 5 < 2 ? 1e300 : -1e300);
    if (!std::isfinite(sum)) continue;
    sums.push_back(sum);
    divisors.push_back(n);
  }
  return {sums, divisors};
}

TEST(FastSixteenBitRows, NarrowedMeansRoundOnceOnEveryLevel) {
  for (const float_format format : sixteen_bit_formats) {
    const auto [sums, divisors] = mean_cases(format);
    for (const detail::simd_level level : all_simd_levels) {
      for (std::size_t length = 1; length <= 17; ++length) {  // every masked last group
        std::vector<std::uint16_t> short_batch(length);
        detail::narrowed_means(format, {sums.data(), length}, {divisors.data(), length},
                               short_batch, level);
        for (std::size_t k = 0; k < length; ++k)
          ASSERT_EQ(short_batch[k], single_mean(format, sums[k], divisors[k])) << k;
      }
      std::vector<std::uint16_t> means(sums.size());
      detail::narrowed_means(format, sums, divisors, means, level);
      for (std::size_t k = 0; k < sums.size(); ++k) {
        const reference::extended_rational exact = reference::extended_rational::finite(
            decode(float_format::binary64, std::bit_cast<std::uint64_t>(sums[k])).value /
            reference::rational(divisors[k]));
        ASSERT_EQ(means[k], round_to(format, exact))
            << reference::format_name(format) << " level " << static_cast<int>(level) << " "
            << std::hexfloat << sums[k] << " / " << divisors[k];
      }
    }
  }
}

// Row after row of the nine kinds (row_kind_values) at `format`'s scales, in its patterns.
std::vector<std::uint16_t> row_kinds(float_format format, std::int64_t rows, std::int64_t row_size,
                                     unsigned seed) {
  const bool half = format == float_format::binary16;
  row_kind_values kinds(half ? row_kind_scales{-20, 60000.0f, 65504.0f, 0x1p-24f, false}
                             : row_kind_scales{-130, 3e38f, 1e30f, 1e-30f, false},
                        seed);
  std::vector<std::uint16_t> values;
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t i = 0; i < row_size; ++i) {
      const float x = kinds.next(r % 9, i, row_size);
      values.push_back(std::isnan(x) ? static_cast<std::uint16_t>(half ? 0x7E00u : 0x7FC0u)
                                     : narrowed(format, x));
    }
  }
  return values;
}

reference::exact_tensor decoded(float_format format, const sizes& shape,
                                const std::vector<std::uint16_t>& values) {
  reference::exact_tensor tensor{shape, {}};
  for (std::uint16_t bits : values) tensor.values.push_back(decode(format, bits));
  return tensor;
}

std::vector<std::uint16_t> rounded(float_format format, const reference::exact_tensor& exact) {
  std::vector<std::uint16_t> bits;
  for (const reference::extended_rational& x : exact.values)
    bits.push_back(static_cast<std::uint16_t>(round_to(format, x)));
  return bits;
}

void expect_forward_matches(float_format format, const sizes& shape, const sizes& out,
                            unsigned threads) {
  // Kinds change row by row (each plane's rows are consecutive).
  const std::vector<std::uint16_t> input =
      row_kinds(format, reference::element_count(shape) / shape.back(), shape.back(), 7);
  std::vector<std::uint16_t> got(static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out))));
  adaptive_avg_pool<std::uint16_t>(format, shape, input, out, got, threads);
  EXPECT_EQ(got, rounded(format, reference::adaptive_avg_pool(decoded(format, shape, input), out)))
      << reference::format_name(format) << " " << text(shape) << " -> " << text(out) << ", "
      << threads << " threads";
}

TEST(FastSixteenBitRows, ForwardBatchesAcrossRows) {
  // 120 rows of 10 outputs: batches of 512 end inside rows; every kind recurs.
  for (const float_format format : sixteen_bit_formats) {
    for (unsigned threads : {1u, 2u}) {
      expect_forward_matches(format, {120, 33}, {10}, threads);
      expect_forward_matches(format, {3, 40, 7}, {3}, threads);
      expect_forward_matches(format, {45, 5}, {9}, threads);  // more outputs than inputs
      expect_forward_matches(format, {30, 1}, {4}, threads);
      // One input row, several output rows: not a plane of one row.
      expect_forward_matches(format, {20, 1, 7}, {2, 3}, threads);
    }
  }
}

void expect_backward_matches(float_format format, const sizes& shape, const sizes& out,
                             unsigned threads) {
  const sizes grad_shape = reference::adaptive_output_shape(shape, out);
  const std::vector<std::uint16_t> grads = row_kinds(
      format, reference::element_count(grad_shape) / grad_shape.back(), grad_shape.back(), 11);
  std::vector<std::uint16_t> got(static_cast<std::size_t>(reference::element_count(shape)));
  adaptive_avg_pool_backward<std::uint16_t>(format, shape, out, grads, got, threads);
  EXPECT_EQ(got, rounded(format, reference::adaptive_avg_pool_backward(
                                     decoded(format, grad_shape, grads), shape, out.size())))
      << reference::format_name(format) << " " << text(shape) << " -> " << text(out) << ", "
      << threads << " threads";
}

TEST(FastSixteenBitRows, BackwardBatchesAcrossPlanes) {
  for (const float_format format : sixteen_bit_formats) {
    for (unsigned threads : {1u, 2u}) {
      expect_backward_matches(format, {120, 33}, {10}, threads);
      expect_backward_matches(format, {45, 5}, {9}, threads);
      expect_backward_matches(format, {30, 64}, {3}, threads);  // long cells, filled whole
      expect_backward_matches(format, {40, 64}, {7}, threads);
      // One-row blocks of 2-D and 3-D planes (8 -> 4, 3 -> 3: one window per row): a block's
      // first row is copied to its other rows, and batches end between a plane's blocks.
      expect_backward_matches(format, {20, 8, 33}, {4, 10}, threads);
      expect_backward_matches(format, {12, 2, 4, 9}, {2, 1, 4}, threads);
      // Gradients are widened 4096 at a time: three chunks, the last partial; and planes of
      // more outputs than that, a plane a chunk.
      expect_backward_matches(format, {1000, 33}, {10}, threads);
      expect_backward_matches(format, {5, 9000}, {4500}, threads);
      expect_backward_matches(format, {7, 9001}, {4100}, threads);
    }
  }
}

TEST(FastSixteenBitRows, BackwardRunsOfRowsAndTheRowsBetween) {
  // Gradients in blocks of rows of one kind each (block_kind), so whole runs of rows take the
  // batch (double_cell_rows) and the rows between go plane by plane: cells of one window and of
  // two (33 -> 10), of one only (12 -> 4), more outputs than inputs (6 -> 8, 1 -> 2: windows
  // without a cell of their own, identical windows), long rows (1000 -> 256), and rows the runs do
  // not take (2 -> 7: three windows over an input).
  for (const float_format format : sixteen_bit_formats) {
    const bool half = format == float_format::binary16;
    for (unsigned threads : {1u, 2u}) {
      for (const auto& [shape, out] :
           {std::pair<sizes, sizes>{{360, 33}, {10}}, std::pair<sizes, sizes>{{360, 12}, {4}},
            std::pair<sizes, sizes>{{360, 6}, {8}}, std::pair<sizes, sizes>{{360, 1}, {2}},
            std::pair<sizes, sizes>{{40, 1000}, {256}}, std::pair<sizes, sizes>{{30, 2}, {7}}}) {
        row_kind_values kinds(half ? row_kind_scales{-20, 60000.0f, 65504.0f, 0x1p-24f, false}
                                   : row_kind_scales{-130, 3e38f, 1e30f, 1e-30f, false},
                              17);
        std::vector<std::uint16_t> grads;
        for (std::int64_t r = 0; r < shape[0]; ++r) {
          for (std::int64_t i = 0; i < out[0]; ++i) {
            const float x = kinds.next(testing::block_kind(r), i, out[0]);
            grads.push_back(std::isnan(x) ? static_cast<std::uint16_t>(half ? 0x7E00u : 0x7FC0u)
                                          : narrowed(format, x));
          }
        }
        std::vector<std::uint16_t> got(static_cast<std::size_t>(shape[0] * shape[1]));
        adaptive_avg_pool_backward<std::uint16_t>(format, shape, out, grads, got, threads);
        EXPECT_EQ(got, rounded(format,
                               reference::adaptive_avg_pool_backward(
                                   decoded(format, {shape[0], out[0]}, grads), shape, out.size())))
            << reference::format_name(format) << " " << text(shape) << " -> " << text(out) << ", "
            << threads << " threads";
      }
    }
  }
}

// Gradients of 1-D max backward rows from a pool that makes pair sums interesting: -0 and +0
// (a pair of -0 sums to +0), subnormals, the largest finite value (a pair overflows), values
// whose sums tie at 16-bit midpoints, and random patterns; NaN-free, so rows take the batched
// route. Indices at a window's first or last input, so neighbouring windows often share one.
TEST(FastSixteenBitRows, MaxBackwardPairsRoundOnce) {
  std::mt19937 engine(53);
  for (const float_format format : sixteen_bit_formats) {
    const bool half = format == float_format::binary16;
    const std::array<std::uint16_t, 8> pool{0x0000,
                                            0x8000,
                                            0x0001,
                                            0x8003,
                                            static_cast<std::uint16_t>(half ? 0x7BFF : 0x7F7F),
                                            static_cast<std::uint16_t>(half ? 0x3C01 : 0x3F81),
                                            static_cast<std::uint16_t>(half ? 0x3C00 : 0x3F80),
                                            static_cast<std::uint16_t>(half ? 0x1000 : 0x3B80)};
    std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
    std::uniform_int_distribution<int> coin(0, 1);
    for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{
             {{400, 33}, {10}}, {{300, 7}, {4}}, {{50, 100}, {33}}}) {
      const auto windows = reference::adaptive_windows(shape.back(), out.back());
      std::vector<std::int64_t> indices;
      std::vector<std::uint16_t> grads;
      for (std::int64_t p = 0; p < shape.front(); ++p) {
        for (const reference::window& w : windows) {
          indices.push_back(coin(engine) != 0 ? w.begin : w.end - 1);
          std::uint16_t bits = pool[pick(engine)];
          if (coin(engine) != 0) bits = narrowed(format, std::normal_distribution<float>()(engine));
          grads.push_back(bits);
        }
      }
      const sizes grad_shape = reference::adaptive_output_shape(shape, out);
      std::vector<std::uint16_t> want;
      for (const reference::extended_rational& x :
           reference::adaptive_max_pool_backward(decoded(format, grad_shape, grads), indices, shape,
                                                 out.size())
               .values)
        want.push_back(static_cast<std::uint16_t>(round_to(format, x)));
      for (unsigned threads : {1u, 2u}) {
        std::vector<std::uint16_t> got(static_cast<std::size_t>(reference::element_count(shape)));
        adaptive_max_pool_backward<std::uint16_t>(format, shape, out, grads, indices, got, threads);
        EXPECT_EQ(got, want) << reference::format_name(format) << " " << text(shape);
      }
    }
  }
}

}  // namespace
}  // namespace poolproof::engine

// The binary64 max forward pass's separable bands of doubles (max_planes_binary64), on every SIMD
// level, against the plain reference: ties (-0 and +0 too), NaNs of any payload and sign,
// infinities, all -inf windows, and values that binary32 could not tell apart.
#include <gtest/gtest.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/float_format.h>

#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "engine/planes.h"
#include "engine/simd.h"
#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using reference::float_format;
using testing::all_simd_levels;
using testing::sizes;
using testing::text;

constexpr double inf = std::numeric_limits<double>::infinity();

// Values that make ties, NaNs, infinities and signed zeros common, and neighbours 2^-40 apart
// (equal once rounded to binary32).
std::vector<double> stress_doubles(std::size_t count, std::mt19937_64& engine, int nan_weight) {
  const std::array<double, 10> pool{-inf, -2, -1, -0.0, 0, 1, 1 + 0x1p-40, 2, inf, 0x1p-1074};
  std::uniform_int_distribution<int> pick(0, 99);
  std::uniform_int_distribution<std::size_t> element(0, pool.size() - 1);
  std::uniform_int_distribution<std::uint64_t> payload(1, (std::uint64_t{1} << 52) - 1);
  std::normal_distribution<double> normal;
  std::vector<double> values(count);
  for (double& x : values) {
    const int roll = pick(engine);
    if (roll < nan_weight) {
      x = std::bit_cast<double>(0x7FF0000000000000u | payload(engine) |
                                (roll % 2 != 0 ? 0x8000000000000000u : 0));
    } else {
      x = roll < 60 ? pool[element(engine)] : normal(engine);
    }
  }
  return values;
}

using max_answer = testing::max_result<double>;

max_answer reference_max(const sizes& shape, const std::vector<double>& input, const sizes& out) {
  return testing::reference_max(float_format::binary64, shape, input, out);
}

// `kernel` (max_planes_binary64 or max_rows_binary64 on some lanes) on every plane, and whether
// it took them.
template <typename Kernel>
std::pair<bool, max_answer> kernel_max(const sizes& shape, const std::vector<double>& input,
                                       const sizes& out, Kernel kernel) {
  const auto count = static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out)));
  const detail::geometry g =
      detail::checked_geometry<double>(float_format::binary64, shape, out, input.size(), count);
  std::vector<double> values(count);
  max_answer answer{std::vector<std::int64_t>(count), {}};
  const bool taken = kernel(g, input.data(), values.data(), answer.indices.data(), 0, g.planes);
  for (double x : values) answer.values.push_back(std::bit_cast<std::uint64_t>(x));
  return {taken, answer};
}

// max_planes_binary64 on every plane on one level's lanes, and whether it took them.
std::pair<bool, max_answer> separable_max(const sizes& shape, const std::vector<double>& input,
                                          const sizes& out, detail::simd_level lanes) {
  return kernel_max(shape, input, out, [lanes](const auto&... arguments) {
    return detail::max_planes_binary64(arguments..., lanes);
  });
}

TEST(FastBinary64Max, SeparableBandsMatchTheReferenceOnEveryLevel) {
  std::mt19937_64 engine(43);
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{
           {{3, 7, 45}, {3, 6}},        // groups of vectors and an overlapping last one
           {{2, 5, 11}, {9, 20}},       // overlapping windows, more outputs than inputs
           {{2, 4, 6, 19}, {3, 4, 5}},  // 3-D bands
           {{2, 3, 70}, {1, 4}},        // groups of four vectors
           {{4, 9, 8}, {4, 3}},         // rows of exactly one AVX-512 vector
           {{1, 2, 10}, {1, 1}},        // one window over two rows
       }) {
    for (const int nan_weight : {0, 3, 25}) {
      const std::vector<double> input = stress_doubles(
          static_cast<std::size_t>(reference::element_count(shape)), engine, nan_weight);
      const max_answer expected = reference_max(shape, input, out);
      // Bands down their columns and, as from memory (AVX2), along their rows.
      for (const bool past_cache : {false, true}) {
        const testing::past_cache_while route(past_cache);
        for (const detail::simd_level lanes : all_simd_levels) {
          const auto [taken, got] = separable_max(shape, input, out, lanes);
          ASSERT_TRUE(taken) << text(shape);
          EXPECT_EQ(got, expected)
              << text(shape) << " -> " << text(out) << " NaNs " << nan_weight << " lanes "
              << static_cast<int>(lanes) << " past the cache " << past_cache;
        }
      }
    }
  }
}

// max_rows_binary64 on every plane, on lanes up to `lanes`, and whether it took them.
std::pair<bool, max_answer> rows_max(const sizes& shape, const std::vector<double>& input,
                                     const sizes& out, detail::simd_level lanes) {
  return kernel_max(shape, input, out, [lanes](const auto&... arguments) {
    return detail::max_rows_binary64(arguments..., lanes);
  });
}

TEST(FastBinary64Max, RowsScannedFromEveryPositionMatchTheReference) {
  // 1-D planes in runs of rows: windows of 4 and 5; 1 and 2 (more outputs than inputs); one
  // length (7 -> 7, 12 -> 4); rows of one input; rows of 256 (a run a row) and of 200 (windows of
  // 15 and 16, the longest taken); windows of 15 only. Ties, NaNs of any
  // payload and sign (the last wins), infinities and all -inf windows are common.
  std::mt19937_64 engine(47);
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{
           {{70, 33}, {10}},
           {{90, 5}, {9}},
           {{40, 7}, {7}},
           {{40, 12}, {4}},
           {{30, 1}, {4}},
           {{9, 256}, {37}},
           {{7, 200}, {14}},
           {{20, 30}, {2}},
           {{6, 1, 33}, {1, 10}},  // 2-D planes of one row
       }) {
    for (const int nan_weight : {0, 3, 25}) {
      const std::vector<double> input = stress_doubles(
          static_cast<std::size_t>(reference::element_count(shape)), engine, nan_weight);
      const max_answer expected = reference_max(shape, input, out);
      const auto [taken, got] = rows_max(shape, input, out, detail::simd_level::avx512);
      if (detail::usable_simd_level() != detail::simd_level::avx512) {
        EXPECT_FALSE(taken);
        continue;
      }
      ASSERT_TRUE(taken) << text(shape) << " -> " << text(out);
      EXPECT_EQ(got, expected) << text(shape) << " -> " << text(out) << " NaNs " << nan_weight;
    }
  }
}

TEST(FastBinary64Max, RowsTheScansDoNotTakeGoElsewhere) {
  const std::vector<double> input(std::size_t{2} * 257, 1.0);
  EXPECT_FALSE(rows_max({2, 257}, input, {10}, detail::simd_level::avx512).first);  // too long
  EXPECT_FALSE(rows_max({2, 64}, std::vector<double>(128), {4}, detail::simd_level::avx512)
                   .first);  // windows of 16
  EXPECT_FALSE(rows_max({2, 3, 10}, std::vector<double>(60), {2, 5}, detail::simd_level::avx512)
                   .first);  // planes of several rows
  EXPECT_FALSE(rows_max({2, 33}, std::vector<double>(66), {10}, detail::simd_level::avx2).first);
}

TEST(FastBinary64Max, TiesGoToTheEarliestInScanOrder) {
  // Two rows of 10: the maximum 5 at row 1 column 0 and row 0 column 9 (row 0 is met first);
  // then -0 and +0 tie (the first wins); then a window of -inf gives its first element.
  std::vector<double> input(20, -1);
  input[10] = 5;
  input[9] = 5;
  std::vector<double> zeros(20, -inf);
  zeros[12] = -0.0;
  zeros[3] = 0.0;
  zeros[17] = 0.0;
  const std::vector<double> all_minus_infinity(20, -inf);
  // -0 earlier in scan order (row 0, column 7) than +0 (row 1, column 1): -0 wins, as it is.
  std::vector<double> signed_zeros(20, -1);
  signed_zeros[7] = -0.0;
  signed_zeros[11] = 0.0;
  for (const auto& [lanes, past_cache] : testing::levels_and_cache_routes()) {
    const testing::past_cache_while route(past_cache);
    EXPECT_EQ(separable_max({1, 2, 10}, input, {1, 1}, lanes).second.indices,
              std::vector<std::int64_t>{9});
    EXPECT_EQ(separable_max({1, 2, 10}, zeros, {1, 1}, lanes).second.indices,
              std::vector<std::int64_t>{3});
    EXPECT_EQ(separable_max({1, 2, 10}, all_minus_infinity, {1, 1}, lanes).second.indices,
              std::vector<std::int64_t>{0});
    const max_answer zeros_answer = separable_max({1, 2, 10}, signed_zeros, {1, 1}, lanes).second;
    EXPECT_EQ(zeros_answer.indices, std::vector<std::int64_t>{7});
    EXPECT_EQ(zeros_answer.values, std::vector<std::uint64_t>{std::bit_cast<std::uint64_t>(-0.0)});
  }
}

TEST(FastBinary64Max, WindowsWiderThanAVectorReadOnlyTheirOwnColumns) {
  // Windows of 9 to 40 columns (the AVX-512 winner's masked lanes), their edges stressed.
  for (std::int64_t width = 9; width <= 40; ++width) {
    for (std::int64_t outputs = 1; outputs * 9 <= width; ++outputs) {
      for (const bool ties : {false, true}) {
        const sizes shape{1, 2, width}, out{1, outputs};
        const std::vector<double> input = testing::window_edge_rows(width, outputs, ties);
        const max_answer expected = reference_max(shape, input, out);
        for (const detail::simd_level lanes : all_simd_levels)
          ASSERT_EQ(separable_max(shape, input, out, lanes).second, expected)
              << text(shape) << " -> " << text(out) << " ties " << ties << " lanes "
              << static_cast<int>(lanes);
      }
    }
  }
}

TEST(FastBinary64Max, DeclinesPlanesWithoutBandsAndThePublicPassStillMatches) {
  std::mt19937_64 engine(47);
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{
           {{5, 40}, {7}},        // one row per plane: 1-D
           {{3, 6, 7}, {2, 3}},   // rows narrower than a vector of eight doubles
           {{4, 9, 30}, {4, 6}},  // taken
       }) {
    const std::vector<double> input =
        stress_doubles(static_cast<std::size_t>(reference::element_count(shape)), engine, 5);
    const bool bands = shape.size() == 3 && shape[2] >= 8;
    EXPECT_EQ(separable_max(shape, input, out, detail::simd_level::avx512).first, bands);
    const max_answer expected = reference_max(shape, input, out);
    max_answer got{std::vector<std::int64_t>(expected.indices.size()), {}};
    std::vector<double> values(expected.indices.size());
    adaptive_max_pool<double>(float_format::binary64, shape, input, out, values, got.indices, 2);
    for (double x : values) got.values.push_back(std::bit_cast<std::uint64_t>(x));
    EXPECT_EQ(got, expected) << text(shape);
  }
}

}  // namespace
}  // namespace poolproof::engine

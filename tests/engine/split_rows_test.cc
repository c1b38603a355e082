// The split window sums of runs of 1-D binary64 rows in AVX-512 lanes (engine/split_rows.h)
// against split_row_sum window by window, and their refusals: values outside the kept range
// (too large, too small, infinite, NaN) anywhere in a run, and geometries or CPUs the lanes do
// not take.
#include "engine/split_rows.h"

#include <gtest/gtest.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/float_format.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "engine/double_sums.h"
#include "engine/planes.h"

namespace poolproof::engine {
namespace {

using detail::binary64_split;
using detail::exponent_range;
using detail::split_parts;
using detail::split_rows_summer;

detail::geometry row_geometry(std::int64_t rows, std::int64_t n, std::int64_t m) {
  const std::array<std::int64_t, 2> shape{rows, n};
  const std::array<std::int64_t, 1> out{m};
  return detail::checked_geometry<double>(reference::float_format::binary64, shape, out,
                                          static_cast<std::size_t>(rows * n),
                                          static_cast<std::size_t>(rows * m));
}

// Rows of normal values scaled by 2^[-spread, spread], a few zeros of either sign.
std::vector<double> row_values(std::int64_t count, unsigned seed, int spread) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> scale(-spread, spread), kind(0, 15);
  std::vector<double> values;
  for (std::int64_t i = 0; i < count; ++i) {
    const int k = kind(engine);
    values.push_back(k == 0 ? 0.0 : k == 1 ? -0.0 : std::ldexp(normal(engine), scale(engine)));
  }
  return values;
}

// The split a kept_split would keep after seeing `values`: exact for the geometry's largest
// window over the range it covers.
struct kept_for_values {
  binary64_split split;
  exponent_range covered;
};

kept_for_values kept_after(const detail::geometry& g, const std::vector<double>& values) {
  const detail::box3 all{{0, 1}, {0, 1}, {0, static_cast<std::int64_t>(values.size())}};
  detail::geometry flat = g;
  flat.in = {1, 1, static_cast<std::int64_t>(values.size())};
  const exponent_range range = detail::scan_binary64(flat, values.data(), all);
  exponent_range covered;
  const auto split =
      detail::covering_split(range, static_cast<std::uint64_t>(g.largest_window), covered);
  EXPECT_TRUE(split.has_value());
  return {split.value_or(binary64_split{}), covered};
}

// Runs of 1 to rows_per_run() rows from every third row: sums() refuses exactly where
// values_within does, and where it does not, each window's parts equal split_row_sum's (as
// values: a sum of -0 parts may be -0 in one and +0 in the other). Returns how many runs were
// summed, in `summed`.
void expect_sums_match(std::int64_t n, std::int64_t m, int spread, int& summed) {
  const std::int64_t rows = 40;
  const detail::geometry g = row_geometry(rows, n, m);
  const split_rows_summer summer(g);
  EXPECT_TRUE(summer.usable()) << n << " -> " << m;
  EXPECT_GE(summer.rows_per_run(), 1);
  const std::vector<double> values =
      row_values(rows * n, static_cast<unsigned>(n * 1000 + m), spread);
  const auto [split, covered] = kept_after(g, values);
  std::array<split_parts, split_rows_summer::most_outputs> parts{};
  summed = 0;
  for (std::int64_t first = 0; first < rows; first += 3) {
    const std::int64_t most = std::min(summer.rows_per_run(), rows - first);
    for (std::int64_t run = 1; run <= most; ++run) {
      const double* from = values.data() + first * n;
      const bool within = detail::values_within(from, run * n, covered);
      ASSERT_EQ(summer.sums(from, run, split, covered, parts), within)
          << n << " -> " << m << ", rows " << first << "+" << run;
      if (!within) continue;
      ++summed;
      for (std::int64_t r = 0; r < run; ++r) {
        const double* row = values.data() + (first + r) * n;
        for (std::int64_t k = 0; k < m; ++k) {
          const split_parts expected =
              detail::split_row_sum(row, g.windows[2][static_cast<std::size_t>(k)], split);
          const split_parts& got = parts[static_cast<std::size_t>(r * m + k)];
          ASSERT_EQ(got.high, expected.high)
              << n << " -> " << m << ", row " << first + r << ", window " << k;
          ASSERT_EQ(got.low, expected.low)
              << n << " -> " << m << ", row " << first + r << ", window " << k;
        }
      }
    }
  }
}

TEST(SplitRows, SumsAreEachWindowsSplitSum) {
  if (!split_rows_summer(row_geometry(1, 33, 10)).usable()) GTEST_SKIP() << "no AVX-512 here";
  // Windows of 4 and 5; more outputs than inputs (1 and 2); one length only (7 -> 7, 12 -> 4,
  // 43 -> 7); 1 -> 4; long rows (one run a row); windows of 7 and 8 (the longest kernel).
  constexpr std::array<std::pair<int, int>, 9> shapes{
      {{33, 10}, {5, 9}, {7, 7}, {12, 4}, {43, 7}, {1, 4}, {250, 200}, {256, 37}, {40, 6}}};
  for (const auto& [n, m] : shapes) {
    // Values within 2^+-4 of each other stay within the kept range (a split covers spreads of
    // about 40 binades for these windows); within 2^+-40, many runs do not.
    int narrow = 0, wide = 0;
    expect_sums_match(n, m, 4, narrow);
    expect_sums_match(n, m, 40, wide);
    EXPECT_GT(narrow, 0) << n << " -> " << m;
    EXPECT_LT(wide, narrow) << n << " -> " << m;
  }
}

TEST(SplitRows, AValueOutsideTheKeptRangeAnywhereInARunRefuses) {
  const detail::geometry g = row_geometry(20, 33, 10);
  const split_rows_summer summer(g);
  if (!summer.usable()) GTEST_SKIP() << "no AVX-512 here";
  const std::vector<double> values = row_values(std::int64_t{20} * 33, 5, 4);
  const auto [split, covered] = kept_after(g, values);
  std::array<split_parts, split_rows_summer::most_outputs> parts{};
  const std::int64_t run = summer.rows_per_run();
  const std::int64_t count = run * 33;
  const double largest = std::ldexp(1.0, covered.highest - 1022);  // just past the range
  for (const double outside :
       {largest, -largest, std::ldexp(1.0, covered.lowest - 1075),
        std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    for (const std::int64_t at :
         {std::int64_t{0}, std::int64_t{7}, std::int64_t{8}, count / 2, count - 1}) {
      std::vector<double> changed = values;
      changed[static_cast<std::size_t>(at)] = outside;
      EXPECT_FALSE(summer.sums(changed.data(), run, split, covered, parts))
          << outside << " at " << at;
    }
  }
  // Past the run's values nothing is read: a NaN right after them changes nothing.
  std::vector<double> changed = values;
  changed[static_cast<std::size_t>(count)] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(summer.sums(changed.data(), run, split, covered, parts));
  // A range that holds nothing (no split was kept) refuses.
  EXPECT_FALSE(summer.sums(values.data(), run, split, exponent_range{.special = true}, parts));
}

TEST(SplitRows, GeometriesAndCpusTheLanesDoNotTakeGoRowByRow) {
  EXPECT_FALSE(split_rows_summer(row_geometry(4, 33, 10), detail::simd_level::avx2).usable());
  EXPECT_FALSE(split_rows_summer(row_geometry(4, 33, 10), detail::simd_level::baseline).usable());
  if (!split_rows_summer(row_geometry(1, 33, 10)).usable()) GTEST_SKIP() << "no AVX-512 here";
  EXPECT_FALSE(split_rows_summer(row_geometry(4, 257, 100)).usable());  // a row past a run
  EXPECT_FALSE(split_rows_summer(row_geometry(4, 100, 257)).usable());  // its outputs too
  EXPECT_FALSE(split_rows_summer(row_geometry(4, 64, 8)).usable());     // windows of 8 only
  EXPECT_FALSE(split_rows_summer(row_geometry(4, 63, 8)).usable());     // of 8 and 9
  EXPECT_TRUE(split_rows_summer(row_geometry(4, 40, 6)).usable());      // of 7 and 8
  EXPECT_EQ(split_rows_summer(row_geometry(4, 33, 10)).rows_per_run(), 256 / 33);
  EXPECT_EQ(split_rows_summer(row_geometry(4, 5, 100)).rows_per_run(), 2);
}

}  // namespace
}  // namespace poolproof::engine

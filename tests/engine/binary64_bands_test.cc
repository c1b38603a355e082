// binary64's avg forward splits a band (or a 1-D row) on a grid chosen from the one before and
// checks its range in the same pass or one cheap one: the scanning column sums against the plain
// ones and the scan, the range check on every level, the widest range a split covers, and
// planes whose bands or rows change scale (covered or not) against the reference.
#include <gtest/gtest.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/band_sums.h"
#include "engine/double_sums.h"
#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using sizes = std::vector<std::int64_t>;
using reference::float_format;

TEST(Binary64Bands, ScanningColumnSumsAreThePlainOnesAndSeeTheScansRange) {
  std::mt19937_64 engine(41);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> scale(-1074, 1000);
  constexpr std::int64_t rows = 3;
  constexpr double c = 0x1.8p40;
  for (std::int64_t width = 0; width <= 20; ++width) {
    for (int variant = 0; variant < 4; ++variant) {
      std::vector<double> values(static_cast<std::size_t>(rows * width));
      for (double& x : values) x = variant == 3 ? 0.0 : std::ldexp(normal(engine), scale(engine));
      if (width > 2 && variant == 1) values[2] = std::numeric_limits<double>::infinity();
      if (width > 5 && variant == 2) values[values.size() - 1] = -std::nan("7");
      if (width > 3) values[3] = -0.0;
      std::vector<double> plain_high(static_cast<std::size_t>(width), 1.0);
      std::vector<double> plain_low(static_cast<std::size_t>(width), 0.0);
      detail::add_split_rows_to_columns(values.data(), {rows, width}, plain_high.data(),
                                        plain_low.data(), c, detail::simd_level::baseline);
      detail::geometry g;
      g.in = {1, rows, width};
      const reference::window one{0, 1};
      const detail::exponent_range scanned = detail::scan_binary64(
          g, values.data(), detail::box3{one, {0, rows}, {0, width}}, detail::simd_level::baseline);
      for (const auto level : testing::all_simd_levels) {
        std::vector<double> high(static_cast<std::size_t>(width), 1.0);
        std::vector<double> low(static_cast<std::size_t>(width), 0.0);
        // Two calls (one row, then the rest) fold into one `seen`.
        detail::seen_magnitudes_64 seen;
        detail::add_split_rows_scanning(values.data(), {1, width}, high.data(), low.data(), c, seen,
                                        level);
        detail::add_split_rows_scanning(values.data() + width, {rows - 1, width}, high.data(),
                                        low.data(), c, seen, level);
        const std::string what = std::to_string(width) + " wide, variant " +
                                 std::to_string(variant) + ", level " +
                                 std::to_string(static_cast<int>(level));
        EXPECT_EQ(testing::patterns_of(high), testing::patterns_of(plain_high)) << what;
        EXPECT_EQ(testing::patterns_of(low), testing::patterns_of(plain_low)) << what;
        const detail::exponent_range range =
            detail::magnitude_range<detail::binary64_traits>(seen.least_minus_one, seen.greatest);
        if (variant == 3) {  // zeros only: the least is left as it started, on every level
          EXPECT_EQ(seen.least_minus_one, ~std::uint64_t{0}) << what;
        }
        EXPECT_EQ(range.special, scanned.special) << what;
        EXPECT_EQ(range.lowest > range.highest, scanned.lowest > scanned.highest) << what;
        if (!scanned.special && scanned.lowest <= scanned.highest) {
          EXPECT_EQ(range.lowest, scanned.lowest) << what;
          EXPECT_EQ(range.highest, scanned.highest) << what;
        }
      }
    }
  }
}

TEST(Binary64Bands, RunsOfRowsSplitAsTheirRowsInOrderOnEverySimdLevel) {
  // A 3-D band's runs (one per depth slice) in one call, the space between runs an infinity
  // (which the sums or the magnitudes would show if read): every level, plain and scanning, gives
  // what the baseline gives on the same rows copied together as one run. Runs of 1 to 9 rows (the
  // scan's prefetch eight rows ahead crossing into the next run), widths of every block and tail.
  // The values span about 40 binades, so the low parts' sums round and show the order of the
  // additions too.
  std::mt19937_64 engine(53);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> scale(-30, 8);
  constexpr double c = 0x1.8p40;
  for (const std::int64_t runs : {1, 2, 3}) {
    for (const std::int64_t rows : {1, 4, 9}) {
      for (const std::int64_t width : {1, 5, 8, 32, 41, 56}) {
        for (const std::int64_t gap : {0, 2}) {
          const std::int64_t stride = (rows + gap) * width + gap;
          std::vector<double> laid_out(static_cast<std::size_t>(runs * stride),
                                       std::numeric_limits<double>::infinity());
          std::vector<double> together;
          for (std::int64_t s = 0; s < runs; ++s) {
            for (std::int64_t k = 0; k < rows * width; ++k) {
              const double x = std::ldexp(normal(engine), scale(engine));
              laid_out[static_cast<std::size_t>(s * stride + k)] = x;
              together.push_back(x);
            }
          }
          std::vector<double> want_high(static_cast<std::size_t>(width), 1.0);
          std::vector<double> want_low(static_cast<std::size_t>(width), 0.0);
          detail::seen_magnitudes_64 want_seen;
          detail::add_split_rows_scanning(together.data(), {runs * rows, width}, want_high.data(),
                                          want_low.data(), c, want_seen,
                                          detail::simd_level::baseline);
          const detail::band_layout band{rows, width, runs, stride};
          for (const auto level : testing::all_simd_levels) {
            const std::string what = std::to_string(runs) + " runs of " + std::to_string(rows) +
                                     "x" + std::to_string(width) + " gap " + std::to_string(gap) +
                                     " level " + std::to_string(static_cast<int>(level));
            std::vector<double> high(static_cast<std::size_t>(width), 1.0);
            std::vector<double> low(static_cast<std::size_t>(width), 0.0);
            detail::add_split_rows_to_columns(laid_out.data(), band, high.data(), low.data(), c,
                                              level);
            EXPECT_EQ(testing::patterns_of(high), testing::patterns_of(want_high)) << what;
            EXPECT_EQ(testing::patterns_of(low), testing::patterns_of(want_low)) << what;
            std::ranges::fill(high, 1.0);
            std::ranges::fill(low, 0.0);
            detail::seen_magnitudes_64 seen;
            detail::add_split_rows_scanning(laid_out.data(), band, high.data(), low.data(), c, seen,
                                            level);
            EXPECT_EQ(testing::patterns_of(high), testing::patterns_of(want_high)) << what;
            EXPECT_EQ(testing::patterns_of(low), testing::patterns_of(want_low)) << what;
            EXPECT_EQ(seen.least_minus_one, want_seen.least_minus_one) << what;
            EXPECT_EQ(seen.greatest, want_seen.greatest) << what;
          }
        }
      }
    }
  }
}

TEST(Binary64Bands, NoCoveringSplitFromASpecialOrZeroRange) {
  detail::exponent_range special, zeros, covered;
  special.lowest = special.highest = 1023;
  special.special = true;
  EXPECT_FALSE(detail::covering_split(special, 100, covered));
  EXPECT_FALSE(detail::covering_split(zeros, 100, covered));  // lowest > highest: only zeros
}

TEST(Binary64Bands, TheWidestSplitRangeIsTheWidestAPlaneSplitTakes) {
  for (const std::uint64_t count : {1ULL, 2ULL, 3ULL, 100ULL, 289ULL, 4096ULL, 1ULL << 20,
                                    (1ULL << 25) - 1, 1ULL << 25, 1ULL << 26}) {
    for (const int highest : {1, 2, 40, 1023, 1030, 1900, 2046}) {
      const std::string what =
          std::to_string(count) + " values, highest " + std::to_string(highest);
      const auto widest = detail::widest_split_range(highest, count);
      if (!widest) {  // no spread at all fits: a single binade is refused too
        detail::exponent_range single;
        single.lowest = single.highest = highest;
        EXPECT_FALSE(detail::plane_split(single, count)) << what;
        continue;
      }
      EXPECT_EQ(widest->highest, highest) << what;
      EXPECT_FALSE(widest->special) << what;
      // plane_split takes the spread; near the top exponents C would overflow.
      const auto split = detail::plane_split(*widest, count);
      EXPECT_EQ(split.has_value(), highest <= 1900) << what;
      // covering_split: one binade of headroom over a previous range, the same split.
      detail::exponent_range previous, covered;
      previous.lowest = previous.highest = highest - 1;
      const auto covering = detail::covering_split(previous, count, covered);
      EXPECT_EQ(covering.has_value(), split.has_value()) << what;
      if (covering) {
        EXPECT_EQ(covered.highest, highest) << what;
        EXPECT_EQ(covered.lowest, widest->lowest) << what;
        EXPECT_EQ(covering->c, split->c) << what;
        EXPECT_EQ(covering->unit, split->unit) << what;
      }
      if (widest->lowest > 1) {
        detail::exponent_range wider = *widest;
        --wider.lowest;
        EXPECT_FALSE(detail::plane_split(wider, count)) << what;
      }
    }
  }
}

TEST(Binary64Bands, ValuesWithinARangeOnEveryLevelAsTheirScanSays) {
  std::mt19937_64 engine(47);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> scale(-1074, 1023), exponent(1, 2046), kind(0, 7);
  for (int round = 0; round < 3000; ++round) {
    const auto width = static_cast<std::int64_t>(round % 41);
    std::vector<double> values(static_cast<std::size_t>(width));
    const int base = scale(engine);
    for (double& x : values) x = kind(engine) == 0 ? 0.0 : std::ldexp(normal(engine), base);
    if (width > 0 && round % 13 == 0)
      values[static_cast<std::size_t>(round) % values.size()] =
          round % 2 == 0 ? std::numeric_limits<double>::infinity() : -std::nan("3");
    detail::exponent_range covered;
    covered.lowest = round % 5 == 0 ? 1 : exponent(engine);
    covered.highest = round % 7 == 0    ? 2046
                      : round % 11 == 0 ? 2047  // past every finite binade
                                        : std::max(covered.lowest, exponent(engine));
    if (round % 3 == 0) {  // a range near the values' own, so both answers occur
      detail::exponent_range own;
      for (double x : values)
        detail::widen<detail::binary64_traits>(own, std::bit_cast<std::uint64_t>(x));
      if (!own.special && own.lowest <= own.highest) {
        covered.lowest = std::max(1, own.lowest + round % 4 - 1);
        covered.highest = std::max(covered.lowest, own.highest + round % 3 - 1);
      }
    }
    detail::exponent_range range;
    for (double x : values)
      detail::widen<detail::binary64_traits>(range, std::bit_cast<std::uint64_t>(x));
    const bool want = detail::range_within(range, covered);
    detail::exponent_range special = covered, empty;
    special.special = true;
    for (const auto level : testing::all_simd_levels) {
      EXPECT_EQ(detail::values_within(values.data(), width, covered, level), want)
          << width << " values, round " << round << ", level " << static_cast<int>(level);
      // Nothing lies within a special or an empty range, zeros included.
      EXPECT_FALSE(detail::values_within(values.data(), width, special, level));
      EXPECT_FALSE(detail::values_within(values.data(), width, empty, level));
    }
  }
}

// The engine's avg forward against round_to of the reference's, as bit patterns.
void expect_avg_matches(const sizes& shape, const std::vector<double>& input, const sizes& out,
                        const std::string& what) {
  std::vector<double> got(static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out))));
  adaptive_avg_pool<double>(float_format::binary64, shape, input, out, got);
  reference::exact_tensor tensor{shape, {}};
  for (double x : input)
    tensor.values.push_back(decode(float_format::binary64, std::bit_cast<std::uint64_t>(x)));
  std::vector<std::uint64_t> want;
  for (const reference::extended_rational& x : reference::adaptive_avg_pool(tensor, out).values)
    want.push_back(round_to(float_format::binary64, x));
  EXPECT_EQ(testing::patterns_of(got), want) << what;
}

TEST(Binary64Bands, BandsThatChangeScaleMatchTheReference) {
  // Planes of 60 rows of 24 in bands of about 9 rows (7 output rows, overlapping windows of 4 x
  // 8 and more): each band's rows scaled by 2^shift, the shift drawn per row group so that a
  // band lands within one binade above the band before (kept), two or more above or below
  // (split again), or holds one value far below the rest (at and past the lowest exponent the
  // grid covers), a zero row group, or a subnormal scale.
  std::mt19937_64 engine(43);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> kind(0, 9);
  const sizes shape{12, 60, 24}, out{7, 2};  // windows 12 wide: the banded pass
  std::vector<double> input;
  for (std::int64_t plane = 0; plane < 12; ++plane) {
    for (std::int64_t group = 0; group < 10; ++group) {  // 6 rows a group
      const int k = kind(engine);
      const int shift = k <= 3 ? k - 1 : k == 4 ? 3 : k == 5 ? -3 : k == 6 ? -1060 : 0;
      for (std::int64_t i = 0; i < std::int64_t{6} * 24; ++i) {
        double x = k == 7 ? 0.0 : std::ldexp(normal(engine), shift);
        if (k >= 8 && i == 70) x = std::ldexp(1.0, k == 8 ? -30 : -34) * (plane % 2 == 0 ? 1 : -1);
        input.push_back(x);
      }
    }
  }
  expect_avg_matches(shape, input, out, "bands of changing scale");
  // Values at the edges of what the band before covers: all 1.5 (highest exponent e), then a
  // band holding values in binade e + 1 (the headroom's top, kept) or e + 2 (past it), or in
  // the least covered binade or the one below (the grid's bounds have a bit or two of slack,
  // so the sums stay exact either way: these take both routes, the reference checks them).
  const int spread = 53 - 2 * std::bit_width(std::uint64_t{120});  // bands: 10 rows x 12 wide
  for (const double edge : {3.75, 4.25, std::ldexp(1.75, -spread + 1), std::ldexp(1.75, -spread)}) {
    std::vector<double> plane(std::size_t{60} * 24, 1.5);
    for (std::size_t i = std::size_t{30} * 24; i < std::size_t{34} * 24; i += 5) plane[i] = edge;
    expect_avg_matches({1, 60, 24}, plane, out, "edge " + std::to_string(edge));
  }
}

TEST(Binary64Bands, PlanesOfManyOutputsTakeTheirMeansInBatches) {
  // 300 outputs a band, 900 a plane: the batches of 256 means fill inside bands and across them.
  // A NaN sends one band to the window-by-window path, and the batch before it must be written
  // in its own place: in plane 0 the band after a batch that filled mid-band, in plane 1 the
  // plane's first band (the batch then starts inside the second).
  std::mt19937_64 engine(59);
  std::normal_distribution<double> normal;
  const sizes shape{2, 30, 2600}, out{3, 300};  // windows 8-9 rows by 9-10 columns: banded
  std::vector<double> input(std::size_t{2} * 30 * 2600);
  for (double& x : input) x = normal(engine);
  input[std::size_t{15} * 2600 + 1234] = std::numeric_limits<double>::quiet_NaN();
  input[std::size_t{30} * 2600 + std::size_t{2} * 2600 + 7] =
      std::numeric_limits<double>::quiet_NaN();
  expect_avg_matches(shape, input, out, "planes of 900 outputs, a NaN band in each");
}

TEST(Binary64Bands, RowsThatChangeScaleMatchTheReference) {
  // 1-D planes of small windows (rows of 33 into 10): each row keeps the split chosen from an
  // earlier row while its values lie within what it covers, else is scanned (a row one, two or
  // three binades up or down, a zero row, a subnormal row, one tiny value, an infinity).
  std::mt19937_64 engine(53);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> kind(0, 11);
  const sizes shape{3, 80, 33}, out{10};
  std::vector<double> input;
  for (std::int64_t row = 0; row < std::int64_t{3} * 80; ++row) {
    const int k = kind(engine);
    const int shift = k <= 6 ? k - 3 : k == 7 ? -1060 : 0;
    for (std::int64_t i = 0; i < 33; ++i) {
      double x = k == 8 ? 0.0 : std::ldexp(normal(engine), shift);
      if (k == 9 && i == 17) x = std::ldexp(1.25, -45);
      if (k == 10 && i == 30) x = -std::ldexp(1.75, -60);
      if (k == 11 && i == 5) x = std::numeric_limits<double>::infinity();
      input.push_back(x);
    }
  }
  expect_avg_matches(shape, input, out, "rows of changing scale");
}

}  // namespace
}  // namespace poolproof::engine

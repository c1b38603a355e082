// The separable max forward's AVX2 band scans (engine/max_separable_avx2.h and
// max_binary64_avx2.h), white-box: each column's key (binary64: maximum and offset, down the
// columns and along the rows) and NaN flag against a scalar scan, which the public pass cannot
// show for the flags (a column flagged without a NaN is only rescanned, to the same answer), and a
// window's winner from its columns.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "engine/max_binary64_avx2.h"
#include "engine/max_separable_avx2.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {
namespace {

constexpr std::int32_t width = 40;

bool has_avx2() { return usable_simd_level(simd_level::avx512) != simd_level::baseline; }

// The key band_columns gives a column whose first strict maximum has ordered integer `ordered`
// (already offset to be unsigned) at flat offset `offset`.
std::uint64_t key_of(std::uint32_t ordered, std::int32_t offset) {
  return (std::uint64_t{ordered} << 32) | static_cast<std::uint32_t>(~offset);
}

// A binary32 value's ordered bits as band_columns makes them (-0 as +0).
std::uint32_t ordered32(float x) {
  const auto bits = std::bit_cast<std::uint32_t>(x + 0.0f);
  return bits ^ ((bits >> 31 != 0 ? 0xFFFFFFFFu : 0u) | 0x80000000u);
}

// Column c's key (if it holds no NaN) and flag from a binary32 scan, against the rows read one by
// one; returns whether it holds a NaN.
bool expect_binary32_column(const std::vector<float>& plane, const std::vector<std::int32_t>& rows,
                            std::int32_t c, const std::vector<std::uint64_t>& keys,
                            const std::vector<std::int32_t>& flags) {
  float best = -std::numeric_limits<float>::infinity();
  std::int32_t at = rows.front() + c;
  bool nan = false;
  for (const std::int32_t row : rows) {
    const float x = plane[static_cast<std::size_t>(row) + static_cast<std::size_t>(c)];
    nan |= x != x;
    if (x > best) {
      best = x;
      at = row + c;
    }
  }
  EXPECT_EQ(flags[static_cast<std::size_t>(c)], nan ? -1 : 0) << "column " << c;
  if (!nan) {
    EXPECT_EQ(keys[static_cast<std::size_t>(c)], key_of(ordered32(best), at)) << c;
  }
  return nan;
}

// Rows at the given flat offsets, K = 4 then K = 1 vectors of columns down the band, and along
// the rows on the first 8, 13 and 40 columns: each column's key and flag.
void expect_binary32_columns(const std::vector<float>& plane,
                             const std::vector<std::int32_t>& rows) {
  std::vector<std::uint64_t> keys(width, 7);
  std::vector<std::int32_t> flags(width, 7);
  const band_ahead ahead{0, rows};
  const bool four =
      band_columns_avx2<4>(plane.data(), rows, ahead, {0, 8, 16, 24}, keys.data(), flags.data());
  const bool one =
      band_columns_avx2<1>(plane.data(), rows, ahead, {width - 8}, keys.data(), flags.data());
  bool any_first = false, any_last = false;
  for (std::int32_t c = 0; c < width; ++c)
    (c < 32 ? any_first : any_last) |= expect_binary32_column(plane, rows, c, keys, flags);
  EXPECT_EQ(four, any_first);
  EXPECT_EQ(one, any_last);
  for (const std::int32_t columns : {8, 13, width}) {
    // Exactly `columns` long, as the kernel's scratch: a write past them shows under ASan.
    const auto size = static_cast<std::size_t>(columns);
    std::vector<std::uint64_t> band_keys(size, 7);
    std::vector<std::int32_t> band_flags(size, 7), best_rows(size, 7);
    std::vector<float> best(size, 7);
    const bool any = band_along_rows_avx2(plane.data(), rows, ahead, columns, best.data(),
                                          best_rows.data(), band_keys.data(), band_flags.data());
    bool want_any = false;
    for (std::int32_t c = 0; c < columns; ++c)
      want_any |= expect_binary32_column(plane, rows, c, band_keys, band_flags);
    EXPECT_EQ(any, want_any) << columns << " columns";
  }
}

TEST(MaxBandScanAvx2, Binary32FlagsExactlyTheColumnsHoldingANaN) {
  if (!has_avx2()) GTEST_SKIP() << "needs AVX2";
  std::mt19937 engine(5);
  std::normal_distribution<float> normal;
  std::vector<float> plane(std::size_t{width} * 6);
  for (float& x : plane) x = normal(engine);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  plane[2 * width + 3] = nan;
  plane[4 * width + 17] = -nan;
  plane[5 * width + 30] = nan;
  plane[1 * width + 5] = inf;  // infinities are values, not NaNs
  plane[3 * width + 6] = -inf;
  plane[0 * width + 9] = -0.0f;
  expect_binary32_columns(plane, {0, 40, 80, 120, 160, 200});
  expect_binary32_columns(plane, {0, 80, 200});  // no common distance
  // No NaN at all: nothing flagged.
  plane[2 * width + 3] = 1;
  plane[4 * width + 17] = 2;
  plane[5 * width + 30] = 3;
  expect_binary32_columns(plane, {0, 40, 80, 120, 160, 200});
}

// band_columns_16_avx2 on bfloat16 patterns, K = 2 then K = 1 (the last at width - 16), with a
// common row distance `stride` or none (0: the offsets gathered from `rows`).
void expect_sixteen_bit_columns(const std::vector<std::uint16_t>& plane,
                                const std::vector<std::int32_t>& rows, std::int32_t stride) {
  constexpr std::uint16_t infinity = 0x7F80;
  std::vector<std::uint64_t> keys(width, 7);
  std::vector<std::int32_t> flags(width, 7);
  const band_ahead ahead{0, rows};
  const bool two = band_columns_16_avx2<2>(plane.data(), rows, ahead, stride, {0, 16}, infinity,
                                           keys.data(), flags.data());
  const bool one = band_columns_16_avx2<1>(plane.data(), rows, ahead, stride, {width - 16},
                                           infinity, keys.data(), flags.data());
  bool any_first = false, any_last = false;
  for (std::int32_t c = 0; c < width; ++c) {
    int best = -infinity;
    std::int32_t at = rows.front() + c;
    bool nan = false;
    for (const std::int32_t row : rows) {
      const std::uint16_t bits = plane[static_cast<std::size_t>(row) + static_cast<std::size_t>(c)];
      const int magnitude = bits & 0x7FFF;
      nan |= magnitude > infinity;
      const int ordered = (bits & 0x8000) != 0 ? -magnitude : magnitude;
      if (ordered > best) {
        best = ordered;
        at = row + c;
      }
    }
    (c < 32 ? any_first : any_last) |= nan;
    if (c >= width - 16 && c < 32) any_last |= nan;
    EXPECT_EQ(flags[static_cast<std::size_t>(c)], nan ? -1 : 0) << "column " << c;
    if (!nan) {
      EXPECT_EQ(keys[static_cast<std::size_t>(c)],
                key_of(static_cast<std::uint32_t>(best + 0x8000), at))
          << c;
    }
  }
  EXPECT_EQ(two, any_first);
  EXPECT_EQ(one, any_last);
}

TEST(MaxBandScanAvx2, SixteenBitFlagsExactlyTheColumnsHoldingANaN) {
  if (!has_avx2()) GTEST_SKIP() << "needs AVX2";
  std::mt19937 engine(6);
  std::uniform_int_distribution<int> finite(0, 0x7F7F);
  std::uniform_int_distribution<int> sign(0, 1);
  std::vector<std::uint16_t> plane(std::size_t{width} * 6);
  for (std::uint16_t& x : plane)
    x = static_cast<std::uint16_t>(finite(engine) | (sign(engine) << 15));
  plane[2 * width + 3] = 0x7FC1;   // NaN
  plane[4 * width + 17] = 0xFF81;  // negative NaN
  plane[5 * width + 37] = 0x7FC0;
  plane[1 * width + 5] = 0x7F80;  // +inf
  plane[3 * width + 6] = 0xFF80;  // -inf
  plane[0 * width + 9] = 0x8000;  // -0
  expect_sixteen_bit_columns(plane, {0, 40, 80, 120, 160, 200}, 40);
  expect_sixteen_bit_columns(plane, {0, 80, 200}, 0);
  plane[2 * width + 3] = 1;
  plane[4 * width + 17] = 2;
  plane[5 * width + 37] = 3;
  expect_sixteen_bit_columns(plane, {0, 40, 80, 120, 160, 200}, 40);
}

TEST(MaxBandScanAvx2, AWindowsBestKeyIsTheGreatestOfItsColumnsOnly) {
  // Keys with either top bit (values of either sign), every window of 1 to 13 columns in 24.
  if (!has_avx2()) GTEST_SKIP() << "needs AVX2";
  std::mt19937_64 engine(7);
  std::vector<std::uint64_t> keys(24);
  for (int round = 0; round < 50; ++round) {
    for (std::uint64_t& key : keys) key = engine() | 1;  // non-zero, as band keys are
    for (std::int64_t begin = 0; begin < 24; ++begin) {
      for (std::int64_t end = begin + 1; end <= std::min<std::int64_t>(24, begin + 13); ++end) {
        std::uint64_t best = 0;
        for (std::int64_t c = begin; c < end; ++c)
          best = std::max(best, keys[static_cast<std::size_t>(c)]);
        EXPECT_EQ(best_key_offset_avx2(keys.data(), {begin, end}),
                  static_cast<std::int64_t>(~static_cast<std::uint32_t>(best)))
            << begin << "-" << end;
      }
    }
  }
}

// A column's first strict maximum (-inf and the band's first row if none), its flat offset, and
// whether it holds a NaN, from the rows read one by one.
struct scalar_column {
  double best = -std::numeric_limits<double>::infinity();
  std::int32_t at = 0;
  bool nan = false;
};

scalar_column scan_column(const std::vector<double>& plane, const std::vector<std::int32_t>& rows,
                          std::int32_t c) {
  scalar_column column{.at = rows.front() + c};
  for (const std::int32_t row : rows) {
    const double x = plane[static_cast<std::size_t>(row) + static_cast<std::size_t>(c)];
    column.nan |= x != x;
    if (x > column.best) {
      column.best = x;
      column.at = row + c;
    }
  }
  return column;
}

// Column c's maximum (bit for bit: the first strict one, so -0 before +0 stays -0), offset and
// flag from a scan, against scan_column.
void expect_column(const std::vector<double>& plane, const std::vector<std::int32_t>& rows,
                   std::int32_t c, const std::vector<double>& values,
                   const std::vector<std::int32_t>& offsets,
                   const std::vector<std::int32_t>& flags) {
  const scalar_column want = scan_column(plane, rows, c);
  const auto column = static_cast<std::size_t>(c);
  EXPECT_EQ(flags[column], want.nan ? -1 : 0) << "column " << c;
  if (!want.nan) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(values[column]), std::bit_cast<std::uint64_t>(want.best))
        << c;
    EXPECT_EQ(offsets[column], want.at) << c;
  }
}

// band_columns_64_avx2 on rows of `width` doubles, K = 4 then K = 1 (the last at width - 4), and
// band_along_rows_64_avx2 on the first 4, 10 and 40 columns of the same rows, against
// scan_column.
void expect_binary64_columns(const std::vector<double>& plane,
                             const std::vector<std::int32_t>& rows) {
  std::vector<double> values(width, 7);
  std::vector<std::int32_t> offsets(width, 7), flags(width, 7);
  const band_ahead ahead{0, rows};
  const bool four = band_columns_64_avx2<4>(plane.data(), rows, ahead, {0, 4, 8, 12}, values.data(),
                                            offsets.data(), flags.data());
  const bool one = band_columns_64_avx2<1>(plane.data(), rows, ahead, {width - 4}, values.data(),
                                           offsets.data(), flags.data());
  bool any_first = false, any_last = false;
  for (std::int32_t c = 0; c < width; ++c) {
    if (c >= 16 && c < width - 4) continue;  // no scan above reached these
    (c < 16 ? any_first : any_last) |= scan_column(plane, rows, c).nan;
    expect_column(plane, rows, c, values, offsets, flags);
  }
  EXPECT_EQ(four, any_first);
  EXPECT_EQ(one, any_last);
  for (const std::int32_t columns : {4, 10, width}) {
    // Exactly `columns` long, as the kernel's scratch: a write past them shows under ASan.
    const auto size = static_cast<std::size_t>(columns);
    std::vector<double> band_values(size, 7);
    std::vector<std::int32_t> band_offsets(size, 7), band_flags(size, 7);
    std::vector<std::int64_t> best_rows(size, 7);
    const bool any =
        band_along_rows_64_avx2(plane.data(), rows, ahead, columns, band_values.data(),
                                best_rows.data(), band_offsets.data(), band_flags.data());
    bool want_any = false;
    for (std::int32_t c = 0; c < columns; ++c) {
      want_any |= scan_column(plane, rows, c).nan;
      expect_column(plane, rows, c, band_values, band_offsets, band_flags);
    }
    EXPECT_EQ(any, want_any) << columns << " columns";
  }
}

TEST(MaxBandScanAvx2, Binary64KeepsEachColumnsFirstMaximumAndFlagsItsNaNs) {
  if (!has_avx2()) GTEST_SKIP() << "needs AVX2";
  std::mt19937 engine(8);
  std::normal_distribution<double> normal;
  std::vector<double> plane(std::size_t{width} * 6);
  for (double& x : plane) x = normal(engine);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  plane[2 * width + 3] = nan;
  plane[4 * width + 10] = -nan;
  plane[5 * width + 38] = nan;
  plane[1 * width + 5] = inf;  // infinities are values, not NaNs
  for (std::size_t row = 0; row < 6; ++row) plane[row * width + 6] = -inf;  // a column of -inf
  for (std::size_t row = 0; row < 6; ++row) plane[row * width + 7] = row == 2 ? 0.0 : -1.0;
  plane[1 * width + 7] = -0.0;  // -0 first, then +0: -0 stays
  expect_binary64_columns(plane, {0, 40, 80, 120, 160, 200});
  expect_binary64_columns(plane, {200, 0, 80});  // in no order
  plane[2 * width + 3] = 1;
  plane[4 * width + 10] = 2;
  plane[5 * width + 38] = 3;
  expect_binary64_columns(plane, {0, 40, 80, 120, 160, 200});
}

TEST(MaxBandScanAvx2, Binary64WindowsWinnerIsItsLeastOffsetAmongTheGreatest) {
  // Few distinct values (ties in most windows, -0 with +0, -inf), offsets in no order: every
  // window of 1 to 13 columns in 24.
  if (!has_avx2()) GTEST_SKIP() << "needs AVX2";
  std::mt19937 engine(9);
  const std::array<double, 5> choices{-std::numeric_limits<double>::infinity(), -1.0, -0.0, 0.0,
                                      2.5};
  std::uniform_int_distribution<std::size_t> pick(0, choices.size() - 1);
  std::uniform_int_distribution<std::int32_t> offset(0, std::numeric_limits<std::int32_t>::max());
  std::vector<double> values(24);
  std::vector<std::int32_t> offsets(24);
  for (int round = 0; round < 50; ++round) {
    for (std::size_t c = 0; c < 24; ++c) {
      values[c] = choices[round % 2 == 0 ? pick(engine) : std::min<std::size_t>(pick(engine), 1)];
      offsets[c] = offset(engine);
    }
    for (std::int64_t begin = 0; begin < 24; ++begin) {
      for (std::int64_t end = begin + 1; end <= std::min<std::int64_t>(24, begin + 13); ++end) {
        double best = -std::numeric_limits<double>::infinity();
        for (std::int64_t c = begin; c < end; ++c)
          best = std::max(best, values[static_cast<std::size_t>(c)]);
        std::int32_t least = std::numeric_limits<std::int32_t>::max();
        for (std::int64_t c = begin; c < end; ++c) {
          if (values[static_cast<std::size_t>(c)] == best)
            least = std::min(least, offsets[static_cast<std::size_t>(c)]);
        }
        EXPECT_EQ(best_column_offset_avx2(values.data(), offsets.data(), {begin, end}), least)
            << begin << "-" << end;
      }
    }
  }
}

}  // namespace
}  // namespace poolproof::engine::detail

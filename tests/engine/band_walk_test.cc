// The max forward kernels' band walk (engine/band_walk.h): every band of a range of planes in
// order, each with the band after it, whether a plane's bands are listed at once or two at a
// time; and the separable max kernels on planes of the second kind against the plain reference.
#include "engine/band_walk.h"

#include <gtest/gtest.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/float_format.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
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

detail::geometry geometry_of(const sizes& shape, const sizes& out) {
  const auto in_count = static_cast<std::size_t>(reference::element_count(shape));
  const auto out_count = static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out)));
  return detail::checked_geometry<float>(float_format::binary32, shape, out, in_count, out_count);
}

std::vector<std::int32_t> rows_of(const detail::geometry& g, const reference::window& w0,
                                  const reference::window& w1) {
  std::vector<std::int32_t> rows;
  detail::band_rows(g, w0, w1, rows);
  return rows;
}

std::vector<std::int32_t> listed(std::span<const std::int32_t> rows) {
  return {rows.begin(), rows.end()};
}

// The walk over planes [first, end) against the nested loops it replaces: plane, w0, w1, rows,
// and the band ahead (the next in the plane, else the next plane's first while one is in range,
// else the plane's own first).
void expect_walk_matches_loops(const sizes& shape, const sizes& out, std::int64_t first,
                               std::int64_t end) {
  const detail::geometry g = geometry_of(shape, out);
  detail::band_walk_scratch scratch;
  detail::band_walk walk(g, first, end, scratch);
  const std::size_t per_w0 = g.windows[1].size();
  const std::size_t bands = g.windows[0].size() * per_w0;
  for (std::int64_t p = first; p < end; ++p) {
    for (std::size_t band = 0; band < bands; ++band) {
      ASSERT_FALSE(walk.done()) << text(shape);
      const reference::window& w0 = g.windows[0][band / per_w0];
      const reference::window& w1 = g.windows[1][band % per_w0];
      EXPECT_EQ(walk.plane(), p);
      EXPECT_EQ(walk.w0().begin, w0.begin);
      EXPECT_EQ(walk.w0().end, w0.end);
      EXPECT_EQ(walk.w1().begin, w1.begin);
      EXPECT_EQ(walk.w1().end, w1.end);
      EXPECT_EQ(listed(walk.rows()), rows_of(g, w0, w1)) << text(shape) << " band " << band;
      const std::size_t after = band + 1 == bands ? 0 : band + 1;
      const std::vector<std::int32_t> ahead =
          rows_of(g, g.windows[0][after / per_w0], g.windows[1][after % per_w0]);
      const detail::band_ahead seen = walk.ahead();
      EXPECT_EQ(listed(seen.rows), ahead) << text(shape) << " band " << band;
      EXPECT_EQ(seen.plane_shift, after == 0 && p + 1 < end ? g.in_plane : 0);
      EXPECT_EQ(seen.row(ahead.size() + 3), seen.plane_shift + ahead.back());
      walk.advance();
    }
  }
  EXPECT_TRUE(walk.done());
}

// Walks that list more than a plane's rows at once leave less behind once trimmed.
TEST(BandWalk, TrimKeepsAtMostAPlanesLists) {
  detail::band_walk_scratch scratch;
  scratch.rows.resize((std::size_t{1} << 16) + 1);
  scratch.rows_ahead.resize((std::size_t{1} << 16) + 1);
  scratch.starts.resize((std::size_t{1} << 12) + 1);
  detail::band_walk::trim(scratch);
  EXPECT_EQ(scratch.rows.capacity(), 0U);
  EXPECT_EQ(scratch.rows_ahead.capacity(), 0U);
  EXPECT_EQ(scratch.starts.capacity(), 0U);
  scratch.rows.resize(100);
  detail::band_walk::trim(scratch);
  EXPECT_EQ(scratch.rows.size(), 100U);  // small lists are kept for the next walk
}

TEST(BandWalk, VisitsEveryBandInOrderWithTheOneAhead) {
  // 2-D (one w0), 3-D, one band per plane, overlapping windows, more outputs than rows.
  expect_walk_matches_loops({3, 20, 16}, {6, 4}, 0, 3);
  expect_walk_matches_loops({4, 5, 9, 16}, {3, 4, 2}, 1, 4);
  expect_walk_matches_loops({2, 7, 16}, {1, 3}, 0, 2);
  expect_walk_matches_loops({2, 5, 16}, {9, 2}, 1, 2);
}

TEST(BandWalk, PlanesOfManyRowsAreListedTwoBandsAtATime) {
  // A plane whose bands hold 300 * 300 rows, past the 65536 listed at once.
  expect_walk_matches_loops({2, 300, 300, 1}, {7, 9, 1}, 0, 2);
  expect_walk_matches_loops({3, 300, 300, 1}, {1, 2, 1}, 1, 3);
  expect_walk_matches_loops({2, 300, 300, 1}, {1, 1, 1}, 0, 2);  // one band a plane
}

// `values` rounded to `format` by the reference (small integers, infinities and a NaN).
std::vector<std::uint16_t> sixteen_bit_of(const std::vector<double>& values, float_format format) {
  std::vector<std::uint16_t> patterns;
  patterns.reserve(values.size());
  for (const double x : values) {
    const reference::extended_rational exact =
        reference::decode(float_format::binary64, std::bit_cast<std::uint64_t>(x));
    patterns.push_back(static_cast<std::uint16_t>(reference::round_to(format, exact)));
  }
  return patterns;
}

// A plane whose bands are walked two at a time, with ties, infinities and one NaN, on every
// level: the binary64, binary32, binary16 and bfloat16 separable kernels against the plain
// reference. (One plane: the reference takes a second for each format; the step to the next
// plane is BandWalk.PlanesOfManyRowsAreListedTwoBandsAtATime's.)
TEST(BandWalk, MaxKernelsMatchTheReferenceOnPlanesOfManyRows) {
  const sizes shape{1, 260, 260, 16};  // 260 * 262 = 68120 rows in its bands
  const sizes out{2, 3, 4};
  const detail::geometry g = geometry_of(shape, out);
  const auto count = static_cast<std::size_t>(reference::element_count(shape));
  std::mt19937_64 engine(7);
  std::uniform_int_distribution<int> pick(0, 999);
  // Ties among small integers (of both signs), a few infinities, and one NaN (its window is
  // rescanned; the others are read off the bands' columns).
  std::vector<double> doubles(count);
  for (double& x : doubles) {
    const int roll = pick(engine);
    x = roll < 2 ? (roll == 0 ? inf : -inf) : (roll % 97) - 40;
  }
  doubles[12345] = std::bit_cast<double>(0x7FF8000000000001u);
  std::vector<float> floats(doubles.begin(), doubles.end());
  const auto out_count = static_cast<std::size_t>(g.planes * g.out_plane);
  const auto expected64 = testing::reference_max(float_format::binary64, shape, doubles, out);
  const auto expected32 = testing::reference_max(float_format::binary32, shape, floats, out);
  for (const detail::simd_level lanes : all_simd_levels) {
    testing::max_result<double> got64{std::vector<std::int64_t>(out_count), {}};
    std::vector<double> values64(out_count);
    ASSERT_TRUE(detail::max_planes_binary64(g, doubles.data(), values64.data(),
                                            got64.indices.data(), 0, g.planes, lanes));
    for (double x : values64) got64.values.push_back(std::bit_cast<std::uint64_t>(x));
    EXPECT_EQ(got64, expected64) << "binary64 lanes " << static_cast<int>(lanes);

    testing::max_result<float> got32{std::vector<std::int64_t>(out_count), {}};
    std::vector<float> values32(out_count);
    detail::max_planes_binary32(g, floats.data(), values32.data(), got32.indices.data(), 0,
                                g.planes, detail::max_kernel::separable, lanes);
    for (float x : values32) got32.values.push_back(std::bit_cast<std::uint32_t>(x));
    EXPECT_EQ(got32, expected32) << "binary32 lanes " << static_cast<int>(lanes);
  }
  for (const float_format format : testing::sixteen_bit_formats) {
    const std::vector<std::uint16_t> patterns = sixteen_bit_of(doubles, format);
    const auto expected = testing::reference_max(format, shape, patterns, out);
    for (const detail::simd_level lanes : all_simd_levels) {
      testing::max_answer got{std::vector<std::int64_t>(out_count),
                              std::vector<std::uint16_t>(out_count)};
      detail::max_planes_sixteen_bit(format, g, patterns.data(), got.values.data(),
                                     got.indices.data(), 0, g.planes, detail::max_kernel::separable,
                                     lanes);
      EXPECT_EQ(got, expected) << reference::format_name(format) << " lanes "
                               << static_cast<int>(lanes);
    }
  }
}

}  // namespace
}  // namespace poolproof::engine

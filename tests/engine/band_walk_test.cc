// The max forward kernels' band walk (engine/band_walk.h): every band of a range of planes in
// order, each with the band after it, whether a plane's bands are listed at once or two at a
// time; and the separable max kernels on planes of the second kind against the plain reference.
#include "engine/band_walk.h"

#include <gtest/gtest.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/float_format.h>

#include <bit>
#include <cstdint>
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
  detail::band_walk::trim(scratch);
  EXPECT_LE(scratch.rows.capacity(), std::size_t{1} << 16);
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
}

// Planes whose bands are walked two at a time, with NaNs, ties and infinities, on every level:
// binary64, binary32 and binary16 separable kernels against the plain reference.
TEST(BandWalk, MaxKernelsMatchTheReferenceOnPlanesOfManyRows) {
  const sizes shape{1, 260, 260, 16};  // 67600 rows in its bands
  const sizes out{2, 3, 4};
  const detail::geometry g = geometry_of(shape, out);
  const auto count = static_cast<std::size_t>(reference::element_count(shape));
  std::mt19937_64 engine(7);
  std::uniform_int_distribution<int> pick(0, 999);
  std::vector<double> doubles(count);
  // Ties among small integers, a few large values, and one NaN (its window is rescanned; the
  // others are read off the bands' columns).
  for (double& x : doubles) {
    const int roll = pick(engine);
    x = roll < 2 ? 1e30 : roll % 97;
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
}

}  // namespace
}  // namespace poolproof::engine

// binary64 planes of one row (1-D pooling) and avg backward's split cells: the forward pass's
// batch of split window sums across planes (avg_rows_split) and the backward pass's batch of
// split cells (avg_backward_split.cc), against the plain reference. Planes the split cannot take
// (specials, wide spreads, values near overflow, subnormals whose means the hardware route
// declines) sit between ones it can, so the batches flush and resume around them.
#include <gtest/gtest.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/float_format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using reference::float_format;
using testing::sizes;
using testing::text;

// Plane after plane of different kinds: normal values; quarters of small integers (exact ties
// of the means and the cells); -0 only; one huge or tiny value among normal ones (too wide a
// spread for the split); an infinity; a NaN; every value near the largest double; every value
// subnormal (quotients below the hardware route's range); every value in one binade with all
// 53 significant bits (the split's low parts are then as large as its grid allows, and about
// 4/3 all of one sign, so that a grid too fine for the count overflows their sum).
std::vector<double> plane_kinds(std::int64_t planes, std::int64_t plane_size, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> small(-8, 8);
  std::vector<double> values;
  for (std::int64_t p = 0; p < planes; ++p) {
    const std::int64_t kind = p % 11;
    for (std::int64_t i = 0; i < plane_size; ++i) {
      double x = normal(engine);
      if (kind == 1) x = small(engine) / 4.0;
      if (kind == 2) x = -0.0;
      if (kind == 7) x = std::ldexp(1.0 + std::abs(x) / 8, 1022) * (i % 2 == 0 ? 1 : -1);
      if (kind == 8) x = std::ldexp(std::round(x * 64), -1074);
      // In [1.4, 1.5]: the low parts of a too-fine grid (about +0.45 each) would add past 2^53
      // units of the plane's least ulp.
      if (kind == 9) x = 1.4 + std::ldexp(static_cast<double>(engine() >> 12), -52) / 10;
      // About 4/3: on any grid the low parts are about a third of it, all of one sign.
      if (kind == 10) x = 4.0 / 3 + std::ldexp(static_cast<double>(engine() % 16), -52);
      if (i == plane_size / 2) {
        if (kind == 3) x = 1e200;
        if (kind == 4) x = 1e-200;
        if (kind == 5) x = -std::numeric_limits<double>::infinity();
        if (kind == 6) x = std::numeric_limits<double>::quiet_NaN();
      }
      values.push_back(x);
    }
  }
  return values;
}

reference::exact_tensor decoded(const sizes& shape, const std::vector<double>& values) {
  reference::exact_tensor tensor{shape, {}};
  for (double x : values)
    tensor.values.push_back(decode(float_format::binary64, std::bit_cast<std::uint64_t>(x)));
  return tensor;
}

std::vector<std::uint64_t> rounded(const reference::exact_tensor& exact) {
  std::vector<std::uint64_t> bits;
  for (const reference::extended_rational& x : exact.values)
    bits.push_back(round_to(float_format::binary64, x));
  return bits;
}

void expect_forward_matches(const sizes& shape, const sizes& out, unsigned threads) {
  const std::vector<double> input =
      plane_kinds(shape.front(), reference::element_count(shape) / shape.front(), 7);
  std::vector<double> got(static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out))));
  adaptive_avg_pool<double>(float_format::binary64, shape, input, out, got, threads);
  EXPECT_EQ(testing::patterns_of(got),
            rounded(reference::adaptive_avg_pool(decoded(shape, input), out)))
      << text(shape) << " -> " << text(out) << ", " << threads << " threads";
}

void expect_backward_matches(const sizes& shape, const sizes& out, unsigned threads) {
  const sizes grad_shape = reference::adaptive_output_shape(shape, out);
  const std::int64_t planes = grad_shape.front();
  const std::vector<double> grads =
      plane_kinds(planes, reference::element_count(grad_shape) / planes, 11);
  std::vector<double> got(static_cast<std::size_t>(reference::element_count(shape)));
  adaptive_avg_pool_backward<double>(float_format::binary64, shape, out, grads, got, threads);
  EXPECT_EQ(testing::patterns_of(got), rounded(reference::adaptive_avg_pool_backward(
                                           decoded(grad_shape, grads), shape, out.size())))
      << text(shape) << " -> " << text(out) << ", " << threads << " threads";
}

TEST(FastBinary64Rows, ForwardBatchesAcrossPlanes) {
  // 60 planes of 10 outputs: batches of 256 end inside planes; every kind recurs.
  for (unsigned threads : {1u, 2u}) {
    expect_forward_matches({60, 33}, {10}, threads);
    expect_forward_matches({3, 20, 7}, {3}, threads);
    expect_forward_matches({45, 5}, {9}, threads);  // more outputs than inputs
    expect_forward_matches({30, 1}, {4}, threads);
    // One input row, several output rows: not a plane of one row.
    expect_forward_matches({20, 1, 7}, {2, 3}, threads);
    expect_forward_matches({12, 1, 1, 9}, {2, 3, 4}, threads);
  }
}

// Runs of ordinary rows (summed a run at a time in vector lanes, split_rows.h) broken by rows
// outside the kept split's range: a value 2^30 times the others, a NaN, subnormals only, -0
// only, a value 2^-60 times the others. Each sends its run row by row and changes the kept
// split, so the runs after it resume on another. Rows 60 to 119 are subnormal (a kept split
// down to the least unit, the runs' bounds from 1), rows 120 to 179 of about 2^-1000 (means
// below 2^-960, which the hardware route declines: split_means' exact route in the runs).
std::vector<double> rows_with_breaks(std::int64_t rows, std::int64_t n, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  std::vector<double> values;
  for (std::int64_t p = 0; p < rows; ++p) {
    for (std::int64_t i = 0; i < n; ++i) {
      double x = normal(engine);
      if (i == n / 3 && p % 23 == 5) x = std::ldexp(x, 30);
      if (i == n / 2 && p % 29 == 7) x = std::numeric_limits<double>::quiet_NaN();
      if (p % 31 == 3) x = std::ldexp(std::round(x * 64), -1074);
      if (p % 37 == 11) x = -0.0;
      if (i == 0 && p % 41 == 13) x = std::ldexp(x, -60);
      if (p / 60 == 1) x = std::ldexp(std::round(x * 1024), -1074);
      if (p / 60 == 2) x = std::ldexp(x, -1000);
      values.push_back(x);
    }
  }
  return values;
}

TEST(FastBinary64Rows, ForwardRunsOfRowsInLanesAndTheRowsBetween) {
  for (unsigned threads : {1u, 2u}) {
    for (const auto& [shape, out] :
         {std::pair<sizes, sizes>{{300, 33}, {10}}, std::pair<sizes, sizes>{{200, 5}, {9}},
          std::pair<sizes, sizes>{{120, 43}, {7}}, std::pair<sizes, sizes>{{90, 40}, {6}},
          std::pair<sizes, sizes>{{64, 250}, {200}}}) {
      const std::vector<double> input = rows_with_breaks(shape[0], shape[1], 3);
      std::vector<double> got(static_cast<std::size_t>(shape[0] * out[0]));
      adaptive_avg_pool<double>(float_format::binary64, shape, input, out, got, threads);
      EXPECT_EQ(testing::patterns_of(got),
                rounded(reference::adaptive_avg_pool(decoded(shape, input), out)))
          << text(shape) << " -> " << text(out) << ", " << threads << " threads";
    }
  }
}

TEST(FastBinary64Rows, BackwardRunsOfRowsInLanesAndTheRowsBetween) {
  // Cells of one window and of two (33 -> 10: windows of 4 and 5 overlapping by one), of one
  // only (12 -> 4), more outputs than inputs (6 -> 8, 1 -> 2: windows without a cell of their own,
  // identical windows), long rows (one run a row, or a few), and rows whose cells the lanes do not
  // take (2 -> 7: three windows over an input).
  for (unsigned threads : {1u, 2u}) {
    for (const auto& [shape, out] :
         {std::pair<sizes, sizes>{{300, 33}, {10}}, std::pair<sizes, sizes>{{200, 12}, {4}},
          std::pair<sizes, sizes>{{200, 6}, {8}}, std::pair<sizes, sizes>{{200, 1}, {2}},
          std::pair<sizes, sizes>{{120, 43}, {7}}, std::pair<sizes, sizes>{{40, 1000}, {256}},
          std::pair<sizes, sizes>{{64, 250}, {200}}, std::pair<sizes, sizes>{{30, 2}, {7}}}) {
      const std::vector<double> grads = rows_with_breaks(shape[0], out[0], 9);
      std::vector<double> got(static_cast<std::size_t>(shape[0] * shape[1]));
      adaptive_avg_pool_backward<double>(float_format::binary64, shape, out, grads, got, threads);
      EXPECT_EQ(testing::patterns_of(got),
                rounded(reference::adaptive_avg_pool_backward(decoded({shape[0], out[0]}, grads),
                                                              shape, out.size())))
          << text(shape) << " -> " << text(out) << ", " << threads << " threads";
    }
  }
}

TEST(FastBinary64Rows, BackwardBatchesAcrossPlanes) {
  for (unsigned threads : {1u, 2u}) {
    expect_backward_matches({60, 33}, {10}, threads);
    expect_backward_matches({45, 5}, {9}, threads);
    expect_backward_matches({30, 12}, {5}, threads);
    expect_backward_matches({40, 64}, {7}, threads);  // cells of two windows of 10
  }
}

TEST(FastBinary64Rows, BackwardOneRowBlocksOf2DPlanes) {
  // Rows covered by one window each (8 -> 4, 3 -> 3, 4 -> 1): the blocks of a plane share its
  // split, and a block's first row is copied to its other rows.
  for (unsigned threads : {1u, 2u}) {
    expect_backward_matches({20, 8, 33}, {4, 10}, threads);
    expect_backward_matches({20, 3, 12}, {3, 5}, threads);
    expect_backward_matches({12, 2, 4, 9}, {2, 1, 4}, threads);
  }
}

TEST(FastBinary64Rows, BackwardCellsOfSeveralWindowsPerAxis) {
  // Blocks under several output rows (overlapping windows along every axis): each cell sums
  // gradients of up to four output rows (eight in 3-D) with their weights, unequal where
  // windows of 3 and 4 overlap (11 -> 4, 12 -> 5: weights 4 and 3 over 12).
  for (unsigned threads : {1u, 2u}) {
    expect_backward_matches({18, 14, 14}, {13, 13}, threads);
    expect_backward_matches({18, 11, 11}, {4, 4}, threads);
    expect_backward_matches({10, 4, 11, 12}, {3, 4, 5}, threads);
    // Long cells (filled cell by cell): windows of 16 inputs, and 64 -> 3.
    expect_backward_matches({12, 4, 112}, {2, 7}, threads);
    expect_backward_matches({30, 64}, {3}, threads);
    expect_backward_matches({10, 16, 33}, {5, 10}, threads);
    expect_backward_matches({20, 7, 7}, {3, 3}, threads);
    expect_backward_matches({10, 4, 9, 12}, {3, 4, 5}, threads);
  }
}

TEST(FastBinary64Rows, BackwardCellsUnderOneWindowDivideOnceSubnormalsIncluded) {
  // Cells under one window take one hardware division (windows of 4 and 5: 33 -> 10): a plane
  // of ordinary values with zeros of either sign, one whose quotients straddle the least normal
  // (gradients about 4 to 5 times 2^-1022), one of subnormal gradients (quotients rounded in the
  // subnormal range), and one whose quotients round to zero of either sign or are ties there
  // (windows 0, 1, 2, 4 and 5 hold 4 inputs: 1/4 and -1/4 of the least subnormal to +0 and -0,
  // 2/4 to +0, 6/4 and -6/4 to +-2 of it), each narrow enough for the split.
  const sizes shape{4, 33}, out{10};
  const std::array<double, 10> last{1, -1, 2, 40, 6, -6, 50, 60, 70, 80};
  std::mt19937_64 engine(61);
  std::normal_distribution<double> normal;
  std::vector<double> grads;
  for (int plane = 0; plane < 4; ++plane) {
    for (std::size_t o = 0; o < 10; ++o) {
      const double x = normal(engine);
      if (plane == 0) grads.push_back(o == 2 ? -0.0 : o == 7 ? 0.0 : x);
      if (plane == 1) grads.push_back(std::ldexp(4.5 + x / 4, -1022) * (o % 2 == 0 ? 1 : -1));
      if (plane == 2) grads.push_back(std::ldexp(std::round(1000 + 300 * x), -1074));
      if (plane == 3) grads.push_back(std::ldexp(last[o], -1074));
    }
  }
  for (unsigned threads : {1u, 2u}) {
    std::vector<double> got(std::size_t{4} * 33);
    adaptive_avg_pool_backward<double>(float_format::binary64, shape, out, grads, got, threads);
    EXPECT_EQ(testing::patterns_of(got), rounded(reference::adaptive_avg_pool_backward(
                                             decoded({4, 10}, grads), shape, out.size())))
        << threads << " threads";
  }
}

}  // namespace
}  // namespace poolproof::engine

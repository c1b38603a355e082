// The fast engine's 16-bit max forward pass: every kernel, on every SIMD level, reading binary16
// and bfloat16 patterns themselves (widened in the lanes, or as 16-bit integer keys), against the
// plain reference; the exact widening and its inverse on every pattern.
#include <gtest/gtest.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/float_format.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "engine/planes.h"
#include "engine/simd.h"
#include "engine/widened_lanes.h"
#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using reference::float_format;
using testing::all_simd_levels;
using testing::fast_max;
using testing::max_answer;
using testing::reference_max;
using testing::sixteen_bit_formats;
using testing::sizes;
using testing::stress_patterns;

TEST(FastSixteenBitMax, MatchesTheReferenceThroughThePublicPass) {
  std::mt19937 engine(19);
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{
           {{130, 32, 32}, {5, 7}},  // blocks of 32 planes across planes, then 2 planes
           {{3, 257}, {13}},         // rows past the short-rows kernel: window by window
           {{40, 40}, {9}},          // short rows
           {{3, 7, 45}, {3, 6}},     // bands of rows: separable
           {{2, 300, 300}, {4, 4}},  // large planes: separable
           {{5, 1, 1}, {3, 2}},      // more windows than inputs
           {{2, 4, 6, 19}, {3, 4, 5}},
       }) {
    for (const float_format format : sixteen_bit_formats) {
      const std::vector<std::uint16_t> input = stress_patterns(
          format, static_cast<std::size_t>(reference::element_count(shape)), engine);
      const max_answer expected = reference_max(format, shape, input, out);
      EXPECT_EQ(fast_max(format, shape, input, out, 1), expected)
          << reference::format_name(format) << " " << shape.size() << "-D";
      EXPECT_EQ(fast_max(format, shape, input, out, 3), expected);
    }
  }
}

TEST(FastSixteenBitMax, LongRowsMatchTheReference) {
  // Rows of 2^20 + 1: windows of about 350,000 elements, window by window.
  std::mt19937 engine(23);
  const sizes shape{1, (std::int64_t{1} << 20) + 1}, out{3};
  for (const float_format format : sixteen_bit_formats) {
    const std::vector<std::uint16_t> input =
        stress_patterns(format, static_cast<std::size_t>(shape[1]), engine);
    EXPECT_EQ(fast_max(format, shape, input, out, 1), reference_max(format, shape, input, out));
  }
}

// One max-forward kernel on 16-bit planes [0, planes) on one level's lanes.
max_answer kernel_max(float_format format, const sizes& shape,
                      const std::vector<std::uint16_t>& input, const sizes& out,
                      detail::max_kernel kernel, detail::simd_level lanes) {
  const auto count = static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out)));
  const detail::geometry g =
      detail::checked_geometry<std::uint16_t>(format, shape, out, input.size(), count);
  max_answer answer{std::vector<std::int64_t>(count), std::vector<std::uint16_t>(count)};
  detail::max_planes_sixteen_bit(format, g, input.data(), answer.values.data(),
                                 answer.indices.data(), 0, g.planes, kernel, lanes);
  return answer;
}

constexpr std::array<detail::max_kernel, 5> all_max_kernels{
    detail::max_kernel::automatic, detail::max_kernel::short_rows,
    detail::max_kernel::across_planes, detail::max_kernel::separable, detail::max_kernel::windows};

void expect_kernels_match(float_format format, const sizes& shape,
                          const std::vector<std::uint16_t>& input, const sizes& out) {
  const max_answer expected = reference_max(format, shape, input, out);
  for (const detail::max_kernel kernel : all_max_kernels) {
    for (const detail::simd_level lanes : all_simd_levels) {
      ASSERT_EQ(kernel_max(format, shape, input, out, kernel, lanes), expected)
          << reference::format_name(format) << " " << testing::text(shape) << " -> "
          << testing::text(out) << " kernel " << static_cast<int>(kernel) << " lanes "
          << static_cast<int>(lanes);
    }
  }
}

TEST(FastSixteenBitMax, WindowsWiderThanAVectorReadOnlyTheirOwnColumns) {
  // Windows of 9 to 40 columns (the separable kernel's winner in masked AVX-512 lanes).
  for (const float_format format : sixteen_bit_formats) {
    for (std::int64_t width = 32; width <= 40; ++width) {
      for (std::int64_t outputs = 1; outputs * 9 <= width; ++outputs) {
        for (const bool ties : {false, true}) {
          // The values are normal with few fraction bits: their patterns follow from binary32's.
          std::vector<std::uint16_t> input;
          for (const double x : testing::window_edge_rows(width, outputs, ties)) {
            const auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(x));
            input.push_back(static_cast<std::uint16_t>(
                format == float_format::bfloat16
                    ? bits >> 16
                    : ((bits >> 16) & 0x8000U) | ((((bits >> 23) & 0xFFU) - 112U) << 10) |
                          ((bits >> 13) & 0x3FFU)));
          }
          expect_kernels_match(format, {1, 2, width}, input, {1, outputs});
        }
      }
    }
  }
}

TEST(FastSixteenBitMax, EveryKernelMatchesTheReferenceOnEveryLevel) {
  std::mt19937 engine(37);
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{
           {{3, 7, 45}, {3, 6}},        // wide rows: separable, NaN columns
           {{2, 5, 11}, {9, 20}},       // overlapping windows
           {{3, 7, 13}, {5}},           // 21 planes: across planes with a remainder
           {{2, 4, 6, 19}, {3, 4, 5}},  // 3-D
           {{1, 2, 3, 37}, {2, 6}},     // rows of 37: vector groups, then an overlapping one
           {{9, 1, 1, 1}, {2, 1, 3}},   // single elements
           {{2, 3, 70}, {1, 4}},        // groups of four vectors
           {{3, 25, 7}, {3}},           // 75 planes: blocks of 32 across planes, then 11
           {{3, 50}, {2}},              // one row, windows of 25: lanes within a window
           {{5, 61}, {23}},             // short rows past 32: chunks of 16 and 7 windows
           {{4, 64}, {9}},              // short rows of 64
           {{3, 40}, {50}},             // more windows than inputs
           {{6, 17}, {5}},              // short rows of 17: a masked second load
           {{1, 3, 5, 40}, {2, 3, 4}},  // 3-D bands whose rows have no common distance
           {{2, 9, 64}, {4, 3}},        // 16-bit bands of two whole vectors
           {{2, 4, 200}, {3, 15}},      // 7 vectors of 32: one group of eight, a repeat
           {{2, 5, 230}, {3, 17}},      // 8 vectors of 32: one group of eight
           {{2, 3, 300}, {2, 23}},      // 10 vectors of 32: eight, then two
       }) {
    for (const float_format format : sixteen_bit_formats) {
      const std::vector<std::uint16_t> input = stress_patterns(
          format, static_cast<std::size_t>(reference::element_count(shape)), engine);
      expect_kernels_match(format, shape, input, out);
      // Without NaNs: the kernels' NaN-free routes.
      std::vector<std::uint16_t> finite = input;
      const std::uint16_t field = format == float_format::binary16 ? 0x7C00 : 0x7F80;
      for (std::uint16_t& x : finite) {
        if ((x & field) == field && (x & ~field & 0x7FFF) != 0) x = 0x3C00;
      }
      expect_kernels_match(format, shape, finite, out);
    }
  }
}

// One band of `rows` rows of 40 NaN-free, infinity-free patterns, +inf at row rows - 1 column 33
// (the second window's winner, in the band's last row), through the separable kernel.
void expect_band_of_rows(float_format format, std::int64_t rows, std::mt19937& engine) {
  const sizes shape{1, rows, 40}, out{1, 2};
  const std::uint16_t field = format == float_format::binary16 ? 0x7C00 : 0x7F80;
  std::vector<std::uint16_t> input =
      stress_patterns(format, static_cast<std::size_t>(rows * 40), engine);
  for (std::uint16_t& x : input) {
    if ((x & field) == field) x = 0x3C00;  // no NaN, no infinity
  }
  input[input.size() - 7] = field;
  const max_answer expected = reference_max(format, shape, input, out);
  ASSERT_EQ(expected.indices[1], rows * 40 - 7);
  for (const detail::simd_level lanes : all_simd_levels) {
    EXPECT_EQ(kernel_max(format, shape, input, out, detail::max_kernel::separable, lanes), expected)
        << reference::format_name(format) << " " << rows << " rows";
  }
}

TEST(FastSixteenBitMax, BandsCountUpTo2To15Minus1RowsInTheirLanes) {
  // 2^15 - 1 rows: the most 16-bit lanes count (the last is 32766); 2^15 + 3: binary32 lanes.
  std::mt19937 engine(41);
  expect_band_of_rows(float_format::binary16, (std::int64_t{1} << 15) - 1, engine);
  expect_band_of_rows(float_format::bfloat16, (std::int64_t{1} << 15) + 3, engine);
}

TEST(FastSixteenBitMax, ColumnsOfMinusInfinityLoseToTheLeastFiniteValue) {
  // One band of four rows of 40 -inf, one -max (the least finite value) at row 2 column 5: the
  // first window's winner; the second window, -inf only, keeps its first element. A column's
  // running maximum must start at -inf itself: started above it, a column of -inf would tie
  // -max and win by its lower offset.
  const sizes shape{1, 4, 40}, out{1, 2};
  for (const float_format format : sixteen_bit_formats) {
    const auto minus_infinity =
        static_cast<std::uint16_t>(format == float_format::binary16 ? 0xFC00 : 0xFF80);
    std::vector<std::uint16_t> input(160, minus_infinity);
    input[2 * 40 + 5] = static_cast<std::uint16_t>(minus_infinity - 1);  // -max
    const max_answer expected = reference_max(format, shape, input, out);
    ASSERT_EQ(expected.indices, (std::vector<std::int64_t>{85, 20}));
    for (const detail::simd_level lanes : all_simd_levels) {
      EXPECT_EQ(kernel_max(format, shape, input, out, detail::max_kernel::separable, lanes),
                expected)
          << reference::format_name(format);
    }
  }
}

TEST(FastSixteenBitMax, ShortRowsWriteASignallingNaNsOwnPattern) {
  // Rows of 33 (the short-rows kernel on AVX-512): a signalling NaN (its quiet bit clear), which
  // the hardware widening would quiet, is the last NaN of the first window and must come back
  // as it is; the second window's winner is a quiet NaN with a payload.
  for (const float_format format : sixteen_bit_formats) {
    const bool half = format == float_format::binary16;
    std::vector<std::uint16_t> input(std::size_t{2} * 33, 0x3C00);
    input[1] = static_cast<std::uint16_t>(half ? 0x7C01 : 0x7F81);
    input[2] = static_cast<std::uint16_t>(half ? 0xFD05 : 0xFF85);
    input[3] = static_cast<std::uint16_t>(half ? 0x7D23 : 0x7FA3);  // the last NaN of window 0
    input[33 + 20] = static_cast<std::uint16_t>(half ? 0xFE01 : 0xFFC1);
    const max_answer expected = reference_max(format, {2, 33}, input, {10});
    ASSERT_EQ(expected.values[0], input[3]);
    for (const detail::simd_level lanes : all_simd_levels) {
      for (const detail::max_kernel kernel : all_max_kernels)
        EXPECT_EQ(kernel_max(format, {2, 33}, input, {10}, kernel, lanes), expected);
    }
  }
}

TEST(FastSixteenBitMax, EveryKernelMatchesTheReferenceOnRandomShapes) {
  std::mt19937 engine(2027);
  for (int round = 0; round < 120; ++round) {
    const auto [shape, out] = testing::random_max_shape(engine);
    const float_format format = sixteen_bit_formats[static_cast<std::size_t>(round % 2)];
    expect_kernels_match(
        format, shape,
        stress_patterns(format, static_cast<std::size_t>(reference::element_count(shape)), engine),
        out);
  }
}

// The lanes' widening and its inverse, one vector at a time, against the one-value forms.
template <bool Half>
void expect_lanes_round_trip(const std::vector<std::uint16_t>& patterns) {
  using L = detail::lanes<8>;
  for (std::size_t i = 0; i + 8 <= patterns.size(); i += 8) {
    L::u16 narrow;
    std::memcpy(&narrow, patterns.data() + i, sizeof narrow);
    L::f32 wide;
    detail::widen_lanes<8, Half>(narrow, wide);
    L::u16 back;
    detail::unwiden_lanes<8, Half>(wide, back);
    for (int k = 0; k < 8; ++k) {
      const std::uint16_t pattern = patterns[i + static_cast<std::size_t>(k)];
      ASSERT_EQ(std::bit_cast<std::uint32_t>(wide[k]), detail::widened_bits<Half>(pattern));
      ASSERT_EQ(detail::unwidened_bits<Half>(detail::widened_bits<Half>(pattern)), pattern);
      ASSERT_EQ(back[k], pattern) << std::hex << pattern;
    }
  }
}

TEST(FastSixteenBitMax, WidenedValuesNarrowBackToEveryPattern) {
  // All 65536 patterns, NaN payloads and both zeros included.
  std::vector<std::uint16_t> patterns(65536);
  for (std::size_t i = 0; i < patterns.size(); ++i)
    patterns[i] = static_cast<std::uint16_t>(i * 40503u);  // odd: a permutation mod 2^16
  expect_lanes_round_trip<true>(patterns);
  expect_lanes_round_trip<false>(patterns);
}

}  // namespace
}  // namespace poolproof::engine

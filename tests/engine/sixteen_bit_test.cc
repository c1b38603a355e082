// The fast engine's 16-bit paths that borrow binary32 machinery: the exact widening of binary16
// and bfloat16 patterns (every pattern, every SIMD level) and the max forward pass that scans
// widened planes with the binary32 kernels, against the plain reference.
#include <gtest/gtest.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>

#include <array>
#include <bit>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "engine/planes.h"

namespace poolproof::engine {
namespace {

using sizes = std::vector<std::int64_t>;
using reference::float_format;

constexpr std::array<float_format, 2> sixteen_bit_formats{float_format::binary16,
                                                          float_format::bfloat16};
constexpr std::array<detail::simd_level, 3> all_simd_levels{
    detail::simd_level::baseline, detail::simd_level::avx2, detail::simd_level::avx512};

bool is_special(float_format format, std::uint32_t bits) {
  const std::uint32_t field = format == float_format::binary16 ? 0x7C00u : 0x7F80u;
  return (bits & field) == field;
}

TEST(FastSixteenBit, WideningIsExactForEveryPattern) {
  // All 65536 patterns from an odd offset, so the lanes meet a misaligned start and a tail.
  std::vector<std::uint16_t> patterns(65536 + 7);
  for (std::size_t i = 0; i < patterns.size(); ++i)
    patterns[i] = static_cast<std::uint16_t>(i * 40503u);  // odd: a permutation mod 2^16
  for (const float_format format : sixteen_bit_formats) {
    for (const detail::simd_level level : all_simd_levels) {
      std::vector<float> wide(patterns.size() - 3);
      detail::widen_to_binary32(format, patterns.data() + 3, wide.data(),
                                static_cast<std::int64_t>(wide.size()), level);
      for (std::size_t i = 0; i < wide.size(); ++i) {
        const std::uint32_t bits = patterns[i + 3];
        const auto got = std::bit_cast<std::uint32_t>(wide[i]);
        const reference::extended_rational want = decode(format, bits);
        ASSERT_EQ((got >> 31) != 0, (bits & 0x8000u) != 0) << bits;
        if (want.is_nan()) {
          ASSERT_TRUE(wide[i] != wide[i]) << bits;
        } else {
          ASSERT_FALSE(is_special(format, bits) && !want.is_infinite());
          ASSERT_EQ(decode(float_format::binary32, got), want) << bits;
        }
      }
    }
  }
}

// Patterns that make ties, NaNs of any payload, infinities, signed zeros and subnormals common.
std::vector<std::uint16_t> stress_patterns(float_format format, std::size_t count,
                                           std::mt19937& engine) {
  const bool half = format == float_format::binary16;
  const std::array<std::uint16_t, 8> pool{0x0000,
                                          0x8000,
                                          0x0001,
                                          0x8001,
                                          static_cast<std::uint16_t>(half ? 0x7C00 : 0x7F80),
                                          static_cast<std::uint16_t>(half ? 0xFC00 : 0xFF80),
                                          0x3C00,
                                          0x4000};
  std::uniform_int_distribution<int> roll(0, 99);
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
  std::uniform_int_distribution<std::uint32_t> any(0, 0xFFFF);
  std::vector<std::uint16_t> values(count);
  for (std::uint16_t& x : values) {
    const int r = roll(engine);
    x = r < 40 ? pool[pick(engine)] : static_cast<std::uint16_t>(any(engine));
  }
  return values;
}

struct max_answer {
  std::vector<std::int64_t> indices;
  std::vector<std::uint16_t> values;
  friend bool operator==(const max_answer&, const max_answer&) = default;
};

max_answer reference_max(float_format format, const sizes& shape,
                         const std::vector<std::uint16_t>& input, const sizes& out) {
  reference::exact_tensor tensor{shape, {}};
  for (std::uint16_t x : input) tensor.values.push_back(decode(format, x));
  const reference::max_pool_result result = reference::adaptive_max_pool(tensor, out);
  const std::int64_t in_plane = reference::element_count(std::span(shape).last(out.size()));
  const std::int64_t out_plane = reference::element_count(out);
  max_answer answer{result.indices, {}};
  for (std::size_t i = 0; i < result.indices.size(); ++i) {
    const std::int64_t plane = static_cast<std::int64_t>(i) / out_plane;
    answer.values.push_back(input[static_cast<std::size_t>(plane * in_plane + result.indices[i])]);
  }
  return answer;
}

max_answer fast_max(float_format format, const sizes& shape,
                    const std::vector<std::uint16_t>& input, const sizes& out, unsigned threads) {
  const auto count = static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out)));
  max_answer answer{std::vector<std::int64_t>(count), std::vector<std::uint16_t>(count)};
  adaptive_max_pool<std::uint16_t>(format, shape, input, out, answer.values, answer.indices,
                                   threads);
  return answer;
}

TEST(FastSixteenBit, MaxMatchesTheReferenceThroughWidenedPlanes) {
  std::mt19937 engine(19);
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{
           {{130, 32, 32}, {5, 7}},  // chunks of 64 planes across planes, then 2 planes
           {{3, 257}, {13}},         // rows past the short-rows kernel: window by window
           {{40, 40}, {9}},          // short rows
           {{3, 7, 45}, {3, 6}},     // bands of rows: separable
           {{2, 300, 300}, {4, 4}},  // planes past a chunk: one plane at a time
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

TEST(FastSixteenBit, MaxOfPlanesPastTheWidenedLimitScansThePatterns) {
  // 2^20 + 1 elements per plane: the pattern scan, not the widened one.
  std::mt19937 engine(23);
  const sizes shape{1, (std::int64_t{1} << 20) + 1}, out{3};
  for (const float_format format : sixteen_bit_formats) {
    const std::vector<std::uint16_t> input =
        stress_patterns(format, static_cast<std::size_t>(shape[1]), engine);
    EXPECT_EQ(fast_max(format, shape, input, out, 1), reference_max(format, shape, input, out));
  }
}

}  // namespace
}  // namespace poolproof::engine

// The exact double window sums (engine/double_sums.h) against the 128-bit fixed-point
// sums: binary64 in both lane widths and the 16-bit formats, on ordinary, wide and subnormal
// values.
#include "engine/double_sums.h"

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
#include <vector>

namespace poolproof::engine {
namespace {

using sizes = std::vector<std::int64_t>;
using binary64 = detail::binary64_traits;

// Normal values scaled by 2^[-spread, spread], with some zeros, -0 and subnormals mixed in.
std::vector<double> spread_values(std::size_t count, unsigned seed, int spread) {
  std::mt19937 engine(seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> scale(-spread, spread), kind(0, 19);
  std::vector<double> values;
  for (std::size_t i = 0; i < count; ++i) {
    const int k = kind(engine);
    if (k == 0) {
      values.push_back(k % 2 == 0 ? 0.0 : -0.0);
    } else if (k == 1 && spread >= 1000) {
      values.push_back(std::numeric_limits<double>::denorm_min() * (1 + scale(engine) % 7));
    } else {
      values.push_back(std::ldexp(normal(engine), scale(engine)));
    }
  }
  return values;
}

// The exact sum in the pass's units through the 128-bit fixed point (where it fits).
fast_int128 fixed_sum(const detail::geometry& g, const std::vector<double>& plane,
                      const detail::box3& box, const detail::exponent_range& range) {
  fast_int128 sum = 0;
  detail::for_each_offset(g, box, [&](std::int64_t at) {
    sum += detail::fixed_point<binary64, fast_int128>(
        std::bit_cast<std::uint64_t>(plane[static_cast<std::size_t>(at)]), range.anchor());
  });
  return sum;
}

struct tally {
  int split = 0;
  int declined = 0;
};

void check_windows(const sizes& in, const sizes& out, int spread, tally& seen) {
  sizes shape{1};
  shape.insert(shape.end(), in.begin(), in.end());
  const detail::geometry g =
      detail::checked_geometry<double>(reference::float_format::binary64, shape, out,
                                       static_cast<std::size_t>(reference::element_count(in)),
                                       static_cast<std::size_t>(reference::element_count(out)));
  const std::vector<double> plane =
      spread_values(static_cast<std::size_t>(reference::element_count(in)), 11, spread);
  detail::for_each_output(g, [&](std::int64_t, const detail::box3& box) {
    const detail::binary64_pass best = detail::sum_and_scan_binary64(g, plane.data(), box);
    const detail::binary64_pass baseline =
        detail::sum_and_scan_binary64(g, plane.data(), box, true);
    detail::exponent_range scanned;
    detail::for_each_offset(g, box, [&](std::int64_t at) {
      detail::widen<binary64>(scanned,
                              std::bit_cast<std::uint64_t>(plane[static_cast<std::size_t>(at)]));
    });
    EXPECT_EQ(best.range.lowest, scanned.lowest);
    EXPECT_EQ(best.range.highest, scanned.highest);
    EXPECT_EQ(baseline.range.lowest, scanned.lowest);
    EXPECT_EQ(best.parts.has_value(), baseline.parts.has_value());
    if (!best.parts) {
      ++seen.declined;
      return;
    }
    ++seen.split;
    ASSERT_LE(scanned.sum_bits<binary64>(static_cast<std::uint64_t>(box.volume())), 127);
    const fast_int128 expected = fixed_sum(g, plane, box, scanned);
    const int unit = scanned.unit_exponent<binary64>();
    EXPECT_TRUE(detail::parts_in_units(*best.parts, unit) == expected);
    EXPECT_TRUE(detail::parts_in_units(*baseline.parts, unit) == expected);
  });
}

TEST(FastDoubleSums, Binary64SplitSumIsTheExactSum) {
  tally seen;
  for (int spread : {0, 3, 12, 30}) {
    for (const auto& [in, out] : std::vector<std::pair<sizes, sizes>>{
             {{40}, {3}}, {{9, 23}, {4, 5}}, {{5, 6, 17}, {2, 3, 4}}, {{64, 64}, {4, 4}}}) {
      check_windows(in, out, spread, seen);
    }
  }
  // Ordinary spreads take the split; 30 binary orders of magnitude in large windows do not.
  EXPECT_GT(seen.split, 100);
  EXPECT_GT(seen.declined, 0);
}

TEST(FastDoubleSums, Binary64WideSpreadsAndSubnormalsDecline) {
  tally seen;
  check_windows({300}, {5}, 1000, seen);
  EXPECT_EQ(seen.split, 0);
  EXPECT_EQ(seen.declined, 5);
}

TEST(FastDoubleSums, Binary64SingleValuesAndHugeValuesSplitExactly) {
  // One element per window (c = 1) and values near the top of the range (the grid's C must
  // stay finite) both keep the sum exact.
  for (double scale : {1.0, 0x1p1000, 0x1p-1070}) {
    const std::vector<double> plane{3 * scale, -5 * scale, scale, 0.0};
    const detail::geometry g = detail::checked_geometry<double>(reference::float_format::binary64,
                                                                sizes{1, 4}, sizes{4}, 4, 4);
    detail::for_each_output(g, [&](std::int64_t, const detail::box3& box) {
      const detail::binary64_pass pass = detail::sum_and_scan_binary64(g, plane.data(), box);
      if (!pass.parts) return;
      EXPECT_TRUE(detail::parts_in_units(*pass.parts, pass.range.unit_exponent<binary64>()) ==
                  fixed_sum(g, plane, box, pass.range));
    });
  }
}

TEST(FastDoubleSums, SixteenBitPatternsWidenExactly) {
  // Every finite pattern of both 16-bit formats, against the reference's decoding.
  for (std::uint32_t bits = 0; bits <= 0xFFFFu; ++bits) {
    const auto pattern = static_cast<std::uint16_t>(bits);
    if ((bits & 0x7C00u) != 0x7C00u) {
      EXPECT_EQ(
          decode(reference::float_format::binary32,
                 std::bit_cast<std::uint32_t>(detail::widened<detail::binary16_traits>(pattern))),
          decode(reference::float_format::binary16, bits));
    }
    if ((bits & 0x7F80u) != 0x7F80u) {
      EXPECT_EQ(
          decode(reference::float_format::binary32,
                 std::bit_cast<std::uint32_t>(detail::widened<detail::bfloat16_traits>(pattern))),
          decode(reference::float_format::bfloat16, bits));
    }
  }
}

template <typename F>
void check_sixteen_bit_windows(unsigned seed) {
  const sizes shape{1, 7, 45}, out{3, 4};
  // Fields near the middle of the range (every few seeds the subnormal end), with zeros,
  // subnormals and, rarely, specials mixed in.
  std::mt19937 engine(seed);
  std::uniform_int_distribution<std::uint64_t> any(0, 0xFFFF), kind(0, 99);
  const std::uint64_t middle = seed % 4 == 0 ? 3 : F::exponent_ones / 2;
  std::uniform_int_distribution<std::uint64_t> field(middle - 3, middle + 3);
  std::vector<std::uint16_t> plane(std::size_t{7} * 45);
  for (std::uint16_t& p : plane) {
    const std::uint64_t k = kind(engine), random = any(engine);
    std::uint64_t bits =
        (random & (F::sign_mask | F::fraction_mask)) | (field(engine) << F::fraction_bits);
    if (k < 5) bits &= F::sign_mask;                                               // zeros
    if (k >= 5 && k < 10 && middle == 3) bits &= F::sign_mask | F::fraction_mask;  // subnormals
    if (k == 99 && seed % 2 == 0) bits |= F::infinity;  // infinities and NaNs
    p = static_cast<std::uint16_t>(bits);
  }
  const detail::geometry g =
      detail::checked_geometry<std::uint16_t>(F::format, shape, out, plane.size(), 12);
  int exact = 0;
  detail::for_each_output(g, [&](std::int64_t, const detail::box3& box) {
    const detail::double_pass pass = detail::sum_and_scan_16<F>(g, plane.data(), box);
    const detail::double_pass best = detail::sum_and_scan_16_simd<F>(g, plane.data(), box);
    const detail::double_pass baseline =
        detail::sum_and_scan_16_simd<F>(g, plane.data(), box, true);
    for (const detail::double_pass& lanes : {best, baseline}) {
      EXPECT_EQ(lanes.range.special, pass.range.special);
      EXPECT_EQ(lanes.range.lowest, pass.range.lowest);
      EXPECT_EQ(lanes.range.highest, pass.range.highest);
    }
    detail::exponent_range scanned;
    detail::for_each_offset(g, box, [&](std::int64_t at) {
      detail::widen<F>(scanned, plane[static_cast<std::size_t>(at)]);
    });
    EXPECT_EQ(pass.range.special, scanned.special);
    if (scanned.special) return;
    EXPECT_EQ(pass.range.lowest, scanned.lowest);
    EXPECT_EQ(pass.range.highest, scanned.highest);
    const auto count = static_cast<std::uint64_t>(box.volume());
    if (scanned.sum_bits<F>(count) > 53) return;
    ++exact;
    fast_int128 expected = 0;
    detail::for_each_offset(g, box, [&](std::int64_t at) {
      expected += detail::fixed_point<F, fast_int128>(plane[static_cast<std::size_t>(at)],
                                                      scanned.anchor());
    });
    const int unit = scanned.unit_exponent<F>();
    const std::uint64_t rounded = detail::round_fixed<F>(expected, unit, count);
    EXPECT_EQ(detail::round_double_sum<F>(pass.sum, pass.range, count), rounded);
    EXPECT_EQ(best.sum, pass.sum);
    EXPECT_EQ(baseline.sum, pass.sum);
  });
  EXPECT_GT(exact, 0);
}

TEST(FastDoubleSums, SixteenBitSumsRoundLikeTheFixedPointSum) {
  // Random patterns: specials, subnormals and every exponent; each window either declines
  // (special or too wide) or rounds exactly like the 128-bit fixed-point sum, and the scalar
  // pass and both lane widths (rows of 11-12: lanes plus tails) agree.
  for (unsigned seed = 1; seed <= 40; ++seed) {
    check_sixteen_bit_windows<detail::binary16_traits>(seed);
    check_sixteen_bit_windows<detail::bfloat16_traits>(seed);
  }
}

TEST(FastDoubleSums, Binary64SmallWindowsMatchTheReferenceThroughThePlaneSplit) {
  // 1-D and 2-D planes of small windows: one split for the whole plane where its range allows
  // (ordinary spreads; a plane whose range is wider than any one window's), else each window's
  // own pass (spreads past the grid, an infinity, a NaN, a plane of zeros), against the reference.
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{
           {{12, 33}, {10}}, {{3, 9, 11}, {4, 7}}, {{4, 5}, {9}}}) {
    for (const int spread : {0, 20, 40, 1100}) {
      std::vector<double> input =
          spread_values(static_cast<std::size_t>(reference::element_count(shape)),
                        47 + static_cast<unsigned>(spread), spread);
      const std::int64_t plane = reference::element_count(std::span(shape).subspan(1));
      input[static_cast<std::size_t>(plane)] = 1e300;  // plane 1: one huge value among the rest
      input[static_cast<std::size_t>(3 * plane - 1)] = std::numeric_limits<double>::infinity();
      input[static_cast<std::size_t>(4 * plane - 2)] = std::numeric_limits<double>::quiet_NaN();
      std::fill(input.end() - plane, input.end(), -0.0);  // the last plane: zeros
      std::vector<double> got(static_cast<std::size_t>(
          reference::element_count(reference::adaptive_output_shape(shape, out))));
      adaptive_avg_pool<double>(reference::float_format::binary64, shape, input, out, got);
      reference::exact_tensor tensor{shape, {}};
      for (double x : input)
        tensor.values.push_back(
            decode(reference::float_format::binary64, std::bit_cast<std::uint64_t>(x)));
      std::vector<std::uint64_t> want, bits;
      for (const reference::extended_rational& x : reference::adaptive_avg_pool(tensor, out).values)
        want.push_back(round_to(reference::float_format::binary64, x));
      for (double x : got) bits.push_back(std::bit_cast<std::uint64_t>(x));
      EXPECT_EQ(bits, want) << shape.size() << "-D spread " << spread;
    }
  }
}

// binary64 avg forward against the reference, as bit patterns.
void expect_binary64_avg_matches(const sizes& shape, const std::vector<double>& input,
                                 const sizes& out) {
  std::vector<double> got(static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out))));
  adaptive_avg_pool<double>(reference::float_format::binary64, shape, input, out, got);
  reference::exact_tensor tensor{shape, {}};
  for (double x : input)
    tensor.values.push_back(
        decode(reference::float_format::binary64, std::bit_cast<std::uint64_t>(x)));
  std::vector<std::uint64_t> want, bits;
  for (const reference::extended_rational& x : reference::adaptive_avg_pool(tensor, out).values)
    want.push_back(round_to(reference::float_format::binary64, x));
  for (double x : got) bits.push_back(std::bit_cast<std::uint64_t>(x));
  EXPECT_EQ(bits, want);
}

TEST(FastDoubleSums, Binary64MeansOfTheSplitRoundTiesToEven) {
  // (1 + 2^-52 + 1) / 2 is a tie between 1 (even) and 1 + 2^-52; (2 + 3 * 2^-52) / 2 one between
  // 1 + 2^-52 and 1 + 2^-51 (even).
  expect_binary64_avg_matches({1, 2}, {1 + 0x1p-52, 1}, {1});
  expect_binary64_avg_matches({1, 2}, {1 + 0x1p-52, 1 + 0x1p-51}, {1});
  std::vector<double> one{1 + 0x1p-52, 1};
  std::vector<double> got(1);
  adaptive_avg_pool<double>(reference::float_format::binary64, sizes{1, 2}, one, sizes{1}, got);
  EXPECT_EQ(got[0], 1.0);
  // Values one to four ulps apart around 1, 2 and 0.75 in windows of 2, 3 and 4 (1-D and 2-D):
  // their means meet ties and near-ties at the last bit all the time.
  std::mt19937 engine(53);
  std::uniform_int_distribution<int> ulps(-4, 4), base(0, 2);
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{
           {{20, 33}, {10}}, {{20, 8}, {4}}, {{20, 9}, {3}}, {{6, 6, 8}, {3, 4}}}) {
    std::vector<double> input(static_cast<std::size_t>(reference::element_count(shape)));
    for (double& x : input) {
      const double b =
          std::array<double, 3>{1.0, 2.0, 0.75}[static_cast<std::size_t>(base(engine))];
      x = b + ulps(engine) * std::ldexp(1.0, std::ilogb(b) - 52);
    }
    expect_binary64_avg_matches(shape, input, out);
  }
}

}  // namespace
}  // namespace poolproof::engine

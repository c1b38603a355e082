#include "reference/fast_adaptive_pool.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "reference/adaptive_pool.h"
#include "reference/error.h"
#include "reference/fast_pool_internal.h"

namespace poolproof {
namespace {

using sizes = std::vector<std::int64_t>;

constexpr float inf = std::numeric_limits<float>::infinity();
constexpr float nan = std::numeric_limits<float>::quiet_NaN();
constexpr float tiny = std::numeric_limits<float>::denorm_min();

std::uint32_t bits(float x) { return std::bit_cast<std::uint32_t>(x); }

std::vector<float> avg(const sizes& shape, const std::vector<float>& input, const sizes& out,
                       unsigned threads = 1) {
  std::vector<float> output(
      static_cast<std::size_t>(element_count(adaptive_output_shape(shape, out))));
  fast_adaptive_avg_pool<float>(float_format::binary32, shape, input, out, output, threads);
  return output;
}

// The reference's answer, rounded to binary32 patterns.
std::vector<std::uint32_t> reference_avg(const sizes& shape, const std::vector<float>& input,
                                         const sizes& out) {
  exact_tensor tensor{shape, {}};
  for (float x : input) tensor.values.push_back(decode(float_format::binary32, bits(x)));
  std::vector<std::uint32_t> result;
  for (const extended_rational& x : adaptive_avg_pool(tensor, out).values)
    result.push_back(static_cast<std::uint32_t>(round_to(float_format::binary32, x)));
  return result;
}

std::vector<std::uint32_t> patterns(const std::vector<float>& xs) {
  std::vector<std::uint32_t> result;
  result.reserve(xs.size());
  for (float x : xs) result.push_back(bits(x));
  return result;
}

std::vector<float> random_floats(std::size_t count, unsigned seed, float scale_spread) {
  std::mt19937 engine(seed);
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<float> spread(-scale_spread, scale_spread);
  std::vector<float> values(count);
  for (float& x : values) x = normal(engine) * std::exp2(std::round(spread(engine)));
  return values;
}

TEST(FastAdaptivePool, MeanIsCorrectlyRoundedOnce) {
  // Summed in float32 left to right, 1e8 + 1 - 1e8 gives 0; the exact mean is 1/3.
  EXPECT_EQ(patterns(avg({1, 3}, {1e8f, 1.0f, -1e8f}, {1})), patterns({1.0f / 3.0f}));
  EXPECT_EQ(patterns(avg({1, 3}, {1.0f, 2.0f, 4.0f}, {1})), patterns({7.0f / 3.0f}));
}

TEST(FastAdaptivePool, FollowsIeeeRulesForSpecialsAndZeros) {
  EXPECT_TRUE(std::isnan(avg({1, 2}, {inf, -inf}, {1})[0]));
  EXPECT_EQ(avg({1, 4}, {1, inf, -inf, 2}, {2}), (std::vector<float>{inf, -inf}));
  EXPECT_EQ(bits(avg({1, 2}, {-0.0f, -0.0f}, {1})[0]), 0u);  // a zero mean is +0
  // -tiny/3 rounds to zero and keeps its sign, like round_to.
  EXPECT_EQ(bits(avg({1, 3}, {-tiny, 0.0f, 0.0f}, {1})[0]), bits(-0.0f));
  EXPECT_EQ(patterns(avg({1, 3}, {-tiny, -tiny, 0.0f}, {1})), patterns({-tiny}));
}

TEST(FastAdaptivePool, MaxFollowsPyTorchsScan) {
  std::vector<float> values(1);
  std::vector<std::int64_t> indices(1);
  fast_adaptive_max_pool<float>(float_format::binary32, sizes{1, 5},
                                std::vector<float>{1, nan, 3, nan, 2}, sizes{1}, values, indices);
  EXPECT_EQ(indices[0], 3);  // the last NaN
  fast_adaptive_max_pool<float>(float_format::binary32, sizes{1, 4}, std::vector<float>{3, 1, 3, 2},
                                sizes{1}, values, indices);
  EXPECT_EQ(indices[0], 0);  // ties: the first maximum
  fast_adaptive_max_pool<float>(float_format::binary32, sizes{1, 3},
                                std::vector<float>{-0.0f, 0.0f, -inf}, sizes{1}, values, indices);
  EXPECT_EQ(indices[0], 0);
  EXPECT_EQ(bits(values[0]), bits(-0.0f));  // the winner itself
}

TEST(FastAdaptivePool, WideExponentRangesMatchTheReference) {
  // Values from 2^-149 to 2^127 in one window need the GMP accumulator.
  const std::vector<float> input{tiny, 3e38f, -1e-30f, 1.0f, -3e38f, 7.0f, 1e-45f, 2.5e-38f};
  const sizes shape{2, 4};
  EXPECT_EQ(patterns(avg(shape, input, {3})), reference_avg(shape, input, {3}));
  EXPECT_EQ(patterns(avg(shape, input, {1})), reference_avg(shape, input, {1}));
}

TEST(FastAdaptivePool, ThreadCountDoesNotChangeTheResult) {
  const sizes shape{3, 5, 40, 37}, out{7, 9};
  const std::vector<float> input = random_floats(std::size_t{3} * 5 * 40 * 37, 1, 30);
  const std::vector<float> one = avg(shape, input, out, 1);
  EXPECT_EQ(patterns(avg(shape, input, out, 4)), patterns(one));
  EXPECT_EQ(patterns(one), reference_avg(shape, input, out));
}

TEST(FastAdaptivePool, BaselineLanesAgreeWithTheBestLanes) {
  // 1-3 D windows over a plane of normal and widely scaled values, with rows longer and shorter
  // than the SIMD width; both lane widths must give the same exact sum, range and argmax.
  for (const auto& [in, out] : std::vector<std::pair<sizes, sizes>>{
           {{40}, {3}}, {{9, 23}, {4, 5}}, {{5, 6, 17}, {2, 3, 4}}, {{3, 50}, {2, 7}}}) {
    const std::vector<float> input =
        random_floats(static_cast<std::size_t>(element_count(in)), 7, 12);
    sizes shape{1};
    shape.insert(shape.end(), in.begin(), in.end());
    const fast::geometry g =
        fast::checked_geometry<float>(float_format::binary32, shape, out, input.size(),
                                      static_cast<std::size_t>(element_count(out)));
    fast::for_each_output(g, [&](std::int64_t, const fast::box3& box) {
      const fast::double_pass best = fast::sum_and_scan(g, input.data(), box);
      const fast::double_pass baseline = fast::sum_and_scan(g, input.data(), box, true);
      EXPECT_EQ(best.range.lowest, baseline.range.lowest);
      EXPECT_EQ(best.range.highest, baseline.range.highest);
      if (best.range.sum_bits<fast::binary32_traits>(static_cast<std::uint64_t>(box.volume())) <=
          53) {
        EXPECT_EQ(best.sum, baseline.sum);
      }
      EXPECT_EQ(fast::argmax_unless_nan(g, input.data(), box).at,
                fast::argmax_unless_nan(g, input.data(), box, true).at);
    });
  }
}

TEST(FastAdaptivePool, RejectsBadArguments) {
  std::vector<float> output(2);
  EXPECT_THROW(fast_adaptive_avg_pool<float>(float_format::binary64, sizes{1, 4},
                                             std::vector<float>(4), sizes{2}, output),
               input_error);
  EXPECT_THROW(fast_adaptive_avg_pool<float>(float_format::binary32, sizes{1, 4},
                                             std::vector<float>(3), sizes{2}, output),
               input_error);
  std::vector<float> grad_input(4);
  EXPECT_THROW(fast_adaptive_max_pool_backward<float>(float_format::binary32, sizes{1, 4}, sizes{2},
                                                      std::vector<float>(2),
                                                      std::vector<std::int64_t>{0, 4}, grad_input),
               input_error);
}

}  // namespace
}  // namespace poolproof

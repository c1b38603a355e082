#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>

#include <array>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "engine/planes.h"
#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using sizes = std::vector<std::int64_t>;

constexpr float inf = std::numeric_limits<float>::infinity();
constexpr float nan = std::numeric_limits<float>::quiet_NaN();
constexpr float tiny = std::numeric_limits<float>::denorm_min();

std::uint32_t bits(float x) { return std::bit_cast<std::uint32_t>(x); }

std::vector<float> avg(const sizes& shape, const std::vector<float>& input, const sizes& out,
                       unsigned threads = 1) {
  std::vector<float> output(static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out))));
  adaptive_avg_pool<float>(reference::float_format::binary32, shape, input, out, output, threads);
  return output;
}

// The reference's answer, rounded to binary32 patterns.
std::vector<std::uint32_t> reference_avg(const sizes& shape, const std::vector<float>& input,
                                         const sizes& out) {
  reference::exact_tensor tensor{shape, {}};
  for (float x : input) tensor.values.push_back(decode(reference::float_format::binary32, bits(x)));
  std::vector<std::uint32_t> result;
  for (const reference::extended_rational& x : reference::adaptive_avg_pool(tensor, out).values)
    result.push_back(static_cast<std::uint32_t>(round_to(reference::float_format::binary32, x)));
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
  adaptive_max_pool<float>(reference::float_format::binary32, sizes{1, 5},
                           std::vector<float>{1, nan, 3, nan, 2}, sizes{1}, values, indices);
  EXPECT_EQ(indices[0], 3);  // the last NaN
  adaptive_max_pool<float>(reference::float_format::binary32, sizes{1, 4},
                           std::vector<float>{3, 1, 3, 2}, sizes{1}, values, indices);
  EXPECT_EQ(indices[0], 0);  // ties: the first maximum
  adaptive_max_pool<float>(reference::float_format::binary32, sizes{1, 3},
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

TEST(FastAdaptivePool, SmallWindowsMatchTheReferenceThroughThePlaneScan) {
  // Small windows are summed without their own scan when the plane's exponent range vouches for
  // every sum: exact ties (quarters of small integers), -0 sums, and planes that must fall back
  // (an infinity, a NaN, or a spread too wide for doubles) beside ones that need not.
  std::mt19937 engine(17);
  std::uniform_int_distribution<int> small(-8, 8);
  const sizes shape{6, 33}, out{10};
  std::vector<float> input(std::size_t{6} * 33);
  for (float& x : input) x = static_cast<float>(small(engine)) / 4;
  for (std::size_t i = 33; i < 66; ++i) input[i] = -0.0f;
  input[70] = inf;
  input[110] = nan;
  input[140] = 1e30f;
  input[141] = 1e-30f;
  EXPECT_EQ(patterns(avg(shape, input, out)), reference_avg(shape, input, out));
  // A sum that doubles cannot hold: exactly 1 + 2^-24 + 2^-102 on average, just above a binary32
  // midpoint; a double sum drops the 2^-100 and rounds the tie to even, 1.0 instead of 1 + 2^-23.
  const std::vector<float> past_doubles{2.0f, 1.0f + 0x1p-22f, 1.0f, 0x1p-100f};
  EXPECT_EQ(patterns(avg({1, 4}, past_doubles, {1})), reference_avg({1, 4}, past_doubles, {1}));
  EXPECT_EQ(avg({1, 4}, past_doubles, {1})[0], 1.0f + 0x1p-23f);
  const std::vector<float> normal = random_floats(std::size_t{4} * 9 * 9, 3, 4);
  EXPECT_EQ(patterns(avg({4, 9, 9}, normal, {4, 4})), reference_avg({4, 9, 9}, normal, {4, 4}));
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
  // than the SIMD width; both lane widths must give the same exact sum and range (the max
  // kernels' lanes are compared with the reference below).
  for (const auto& [in, out] : std::vector<std::pair<sizes, sizes>>{
           {{40}, {3}}, {{9, 23}, {4, 5}}, {{5, 6, 17}, {2, 3, 4}}, {{3, 50}, {2, 7}}}) {
    const std::vector<float> input =
        random_floats(static_cast<std::size_t>(reference::element_count(in)), 7, 12);
    sizes shape{1};
    shape.insert(shape.end(), in.begin(), in.end());
    const detail::geometry g =
        detail::checked_geometry<float>(reference::float_format::binary32, shape, out, input.size(),
                                        static_cast<std::size_t>(reference::element_count(out)));
    detail::for_each_output(g, [&](std::int64_t, const detail::box3& box) {
      const detail::double_pass best = detail::sum_and_scan(g, input.data(), box);
      const detail::double_pass baseline = detail::sum_and_scan(g, input.data(), box, true);
      EXPECT_EQ(best.range.lowest, baseline.range.lowest);
      EXPECT_EQ(best.range.highest, baseline.range.highest);
      if (best.range.sum_bits<detail::binary32_traits>(static_cast<std::uint64_t>(box.volume())) <=
          53) {
        EXPECT_EQ(best.sum, baseline.sum);
      }
    });
  }
}

// `planes` planes of `in` inputs; in each, the o-th grad of the plane goes to its indices[o].
template <typename T>
std::vector<T> max_backward(std::int64_t planes, std::int64_t in, const std::vector<T>& grads,
                            const std::vector<std::int64_t>& indices) {
  const reference::float_format format = std::same_as<T, float> ? reference::float_format::binary32
                                                                : reference::float_format::binary64;
  std::vector<T> grad_input(static_cast<std::size_t>(planes * in));
  const auto out = static_cast<std::int64_t>(grads.size()) / planes;
  adaptive_max_pool_backward<T>(format, sizes{planes, in}, sizes{out}, grads, indices, grad_input);
  return grad_input;
}

// The reference's max backward on the same planes, rounded, as binary32 patterns.
std::vector<std::uint32_t> reference_max_backward(std::int64_t planes, std::int64_t in,
                                                  const std::vector<float>& grads,
                                                  const std::vector<std::int64_t>& indices) {
  reference::exact_tensor tensor{sizes{planes, static_cast<std::int64_t>(grads.size()) / planes},
                                 {}};
  for (float g : grads) tensor.values.push_back(decode(reference::float_format::binary32, bits(g)));
  std::vector<std::uint32_t> result;
  for (const reference::extended_rational& x :
       reference::adaptive_max_pool_backward(tensor, indices, sizes{planes, in}, 1).values)
    result.push_back(static_cast<std::uint32_t>(round_to(reference::float_format::binary32, x)));
  return result;
}

TEST(FastAdaptivePool, MaxBackwardRoundsEachSumOnce) {
  const float half_ulp = std::ldexp(1.0f, -24);  // half an ulp of 1
  const float next = std::nextafter(1.0f, 2.0f);
  const float big = std::numeric_limits<float>::max();
  // Plane 0 (at most two choosers each, hardware sums): ties to even (down, then up), two
  // overflows, -0 alone and twice, an input nobody chose. Plane 1: the same and one input with
  // three choosers, where left-to-right float sums would lose both halves (exact chains).
  const std::vector<float> plane{1.0f, half_ulp, next,  half_ulp, big,  big,  -big,
                                 -big, -0.0f,    -0.0f, -0.0f,    0.0f, 0.0f, 0.0f};
  const std::vector<std::int64_t> plane_indices{0, 0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6, 7};
  std::vector<float> grads = plane;
  std::vector<std::int64_t> indices = plane_indices;
  grads.insert(grads.end(), plane.begin(), plane.end() - 3);
  grads.insert(grads.end(), {1.0f, half_ulp, half_ulp});
  indices.insert(indices.end(), plane_indices.begin(), plane_indices.end() - 3);
  indices.insert(indices.end(), {6, 6, 6});
  const float after_next = std::nextafter(next, 2.0f);
  const std::vector<float> expected{1.0f, after_next, inf, -inf, 0.0f, 0.0f, 0.0f, 0.0f,
                                    1.0f, after_next, inf, -inf, 0.0f, 0.0f, next, 0.0f};
  const std::vector<float> got = max_backward<float>(2, 8, grads, indices);
  EXPECT_EQ(patterns(got), patterns(expected));
  EXPECT_EQ(patterns(got), reference_max_backward(2, 8, grads, indices));
}

TEST(FastAdaptivePool, MaxBackwardGivesTheQuietNanForSpecials) {
  const float payload_nan = std::bit_cast<float>(0xFFA00001u);  // negative, signalling, payload
  const std::vector<float> grads{payload_nan, inf, -inf, inf, 2.0f, -inf, 1.0f};
  const std::vector<std::int64_t> indices{0, 1, 1, 2, 2, 3, 4};
  const std::vector<std::uint32_t> got = patterns(max_backward<float>(1, 5, grads, indices));
  EXPECT_EQ(got, (std::vector<std::uint32_t>{0x7FC00000u, 0x7FC00000u, bits(inf), bits(-inf),
                                             bits(1.0f)}));
  EXPECT_EQ(got, reference_max_backward(1, 5, grads, indices));
}

TEST(FastAdaptivePool, Binary64MaxBackwardRoundsEachSumOnce) {
  const double half_ulp = std::ldexp(1.0, -53);
  const double next = std::nextafter(1.0, 2.0);
  const double big = std::numeric_limits<double>::max();
  // Plane 0 in hardware: a tie to even, an overflow, -0 alone. Plane 1: three choosers.
  const std::vector<double> got =
      max_backward<double>(2, 3, {1.0, half_ulp, big, big, -0.0, 1.0, half_ulp, half_ulp, 0.0, 0.0},
                           {0, 0, 1, 1, 2, 1, 1, 1, 0, 0});
  const std::vector<double> expected{1.0, std::numeric_limits<double>::infinity(), 0.0, 0.0, next,
                                     0.0};
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(std::bit_cast<std::uint64_t>(got[i]), std::bit_cast<std::uint64_t>(expected[i]));
}

TEST(FastAdaptivePool, AvgBackwardCellsOnBinary32MidpointsTieToEven) {
  // 33 -> 10: input 3 is covered by windows 0 and 1, both of length 4, so its gradient is
  // (g0 + g1) / 4: a binary32 midpoint for g0 = 1 + 2^-23, g1 = 2^-24, which the multiplication
  // route must leave to the exact one (ties to even: (1 + 2^-22) / 4). Other cells divide by 20.
  std::vector<float> grads(10, 0.375f);
  grads[0] = 1 + 0x1p-23f;
  grads[1] = 0x1p-24f;
  std::vector<float> got(33);
  adaptive_avg_pool_backward<float>(reference::float_format::binary32, sizes{1, 33}, sizes{10},
                                    grads, got, 1);
  EXPECT_EQ(bits(got[3]), bits((1 + 0x1p-22f) / 4));
  reference::exact_tensor tensor{sizes{1, 10}, {}};
  for (float g : grads) tensor.values.push_back(decode(reference::float_format::binary32, bits(g)));
  std::vector<std::uint32_t> expected;
  for (const reference::extended_rational& x :
       reference::adaptive_avg_pool_backward(tensor, sizes{1, 33}, 1).values)
    expected.push_back(static_cast<std::uint32_t>(round_to(reference::float_format::binary32, x)));
  EXPECT_EQ(patterns(got), expected);
}

TEST(FastAdaptivePool, AvgBackwardRoundsSubnormalCellsOnce) {
  // 8 -> 4: windows of two, so each gradient is halved; halves of odd subnormals are ties
  // (to even), and -2^-149 / 2 rounds to -0. 12 -> 5 adds windows of three (no power of two).
  for (const auto& [in, out] :
       std::vector<std::pair<std::int64_t, std::int64_t>>{{8, 4}, {12, 5}}) {
    std::vector<float> grads{tiny, 3 * tiny, -tiny, 0x1p-126f, 5 * tiny};
    grads.resize(static_cast<std::size_t>(out));
    std::vector<float> got(static_cast<std::size_t>(in));
    adaptive_avg_pool_backward<float>(reference::float_format::binary32, sizes{1, in}, sizes{out},
                                      grads, got, 1);
    reference::exact_tensor tensor{sizes{1, out}, {}};
    for (float g : grads)
      tensor.values.push_back(decode(reference::float_format::binary32, bits(g)));
    std::vector<std::uint32_t> expected;
    for (const reference::extended_rational& x :
         reference::adaptive_avg_pool_backward(tensor, sizes{1, in}, 1).values)
      expected.push_back(
          static_cast<std::uint32_t>(round_to(reference::float_format::binary32, x)));
    EXPECT_EQ(patterns(got), expected) << in << " -> " << out;
  }
}

TEST(FastAdaptivePool, RejectsBadArguments) {
  std::vector<float> output(2);
  EXPECT_THROW(adaptive_avg_pool<float>(reference::float_format::binary64, sizes{1, 4},
                                        std::vector<float>(4), sizes{2}, output),
               common::input_error);
  EXPECT_THROW(adaptive_avg_pool<float>(reference::float_format::binary32, sizes{1, 4},
                                        std::vector<float>(3), sizes{2}, output),
               common::input_error);
  std::vector<float> grad_input(4);
  EXPECT_THROW(adaptive_max_pool_backward<float>(reference::float_format::binary32, sizes{1, 4},
                                                 sizes{2}, std::vector<float>(2),
                                                 std::vector<std::int64_t>{0, 4}, grad_input),
               common::input_error);
}

// The reference's max pooling of binary32 values: flat indices, and the winners' patterns.
using max_answer = testing::max_result<float>;

max_answer reference_max(const sizes& shape, const std::vector<float>& input, const sizes& out) {
  return testing::reference_max(reference::float_format::binary32, shape, input, out);
}

// One binary32 max-forward kernel on planes [first, end) of a zero-filled answer.
max_answer kernel_max(const sizes& shape, const std::vector<float>& input, const sizes& out,
                      detail::max_kernel kernel, detail::simd_level lanes, std::int64_t first = 0,
                      std::int64_t end = -1) {
  const auto out_count = static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out)));
  const detail::geometry g = detail::checked_geometry<float>(reference::float_format::binary32,
                                                             shape, out, input.size(), out_count);
  std::vector<float> values(out_count);
  max_answer answer{std::vector<std::int64_t>(out_count), {}};
  detail::max_planes_binary32(g, input.data(), values.data(), answer.indices.data(), first,
                              end < 0 ? g.planes : end, kernel, lanes);
  answer.values = patterns(values);
  return answer;
}

constexpr std::array<detail::max_kernel, 5> all_max_kernels{
    detail::max_kernel::automatic, detail::max_kernel::short_rows,
    detail::max_kernel::across_planes, detail::max_kernel::separable, detail::max_kernel::windows};

// The lanes of every level (a level the CPU lacks runs on the best it has).
constexpr std::array<detail::simd_level, 3> all_simd_levels{
    detail::simd_level::baseline, detail::simd_level::avx2, detail::simd_level::avx512};

// Every kernel, on every level's lanes, against the reference; the separable kernel also as
// from memory (its bands along their rows on AVX2).
void expect_kernels_match(const sizes& shape, const std::vector<float>& input, const sizes& out) {
  const max_answer expected = reference_max(shape, input, out);
  for (const detail::max_kernel kernel : all_max_kernels) {
    for (const detail::simd_level lanes : all_simd_levels) {
      EXPECT_EQ(kernel_max(shape, input, out, kernel, lanes), expected)
          << "kernel " << static_cast<int>(kernel) << " lanes " << static_cast<int>(lanes);
    }
  }
  const testing::past_cache_while route(true);
  for (const detail::simd_level lanes : all_simd_levels) {
    EXPECT_EQ(kernel_max(shape, input, out, detail::max_kernel::separable, lanes), expected)
        << "separable, as from memory, lanes " << static_cast<int>(lanes);
  }
}

TEST(FastAdaptivePool, MaxWindowsWiderThanAVectorReadOnlyTheirOwnColumns) {
  // Windows of 9 to 40 columns (the separable kernel's winner in masked AVX-512 lanes).
  for (std::int64_t width = 16; width <= 40; ++width) {
    for (std::int64_t outputs = 1; outputs * 9 <= width; ++outputs) {
      for (const bool ties : {false, true}) {
        const sizes shape{1, 2, width}, out{1, outputs};
        std::vector<float> input;
        for (const double x : testing::window_edge_rows(width, outputs, ties))
          input.push_back(static_cast<float>(x));
        expect_kernels_match(shape, input, out);
      }
    }
  }
}

// Values that make ties, NaNs (of any payload and sign), infinities and signed zeros common.
std::vector<float> max_stress_values(std::size_t count, std::mt19937& engine, int nan_weight) {
  const std::array<float, 9> pool{-inf, -2, -1, -0.0f, 0, 1, 2, inf, tiny};
  std::uniform_int_distribution<int> pick(0, 99);
  std::uniform_int_distribution<std::size_t> element(0, pool.size() - 1);
  std::uniform_int_distribution<std::uint32_t> payload(1, 0x7FFFFF);
  std::normal_distribution<float> normal;
  std::vector<float> values(count);
  for (float& x : values) {
    const int roll = pick(engine);
    if (roll < nan_weight) {
      x = std::bit_cast<float>(0x7F800000u | payload(engine) | (roll % 2 != 0 ? 0x80000000u : 0));
    } else {
      x = roll < 60 ? pool[element(engine)] : normal(engine);
    }
  }
  return values;
}

TEST(FastAdaptivePool, MaxKernelsMatchTheReferenceOnHandPickedShapes) {
  std::mt19937 engine(11);
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{
           {{3, 7, 45}, {3, 6}},        // wide rows: separable, NaN columns
           {{2, 5, 11}, {9, 20}},       // output above input: overlapping windows
           {{3, 7, 13}, {5}},           // 21 planes: across planes with a remainder
           {{2, 4, 6, 19}, {3, 4, 5}},  // 3-D
           {{1, 2, 3, 37}, {2, 6}},     // rows of 37: vector groups, then an overlapping one
           {{9, 1, 1, 1}, {2, 1, 3}},   // single elements
           {{2, 3, 70}, {1, 4}},        // groups of four vectors
           {{3, 25, 7}, {3}},           // 75 planes: blocks of 32 across planes, then 11
           {{70, 3, 5}, {2, 4}},        // 70 planes of 2-D windows
           {{3, 50}, {2}},              // one row, windows of 25: lanes within a window
           {{1, 3, 20}, {2, 3}},        // rows of 20: one vector of 16 and an overlapping one
           {{5, 61}, {23}},             // short rows past 32: chunks of 16 and 7 windows
           {{4, 64}, {9}},              // short rows of 64, 9 windows
           {{3, 40}, {50}},             // more windows than inputs: four chunks
           {{2, 1, 1, 29}, {1, 1, 4}},  // 3-D planes of one row
           {{2, 1, 1}, {2, 1}},         // one input row, two rows of windows
           {{2, 5, 112}, {3, 13}},      // 7 vectors of 16: one group of eight, a repeat
           {{2, 3, 150}, {2, 11}},      // 10 vectors of 16: eight, then two
       }) {
    for (const int nan_weight : {0, 2, 20}) {
      const std::vector<float> input = max_stress_values(
          static_cast<std::size_t>(reference::element_count(shape)), engine, nan_weight);
      expect_kernels_match(shape, input, out);
    }
  }
}

TEST(FastAdaptivePool, MaxKernelsMatchTheReferenceOnRandomShapes) {
  std::mt19937 engine(2026);
  std::uniform_int_distribution<int> nan_weight(0, 8);
  for (int round = 0; round < 300; ++round) {
    const auto [shape, out] = testing::random_max_shape(engine);
    const std::vector<float> input = max_stress_values(
        static_cast<std::size_t>(reference::element_count(shape)), engine, nan_weight(engine));
    expect_kernels_match(shape, input, out);
  }
}

TEST(FastAdaptivePool, MaxSeparableTiesGoToTheEarliestRowNotTheEarliestColumn) {
  // One window over two rows of 10: the maximum 5 sits at row 1 column 0 and row 0 column 9;
  // PyTorch's row-major scan meets row 0 first, so offset 9 wins. -0 then ties +0 (first wins).
  std::vector<float> input(20, -1);
  input[10] = 5;
  input[9] = 5;
  for (const detail::simd_level lanes : all_simd_levels) {
    const max_answer got =
        kernel_max({1, 2, 10}, input, {1, 1}, detail::max_kernel::separable, lanes);
    EXPECT_EQ(got.indices, std::vector<std::int64_t>{9});
  }
  std::vector<float> zeros(20, -inf);
  zeros[12] = -0.0f;
  zeros[3] = 0.0f;
  zeros[17] = 0.0f;
  EXPECT_EQ(kernel_max({1, 2, 10}, zeros, {1, 1}, detail::max_kernel::separable,
                       detail::simd_level::avx512)
                .indices,
            std::vector<std::int64_t>{3});
  zeros[3] = -inf;
  EXPECT_EQ(kernel_max({1, 2, 10}, zeros, {1, 1}, detail::max_kernel::separable,
                       detail::simd_level::avx512)
                .values,
            std::vector<std::uint32_t>{bits(-0.0f)});
}

TEST(FastAdaptivePool, MaxColumnsOfMinusInfinityLoseToTheLeastFiniteValue) {
  // Four rows of 40 -inf, the least finite value at row 2 column 5: the first window's winner,
  // on every kernel and level. A separable column's running maximum must start at -inf itself:
  // started above it, a column of -inf would tie -max and win by its lower offset.
  std::vector<float> input(160, -inf);
  input[2 * 40 + 5] = std::numeric_limits<float>::lowest();
  const max_answer expected = reference_max({1, 4, 40}, input, {1, 2});
  ASSERT_EQ(expected.indices, (std::vector<std::int64_t>{85, 20}));
  expect_kernels_match({1, 4, 40}, input, {1, 2});
}

TEST(FastAdaptivePool, MaxKernelsGiveTheFirstElementOfAllMinusInfinityWindows) {
  const std::vector<float> input(std::size_t{16} * 3 * 24, -inf);
  for (const detail::max_kernel kernel : all_max_kernels) {
    const max_answer got =
        kernel_max({16, 3, 24}, input, {2, 5}, kernel, detail::simd_level::avx512);
    EXPECT_EQ(got, reference_max({16, 3, 24}, input, {2, 5}));
    EXPECT_EQ(got.indices[1], 4);  // window (0, 1): rows [0, 2), columns [4, 10)
  }
}

TEST(FastAdaptivePool, MaxKernelsTakeTheLastNaNOfAWindow) {
  std::vector<float> input(std::size_t{9} * 2 * 16, 1);
  const float first_nan = std::bit_cast<float>(0x7FC00001u);
  const float last_nan = std::bit_cast<float>(0xFFC00002u);
  for (std::size_t plane = 0; plane < 9; ++plane) {
    input[plane * 32 + 3] = first_nan;
    input[plane * 32 + 17] = last_nan;  // row 1, column 1: later in the scan than column 3
    input[plane * 32 + 20] = 7;
  }
  for (const detail::max_kernel kernel : all_max_kernels) {
    for (const detail::simd_level lanes : all_simd_levels) {
      const max_answer got = kernel_max({9, 2, 16}, input, {1, 1}, kernel, lanes);
      EXPECT_EQ(got.indices, std::vector<std::int64_t>(9, 17));
      EXPECT_EQ(got.values, std::vector<std::uint32_t>(9, bits(last_nan)));
    }
  }
}

TEST(FastAdaptivePool, MaxKernelsWriteOnlyTheirPlanes) {
  // Workers get plane ranges; an across-planes block must not write past its range's end.
  std::mt19937 engine(5);
  const sizes shape{13, 9}, out{4};
  const std::vector<float> input = max_stress_values(std::size_t{13} * 9, engine, 3);
  const max_answer expected = reference_max(shape, input, out);
  for (const detail::max_kernel kernel : all_max_kernels) {
    const max_answer got = kernel_max(shape, input, out, kernel, detail::simd_level::avx512, 2, 11);
    for (std::size_t i = 0; i < got.indices.size(); ++i) {
      const bool inside = i >= std::size_t{2} * 4 && i < std::size_t{11} * 4;
      EXPECT_EQ(got.indices[i], inside ? expected.indices[i] : 0) << i;
      EXPECT_EQ(got.values[i], inside ? expected.values[i] : 0u) << i;
    }
  }
}

}  // namespace
}  // namespace poolproof::engine

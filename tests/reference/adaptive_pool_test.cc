#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_pool.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tests/reference/printers.h"

namespace poolproof::reference {
namespace {

using sizes = std::vector<std::int64_t>;

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

extended_rational q(long numerator, long denominator = 1) {
  return extended_rational::finite(rational(numerator) / rational(denominator));
}

extended_rational from_double(double x) {
  if (std::isnan(x)) return extended_rational::not_a_number();
  if (std::isinf(x)) return extended_rational::infinity(std::signbit(x));
  if (x == 0)
    return std::signbit(x) ? extended_rational::negative_zero() : extended_rational::finite(0);
  return extended_rational::finite(rational(x));
}

exact_tensor tensor(sizes shape, const std::vector<double>& values) {
  exact_tensor result{std::move(shape), {}};
  for (double x : values) result.values.push_back(from_double(x));
  return result;
}

// Values 0, 1, 2, ... in row-major order, times `scale`.
exact_tensor iota(sizes shape, long scale = 1) {
  exact_tensor result{std::move(shape), {}};
  std::int64_t count = 1;
  for (std::int64_t size : result.shape) count *= size;
  for (std::int64_t i = 0; i < count; ++i) result.values.push_back(q(scale * i));
  return result;
}

std::vector<extended_rational> values(const std::vector<double>& xs) {
  return tensor({static_cast<std::int64_t>(xs.size())}, xs).values;
}

bool is_plus_zero(const extended_rational& x) {
  return x.is_finite() && x.value == 0 && !x.negative;
}

extended_rational sum_of(const std::vector<extended_rational>& xs) {
  rational total = 0;
  for (const extended_rational& x : xs) total += x.value;
  return extended_rational::finite(total);
}

TEST(AdaptivePool, AvgFiveToThree) {
  const exact_tensor out = adaptive_avg_pool(tensor({1, 5}, {0, 1, 2, 3, 4}), sizes{3});
  EXPECT_EQ(out.shape, (sizes{1, 3}));
  // Windows [0,2), [1,4), [3,5): (0+1)/2, (1+2+3)/3, (3+4)/2.
  EXPECT_EQ(out.values, (std::vector<extended_rational>{q(1, 2), q(2), q(7, 2)}));
  const exact_tensor batched = adaptive_avg_pool(tensor({1, 1, 5}, {0, 1, 2, 3, 4}), sizes{3});
  EXPECT_EQ(batched.shape, (sizes{1, 1, 3}));
  EXPECT_EQ(batched.values, (std::vector<extended_rational>{q(1, 2), q(2), q(7, 2)}));
}

// Windows written by hand: 6 -> 3 tiles, 5 -> 3 overlaps.
struct one_hot_case {
  std::int64_t in_size;
  std::vector<window> windows;
};

const one_hot_case one_hot_cases[] = {{6, {{0, 2}, {2, 4}, {4, 6}}}, {5, {{0, 2}, {1, 4}, {3, 5}}}};

TEST(AdaptivePool, AvgOneHot) {
  for (const one_hot_case& c : one_hot_cases) {
    for (std::int64_t j = 0; j < c.in_size; ++j) {
      std::vector<double> input(static_cast<std::size_t>(c.in_size), 0.0);
      input[static_cast<std::size_t>(j)] = 1.0;
      const exact_tensor out = adaptive_avg_pool(tensor({1, c.in_size}, input), sizes{3});
      ASSERT_EQ(out.values.size(), 3u);
      for (std::size_t i = 0; i < 3; ++i) {
        const window& w = c.windows[i];
        const extended_rational expected = w.begin <= j && j < w.end ? q(1, w.length()) : q(0);
        EXPECT_EQ(out.values[i], expected) << c.in_size << "->3, e_" << j << ", output " << i;
      }
    }
  }
}

TEST(AdaptivePool, MaxOneHot) {
  for (const one_hot_case& c : one_hot_cases) {
    for (std::int64_t j = 0; j < c.in_size; ++j) {
      std::vector<double> input(static_cast<std::size_t>(c.in_size), 0.0);
      input[static_cast<std::size_t>(j)] = 1.0;
      const max_pool_result out = adaptive_max_pool(tensor({1, c.in_size}, input), sizes{3});
      ASSERT_EQ(out.indices.size(), 3u);
      for (std::size_t i = 0; i < 3; ++i) {
        const window& w = c.windows[i];
        const bool inside = w.begin <= j && j < w.end;
        // Outside the hot element, all zeros tie and the first wins.
        EXPECT_EQ(out.indices[i], inside ? j : w.begin) << c.in_size << "->3, e_" << j;
        EXPECT_EQ(out.values.values[i], inside ? q(1) : q(0)) << c.in_size << "->3, e_" << j;
      }
    }
  }
}

TEST(AdaptivePool, MaxTiesPickFirst) {
  const max_pool_result out = adaptive_max_pool(tensor({1, 4}, {3, 1, 3, 2}), sizes{1});
  EXPECT_EQ(out.indices, (sizes{0}));
  EXPECT_EQ(out.values.values, values({3}));
}

TEST(AdaptivePool, MaxNanWinsAtLastNan) {
  const max_pool_result out = adaptive_max_pool(tensor({1, 5}, {1, nan, 3, nan, 2}), sizes{1});
  EXPECT_EQ(out.indices, (sizes{3}));
  ASSERT_EQ(out.values.values.size(), 1u);
  EXPECT_TRUE(out.values.values[0].is_nan());
  // A NaN before a larger value still wins.
  const max_pool_result first = adaptive_max_pool(tensor({1, 3}, {nan, 5, 1}), sizes{1});
  EXPECT_EQ(first.indices, (sizes{0}));
  EXPECT_TRUE(first.values.values[0].is_nan());
}

TEST(AdaptivePool, MaxAllMinusInfinity) {
  // 4 -> 2 windows [0,2), [2,4): the second is all -inf and reports its first element.
  const max_pool_result out = adaptive_max_pool(tensor({1, 4}, {-inf, 7, -inf, -inf}), sizes{2});
  EXPECT_EQ(out.indices, (sizes{1, 2}));
  EXPECT_EQ(out.values.values, values({7, -inf}));
}

TEST(AdaptivePool, MaxKeepsNegativeZero) {
  const max_pool_result out = adaptive_max_pool(tensor({1, 2}, {-0.0, 0.0}), sizes{1});
  EXPECT_EQ(out.indices, (sizes{0}));
  ASSERT_EQ(out.values.values.size(), 1u);
  EXPECT_EQ(out.values.values[0], extended_rational::negative_zero());
  const max_pool_result swapped = adaptive_max_pool(tensor({1, 2}, {0.0, -0.0}), sizes{1});
  EXPECT_EQ(swapped.indices, (sizes{0}));
  EXPECT_TRUE(is_plus_zero(swapped.values.values[0]));
}

TEST(AdaptivePool, AvgWithInfinities) {
  EXPECT_TRUE(adaptive_avg_pool(tensor({1, 2}, {inf, -inf}), sizes{1}).values[0].is_nan());
  EXPECT_EQ(adaptive_avg_pool(tensor({1, 4}, {1, inf, -inf, 2}), sizes{2}).values,
            values({inf, -inf}));
  EXPECT_EQ(adaptive_avg_pool(tensor({1, 3}, {-5, -inf, 9}), sizes{1}).values, values({-inf}));
  EXPECT_TRUE(adaptive_avg_pool(tensor({1, 3}, {1, nan, inf}), sizes{1}).values[0].is_nan());
}

TEST(AdaptivePool, AvgOfZerosIsPositiveZero) {
  for (const std::vector<double>& input :
       {std::vector<double>{-0.0, -0.0}, std::vector<double>{-0.0}, std::vector<double>{0.0, -0.0},
        std::vector<double>{-1.0, 1.0}}) {
    const exact_tensor out =
        adaptive_avg_pool(tensor({1, static_cast<std::int64_t>(input.size())}, input), sizes{1});
    ASSERT_EQ(out.values.size(), 1u);
    EXPECT_TRUE(is_plus_zero(out.values[0])) << to_string(out.values[0]);
  }
}

TEST(AdaptivePool, AvgTwoDimensionsBatched) {
  // [N=1, C=2, H=3, W=4] holding its flat index; out 2x2. H 3->2: [0,2),[1,3); W 4->2: [0,2),[2,4).
  const exact_tensor out = adaptive_avg_pool(iota({1, 2, 3, 4}), sizes{2, 2});
  EXPECT_EQ(out.shape, (sizes{1, 2, 2, 2}));
  ASSERT_EQ(out.values.size(), 8u);
  EXPECT_EQ(out.values[0], q(5, 2));   // {0,1,4,5}
  EXPECT_EQ(out.values[3], q(17, 2));  // {6,7,10,11}
  EXPECT_EQ(out.values[5], q(33, 2));  // channel 1, (0,1): 12 + {2,3,6,7}
}

TEST(AdaptivePool, AvgTwoDimensionsChannelOffset) {
  const exact_tensor out = adaptive_avg_pool(iota({1, 2, 3, 4}), sizes{2, 2});
  // Channel 1, (1,0): 12 + mean{4,5,8,9} = 12 + 13/2 = 37/2.
  EXPECT_EQ(out.values[6], q(37, 2));
}

TEST(AdaptivePool, UnbatchedMatchesHandValues) {
  const exact_tensor out = adaptive_avg_pool(iota({2, 3, 4}), sizes{2, 2});
  EXPECT_EQ(out.shape, (sizes{2, 2, 2}));
  ASSERT_EQ(out.values.size(), 8u);
  EXPECT_EQ(out.values[0], q(5, 2));
  EXPECT_EQ(out.values[5], q(33, 2));
  const max_pool_result max = adaptive_max_pool(iota({2, 3, 4}), sizes{2, 2});
  EXPECT_EQ(max.values.shape, (sizes{2, 2, 2}));
  // Channel 1, (1,0): rows {1,2}, columns {0,1}: largest at (2,1), spatial index 9, value 21.
  EXPECT_EQ(max.indices[6], 9);
  EXPECT_EQ(max.values.values[6], q(21));
}

TEST(AdaptivePool, MaxIndicesAreSpatialWithinPlane) {
  // [N=2, C=1, H=3, W=4]; out 2x2. Batch 1, (1,1): rows {1,2}, cols {2,3} -> (2,3) = 2*4+3 = 11.
  const max_pool_result out = adaptive_max_pool(iota({2, 1, 3, 4}), sizes{2, 2});
  EXPECT_EQ(out.values.shape, (sizes{2, 1, 2, 2}));
  EXPECT_EQ(out.indices, (sizes{5, 7, 9, 11, 5, 7, 9, 11}));
  EXPECT_EQ(out.values.values[7], q(12 + 11));
}

TEST(AdaptivePool, ThreeDimensions) {
  // [N=2, C=1, D=2, H=3, W=4] -> (1, 2, 3). D: [0,2); H: [0,2),[1,3); W: [0,2),[1,3),[2,4).
  const exact_tensor avg = adaptive_avg_pool(iota({2, 1, 2, 3, 4}), sizes{1, 2, 3});
  EXPECT_EQ(avg.shape, (sizes{2, 1, 1, 2, 3}));
  ASSERT_EQ(avg.values.size(), 12u);
  // Batch 0, (0,0,0): d{0,1} h{0,1} w{0,1}: mean = 12*1/2 + 4*1/2 + 1/2 = 17/2.
  EXPECT_EQ(avg.values[0], q(17, 2));
  // Batch 1, (0,1,2): 24 + 12*1/2 + 4*3/2 + 5/2 = 77/2.
  EXPECT_EQ(avg.values[11], q(77, 2));
  // Values -flat: the first element of each box wins; batch 1, (0,1,2) starts at (0,1,2) = 6.
  const max_pool_result max = adaptive_max_pool(iota({2, 1, 2, 3, 4}, -1), sizes{1, 2, 3});
  EXPECT_EQ(max.indices, (sizes{0, 1, 2, 4, 5, 6, 0, 1, 2, 4, 5, 6}));
  EXPECT_EQ(max.values.values[11], q(-30));
}

TEST(AdaptivePool, AvgBackwardFiveToThree) {
  const exact_tensor grad = adaptive_avg_pool_backward(tensor({1, 3}, {1, 1, 1}), sizes{1, 5}, 1);
  EXPECT_EQ(grad.shape, (sizes{1, 5}));
  EXPECT_EQ(grad.values,
            (std::vector<extended_rational>{q(1, 2), q(5, 6), q(1, 3), q(5, 6), q(1, 2)}));
}

TEST(AdaptivePool, AvgBackwardConservesGradient) {
  // Each window spreads its gradient over its members, so the totals agree.
  const exact_tensor grad_output = tensor({2, 3, 2}, {3, -1, 4, 1, -5, 9, 2, 6, -5, 3, 5, 8});
  const exact_tensor grad = adaptive_avg_pool_backward(grad_output, sizes{2, 7, 5}, 2);
  EXPECT_EQ(grad.shape, (sizes{2, 7, 5}));
  EXPECT_EQ(sum_of(grad.values), sum_of(grad_output.values));
  EXPECT_EQ(sum_of(grad_output.values), q(30));
  const exact_tensor grad1 =
      adaptive_avg_pool_backward(tensor({1, 4}, {1, 2, 3, 4}), sizes{1, 9}, 1);
  EXPECT_EQ(sum_of(grad1.values), q(10));
}

TEST(AdaptivePool, AvgBackwardTwoDimensions) {
  // 2x2 -> 3x3: H and W windows [0,1),[0,2),[1,2); input (0,0) gets 1 + 1/2 + 1/2 + 1/4 from
  // outputs (0,0), (0,1), (1,0), (1,1) when every grad_output is 1.
  std::vector<double> ones(9, 1.0);
  const exact_tensor grad = adaptive_avg_pool_backward(tensor({1, 3, 3}, ones), sizes{1, 2, 2}, 2);
  EXPECT_EQ(grad.values, (std::vector<extended_rational>{q(9, 4), q(9, 4), q(9, 4), q(9, 4)}));
}

TEST(AdaptivePool, MaxBackwardScattersAndAccumulates) {
  // 3 -> 2 windows [0,2), [1,3) both pick index 1.
  const exact_tensor input = tensor({1, 3}, {1, 5, 2});
  const max_pool_result forward = adaptive_max_pool(input, sizes{2});
  ASSERT_EQ(forward.indices, (sizes{1, 1}));
  const exact_tensor grad =
      adaptive_max_pool_backward(tensor({1, 2}, {2, 3}), forward.indices, input.shape, 1);
  EXPECT_EQ(grad.shape, (sizes{1, 3}));
  EXPECT_EQ(grad.values, values({0, 5, 0}));
  EXPECT_TRUE(is_plus_zero(grad.values[0]));
}

TEST(AdaptivePool, MaxBackwardPerPlane) {
  // Two planes of 2x2 -> 1x1: plane 0 picks 3, plane 1 picks 1; indices are within each plane.
  const exact_tensor grad =
      adaptive_max_pool_backward(tensor({2, 1, 1}, {7, -2}), sizes{3, 1}, sizes{2, 2, 2}, 2);
  EXPECT_EQ(grad.values, values({0, 0, 0, 7, 0, -2, 0, 0}));
}

TEST(AdaptivePool, RejectsBadShapes) {
  EXPECT_THROW((void)adaptive_avg_pool(tensor({1, 5}, {1, 2, 3, 4}), sizes{3}),
               common::input_error);
  EXPECT_THROW((void)adaptive_max_pool(tensor({1, 5}, {1, 2, 3, 4, 5, 6}), sizes{3}),
               common::input_error);
  EXPECT_THROW((void)adaptive_avg_pool(tensor({1, 5}, {1, 2, 3, 4, 5}), sizes{0}),
               common::input_error);
  EXPECT_THROW((void)adaptive_avg_pool(tensor({5}, {1, 2, 3, 4, 5}), sizes{2, 2}),
               common::input_error);
  EXPECT_THROW((void)adaptive_max_pool(tensor({1, 1, 1, 1, 5}, {1, 2, 3, 4, 5}), sizes{3}),
               common::input_error);
  EXPECT_THROW((void)adaptive_avg_pool(tensor({0, 5}, {}), sizes{3}), common::input_error);
}

TEST(AdaptivePool, BackwardRejectsMismatchedShapes) {
  // Leading axes must match the input's: [2, 3, 2] cannot come from [2, 4, 5].
  EXPECT_THROW((void)adaptive_avg_pool_backward(iota({2, 3, 2}), sizes{2, 4, 5}, 1),
               common::input_error);
  EXPECT_THROW((void)adaptive_avg_pool_backward(tensor({2, 3}, {1, 1, 1, 1, 1, 1}), sizes{1, 5}, 1),
               common::input_error);
  EXPECT_THROW((void)adaptive_avg_pool_backward(tensor({3}, {1, 1, 1}), sizes{1, 5}, 1),
               common::input_error);
  EXPECT_THROW((void)adaptive_avg_pool_backward(tensor({1, 3}, {1, 1}), sizes{1, 5}, 1),
               common::input_error);
  EXPECT_THROW((void)adaptive_avg_pool_backward(tensor({1, 3}, {1, 1, 1}), sizes{1, 5}, 3),
               common::input_error);
  EXPECT_THROW(
      (void)adaptive_max_pool_backward(tensor({1, 3}, {1, 1, 1}), sizes{0, 1}, sizes{1, 5}, 1),
      common::input_error);
  EXPECT_THROW(
      (void)adaptive_max_pool_backward(tensor({1, 2}, {1, 1}), sizes{0, 5}, sizes{1, 5}, 1),
      common::input_error);
  EXPECT_THROW(
      (void)adaptive_max_pool_backward(tensor({1, 2}, {1, 1}), sizes{0, -1}, sizes{1, 5}, 1),
      common::input_error);
}

}  // namespace
}  // namespace poolproof::reference

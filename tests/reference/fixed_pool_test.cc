#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/fixed_pool.h>

#include <cstdint>
#include <optional>
#include <string>

#include "tests/reference/printers.h"

namespace poolproof::reference {
namespace {

fixed_pool_params params(std::int64_t kernel, std::int64_t stride, std::int64_t padding,
                         bool ceil_mode = false, std::int64_t dilation = 1) {
  fixed_pool_params result;
  result.kernel = kernel;
  result.stride = stride;
  result.padding = padding;
  result.dilation = dilation;
  result.ceil_mode = ceil_mode;
  return result;
}

void expect_indices(const index_progression& actual, std::int64_t first, std::int64_t count,
                    std::int64_t step) {
  EXPECT_EQ(actual.first, first);
  EXPECT_EQ(actual.count, count);
  EXPECT_EQ(actual.step, step);
}

// Expected sizes below are worked by hand from PyTorch's pooling_output_shape_pad_lr
// (aten/src/ATen/native/Pool.h):
//   o = div_rtn(n + 2p - d*(k-1) - 1 + (ceil_mode ? s-1 : 0), s) + 1;
//   if (ceil_mode && (o-1)*s >= n + p) --o;
TEST(FixedPool, OutputSizeFloorMode) {
  EXPECT_EQ(fixed_pool_output_size(5, params(3, 2, 1)), 3);  // (5+2-2-1)/2+1
  EXPECT_EQ(fixed_pool_output_size(6, params(2, 2, 0)), 3);  // (6-1-1)/2+1
  EXPECT_EQ(fixed_pool_output_size(5, params(2, 2, 0)), 2);  // (5-1-1)/2+1 = 1+1
  EXPECT_EQ(fixed_pool_output_size(6, params(3, 2, 1)), 3);  // (6+2-2-1)/2+1 = 2+1
  EXPECT_EQ(fixed_pool_output_size(1, params(1, 1, 0)), 1);
  EXPECT_EQ(fixed_pool_output_size(7, params(7, 1, 0)), 1);
}

TEST(FixedPool, OutputSizeCeilMode) {
  // (5-1-1+1)/2+1 = 3; (3-1)*2 = 4 < 5 keeps the last window.
  EXPECT_EQ(fixed_pool_output_size(5, params(2, 2, 0, true)), 3);
  // (6+2-2-1+1)/2+1 = 4; 3*2 = 6 < 6+1 keeps it.
  EXPECT_EQ(fixed_pool_output_size(6, params(3, 2, 1, true)), 4);
  // Where ceil_mode changes nothing: (6-1-1+1)/2+1 = 3.
  EXPECT_EQ(fixed_pool_output_size(6, params(2, 2, 0, true)), 3);
}

TEST(FixedPool, OutputSizeCeilModeDropsWindowStartingInPadding) {
  // n=5,k=2,s=2,p=1: (5+2-1-1+1)/2+1 = 4, but (4-1)*2 = 6 >= 5+1: the 4th window would start in
  // the right padding, so PyTorch drops it.
  EXPECT_EQ(fixed_pool_output_size(5, params(2, 2, 1, true)), 3);
  // n=3,k=2,s=2,p=1: (3+2-1-1+1)/2+1 = 3, 2*2 = 4 >= 3+1 -> 2.
  EXPECT_EQ(fixed_pool_output_size(3, params(2, 2, 1, true)), 2);
}

TEST(FixedPool, OutputSizeWithDilation) {
  // d*(k-1) = 6: (10+2-6-1)/1+1 = 6.
  EXPECT_EQ(fixed_pool_output_size(10, params(3, 1, 1, false, 3)), 6);
  // d*(k-1) = 4: floor (10-4-1)/2+1 = 3; ceil (10-4-1+1)/2+1 = 4 and 3*2 = 6 < 10 keeps it.
  EXPECT_EQ(fixed_pool_output_size(10, params(3, 2, 0, false, 2)), 3);
  EXPECT_EQ(fixed_pool_output_size(10, params(3, 2, 0, true, 2)), 4);
}

TEST(FixedPool, OutputSizeRoundsTowardNegativeInfinity) {
  // div_rtn(2-4-1, 2) = floor(-3/2) = -2, so o = -1; truncation would give 0.
  EXPECT_EQ(fixed_pool_output_size(2, params(5, 2, 0)), -1);
  // div_rtn(2-4-1, 1) + 1 = -2.
  EXPECT_EQ(fixed_pool_output_size(2, params(5, 1, 0)), -2);
}

TEST(FixedPool, OutputSizeAtHugeSizes) {
  const std::int64_t big = std::int64_t{1} << 62;
  EXPECT_EQ(fixed_pool_output_size(big, params(1, 1, 0)), big);
  EXPECT_EQ(fixed_pool_output_size(big, params(big, big, 0)), 1);
  // (2^62 + 2 - 2 - 1 + 2^62 - 1)/2^62 + 1 = 1 + 1, and 2^62 < 2^62 + 1 keeps it.
  EXPECT_EQ(fixed_pool_output_size(big, params(2, big, 1, true)), 2);
}

TEST(FixedPool, OutputSizeWithHugeReachIsNotPositive) {
  // d*(k-1) far beyond n: the exact count 1 - d*(k-1) is hugely negative (PyTorch errors), and
  // must not wrap around int64 into a positive count: k=5, d=2^62 gives exactly 1 - 2^64.
  const std::int64_t big = std::int64_t{1} << 62;
  for (std::int64_t kernel : {std::int64_t{3}, std::int64_t{4}, std::int64_t{5}, big}) {
    EXPECT_LE(fixed_pool_output_size(1, params(kernel, 1, 0, false, big)), 0) << "k=" << kernel;
    EXPECT_LE(fixed_pool_output_size(1, params(kernel, 1, 0, true, big)), 0) << "k=" << kernel;
  }
  EXPECT_TRUE(fixed_pool_mismatch(1, 1, params(5, 1, 0, false, big), pool_kind::max).has_value());
  // Exact while representable: k=2, d=2^62 gives 1 + 0 - 2^62 - 1 + 1 = 1 - 2^62.
  EXPECT_EQ(fixed_pool_output_size(1, params(2, 1, 0, false, big)), 1 - big);
  // Below -2^62 the count saturates there: k=5 is exactly 1 - 2^64.
  EXPECT_EQ(fixed_pool_output_size(1, params(5, 1, 0, false, big)), -big);
}

TEST(FixedPool, IndicesClipAtBothEnds) {
  const fixed_pool_params p = params(3, 2, 1);  // n=5: taps {-1,0,1}, {1,2,3}, {3,4,5}.
  expect_indices(fixed_pool_indices(5, p, 0), 0, 2, 1);
  expect_indices(fixed_pool_indices(5, p, 1), 1, 3, 1);
  expect_indices(fixed_pool_indices(5, p, 2), 3, 2, 1);
  // Two taps in the left padding: k=5, p=2, taps {-2..2}.
  expect_indices(fixed_pool_indices(10, params(5, 1, 2), 0), 0, 3, 1);
}

TEST(FixedPool, IndicesWithDilation) {
  // n=10,k=3,s=1,p=1,d=3: output o reads {o-1, o+2, o+5} within [0,10); 6 outputs.
  const fixed_pool_params p = params(3, 1, 1, false, 3);
  expect_indices(fixed_pool_indices(10, p, 0), 2, 2, 3);  // {-1,2,5}
  expect_indices(fixed_pool_indices(10, p, 1), 0, 3, 3);  // {0,3,6}
  expect_indices(fixed_pool_indices(10, p, 4), 3, 3, 3);  // {3,6,9}
  expect_indices(fixed_pool_indices(10, p, 5), 4, 2, 3);  // {4,7,10}
  // n=4,k=3,s=1,p=1,d=2: (4+2-4-1)+1 = 2 outputs; {-1,1,3} and {0,2,4}.
  const fixed_pool_params q = params(3, 1, 1, false, 2);
  expect_indices(fixed_pool_indices(4, q, 0), 1, 2, 2);
  expect_indices(fixed_pool_indices(4, q, 1), 0, 2, 2);
}

TEST(FixedPool, IndicesOfCeilModeOverhang) {
  // n=5,k=2,s=2,ceil: third window {4,5} keeps only 4.
  expect_indices(fixed_pool_indices(5, params(2, 2, 0, true), 2), 4, 1, 1);
}

TEST(FixedPool, SameIndices) {
  EXPECT_TRUE(same_indices({1, 3, 1}, window{1, 4}));
  EXPECT_FALSE(same_indices({1, 3, 2}, window{1, 4}));
  EXPECT_TRUE(same_indices({2, 1, 3}, window{2, 3}));  // one tap: the step is irrelevant
  EXPECT_FALSE(same_indices({0, 3, 1}, window{1, 4}));
  EXPECT_FALSE(same_indices({1, 2, 1}, window{1, 4}));
}

TEST(FixedPool, AvgDivisorCountIncludePad) {
  // n=6,k=3,s=2,p=1,ceil: 4 outputs; windows [-1,2),[1,4),[3,6),[5,8) clipped to [-1,7).
  fixed_pool_params p = params(3, 2, 1, true);
  p.count_include_pad = true;
  EXPECT_EQ(fixed_avg_divisor(6, p, 0), 3);  // padding counted
  EXPECT_EQ(fixed_avg_divisor(6, p, 1), 3);
  EXPECT_EQ(fixed_avg_divisor(6, p, 2), 3);
  EXPECT_EQ(fixed_avg_divisor(6, p, 3), 2);  // [5,8) clipped to n+p = 7: overhang not counted
  p.count_include_pad = false;
  EXPECT_EQ(fixed_avg_divisor(6, p, 0), 2);  // real inputs {0,1}
  EXPECT_EQ(fixed_avg_divisor(6, p, 1), 3);
  EXPECT_EQ(fixed_avg_divisor(6, p, 3), 1);  // real input {5}
}

TEST(FixedPool, AvgDivisorCeilModeWithoutPadding) {
  // n=5,k=2,s=2,p=0,ceil: the last window [4,6) is clipped to n+p = 5 either way.
  fixed_pool_params p = params(2, 2, 0, true);
  EXPECT_EQ(fixed_avg_divisor(5, p, 2), 1);
  p.count_include_pad = false;
  EXPECT_EQ(fixed_avg_divisor(5, p, 2), 1);
  EXPECT_EQ(fixed_avg_divisor(5, p, 0), 2);
}

TEST(FixedPool, AvgDivisorOverride) {
  fixed_pool_params p = params(3, 2, 1, true);
  p.divisor_override = 7;
  for (std::int64_t o = 0; o < 4; ++o) EXPECT_EQ(fixed_avg_divisor(6, p, o), 7);
  p.count_include_pad = false;
  EXPECT_EQ(fixed_avg_divisor(6, p, 0), 7);
}

TEST(FixedPool, RequireValidParamsAcceptsPyTorchLayers) {
  EXPECT_NO_THROW(require_valid_params(params(3, 2, 1), pool_kind::avg));
  EXPECT_NO_THROW(require_valid_params(params(4, 1, 2), pool_kind::avg));  // p = k/2
  EXPECT_NO_THROW(require_valid_params(params(3, 1, 1, false, 3), pool_kind::max));
  EXPECT_NO_THROW(require_valid_params(params(1, 1, 0), pool_kind::max));
  fixed_pool_params p = params(2, 2, 0);
  p.divisor_override = 1;
  EXPECT_NO_THROW(require_valid_params(p, pool_kind::avg));
}

TEST(FixedPool, RequireValidParamsRejects) {
  EXPECT_THROW(require_valid_params(params(3, 1, 2), pool_kind::avg),
               common::input_error);  // p > k/2
  EXPECT_THROW(require_valid_params(params(3, 1, 2), pool_kind::max), common::input_error);
  EXPECT_THROW(require_valid_params(params(1, 1, 1), pool_kind::max), common::input_error);
  EXPECT_THROW(require_valid_params(params(0, 1, 0), pool_kind::avg), common::input_error);
  EXPECT_THROW(require_valid_params(params(2, 0, 0), pool_kind::max), common::input_error);
  EXPECT_THROW(require_valid_params(params(2, -1, 0), pool_kind::max), common::input_error);
  EXPECT_THROW(require_valid_params(params(2, 1, -1), pool_kind::avg), common::input_error);
  EXPECT_THROW(require_valid_params(params(3, 1, 1, false, 2), pool_kind::avg),
               common::input_error);
  EXPECT_THROW(require_valid_params(params(3, 1, 1, false, 0), pool_kind::max),
               common::input_error);
  EXPECT_THROW(require_valid_params(params((std::int64_t{1} << 62) + 1, 1, 0), pool_kind::max),
               common::input_error);
  fixed_pool_params p = params(2, 2, 0);
  p.divisor_override = 0;
  EXPECT_THROW(require_valid_params(p, pool_kind::avg), common::input_error);
}

TEST(FixedPool, PoolKindName) {
  EXPECT_STREQ(pool_kind_name(pool_kind::avg), "avg");
  EXPECT_STREQ(pool_kind_name(pool_kind::max), "max");
}

TEST(FixedPool, MismatchNoneForFiveToThreeWithoutPad) {
  // 5 -> 3 windows [0,2),[1,4),[3,5) = k=3,s=2,p=1 clipped, divisors 2,3,2 without pad.
  fixed_pool_params p = params(3, 2, 1);
  p.count_include_pad = false;
  EXPECT_EQ(fixed_pool_mismatch(5, 3, p, pool_kind::avg), std::nullopt);
  EXPECT_EQ(fixed_pool_mismatch(5, 3, p, pool_kind::max), std::nullopt);
}

TEST(FixedPool, MismatchCountIncludePadChangesAvgOnly) {
  fixed_pool_params p = params(3, 2, 1);
  p.count_include_pad = true;  // output 0 divides by 3, adaptive by 2
  const std::optional<std::string> mismatch = fixed_pool_mismatch(5, 3, p, pool_kind::avg);
  ASSERT_TRUE(mismatch.has_value());
  EXPECT_NE(mismatch->find("output 0"), std::string::npos) << *mismatch;
  EXPECT_EQ(fixed_pool_mismatch(5, 3, p, pool_kind::max), std::nullopt);
}

TEST(FixedPool, MismatchNoneForTiling) {
  for (pool_kind kind : {pool_kind::avg, pool_kind::max}) {
    EXPECT_EQ(fixed_pool_mismatch(6, 3, params(2, 2, 0), kind), std::nullopt);
  }
}

TEST(FixedPool, MismatchForNaiveRule) {
  // 10 -> 4: stride 10/4 = 2, kernel 10 - 3*2 = 4 reads [0,4); adaptive window 0 is [0,3).
  for (pool_kind kind : {pool_kind::avg, pool_kind::max}) {
    const std::optional<std::string> mismatch = fixed_pool_mismatch(10, 4, params(4, 2, 0), kind);
    ASSERT_TRUE(mismatch.has_value());
    EXPECT_NE(mismatch->find("output 0"), std::string::npos) << *mismatch;
  }
}

TEST(FixedPool, MismatchOnOutputCount) {
  // 6 -> 3 asked of a layer that produces (6-2)/1+1 = 5 outputs.
  const std::optional<std::string> mismatch =
      fixed_pool_mismatch(6, 3, params(2, 1, 0), pool_kind::max);
  ASSERT_TRUE(mismatch.has_value());
  EXPECT_NE(mismatch->find('5'), std::string::npos) << *mismatch;
}

TEST(FixedPool, MismatchForDilationGaps) {
  // 5 -> 2 has windows [0,3),[2,5); k=2,d=2,s=2,p=0 has 2 outputs reading {0,2} and {2,4}.
  EXPECT_TRUE(fixed_pool_mismatch(5, 2, params(2, 2, 0, false, 2), pool_kind::max).has_value());
}

}  // namespace
}  // namespace poolproof::reference

#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/export_pool.h>

#include <cstdint>

namespace poolproof::reference {
namespace {

onnx_pool_params onnx(std::int64_t k, std::int64_t s, std::int64_t pad_begin, std::int64_t pad_end,
                      bool ceil_mode = false, onnx_auto_pad auto_pad = onnx_auto_pad::notset) {
  onnx_pool_params p;
  p.kernel = k;
  p.stride = s;
  p.pad_begin = pad_begin;
  p.pad_end = pad_end;
  p.ceil_mode = ceil_mode;
  p.auto_pad = auto_pad;
  return p;
}

onnx_pool_params onnx_auto(std::int64_t k, std::int64_t s, onnx_auto_pad auto_pad) {
  return onnx(k, s, 0, 0, false, auto_pad);
}

std::int64_t onnx_count(std::int64_t n, const onnx_pool_params& p) {
  return onnx_pool_geometry(n, p, pool_kind::max).count;
}

// Counts worked by hand from the ONNX AveragePool-22 text: floor or ceil of
// (n + pads - d*(k-1) - 1)/s + 1, a last window starting in the right padding ignored.
TEST(OnnxPool, ExplicitPadsCount) {
  EXPECT_EQ(onnx_count(5, onnx(3, 2, 1, 1)), 3);        // (5+2-2-1)/2+1
  EXPECT_EQ(onnx_count(5, onnx(3, 2, 1, 0)), 2);        // floor(3/2)+1
  EXPECT_EQ(onnx_count(5, onnx(3, 2, 1, 0, true)), 3);  // ceil(3/2)+1; 4 < 5+1 keeps it
  EXPECT_EQ(onnx_count(4, onnx(3, 2, 2, 0, true)), 3);  // ceil(3/2)+1; 4 < 4+2
  // ceil(3/2)+1 = 3, but (3-1)*2 = 4 >= 4 + pad_begin 0: ignored. ORT 1.30 gives 2 as well;
  // measuring against n + pad_end (5) would keep it.
  EXPECT_EQ(onnx_count(4, onnx(2, 2, 0, 1, true)), 2);
  EXPECT_EQ(onnx_count(1, onnx(3, 1, 2, 2)), 3);  // pads below the kernel, all windows on 0
}

TEST(OnnxPool, DilatedCount) {
  onnx_pool_params p = onnx(2, 1, 0, 0);
  p.dilation = 3;
  EXPECT_EQ(onnx_count(5, p), 2);  // (5-3-1)/1+1
}

// SAME: o = ceil(n/s), P = (o-1)*s + k - n; UPPER puts the odd unit after, LOWER before.
TEST(OnnxPool, SamePadsSplit) {
  const pool_geometry upper =
      onnx_pool_geometry(5, onnx_auto(4, 2, onnx_auto_pad::same_upper), pool_kind::max);
  EXPECT_EQ(upper.count, 3);
  EXPECT_EQ(upper.pad_begin, 1);
  EXPECT_EQ(upper.pad_end, 2);
  const pool_geometry lower =
      onnx_pool_geometry(5, onnx_auto(4, 2, onnx_auto_pad::same_lower), pool_kind::max);
  EXPECT_EQ(lower.pad_begin, 2);
  EXPECT_EQ(lower.pad_end, 1);
  // ORT on [1, 10, 100, 1000, 10000] gave [5.5, 277.75, 3700]: windows {0,1}, {0..3}, {2,3,4}.
  EXPECT_EQ(to_string(geometry_indices(5, lower, 0)), "[0,2)");
  EXPECT_EQ(to_string(geometry_indices(5, lower, 2)), "[2,5)");
}

TEST(OnnxPool, NegativeSamePaddingIsRefused) {
  // n=9, s=5, k=1: o = 2, P = 5 + 1 - 9 = -3; ORT: "padding values must be non-negative".
  EXPECT_EQ(onnx_count(9, onnx_auto(1, 5, onnx_auto_pad::same_lower)), 0);
}

TEST(OnnxPool, ValidCount) {
  EXPECT_EQ(onnx_count(5, onnx_auto(2, 2, onnx_auto_pad::valid)), 2);  // floor(3/2)+1
  EXPECT_EQ(onnx_count(5, onnx_auto(6, 1, onnx_auto_pad::valid)), 0);  // refused
}

TEST(OnnxPool, DivisorIncludesPadUpToPaddedEnd) {
  // SAME_UPPER n=5 k=4 s=2: pads (1, 2); ORT with count_include_pad=1 gave [27.75, 2777.5, 2750],
  // that is sums 111, 11110, 11000 over 4, 4, 4: the last window [3,7) lies within [-1, 7).
  const pool_geometry g = onnx_pool_geometry(
      5,
      [] {
        onnx_pool_params p = onnx_auto(4, 2, onnx_auto_pad::same_upper);
        p.count_include_pad = true;
        return p;
      }(),
      pool_kind::avg);
  EXPECT_EQ(geometry_avg_divisor(5, g, 0), 4);
  EXPECT_EQ(geometry_avg_divisor(5, g, 2), 4);
  // Explicit pads (1, 2), ceil_mode, k=3, s=2 on n=5: ORT gave 3.667 = 11/3 for output 0 and
  // 11000/3 for output 2 ([3,6) clipped to [-1, 7) keeps 3).
  onnx_pool_params p = onnx(3, 2, 1, 2, true);
  p.count_include_pad = true;
  const pool_geometry explicit_pads = onnx_pool_geometry(5, p, pool_kind::avg);
  EXPECT_EQ(explicit_pads.count, 3);
  EXPECT_EQ(geometry_avg_divisor(5, explicit_pads, 0), 3);
  EXPECT_EQ(geometry_avg_divisor(5, explicit_pads, 2), 3);
  // Without count_include_pad the divisor is the inputs read: 2 at output 0.
  EXPECT_EQ(
      geometry_avg_divisor(5, onnx_pool_geometry(5, onnx(3, 2, 1, 2, true), pool_kind::avg), 0), 2);
}

TEST(OnnxPool, MismatchFindsTheFirstDifference) {
  // 5 -> 3 is [0,2) [1,4) [3,5): pads (1, 0) with ceil_mode reproduce it, pads (0, 0) do not.
  EXPECT_FALSE(onnx_pool_mismatch(5, 3, onnx(3, 2, 1, 0, true), pool_kind::avg));
  EXPECT_EQ(onnx_pool_mismatch(5, 3, onnx(3, 2, 1, 0), pool_kind::avg),
            "fixed pooling has 2 outputs, adaptive has 3");
  EXPECT_EQ(onnx_pool_mismatch(5, 3, onnx(3, 2, 0, 2), pool_kind::max),
            "output 0 reads [0,3), adaptive reads [0,2)");
  onnx_pool_params counted = onnx(3, 2, 1, 1);
  counted.count_include_pad = true;
  EXPECT_EQ(onnx_pool_mismatch(5, 3, counted, pool_kind::avg),
            "output 0 divides by 3, adaptive by 2");
  const std::int64_t middle[] = {1};
  EXPECT_FALSE(onnx_pool_mismatch(5, 3, counted, pool_kind::avg, middle));
}

TEST(OnnxPool, RejectsLayersOutsideTheFamily) {
  EXPECT_NO_THROW(require_valid_onnx_params(onnx(3, 1, 2, 2), pool_kind::avg));
  EXPECT_THROW(require_valid_onnx_params(onnx(2, 1, 2, 0), pool_kind::max), common::input_error);
  EXPECT_THROW(require_valid_onnx_params(onnx(0, 1, 0, 0), pool_kind::max), common::input_error);
  onnx_pool_params same_ceil = onnx_auto(2, 1, onnx_auto_pad::same_upper);
  same_ceil.ceil_mode = true;
  EXPECT_THROW(require_valid_onnx_params(same_ceil, pool_kind::max), common::input_error);
  onnx_pool_params dilated_avg = onnx(2, 1, 0, 0);
  dilated_avg.dilation = 2;
  EXPECT_THROW(require_valid_onnx_params(dilated_avg, pool_kind::avg), common::input_error);
  EXPECT_NO_THROW(require_valid_onnx_params(dilated_avg, pool_kind::max));
}

TEST(OnnxPool, LargestSizesStayExact) {
  // k = s = 2^60 on n = 2^62: 4 windows; with dilation 2^62 the count saturates below zero.
  const std::int64_t q = std::int64_t{1} << 60;
  EXPECT_FALSE(onnx_pool_mismatch(max_size, 4, onnx(q, q, 0, 0), pool_kind::avg));
  onnx_pool_params p = onnx(q, 1, 0, 0);
  p.dilation = max_size;
  EXPECT_LT(onnx_count(max_size, p), 0);
}

TEST(TflitePool, SameAndValidCounts) {
  // SAME: ceil(n/s); VALID: ceil((n-k+1)/s).
  const tflite_pool_params same{4, 2, tflite_padding::same};
  const pool_geometry g = tflite_pool_geometry(5, same);
  EXPECT_EQ(g.count, 3);
  EXPECT_EQ(g.pad_begin, 1);  // P = 2*2 + 4 - 5 = 3: 1 before, 2 after
  EXPECT_EQ(g.pad_end, 2);
  EXPECT_FALSE(g.divide_by_padded);
  EXPECT_EQ(tflite_pool_geometry(5, {2, 2, tflite_padding::valid}).count, 2);
  EXPECT_EQ(tflite_pool_geometry(5, {6, 1, tflite_padding::valid}).count, 0);
  EXPECT_EQ(tflite_pool_geometry(7, {3, 3, tflite_padding::valid}).count, 2);  // ceil(5/3)
}

TEST(TflitePool, NegativeSamePaddingIsClampedToZero) {
  // n=9, s=5, k=1: o = 2, P = max(-3, 0) = 0, windows {0} and {5}.
  const pool_geometry g = tflite_pool_geometry(9, {1, 5, tflite_padding::same});
  EXPECT_EQ(g.count, 2);
  EXPECT_EQ(g.pad_begin, 0);
  EXPECT_EQ(to_string(geometry_indices(9, g, 1)), "[5,6)");
}

TEST(TflitePool, SameAveragesOverValidInputsOnly) {
  // 5 -> 3 is [0,2) [1,4) [3,5): SAME k=3 s=2 pads (1, 1) and divides by 2, 3, 2.
  EXPECT_FALSE(tflite_pool_mismatch(5, 3, {3, 2, tflite_padding::same}, pool_kind::avg));
  EXPECT_EQ(tflite_pool_mismatch(5, 3, {3, 2, tflite_padding::valid}, pool_kind::avg),
            "fixed pooling has 2 outputs, adaptive has 3");
  // 3 -> 4 needs 4 outputs; SAME gives at most ceil(3/1) = 3.
  EXPECT_EQ(tflite_pool_mismatch(3, 4, {2, 1, tflite_padding::same}, pool_kind::max),
            "fixed pooling has 3 outputs, adaptive has 4");
  EXPECT_THROW(require_valid_tflite_params({1, 0, tflite_padding::same}), common::input_error);
}

}  // namespace
}  // namespace poolproof::reference

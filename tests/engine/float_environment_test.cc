// The fast engine under a caller's hostile floating-point environment (flush-to-zero,
// denormals-are-zero, rounding upward, as torch.set_flush_denormal or -ffast-math leave it):
// results stay the reference's, on one thread and on workers, and the caller's environment
// comes back unchanged.
#include <gtest/gtest.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>

namespace poolproof::engine {
namespace {

using reference::float_format;
using sizes = std::vector<std::int64_t>;

// Round up (RC = 10), flush-to-zero (bit 15), denormals-are-zero (bit 6), exceptions masked.
constexpr unsigned hostile_mxcsr = 0x1F80U | 0x4000U | 0x8000U | 0x0040U;

// Sets MXCSR for the scope, as a caller would have it.
class hostile_environment {
 public:
  hostile_environment() : saved_(_mm_getcsr()) { _mm_setcsr(hostile_mxcsr); }
  ~hostile_environment() { _mm_setcsr(saved_); }
  hostile_environment(const hostile_environment&) = delete;
  hostile_environment& operator=(const hostile_environment&) = delete;

 private:
  unsigned saved_;
};

// Subnormal and normal binary32 values whose sums and means round (and flush) differently
// under the hostile environment: two planes of 11.
std::vector<float> mixed_values() {
  constexpr float tiny = std::numeric_limits<float>::denorm_min();
  return {tiny,        3 * tiny, 1.0F,      1e-38F,   -tiny,  5 * tiny, 0.1F,     7 * tiny,
          1.0F / 3.0F, 2 * tiny, -9 * tiny, 2e-39F,   1e-39F, tiny,     1.0F / 7, -tiny,
          0.3F,        4 * tiny, 3e-39F,    6 * tiny, 0.7F,   -2 * tiny};
}

reference::exact_tensor exact(const sizes& shape, const std::vector<float>& values) {
  reference::exact_tensor tensor{shape, {}};
  for (float x : values)
    tensor.values.push_back(decode(float_format::binary32, std::bit_cast<std::uint32_t>(x)));
  return tensor;
}

std::vector<std::uint32_t> rounded(const reference::exact_tensor& tensor) {
  std::vector<std::uint32_t> result;
  result.reserve(tensor.values.size());
  for (const reference::extended_rational& x : tensor.values)
    result.push_back(static_cast<std::uint32_t>(round_to(float_format::binary32, x)));
  return result;
}

std::vector<std::uint32_t> patterns(const std::vector<float>& values) {
  std::vector<std::uint32_t> result;
  result.reserve(values.size());
  for (float x : values) result.push_back(std::bit_cast<std::uint32_t>(x));
  return result;
}

TEST(FastFloatEnvironment, EveryPassIgnoresTheCallersFlushAndRounding) {
  const sizes shape{2, 11};
  const sizes out{4};
  const std::vector<float> input = mixed_values();
  const reference::max_pool_result max = reference::adaptive_max_pool(exact(shape, input), out);
  const std::vector<float> grad{1e-39F, 3e-45F, 0.1F, -2e-39F, 1.0F / 3, 4e-45F, 2e-38F, -1e-45F};
  const sizes grad_shape{2, 4};
  const std::vector<std::uint32_t> want_avg =
      rounded(reference::adaptive_avg_pool(exact(shape, input), out));
  const std::vector<std::uint32_t> want_avg_backward =
      rounded(reference::adaptive_avg_pool_backward(exact(grad_shape, grad), shape, 1));
  const std::vector<std::uint32_t> want_max_backward = rounded(
      reference::adaptive_max_pool_backward(exact(grad_shape, grad), max.indices, shape, 1));
  for (unsigned threads : {1U, 2U}) {
    std::vector<float> avg(8), values(8), avg_backward(22), max_backward(22);
    std::vector<std::int64_t> indices(8);
    {
      const hostile_environment hostile;
      adaptive_avg_pool<float>(float_format::binary32, shape, input, out, avg, threads);
      adaptive_max_pool<float>(float_format::binary32, shape, input, out, values, indices, threads);
      adaptive_avg_pool_backward<float>(float_format::binary32, shape, out, grad, avg_backward,
                                        threads);
      adaptive_max_pool_backward<float>(float_format::binary32, shape, out, grad, max.indices,
                                        max_backward, threads);
      EXPECT_EQ(_mm_getcsr() & ~0x3FU, hostile_mxcsr) << "the caller's environment is restored";
    }
    EXPECT_EQ(patterns(avg), want_avg) << threads << " thread(s)";
    EXPECT_EQ(patterns(values), rounded(max.values)) << threads << " thread(s)";
    EXPECT_EQ(indices, max.indices) << threads << " thread(s)";
    EXPECT_EQ(patterns(avg_backward), want_avg_backward) << threads << " thread(s)";
    EXPECT_EQ(patterns(max_backward), want_max_backward) << threads << " thread(s)";
  }
}

TEST(FastFloatEnvironment, SixteenBitSubnormalsAreNotFlushed) {
  // binary16 subnormals widen through a binary32 product, which flush-to-zero would zero.
  const sizes shape{1, 6};
  const sizes out{4};
  const std::vector<std::uint16_t> input{0x0001, 0x0003, 0x03FF, 0x8002, 0x0200, 0x0007};
  reference::exact_tensor tensor{shape, {}};
  for (std::uint16_t x : input) tensor.values.push_back(decode(float_format::binary16, x));
  std::vector<std::uint16_t> want;
  for (const reference::extended_rational& x : reference::adaptive_avg_pool(tensor, out).values)
    want.push_back(static_cast<std::uint16_t>(round_to(float_format::binary16, x)));
  std::vector<std::uint16_t> got(4);
  {
    const hostile_environment hostile;
    adaptive_avg_pool<std::uint16_t>(float_format::binary16, shape, input, out, got, 1);
  }
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace poolproof::engine
#endif

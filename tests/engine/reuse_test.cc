// The fast engine's per-thread reuse (remembered geometry, avg backward's cell plan, max scratch)
// must never leak one call's shape into another, also when called from a caller's TBB loop; and
// its threads must not be waited for where they do not exist (a forked child).
#include <gtest/gtest.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/tensor.h>
#include <sys/wait.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cstdint>
#include <random>
#include <vector>

#include "engine/planes.h"

namespace poolproof::engine {
namespace {

using sizes = std::vector<std::int64_t>;

struct pooling_case {
  sizes shape, out;
};

std::vector<float> random_values(std::size_t count, unsigned seed) {
  std::mt19937 engine(seed);
  std::normal_distribution<float> normal;
  std::vector<float> values(count);
  for (float& x : values) x = normal(engine);
  return values;
}

reference::exact_tensor exact(const sizes& shape, const std::vector<float>& values) {
  reference::exact_tensor tensor{shape, {}};
  for (float x : values)
    tensor.values.push_back(
        decode(reference::float_format::binary32, std::bit_cast<std::uint32_t>(x)));
  return tensor;
}

std::vector<std::uint32_t> rounded(const reference::exact_tensor& tensor) {
  std::vector<std::uint32_t> result;
  result.reserve(tensor.values.size());
  for (const reference::extended_rational& x : tensor.values)
    result.push_back(static_cast<std::uint32_t>(round_to(reference::float_format::binary32, x)));
  return result;
}

std::vector<std::uint32_t> patterns(const std::vector<float>& values) {
  std::vector<std::uint32_t> result;
  result.reserve(values.size());
  for (float x : values) result.push_back(std::bit_cast<std::uint32_t>(x));
  return result;
}

std::size_t output_count(const pooling_case& c) {
  return static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(c.shape, c.out)));
}

// Every pass of the fast engine on one case, as binary32 patterns and max indices.
struct all_passes {
  std::vector<std::uint32_t> mean, maximum, avg_grad, max_grad;
  std::vector<std::int64_t> indices;
  friend bool operator==(const all_passes&, const all_passes&) = default;
};

struct case_data {
  pooling_case c;
  std::vector<float> input, grads;
};

case_data data_of(const pooling_case& c, unsigned seed) {
  return {c, random_values(static_cast<std::size_t>(reference::element_count(c.shape)), seed),
          random_values(output_count(c), seed + 1)};
}

all_passes fast_passes(const case_data& d, unsigned threads) {
  const pooling_case& c = d.c;
  const reference::float_format f32 = reference::float_format::binary32;
  std::vector<float> mean(output_count(c)), maximum(output_count(c));
  std::vector<float> avg_grad(d.input.size()), max_grad(d.input.size());
  all_passes got;
  got.indices.resize(output_count(c));
  adaptive_avg_pool<float>(f32, c.shape, d.input, c.out, mean, threads);
  adaptive_max_pool<float>(f32, c.shape, d.input, c.out, maximum, got.indices, threads);
  adaptive_avg_pool_backward<float>(f32, c.shape, c.out, d.grads, avg_grad, threads);
  adaptive_max_pool_backward<float>(f32, c.shape, c.out, d.grads, got.indices, max_grad, threads);
  got.mean = patterns(mean);
  got.maximum = patterns(maximum);
  got.avg_grad = patterns(avg_grad);
  got.max_grad = patterns(max_grad);
  return got;
}

all_passes reference_passes(const case_data& d) {
  const pooling_case& c = d.c;
  const reference::exact_tensor input = exact(c.shape, d.input);
  const reference::exact_tensor grads =
      exact(reference::adaptive_output_shape(c.shape, c.out), d.grads);
  const reference::max_pool_result maximum = reference::adaptive_max_pool(input, c.out);
  all_passes expected;
  expected.mean = rounded(reference::adaptive_avg_pool(input, c.out));
  expected.maximum = rounded(maximum.values);
  expected.indices = maximum.indices;
  expected.avg_grad = rounded(reference::adaptive_avg_pool_backward(grads, c.shape, c.out.size()));
  expected.max_grad =
      rounded(reference::adaptive_max_pool_backward(grads, maximum.indices, c.shape, c.out.size()));
  return expected;
}

// Same element counts, other shapes or output sizes: only a full comparison of the arguments
// tells them apart.
const std::vector<pooling_case> look_alike_cases{
    {{2, 12}, {5}},      {{3, 8}, {5}},  {{2, 12}, {7}},      {{2, 3, 4}, {2, 3}},
    {{2, 4, 3}, {2, 3}}, {{1, 24}, {5}}, {{1, 2, 12}, {1, 5}}};

TEST(FastReuse, AlternatingShapesOnOneThreadMatchTheReference) {
  std::vector<case_data> cases;
  std::vector<all_passes> expected;
  for (std::size_t i = 0; i < look_alike_cases.size(); ++i) {
    cases.push_back(data_of(look_alike_cases[i], static_cast<unsigned>(i)));
    expected.push_back(reference_passes(cases.back()));
  }
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < cases.size(); ++i)
      EXPECT_EQ(fast_passes(cases[i], 1), expected[i]) << "case " << i << " round " << round;
  }
}

TEST(FastReuse, PoolingInsideACallersParallelLoopMatchesTheReference) {
  // The caller's own TBB loop, each of its threads pooling on two: no pooling may run another on
  // its thread under it (another shape's geometry would replace its remembered one), and each
  // calling thread's team of its own must give the same result as one thread.
  std::vector<case_data> cases;
  std::vector<all_passes> expected;
  for (const pooling_case& c :
       std::vector<pooling_case>{{{16, 40, 9}, {7}}, {{16, 9, 40}, {4}}, {{16, 33}, {10}}}) {
    cases.push_back(data_of(c, static_cast<unsigned>(cases.size())));
    expected.push_back(reference_passes(cases.back()));
  }
  std::atomic<int> wrong = 0;
  tbb::parallel_for(0, 3000, [&](int i) {
    const auto k = static_cast<std::size_t>(i % 3);
    if (fast_passes(cases[k], 2) != expected[k]) ++wrong;
  });
  EXPECT_EQ(wrong.load(), 0);
}

TEST(FastReuse, AForkedChildPoolsWithoutItsParentsThreads) {
  // The parent pools on two threads first, so its team exists when it forks; the child (which
  // has only the forking thread) pools on two threads again. An alarm turns a hang into a
  // failure.
  const case_data d = data_of({{16, 40, 9}, {7}}, 5);
  const all_passes parent = fast_passes(d, 2);
  ASSERT_EQ(parent, reference_passes(d));
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    alarm(60);
    _exit(fast_passes(d, 2) == parent ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child ended by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(FastReuse, MaxSeparableFallsBackToWindowsPastItsWidth) {
  // Rows of 2^16 + 8 columns: the separable kernel's per-column keys are capped, so it must hand
  // such planes to the window kernel and still give PyTorch's argmax.
  const sizes shape{1, 2, (std::int64_t{1} << 16) + 8}, out{1, 3};
  const std::vector<float> input =
      random_values(static_cast<std::size_t>(reference::element_count(shape)), 3);
  const auto count = output_count({shape, out});
  const detail::geometry g = detail::checked_geometry<float>(reference::float_format::binary32,
                                                             shape, out, input.size(), count);
  std::vector<float> values(count);
  std::vector<std::int64_t> indices(count);
  detail::max_planes_binary32(g, input.data(), values.data(), indices.data(), 0, g.planes,
                              detail::max_kernel::separable);
  EXPECT_EQ(indices, reference::adaptive_max_pool(exact(shape, input), out).indices);
}

}  // namespace
}  // namespace poolproof::engine

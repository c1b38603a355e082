// The backward passes write the same bits into fresh mmap memory (whose pages they prefault) as
// into memory already present.
#include <gtest/gtest.h>
#include <poolproof/engine/adaptive_pool.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <type_traits>
#include <vector>

#include "tests/common/fresh_mapping.h"

namespace poolproof::engine {
namespace {

using sizes = std::vector<std::int64_t>;
using common::testing::fresh_mapping;
using common::testing::page;
using reference::float_format;

// Random values of T (binary32 or binary64), every pattern finite.
template <typename T>
std::vector<T> random_values(std::size_t count, std::mt19937& engine) {
  std::normal_distribution<T> normal;
  std::vector<T> values(count);
  for (T& v : values) v = normal(engine);
  return values;
}

// Both backward passes over 2^20 inputs (8 MiB of doubles, 4 MiB of floats) into a fresh
// mapping, offset so the span is not page aligned, and into a vector: the same bits.
template <typename T>
void check_backward_into_fresh_memory(float_format format) {
  using bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  const sizes shape{256, 64, 64}, out{7, 5};
  const std::size_t in_count = std::size_t{256} * 64 * 64, out_count = std::size_t{256} * 7 * 5;
  std::mt19937 engine(11);
  const std::vector<T> input = random_values<T>(in_count, engine);
  const std::vector<T> grads = random_values<T>(out_count, engine);
  std::vector<T> values(out_count);
  std::vector<std::int64_t> indices(out_count);
  adaptive_max_pool<T>(format, shape, input, out, values, indices);
  for (const unsigned threads : {1u, 2u}) {
    for (const bool max : {false, true}) {
      std::vector<T> want(in_count);
      const fresh_mapping mapping(in_count * sizeof(T) + page);
      const std::span<T> fresh{reinterpret_cast<T*>(mapping.bytes().data() + 3 * sizeof(T)),
                               in_count};
      for (const std::span<T> grad_input : {std::span<T>(want), fresh}) {
        if (max) {
          adaptive_max_pool_backward<T>(format, shape, out, grads, indices, grad_input, threads);
        } else {
          adaptive_avg_pool_backward<T>(format, shape, out, grads, grad_input, threads);
        }
      }
      EXPECT_TRUE(std::ranges::equal(
          want, fresh, [](T a, T b) { return std::bit_cast<bits>(a) == std::bit_cast<bits>(b); }))
          << reference::format_name(format) << (max ? " max" : " avg") << " threads " << threads;
    }
  }
}

TEST(FreshPages, BackwardPassesWriteTheSameBitsIntoFreshMemory) {
  check_backward_into_fresh_memory<float>(float_format::binary32);
  check_backward_into_fresh_memory<double>(float_format::binary64);
}

}  // namespace
}  // namespace poolproof::engine

// The shapes every pooling benchmark runs (the same list as torch_pool_bench.py), and inputs.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace poolproof::bench {

/// One benchmarked pooling: input shape [N, C, *in] and output size.
struct pool_shape {
  std::string name;
  std::vector<std::int64_t> input;
  std::vector<std::int64_t> out_size;
};

/// The shapes: three 2-D, one 1-D, one 3-D (float32, NCHW contiguous).
inline std::vector<pool_shape> full_shapes() {
  return {
      {"8x64x112x112->7x7", {8, 64, 112, 112}, {7, 7}},
      {"8x64x112x112->13x13", {8, 64, 112, 112}, {13, 13}},
      {"1x3x224x224->6x6", {1, 3, 224, 224}, {6, 6}},
      {"32x256x33->10", {32, 256, 33}, {10}},
      {"4x32x16x56x56->5x7x7", {4, 32, 16, 56, 56}, {5, 7, 7}},
  };
}

/// The same kinds of pooling on shapes small enough for a smoke run (and for the plain
/// reference, which is about a thousand times slower).
inline std::vector<pool_shape> small_shapes() {
  return {
      {"1x4x112x112->7x7", {1, 4, 112, 112}, {7, 7}},
      {"1x4x112x112->13x13", {1, 4, 112, 112}, {13, 13}},
      {"1x3x56x56->6x6", {1, 3, 56, 56}, {6, 6}},
      {"2x16x33->10", {2, 16, 33}, {10}},
      {"1x2x8x28x28->5x7x7", {1, 2, 8, 28, 28}, {5, 7, 7}},
  };
}

inline std::int64_t count_of(const std::vector<std::int64_t>& shape) {
  std::int64_t count = 1;
  for (std::int64_t size : shape) count *= size;
  return count;
}

/// Standard normal float32 values (like torch.randn), fixed seed.
inline std::vector<float> normal_floats(std::int64_t count, unsigned seed = 20261125) {
  std::mt19937 engine(seed);
  std::normal_distribution<float> normal;
  std::vector<float> values(static_cast<std::size_t>(count));
  for (float& x : values) x = normal(engine);
  return values;
}

}  // namespace poolproof::bench

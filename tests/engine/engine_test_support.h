// What the engine's tests share: shape text for messages, the 16-bit formats, the SIMD levels,
// doubles' bit patterns, 16-bit stress patterns, rows of many kinds, the 16-bit max forward pass
// of the engine and of the reference, and a guard that sends work down the routes for memory.
#pragma once

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
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/simd.h"
#include "engine/streaming.h"

namespace poolproof::engine::testing {

using sizes = std::vector<std::int64_t>;

/// "2x3x4" for {2, 3, 4}.
inline std::string text(const sizes& shape) {
  std::string result;
  for (std::int64_t n : shape) {
    if (!result.empty()) result += 'x';
    result += std::to_string(n);
  }
  return result;
}

inline constexpr std::array<reference::float_format, 2> sixteen_bit_formats{
    reference::float_format::binary16, reference::float_format::bfloat16};

inline constexpr std::array<detail::simd_level, 3> all_simd_levels{
    detail::simd_level::baseline, detail::simd_level::avx2, detail::simd_level::avx512};

/// Two rows of `width` values over `outputs` windows of columns, each window's edges stressed:
/// with `ties` false, -1 except a value just past each window's end (row 1) and just before its
/// start (row 0), greater for each later window, so a window that read one column too many or
/// too few picks the wrong winner; with `ties` true, -1 except equal values at each window's
/// first column (row 1) and last column (row 0), the latter earlier in scan order. All values
/// are small multiples of 1/2, exact in every format.
inline std::vector<double> window_edge_rows(std::int64_t width, std::int64_t outputs, bool ties) {
  std::vector<double> values(static_cast<std::size_t>(2 * width), -1.0);
  const auto at = [&](std::int64_t row, std::int64_t column) -> double& {
    return values[static_cast<std::size_t>(row * width + column)];
  };
  for (std::int64_t j = 0; j < outputs; ++j) {
    const std::int64_t begin = j * width / outputs;
    const std::int64_t end = ((j + 1) * width + outputs - 1) / outputs;
    if (ties) {
      at(1, begin) = 7.0;
      at(0, end - 1) = 7.0;
      continue;
    }
    if (end < width) at(1, end) = 10.0 + static_cast<double>(j);
    if (begin > 0) at(0, begin - 1) = 10.5 + static_cast<double>(j);
  }
  return values;
}

/// Where a format's row kinds (row_kind_values) put their extreme values.
struct row_kind_scales {
  int subnormal_exponent;  // kind 6 scales normal values by 2^this
  float near_largest;      // kind 7: values near this, alternating in sign
  float huge;              // kind 5: one value this large ...
  float tiny;              // ... and one this small
  bool midpoint_pattern;   // kind 8: 1, 2^-23, 2^-52, 1 over and over (else normal values)
};

/// Rows of nine kinds, values drawn in the same order whatever the kind: normal values; small
/// integers over 4 (exact means at midpoints); -0 only; an infinity; a NaN; one huge and one tiny
/// value (a spread past doubles where the format allows); subnormals only; values near the
/// largest finite one; and (midpoint_pattern) 1, 2^-23, 2^-52, 1 over and over (a window of
/// those four has a mean just above the binary32 midpoint 0.5 + 2^-25, while their double sum
/// drops the 2^-52 and lands on it).
class row_kind_values {
 public:
  row_kind_values(row_kind_scales scales, unsigned seed) : scales_(scales), engine_(seed) {}

  /// Value i of a row of `row_size` values of kind `kind` (0 to 8), as a float.
  float next(std::int64_t kind, std::int64_t i, std::int64_t row_size) {
    float x = normal_(engine_);
    if (kind == 1) x = static_cast<float>(small_(engine_)) / 4;
    if (kind == 2) x = -0.0f;
    if (kind == 6) x = std::ldexp(x, scales_.subnormal_exponent);
    if (kind == 7) x = scales_.near_largest * (1 + std::abs(x) / 100) * (i % 2 ? 1.0f : -1.0f);
    if (i == row_size / 2) {
      if (kind == 3) x = std::numeric_limits<float>::infinity();
      if (kind == 4) x = std::numeric_limits<float>::quiet_NaN();
      if (kind == 5) x = scales_.huge;
    }
    if (i == row_size / 3 && kind == 5) x = scales_.tiny;
    if (kind == 8 && scales_.midpoint_pattern)
      x = std::array<float, 4>{1.0f, 0x1p-23f, 0x1p-52f, 1.0f}[static_cast<std::size_t>(i % 4)];
    return x;
  }

 private:
  row_kind_scales scales_;
  std::mt19937 engine_;
  std::normal_distribution<float> normal_;
  std::uniform_int_distribution<int> small_{-4000, 4000};
};

/// The row_kind_values kind of row `row` in blocks of 40 rows of one kind each, one row in each
/// block of another kind: whole runs of the 1-D passes' lanes (at most 25 rows of 10 outputs)
/// of every kind, broken where the kinds change.
inline std::int64_t block_kind(std::int64_t row) {
  constexpr std::array<std::int64_t, 9> order{0, 1, 6, 2, 0, 7, 8, 3, 5};
  const std::int64_t block = row / 40;
  return order[static_cast<std::size_t>((row % 40 == 17 ? block + 4 : block) %
                                        static_cast<std::int64_t>(order.size()))];
}

/// The bit patterns of doubles (so -0 and NaN payloads compare too).
inline std::vector<std::uint64_t> patterns_of(const std::vector<double>& values) {
  std::vector<std::uint64_t> bits;
  bits.reserve(values.size());
  for (double x : values) bits.push_back(std::bit_cast<std::uint64_t>(x));
  return bits;
}

/// Patterns of `format` that make ties, NaNs of any payload and sign, infinities, signed zeros
/// and subnormals common.
inline std::vector<std::uint16_t> stress_patterns(reference::float_format format, std::size_t count,
                                                  std::mt19937& engine) {
  const bool half = format == reference::float_format::binary16;
  const std::array<std::uint16_t, 8> pool{0x0000,
                                          0x8000,
                                          0x0001,
                                          0x8001,
                                          static_cast<std::uint16_t>(half ? 0x7C00 : 0x7F80),
                                          static_cast<std::uint16_t>(half ? 0xFC00 : 0xFF80),
                                          0x3C00,
                                          0x4000};
  std::uniform_int_distribution<int> roll(0, 99);
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
  std::uniform_int_distribution<std::uint32_t> any(0, 0xFFFF);
  std::vector<std::uint16_t> values(count);
  for (std::uint16_t& x : values) {
    const int r = roll(engine);
    x = r < 40 ? pool[pick(engine)] : static_cast<std::uint16_t>(any(engine));
  }
  return values;
}

/// A random max-forward case: 1-19 planes of 1-3 spatial axes (rows of up to 40, the other axes
/// up to 7 or 4), each output axis 1 to 2n + 1 (so windows overlap or repeat inputs).
inline std::pair<sizes, sizes> random_max_shape(std::mt19937& engine) {
  const int d = std::uniform_int_distribution<int>(1, 3)(engine);
  sizes shape{std::uniform_int_distribution<std::int64_t>(1, 19)(engine)}, out;
  for (int axis = 0; axis < d; ++axis) {
    const std::int64_t top = axis + 1 == d ? 40 : d == 2 ? 7 : 4;
    const std::int64_t n = std::uniform_int_distribution<std::int64_t>(1, top)(engine);
    shape.push_back(n);
    out.push_back(std::uniform_int_distribution<std::int64_t>(1, 2 * n + 1)(engine));
  }
  return {shape, out};
}

/// The bit pattern type of an element type: 16-bit patterns as they are, binary32 and binary64
/// as the unsigned integers of their size.
template <typename T>
using pattern_of =
    std::conditional_t<sizeof(T) == 2, std::uint16_t,
                       std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>;

/// A max forward result: flat indices and the winners' patterns (so NaN payloads compare too).
template <typename T>
struct max_result {
  std::vector<std::int64_t> indices;
  std::vector<pattern_of<T>> values;
  friend bool operator==(const max_result&, const max_result&) = default;
};

using max_answer = max_result<std::uint16_t>;

/// The plain reference's max forward pass on elements of `format` (16-bit ones as patterns).
template <typename T>
max_result<T> reference_max(reference::float_format format, const sizes& shape,
                            const std::vector<T>& input, const sizes& out) {
  reference::exact_tensor tensor{shape, {}};
  for (T x : input) tensor.values.push_back(decode(format, std::bit_cast<pattern_of<T>>(x)));
  const reference::max_pool_result result = reference::adaptive_max_pool(tensor, out);
  const std::int64_t in_plane = reference::element_count(std::span(shape).last(out.size()));
  const std::int64_t out_plane = reference::element_count(out);
  max_result<T> answer{result.indices, {}};
  for (std::size_t i = 0; i < result.indices.size(); ++i) {
    const std::int64_t plane = static_cast<std::int64_t>(i) / out_plane;
    answer.values.push_back(std::bit_cast<pattern_of<T>>(
        input[static_cast<std::size_t>(plane * in_plane + result.indices[i])]));
  }
  return answer;
}

/// The engine's max forward pass on 16-bit patterns of `format`.
inline max_answer fast_max(reference::float_format format, const sizes& shape,
                           const std::vector<std::uint16_t>& input, const sizes& out,
                           unsigned threads) {
  const auto count = static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out)));
  max_answer answer{std::vector<std::int64_t>(count), std::vector<std::uint16_t>(count)};
  adaptive_max_pool<std::uint16_t>(format, shape, input, out, answer.values, answer.indices,
                                   threads);
  return answer;
}

/// While it lives, every worker's share counts as larger than the cache (streaming.h's routes for
/// memory: the max backward's streamed planes, the avg and max forward's bands in memory order)
/// when `past_cache`, or never when not; the cache-sized threshold after.
class past_cache_while {
 public:
  explicit past_cache_while(bool past_cache)
      : kept_(detail::streamed_share_bytes().exchange(past_cache ? 1 : 0)) {}
  past_cache_while(const past_cache_while&) = delete;
  past_cache_while& operator=(const past_cache_while&) = delete;
  ~past_cache_while() { detail::streamed_share_bytes().store(kept_); }

 private:
  std::int64_t kept_;
};

/// Every SIMD level, each with and without past_cache_while.
inline std::vector<std::pair<detail::simd_level, bool>> levels_and_cache_routes() {
  std::vector<std::pair<detail::simd_level, bool>> routes;
  for (const auto level : all_simd_levels) {
    routes.emplace_back(level, false);
    routes.emplace_back(level, true);
  }
  return routes;
}

}  // namespace poolproof::engine::testing

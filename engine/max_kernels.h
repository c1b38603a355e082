// The max-forward SIMD kernels' shared pieces (not a public interface): how a kernel reads its
// planes (binary32 and binary64 as stored, 16-bit patterns widened exactly in the lanes), PyTorch's
// scan rule over one window in lanes (the windows kernel), the exact rescan of a window holding a
// NaN, and the per-thread scratch the other kernels keep.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "engine/band_walk.h"
#include "engine/planes.h"
#include "engine/simd.h"
#include "engine/widened_lanes.h"

namespace poolproof::engine::detail {
// Internal linkage, as when these lived in one file: the header is included only by
// max_forward_simd.cc, whose target-specific entry points instantiate these templates.
namespace {
constexpr float minus_infinity = -std::numeric_limits<float>::infinity();

// The lanes of an eight-lane step from column `step` that lie inside a window ending at `end`
// (step < end): the mask of the AVX-512 winners' loads and reductions.
inline std::uint8_t lanes_before(std::int64_t end, std::int64_t step) {
  return static_cast<std::uint8_t>(end - step >= 8 ? 0xFF : (1U << (end - step)) - 1);
}

// How the kernels read and write planes of binary32 values: as they are stored.
struct binary32_source {
  using storage = float;
  static constexpr reference::float_format format = reference::float_format::binary32;
  static float value(const float* plane, std::int64_t at) { return plane[at]; }
  // Vectors go out through references: GCC warns of a vector returned from a function without
  // the caller's target.
  template <int Width>
  [[gnu::always_inline]] static void load(const float* from, typename lanes<Width>::f32& x) {
    std::memcpy(&x, from, sizeof x);
  }
  template <int Width>
  [[gnu::always_inline]] static void store(float* to, typename lanes<Width>::f32 values) {
    std::memcpy(to, &values, sizeof values);
  }
  static void store_value(float* to, float value) { *to = value; }
};

// How the binary64 kernel reads its planes (max_binary64.h: only the scalar rescan uses this).
struct binary64_source {
  using storage = double;
  static double value(const double* plane, std::int64_t at) { return plane[at]; }
};

// How the kernels read and write planes of binary16 (`Half`) or bfloat16 patterns: widened
// exactly to binary32 as they are loaded (so the floats compare as the patterns' values do: NaN
// stays NaN, -0 ties +0, and PyTorch's scan picks the same winner), narrowed back exactly as
// they are stored (the winner's own pattern).
template <bool Half>
struct widened_source {
  using storage = std::uint16_t;
  static constexpr reference::float_format format =
      Half ? reference::float_format::binary16 : reference::float_format::bfloat16;
  // The infinity's magnitude: the greatest one that is not a NaN's.
  static constexpr std::uint16_t infinity = Half ? 0x7C00 : 0x7F80;
  static float value(const std::uint16_t* plane, std::int64_t at) {
    return std::bit_cast<float>(widened_bits<Half>(plane[at]));
  }
  template <int Width>
  [[gnu::always_inline]] static void load(const std::uint16_t* from,
                                          typename lanes<Width>::f32& x) {
    typename lanes<Width>::u16 narrow;
    std::memcpy(&narrow, from, sizeof narrow);
    widen_lanes<Width, Half>(narrow, x);
  }
  template <int Width>
  [[gnu::always_inline]] static void store(std::uint16_t* to, typename lanes<Width>::f32 values) {
    typename lanes<Width>::u16 narrow;
    unwiden_lanes<Width, Half>(values, narrow);
    std::memcpy(to, &narrow, sizeof narrow);
  }
  static void store_value(std::uint16_t* to, float value) {
    *to = unwidened_bits<Half>(std::bit_cast<std::uint32_t>(value));
  }
};

// The flat offset PyTorch's scan picks in a window, valid when `nan` is false (with a NaN the
// caller scans again: the last NaN wins).
struct window_argmax {
  std::int32_t at;
  bool nan;
};

template <typename Source>
window_argmax argmax_scalar(const geometry& g, const typename Source::storage* plane,
                            const box3& box) {
  float best = minus_infinity;
  auto best_at = static_cast<std::int32_t>(first_offset(g, box));
  bool nan = false;
  for_each_offset(g, box, [&](std::int64_t at) {
    const float x = Source::value(plane, at);
    if (x > best) {
      best = x;
      best_at = static_cast<std::int32_t>(at);
    }
    nan |= x != x;
  });
  return {best_at, nan};
}

// The argmax of a window from its lanes' first maxima and the row tails' (`tail`, of value
// `tail_best`): the least offset among those holding the overall maximum.
template <int Width>
[[gnu::always_inline]] inline window_argmax merge_lanes(const geometry& g, const box3& box,
                                                        typename lanes<Width>::f32 best,
                                                        typename lanes<Width>::i32 best_at,
                                                        typename lanes<Width>::i32 nan,
                                                        window_argmax tail, float tail_best) {
  for (int k = 0; k < Width; ++k) {
    tail.nan |= nan[k] != 0;
    if (best[k] > tail_best ||
        (best[k] == tail_best && best[k] > minus_infinity && best_at[k] < tail.at)) {
      tail_best = best[k];
      tail.at = best_at[k];
    }
  }
  if (tail_best == minus_infinity) {
    tail.at = static_cast<std::int32_t>(first_offset(g, box));
  }
  return tail;
}

// PyTorch's argmax of a NaN-free window in one pass: each lane keeps its first strict maximum
// and where it was; the winner is the least offset among the lanes holding the overall maximum
// (offsets grow in scan order; -0 == +0), or the first element if nothing beat -inf. A NaN
// lane never compares greater; x != x flags it for the caller's scalar scan.
template <int Width, typename Source>
[[gnu::always_inline]] inline window_argmax argmax_lanes(const geometry& g,
                                                         const typename Source::storage* plane,
                                                         const box3& box) {
  if (box.w2.length() < Width) return argmax_scalar<Source>(g, plane, box);
  using L = lanes<Width>;
  typename L::i32 iota{};
  for (int k = 0; k < Width; ++k) iota[k] = k;
  typename L::f32 best = typename L::f32{} + minus_infinity;
  typename L::i32 best_at{}, nan{};
  float best_tail = minus_infinity;
  std::int32_t best_tail_at = 0;
  bool nan_tail = false;
  for (std::int64_t i0 = box.w0.begin; i0 < box.w0.end; ++i0) {
    for (std::int64_t i1 = box.w1.begin; i1 < box.w1.end; ++i1) {
      const auto row = static_cast<std::int32_t>((i0 * g.in[1] + i1) * g.in[2]);
      std::int32_t i = static_cast<std::int32_t>(box.w2.begin);
      for (; i + Width <= box.w2.end; i += Width) {
        typename L::f32 x;
        Source::template load<Width>(plane + row + i, x);
        const typename L::i32 greater = x > best;
        best = greater ? x : best;
        best_at = greater ? iota + (row + i) : best_at;
        nan |= x != x;
      }
      for (; i < box.w2.end; ++i) {
        const float x = Source::value(plane, row + i);
        if (x > best_tail) {
          best_tail = x;
          best_tail_at = row + i;
        }
        nan_tail |= x != x;
      }
    }
  }
  return merge_lanes<Width>(g, box, best, best_at, nan, {best_tail_at, nan_tail}, best_tail);
}

// Explicit loops below, no lambdas on vectors: a lambda would not inherit the avx2 target of
// its caller.

// The kernels' scratch, kept per thread across calls: allocating and zeroing it cost as much as
// pooling a small tensor. Every kernel writes each element it reads in the same call; the sizes
// kept are bounded (across_planes: planes of at most 1024 inputs and 4096 outputs, 1.1 MiB;
// separable: rows of at most separable_width, 1.25 MiB with band_along_rows_avx2's maxima, the
// band walk's rows, 528 KiB; binary64's column maxima, max_binary64.h: 1.5 MiB), so at most about
// 4.4 MiB stays per thread.
struct max_scratch {
  std::vector<float> block, values, best_values;  // best_*: band_along_rows_avx2's
  std::vector<std::int32_t> at_lanes, nan_columns, best_rows;
  std::vector<std::uint64_t> keys;
  band_walk_scratch bands;
};

constexpr std::int64_t separable_width = std::int64_t{1} << 16;

inline max_scratch& thread_scratch() {
  thread_local max_scratch scratch;
  return scratch;
}

// Whether a separable kernel on AVX-512 picks every window's winner in lanes: when any window
// has eight columns or more (3-D 5x7x7's of eight: binary64 1.4x and binary32 7-9% faster than
// column by column); rows of narrower windows only go column by column (1-D 33 -> 10's of four
// or five: binary64 1.1x-1.2x faster than in lanes).
inline bool winners_in_lanes(const geometry& g) {
  return std::ranges::any_of(g.windows[2],
                             [](const reference::window& w) { return w.length() >= 8; });
}

template <typename T>
T* at_least(std::vector<T>& buffer, std::size_t count) {
  if (buffer.size() < count) buffer.resize(count);
  return buffer.data();
}

// PyTorch's scan as it is written (aten adaptive_max_pool: `val > maxval || isnan(val)`), for
// the windows the SIMD kernels hand back because they hold a NaN.
template <typename Source>
std::int64_t argmax_exact(const geometry& g, const typename Source::storage* plane,
                          const box3& box) {
  using value_type = decltype(Source::value(plane, 0));
  auto best = -std::numeric_limits<value_type>::infinity();
  std::int64_t best_at = first_offset(g, box);
  for_each_offset(g, box, [&](std::int64_t at) {
    const value_type x = Source::value(plane, at);
    if (x > best || x != x) {
      best = x;
      best_at = at;
    }
  });
  return best_at;
}

template <int Width, typename Source>
[[gnu::always_inline]] inline void max_windows(const geometry& g,
                                               const typename Source::storage* input,
                                               typename Source::storage* output,
                                               std::int64_t* indices, std::int64_t first,
                                               std::int64_t end) {
  for (std::int64_t p = first; p < end; ++p) {
    const typename Source::storage* plane = input + p * g.in_plane;
    std::int64_t out_at = p * g.out_plane;
    for (const reference::window& w0 : g.windows[0]) {
      for (const reference::window& w1 : g.windows[1]) {
        for (const reference::window& w2 : g.windows[2]) {
          const box3 box{w0, w1, w2};
          const window_argmax best = argmax_lanes<Width, Source>(g, plane, box);
          const std::int64_t winner = best.nan ? argmax_exact<Source>(g, plane, box) : best.at;
          output[out_at] = plane[winner];
          indices[out_at++] = winner;
        }
      }
    }
  }
}

}  // namespace

}  // namespace poolproof::engine::detail

// The max-forward across-planes kernel (not a public interface): SIMD lanes are
// planes, a block of planes transposed so that every window is scanned by the rule as written.
#pragma once

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "engine/max_kernels.h"
#include "engine/planes.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {
// Internal linkage, as when these lived in one file: the header is included only by
// max_forward_simd.cc, whose target-specific entry points instantiate these templates.
namespace {
// Within each 2h x 2h block of a Width x Width matrix, swaps the upper right and the lower left
// h x h blocks: top row gets bottom[c - h] where c & h, bottom row gets top[c + h] where not.
template <int Width, int H, int... C>
[[gnu::always_inline]] inline void swap_blocks(typename lanes<Width>::f32& top,
                                               typename lanes<Width>::f32& bottom,
                                               std::integer_sequence<int, C...> /*columns*/) {
  const typename lanes<Width>::f32 upper =
      __builtin_shufflevector(top, bottom, ((C & H) != 0 ? Width + C - H : C)...);
  bottom = __builtin_shufflevector(top, bottom, ((C & H) != 0 ? Width + C : C + H)...);
  top = upper;
}

// Transposes Width rows of Width lanes in place: block swaps for h = Width/2, ..., 1.
template <int Width, int H = Width / 2>
[[gnu::always_inline]] inline void transpose(
    typename lanes<Width>::f32 (&rows)[std::size_t{Width}]) {
  for (int i = 0; i < Width; ++i) {
    if ((i & H) == 0)
      swap_blocks<Width, H>(rows[i], rows[i + H], std::make_integer_sequence<int, Width>{});
  }
  if constexpr (H > 1) transpose<Width, H / 2>(rows);
}

// Copies a Width x Width tile: row j of `to` (stride to_stride) is column j of the rows of
// `from` (row k at from[k], read by Source).
template <int Width, typename Source = binary32_source>
[[gnu::always_inline]] inline void transpose_tile(const typename Source::storage* const* from,
                                                  float* to, std::int64_t to_stride) {
  typename lanes<Width>::f32 rows[std::size_t{Width}];
  for (std::size_t k = 0; k < std::size_t{Width}; ++k)
    Source::template load<Width>(from[k], rows[k]);
  transpose<Width>(rows);
  for (std::size_t j = 0; j < std::size_t{Width}; ++j)
    std::memcpy(to + static_cast<std::int64_t>(j) * to_stride, &rows[j], sizeof rows[j]);
}

// Writes the lane-minor results of a plane block (lane k of output o at o * all + k) to the
// first `active` lanes' planes: Width x Width tiles transposed, values written by Source,
// offsets widened to int64.
template <int Width, typename Source>
[[gnu::always_inline]] inline void store_plane_block(std::int64_t out_plane, std::int64_t p0,
                                                     int active, int all, const float* values,
                                                     const std::int32_t* at_lanes,
                                                     typename Source::storage* output,
                                                     std::int64_t* indices) {
  using L = lanes<Width>;
  const std::int64_t whole = out_plane / Width * Width;
  float tile[std::size_t{Width} * Width], at_tile[std::size_t{Width} * Width];
  for (int b = 0; b * Width < active; ++b) {
    const int lanes_here = std::min(Width, active - b * Width);
    for (std::int64_t o = 0; o < whole; o += Width) {
      const float* from[std::size_t{Width}];
      const float* at_from[std::size_t{Width}];
      for (int j = 0; j < Width; ++j) {
        from[j] = values + (o + j) * all + std::int64_t{b} * Width;
        at_from[j] =
            reinterpret_cast<const float*>(at_lanes + (o + j) * all + std::int64_t{b} * Width);
      }
      transpose_tile<Width>(from, tile, Width);
      transpose_tile<Width>(at_from, at_tile, Width);
      for (int k = 0; k < lanes_here; ++k) {
        const std::int64_t to = (p0 + std::int64_t{b} * Width + k) * out_plane + o;
        typename L::f32 row;
        std::memcpy(&row, tile + k * Width, sizeof row);
        Source::template store<Width>(output + to, row);
        typename L::half_i32 low, high;
        std::memcpy(&low, at_tile + k * Width, sizeof low);
        std::memcpy(&high, at_tile + k * Width + Width / 2, sizeof high);
        const auto wide_low = __builtin_convertvector(low, typename L::half_i64);
        const auto wide_high = __builtin_convertvector(high, typename L::half_i64);
        std::memcpy(indices + to, &wide_low, sizeof wide_low);
        std::memcpy(indices + to + Width / 2, &wide_high, sizeof wide_high);
      }
    }
    for (std::int64_t o = whole; o < out_plane; ++o) {
      for (int k = 0; k < lanes_here; ++k) {
        const std::int64_t to = (p0 + std::int64_t{b} * Width + k) * out_plane + o;
        Source::store_value(output + to, values[o * all + std::int64_t{b} * Width + k]);
        indices[to] = at_lanes[o * all + std::int64_t{b} * Width + k];
      }
    }
  }
}

// The transposes' tile: GCC's code for 16 x 16 tiles is poor, two 8 x 8 do better.
template <int Width>
constexpr int transpose_width = Width < 8 ? Width : 8;

// Lanes are planes: B * Width planes from p0 (`active` of them real; the lanes past the last
// repeat it and their results are dropped) are transposed into `block` (element i of lane k at
// i * B * Width + k), and every window is scanned by the rule itself, NaN included, in all lanes
// at once, in B independent chains; the results (value patterns and offsets, lane-minor in
// `values` and `at`) are transposed back into the planes' outputs.
template <int Width, typename Source, std::size_t B>
[[gnu::always_inline]] inline void max_plane_block(const geometry& g,
                                                   const typename Source::storage* input,
                                                   typename Source::storage* output,
                                                   std::int64_t* indices, std::int64_t p0,
                                                   int active, float* block, float* values,
                                                   std::int32_t* at_lanes) {
  using L = lanes<Width>;
  constexpr int all = static_cast<int>(B) * Width;
  constexpr int Tile = transpose_width<Width>;
  const typename Source::storage* planes[std::size_t{all}];
  for (int k = 0; k < all; ++k) planes[k] = input + (p0 + std::min(k, active - 1)) * g.in_plane;
  const std::int64_t whole = g.in_plane / Tile * Tile;
  for (std::int64_t i = 0; i < whole; i += Tile) {
    for (int b = 0; b < all / Tile; ++b) {
      const typename Source::storage* from[std::size_t{Tile}];
      for (int k = 0; k < Tile; ++k) from[k] = planes[b * Tile + k] + i;
      transpose_tile<Tile, Source>(from, block + i * all + std::int64_t{b} * Tile, all);
    }
  }
  for (std::int64_t i = whole; i < g.in_plane; ++i) {
    for (int k = 0; k < all; ++k) block[i * all + k] = Source::value(planes[k], i);
  }
  std::int64_t out_at = 0;
  typename L::i32 nan_seen{};  // nonzero in a lane once a window of its plane held a NaN
  for (const reference::window& w0 : g.windows[0]) {
    for (const reference::window& w1 : g.windows[1]) {
      for (const reference::window& w2 : g.windows[2]) {
        // Offsets from the window's first element, so that the scan starts from constants (GCC
        // builds a splat of a variable lane by lane here).
        const auto start = static_cast<std::int32_t>(first_offset(g, {w0, w1, w2}));
        typename L::f32 best[B];
        typename L::i32 best_at[B], nan_at[B];
        std::ranges::fill(best, typename L::f32{} + minus_infinity);
        std::ranges::fill(best_at, typename L::i32{});
        std::ranges::fill(nan_at, typename L::i32{} - 1);
        for (std::int64_t i0 = w0.begin; i0 < w0.end; ++i0) {
          for (std::int64_t i1 = w1.begin; i1 < w1.end; ++i1) {
            const auto row = static_cast<std::int32_t>((i0 * g.in[1] + i1) * g.in[2]);
            for (auto at = static_cast<std::int32_t>(row + w2.begin); at < row + w2.end; ++at) {
              for (std::size_t b = 0; b < B; ++b) {
                typename L::f32 x;
                std::memcpy(&x, block + static_cast<std::ptrdiff_t>(at) * all + b * Width,
                            sizeof x);
                // One comparison per select (GCC turns an OR of two into scalar code for 16
                // lanes): a NaN never compares greater, and the last NaN is kept apart.
                const typename L::i32 greater = x > best[b];
                best[b] = greater ? x : best[b];
                best_at[b] = greater ? typename L::i32{} + (at - start) : best_at[b];
                nan_at[b] = x != x ? typename L::i32{} + (at - start) : nan_at[b];
              }
            }
          }
        }
        for (std::size_t b = 0; b < B; ++b) {
          best_at[b] = (nan_at[b] >= 0 ? nan_at[b] : best_at[b]) + start;
          nan_seen |= nan_at[b] + 1;
          std::memcpy(values + out_at * all + b * Width, &best[b], sizeof best[b]);
          std::memcpy(at_lanes + out_at * all + b * Width, &best_at[b], sizeof best_at[b]);
        }
        ++out_at;
      }
    }
  }
  // A NaN won somewhere: every value is read back from its winner, the NaN's own pattern.
  bool nan = false;
  for (int k = 0; k < Width; ++k) nan |= nan_seen[k] != 0;
  if (nan) {
    for (std::int64_t o = 0; o < g.out_plane; ++o) {
      for (int k = 0; k < all; ++k)
        values[o * all + k] = block[std::int64_t{at_lanes[o * all + k]} * all + k];
    }
  }
  store_plane_block<Tile, Source>(g.out_plane, p0, active, all, values, at_lanes, output, indices);
}

template <int Width, typename Source>
[[gnu::always_inline]] inline void max_across_planes(const geometry& g,
                                                     const typename Source::storage* input,
                                                     typename Source::storage* output,
                                                     std::int64_t* indices, std::int64_t first,
                                                     std::int64_t end) {
  const auto all = static_cast<std::size_t>(2 * Width);
  max_scratch& scratch = thread_scratch();
  float* block = at_least(scratch.block, static_cast<std::size_t>(g.in_plane) * all);
  float* values = at_least(scratch.values, static_cast<std::size_t>(g.out_plane) * all);
  std::int32_t* at_lanes = at_least(scratch.at_lanes, static_cast<std::size_t>(g.out_plane) * all);
  std::int64_t p0 = first;
  for (; end - p0 > Width; p0 += std::int64_t{2} * Width) {
    const auto active = static_cast<int>(std::min<std::int64_t>(std::int64_t{2} * Width, end - p0));
    max_plane_block<Width, Source, 2>(g, input, output, indices, p0, active, block, values,
                                      at_lanes);
  }
  if (p0 < end) {
    max_plane_block<Width, Source, 1>(g, input, output, indices, p0, static_cast<int>(end - p0),
                                      block, values, at_lanes);
  }
}

}  // namespace
}  // namespace poolproof::engine::detail

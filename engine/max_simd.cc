// The binary32 max-forward kernels of the fast engine (max_planes_binary32): PyTorch's scan
// rule in SIMD lanes (16 with AVX-512 when the CPU has it, 8 with AVX2, else 4), across planes,
// separably by columns, or window by window; a window holding a NaN is rescanned by the rule as
// written.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "engine/pool_internal.h"
#include "engine/simd.h"

// The 8- and 16-lane helpers have internal linkage and are reached only from this file's avx2 and
// avx512 entry points, so clang's warning about passing their vectors across an ABI boundary does
// not apply.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

namespace poolproof::engine::detail {
namespace {

constexpr float minus_infinity = -std::numeric_limits<float>::infinity();

// The flat offset PyTorch's scan picks in a window, valid when `nan` is false (with a NaN the
// caller scans again: the last NaN wins).
struct window_argmax {
  std::int32_t at;
  bool nan;
};

window_argmax argmax_scalar(const geometry& g, const float* plane, const box3& box) {
  float best = minus_infinity;
  auto best_at = static_cast<std::int32_t>(first_offset(g, box));
  bool nan = false;
  for_each_offset(g, box, [&](std::int64_t at) {
    if (plane[at] > best) {
      best = plane[at];
      best_at = static_cast<std::int32_t>(at);
    }
    nan |= plane[at] != plane[at];
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
template <int Width>
[[gnu::always_inline]] inline window_argmax argmax_lanes(const geometry& g, const float* plane,
                                                         const box3& box) {
  if (box.w2.length() < Width) return argmax_scalar(g, plane, box);
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
        std::memcpy(&x, plane + row + i, sizeof x);
        const typename L::i32 greater = x > best;
        best = greater ? x : best;
        best_at = greater ? iota + (row + i) : best_at;
        nan |= x != x;
      }
      for (; i < box.w2.end; ++i) {
        const float x = plane[row + i];
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
// kept are bounded (across_planes: planes of at most 1024 inputs and 4096 outputs; separable: rows
// of at most separable_width, bands of at most max_kept_rows), so at most about 1.4 MB stays per
// thread.
struct max_scratch {
  std::vector<float> block, values;
  std::vector<std::int32_t> at_lanes, nan_columns, rows;
  std::vector<std::uint64_t> keys;
};

constexpr std::int64_t separable_width = std::int64_t{1} << 16;
constexpr std::size_t max_kept_rows = std::size_t{1} << 14;

max_scratch& thread_scratch() {
  thread_local max_scratch scratch;
  return scratch;
}

template <typename T>
T* at_least(std::vector<T>& buffer, std::size_t count) {
  if (buffer.size() < count) buffer.resize(count);
  return buffer.data();
}

// PyTorch's scan as it is written (aten adaptive_max_pool: `val > maxval || isnan(val)`), for
// the windows the SIMD kernels hand back because they hold a NaN.
std::int64_t argmax_exact(const geometry& g, const float* plane, const box3& box) {
  float best = minus_infinity;
  std::int64_t best_at = first_offset(g, box);
  for_each_offset(g, box, [&](std::int64_t at) {
    const float x = plane[at];
    if (x > best || x != x) {
      best = x;
      best_at = at;
    }
  });
  return best_at;
}

template <int Width>
[[gnu::always_inline]] inline void max_windows(const geometry& g, const float* input, float* output,
                                               std::int64_t* indices, std::int64_t first,
                                               std::int64_t end) {
  for (std::int64_t p = first; p < end; ++p) {
    const float* plane = input + p * g.in_plane;
    std::int64_t out_at = p * g.out_plane;
    for (const reference::window& w0 : g.windows[0]) {
      for (const reference::window& w1 : g.windows[1]) {
        for (const reference::window& w2 : g.windows[2]) {
          const box3 box{w0, w1, w2};
          const window_argmax best = argmax_lanes<Width>(g, plane, box);
          const std::int64_t winner = best.nan ? argmax_exact(g, plane, box) : best.at;
          output[out_at] = plane[winner];
          indices[out_at++] = winner;
        }
      }
    }
  }
}

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
// `from` (row k at from[k]).
template <int Width>
[[gnu::always_inline]] inline void transpose_tile(const float* const* from, float* to,
                                                  std::int64_t to_stride) {
  typename lanes<Width>::f32 rows[std::size_t{Width}];
  for (std::size_t k = 0; k < std::size_t{Width}; ++k)
    std::memcpy(&rows[k], from[k], sizeof rows[k]);
  transpose<Width>(rows);
  for (std::size_t j = 0; j < std::size_t{Width}; ++j)
    std::memcpy(to + static_cast<std::int64_t>(j) * to_stride, &rows[j], sizeof rows[j]);
}

// Writes the lane-minor results of a plane block (lane k of output o at o * all + k) to the
// first `active` lanes' planes: Width x Width tiles transposed, offsets widened to int64.
template <int Width>
[[gnu::always_inline]] inline void store_plane_block(std::int64_t out_plane, std::int64_t p0,
                                                     int active, int all, const float* values,
                                                     const std::int32_t* at_lanes, float* output,
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
        std::memcpy(output + to, tile + k * Width, sizeof(float) * Width);
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
        output[to] = values[o * all + std::int64_t{b} * Width + k];
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
template <int Width, std::size_t B>
[[gnu::always_inline]] inline void max_plane_block(const geometry& g, const float* input,
                                                   float* output, std::int64_t* indices,
                                                   std::int64_t p0, int active, float* block,
                                                   float* values, std::int32_t* at_lanes) {
  using L = lanes<Width>;
  constexpr int all = static_cast<int>(B) * Width;
  constexpr int Tile = transpose_width<Width>;
  const float* planes[std::size_t{all}];
  for (int k = 0; k < all; ++k) planes[k] = input + (p0 + std::min(k, active - 1)) * g.in_plane;
  const std::int64_t whole = g.in_plane / Tile * Tile;
  for (std::int64_t i = 0; i < whole; i += Tile) {
    for (int b = 0; b < all / Tile; ++b) {
      const float* from[std::size_t{Tile}];
      for (int k = 0; k < Tile; ++k) from[k] = planes[b * Tile + k] + i;
      transpose_tile<Tile>(from, block + i * all + std::int64_t{b} * Tile, all);
    }
  }
  for (std::int64_t i = whole; i < g.in_plane; ++i) {
    for (int k = 0; k < all; ++k) block[i * all + k] = planes[k][i];
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
  store_plane_block<Tile>(g.out_plane, p0, active, all, values, at_lanes, output, indices);
}

template <int Width>
[[gnu::always_inline]] inline void max_across_planes(const geometry& g, const float* input,
                                                     float* output, std::int64_t* indices,
                                                     std::int64_t first, std::int64_t end) {
  const auto all = static_cast<std::size_t>(2 * Width);
  max_scratch& scratch = thread_scratch();
  float* block = at_least(scratch.block, static_cast<std::size_t>(g.in_plane) * all);
  float* values = at_least(scratch.values, static_cast<std::size_t>(g.out_plane) * all);
  std::int32_t* at_lanes = at_least(scratch.at_lanes, static_cast<std::size_t>(g.out_plane) * all);
  std::int64_t p0 = first;
  for (; end - p0 > Width; p0 += std::int64_t{2} * Width) {
    const auto active = static_cast<int>(std::min<std::int64_t>(std::int64_t{2} * Width, end - p0));
    max_plane_block<Width, 2>(g, input, output, indices, p0, active, block, values, at_lanes);
  }
  if (p0 < end) {
    max_plane_block<Width, 1>(g, input, output, indices, p0, static_cast<int>(end - p0), block,
                              values, at_lanes);
  }
}

// K vectors of columns of one band of rows (flat offsets `rows`, in scan order), the k-th at
// column(k): per column its first strict maximum as a key that orders like (value, then the
// least flat offset): the value's ordered bits (after -0 + 0 = +0, so -0 ties +0) above the
// complemented offset. A column of -inf keeps the band's first row. `nan_columns` flags columns
// holding a NaN (their windows are rescanned); returns whether any did.
template <int Width, std::size_t K, typename Column>
[[gnu::always_inline]] inline bool band_columns(const float* plane,
                                                const std::vector<std::int32_t>& rows,
                                                Column column, std::uint64_t* keys,
                                                std::int32_t* nan_columns) {
  using L = lanes<Width>;
  // Rows from the band's first, so that the scan starts from constants (GCC builds a splat of
  // a variable lane by lane here).
  const std::int32_t first_row = rows.front();
  typename L::f32 best[K];
  typename L::i32 best_row[K], nan[K];
  std::ranges::fill(best, typename L::f32{} + minus_infinity);
  std::ranges::fill(best_row, typename L::i32{});
  std::ranges::fill(nan, typename L::i32{});
  for (const std::int32_t row : rows) {
    for (std::size_t k = 0; k < K; ++k) {
      typename L::f32 x;
      std::memcpy(&x, plane + row + column(k), sizeof x);
      const typename L::i32 greater = x > best[k];
      best[k] = greater ? x : best[k];
      best_row[k] = greater ? typename L::i32{} + (row - first_row) : best_row[k];
      nan[k] |= x != x;
    }
  }
  typename L::i32 iota{}, any{};
  for (int j = 0; j < Width; ++j) iota[j] = j;
  for (std::size_t k = 0; k < K; ++k) {
    const std::int32_t c = column(k);
    const auto bits = reinterpret_cast<typename L::u32>(best[k] + 0.0f);
    const auto sign =
        reinterpret_cast<typename L::u32>(reinterpret_cast<typename L::i32>(bits) >> 31);
    const typename L::u32 ordered = bits ^ (sign | 0x80000000u);
    const auto offset = reinterpret_cast<typename L::u32>(best_row[k] + iota + (first_row + c));
    for (int j = 0; j < Width; ++j)
      keys[c + j] = (std::uint64_t{ordered[j]} << 32) | static_cast<std::uint32_t>(~offset[j]);
    std::memcpy(nan_columns + c, &nan[k], sizeof nan[k]);
    any |= nan[k];
  }
  bool result = false;
  for (int j = 0; j < Width; ++j) result |= any[j] != 0;
  return result;
}

// band_columns over the whole width (at least Width) in ceil(width / Width) vectors, four at a
// time (independent chains), the last at width - Width: a column reduced twice gets the same
// key, so the overlap, and the repeats that fill a last group of three, change nothing.
template <int Width>
[[gnu::always_inline]] inline bool band_keys(const float* plane,
                                             const std::vector<std::int32_t>& rows,
                                             std::int32_t width, std::uint64_t* keys,
                                             std::int32_t* nan_columns) {
  const std::int32_t vectors = (width + Width - 1) / Width;
  bool nan = false;
  for (std::int32_t first = 0; first < vectors;) {
    const auto column = [first, width](std::size_t k) {
      return std::min((first + static_cast<std::int32_t>(k)) * Width, width - Width);
    };
    const std::int32_t left = vectors - first;
    if (left >= 3) {
      nan |= band_columns<Width, 4>(plane, rows, column, keys, nan_columns);
      first += 4;
    } else if (left == 2) {
      nan |= band_columns<Width, 2>(plane, rows, column, keys, nan_columns);
      first += 2;
    } else {
      nan |= band_columns<Width, 1>(plane, rows, column, keys, nan_columns);
      first += 1;
    }
  }
  return nan;
}

// The flat offset of the greatest key in the window's columns (two chains for the latency).
std::int64_t best_key_offset(const std::uint64_t* keys, const reference::window& w) {
  std::uint64_t a = 0, b = 0;
  std::int64_t c = w.begin;
  for (; c + 1 < w.end; c += 2) {
    a = std::max(a, keys[c]);
    b = std::max(b, keys[c + 1]);
  }
  if (c < w.end) a = std::max(a, keys[c]);
  return ~static_cast<std::uint32_t>(std::max(a, b));
}

bool any_nan_column(const std::int32_t* nan_columns, const reference::window& w) {
  std::int32_t any = 0;
  for (std::int64_t c = w.begin; c < w.end; ++c) any |= nan_columns[c];
  return any != 0;
}

// PyTorch's winner is the first element in scan order equal to the window's maximum (-0 == +0),
// or the first element when nothing beats -inf. Per column, band_columns keeps the first row
// holding the column's maximum; among columns, the greatest key is the greatest value at the
// least flat offset, which is the earliest in scan order. A NaN anywhere in a window's columns
// sends it to argmax_exact.
template <int Width>
[[gnu::always_inline]] inline void max_separable(const geometry& g, const float* input,
                                                 float* output, std::int64_t* indices,
                                                 std::int64_t first, std::int64_t end) {
  const auto width = static_cast<std::int32_t>(g.in[2]);
  if (width < Width || width > separable_width)
    return max_windows<Width>(g, input, output, indices, first, end);
  max_scratch& scratch = thread_scratch();
  std::uint64_t* keys = at_least(scratch.keys, static_cast<std::size_t>(width));
  std::int32_t* nan_columns = at_least(scratch.nan_columns, static_cast<std::size_t>(width));
  std::vector<std::int32_t>& rows = scratch.rows;
  for (std::int64_t p = first; p < end; ++p) {
    const float* plane = input + p * g.in_plane;
    std::int64_t out_at = p * g.out_plane;
    for (const reference::window& w0 : g.windows[0]) {
      for (const reference::window& w1 : g.windows[1]) {
        rows.clear();
        for (std::int64_t i0 = w0.begin; i0 < w0.end; ++i0) {
          for (std::int64_t i1 = w1.begin; i1 < w1.end; ++i1)
            rows.push_back(static_cast<std::int32_t>((i0 * g.in[1] + i1) * width));
        }
        const bool nan = band_keys<Width>(plane, rows, width, keys, nan_columns);
        for (const reference::window& w2 : g.windows[2]) {
          const std::int64_t winner = nan && any_nan_column(nan_columns, w2)
                                          ? argmax_exact(g, plane, {w0, w1, w2})
                                          : best_key_offset(keys, w2);
          output[out_at] = plane[winner];
          indices[out_at++] = winner;
        }
      }
    }
  }
  // The row list grows with the band (windows of many rows): a long one is not kept.
  if (rows.capacity() > max_kept_rows) std::vector<std::int32_t>().swap(rows);
}

// Planes the short-rows kernel takes: one row of inputs and one of windows (1-D pooling, or
// single rows in 2-D and 3-D), at most 64 inputs, windows of at most 16, at most 1024 outputs
// (so its step table stays small).
bool short_rows(const geometry& g) {
  return g.in_plane == g.in[2] && g.out_plane == g.out[2] && g.in[2] <= 64 &&
         g.largest_window <= 16 && g.out[2] <= 1024;
}

// Lane k of the result is row[at[k]] for a row of at most 64 inputs held in `table`; `high`
// flags the lanes whose offset is 32 or more (rows of at most 32 inputs, !Wide, have none).
template <bool Wide>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline __m512 fetch(
    const __m512 (&table)[4], __m512i at, __mmask16 high) {
  const __m512 low = _mm512_permutex2var_ps(table[0], at, table[1]);
  if constexpr (!Wide) return low;
  return _mm512_mask_mov_ps(low, high, _mm512_permutex2var_ps(table[2], at, table[3]));
}

// The winners of 16 windows by PyTorch's scan rule in the lanes, over `longest` steps: step j
// fetches each window's j-th element (its last again past its end, which the rule ignores: it
// neither beats itself nor moves the last NaN). A NaN never compares greater, so when the row
// may hold one (Nan) the last NaN is kept apart and wins.
template <bool Wide, bool Nan>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline __m512i
chunk_winners(const __m512 (&table)[4], const std::int32_t* steps, const std::uint16_t* high,
              std::int64_t longest) {
  __m512 best = _mm512_set1_ps(minus_infinity);
  __m512i best_at = _mm512_loadu_si512(steps);  // step 0: each window's first element
  __m512i nan_at = _mm512_set1_epi32(-1);
  for (std::int64_t j = 0; j < longest; ++j) {
    const __m512i at = _mm512_loadu_si512(steps + j * 16);
    const __m512 x = fetch<Wide>(table, at, high[j]);
    const __mmask16 greater = _mm512_cmp_ps_mask(x, best, _CMP_GT_OQ);
    best = _mm512_mask_mov_ps(best, greater, x);
    best_at = _mm512_mask_mov_epi32(best_at, greater, at);
    if constexpr (Nan) {
      nan_at = _mm512_mask_mov_epi32(nan_at, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), at);
    }
  }
  if constexpr (!Nan) return best_at;
  return _mm512_mask_mov_epi32(best_at, _mm512_cmpge_epi32_mask(nan_at, _mm512_setzero_si512()),
                               nan_at);
}

// The short-rows kernel's step tables, kept per thread while the windows repeat: offsets of
// step j of chunk c (windows 16c to 16c + 15, the last window repeated past the row's end) at
// (c * longest + j) * 16, and which of them are 32 or more.
struct short_row_steps {
  std::vector<reference::window> windows;
  std::int64_t longest = 0;
  std::vector<std::int32_t> offsets;
  std::vector<std::uint16_t> high;
};

const short_row_steps& remembered_steps(const geometry& g) {
  thread_local short_row_steps steps;
  if (steps.windows == g.windows[2]) return steps;  // one row: the windows fix the rest
  const std::int64_t m = g.out[2], chunks = (m + 15) / 16;
  steps = {g.windows[2], g.largest_window, {}, {}};
  steps.offsets.resize(static_cast<std::size_t>(chunks * steps.longest * 16));
  steps.high.resize(static_cast<std::size_t>(chunks * steps.longest));
  for (std::int64_t c = 0; c < chunks; ++c) {
    for (std::int64_t j = 0; j < steps.longest; ++j) {
      const auto step = static_cast<std::size_t>(c * steps.longest + j);
      for (std::int64_t k = 0; k < 16; ++k) {
        const reference::window& w =
            g.windows[2][static_cast<std::size_t>(std::min(c * 16 + k, m - 1))];
        const std::int64_t at = std::min(w.begin + j, w.end - 1);
        steps.offsets[step * 16 + static_cast<std::size_t>(k)] = static_cast<std::int32_t>(at);
        if (at >= 32) steps.high[step] = static_cast<std::uint16_t>(steps.high[step] | 1u << k);
      }
    }
  }
  return steps;
}

// The short-rows kernel (AVX-512 only) on rows of at most 32 inputs (!Wide) or 64: the plane's
// row sits in registers, each chunk of 16 windows is scanned in the lanes (chunk_winners), and
// the winners' own patterns are fetched back. A row without a NaN skips the NaN bookkeeping.
template <bool Wide>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline void
short_rows_planes(const geometry& g, const short_row_steps& steps, const float* input,
                  float* output, std::int64_t* indices, std::int64_t first, std::int64_t end) {
  const std::int64_t n = g.in[2], m = g.out[2], chunks = (m + 15) / 16;
  for (std::int64_t p = first; p < end; ++p) {
    const float* row = input + p * n;
    __m512 table[4];
    for (std::int64_t t = 0; t < 4; ++t) {
      const std::int64_t left = std::clamp<std::int64_t>(n - 16 * t, 0, 16);
      const auto mask = static_cast<__mmask16>((1u << left) - 1);
      table[t] = left > 0 ? _mm512_maskz_loadu_ps(mask, row + 16 * t) : _mm512_setzero_ps();
    }
    const bool nan = (_mm512_cmp_ps_mask(table[0], table[1], _CMP_UNORD_Q) |
                      _mm512_cmp_ps_mask(table[2], table[3], _CMP_UNORD_Q)) != 0;
    for (std::int64_t c = 0; c < chunks; ++c) {
      const std::int32_t* offsets = steps.offsets.data() + c * steps.longest * 16;
      const std::uint16_t* high = steps.high.data() + c * steps.longest;
      const __m512i winner = nan ? chunk_winners<Wide, true>(table, offsets, high, steps.longest)
                                 : chunk_winners<Wide, false>(table, offsets, high, steps.longest);
      const std::int64_t lanes = std::min<std::int64_t>(16, m - c * 16);
      const auto mask = static_cast<__mmask16>((1u << lanes) - 1);
      const std::int64_t at = p * m + c * 16;
      const __mmask16 winner_high = _mm512_cmpge_epi32_mask(winner, _mm512_set1_epi32(32));
      _mm512_mask_storeu_ps(output + at, mask, fetch<Wide>(table, winner, winner_high));
      // The maskz forms: GCC 12's plain ones start from an "undefined" vector it then warns of.
      const auto low = static_cast<__mmask8>(mask), upper = static_cast<__mmask8>(mask >> 8);
      const __m256i first_half = _mm512_maskz_extracti64x4_epi64(0xF, winner, 0);
      _mm512_mask_storeu_epi64(indices + at, low, _mm512_maskz_cvtepi32_epi64(low, first_half));
      if (lanes > 8) {
        const __m256i second_half = _mm512_maskz_extracti64x4_epi64(0xF, winner, 1);
        _mm512_mask_storeu_epi64(indices + at + 8, upper,
                                 _mm512_maskz_cvtepi32_epi64(upper, second_half));
      }
    }
  }
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void max_short_rows(
    const geometry& g, const float* input, float* output, std::int64_t* indices, std::int64_t first,
    std::int64_t end) {
  const short_row_steps& steps = remembered_steps(g);
  if (g.in[2] > 32) return short_rows_planes<true>(g, steps, input, output, indices, first, end);
  short_rows_planes<false>(g, steps, input, output, indices, first, end);
}

template <int Width>
[[gnu::always_inline]] inline void max_planes_lanes(const geometry& g, const float* input,
                                                    float* output, std::int64_t* indices,
                                                    std::int64_t first, std::int64_t end,
                                                    max_kernel kernel) {
  if (kernel == max_kernel::automatic) {
    const bool small_planes =
        end - first >= transpose_width<Width> && g.in_plane <= 1024 && g.out_plane <= 4096;
    // Separable needs bands of several rows to pay off, and keeps 12 bytes per column.
    const bool bands = g.in[0] * g.in[1] > 1 && g.in[2] >= Width && g.in[2] <= separable_width;
    kernel = small_planes ? max_kernel::across_planes
             : bands      ? max_kernel::separable
                          : max_kernel::windows;
  }
  // Rows narrower than 16 lanes run on 8 (the row kernels take at least one vector of a row).
  if constexpr (Width > 8) {
    if (kernel != max_kernel::across_planes && g.in[2] < Width)
      return max_planes_lanes<8>(g, input, output, indices, first, end, kernel);
  }
  switch (kernel) {
    case max_kernel::across_planes:
      return max_across_planes<Width>(g, input, output, indices, first, end);
    case max_kernel::separable:
      return max_separable<Width>(g, input, output, indices, first, end);
    default:
      return max_windows<Width>(g, input, output, indices, first, end);
  }
}

[[gnu::target("avx2")]] void max_planes_avx2(const geometry& g, const float* input, float* output,
                                             std::int64_t* indices, std::int64_t first,
                                             std::int64_t end, max_kernel kernel) {
  max_planes_lanes<8>(g, input, output, indices, first, end, kernel);
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void max_planes_avx512(
    const geometry& g, const float* input, float* output, std::int64_t* indices, std::int64_t first,
    std::int64_t end, max_kernel kernel) {
  if ((kernel == max_kernel::automatic || kernel == max_kernel::short_rows) && short_rows(g))
    return max_short_rows(g, input, output, indices, first, end);
  if (kernel == max_kernel::short_rows) kernel = max_kernel::automatic;
  max_planes_lanes<16>(g, input, output, indices, first, end, kernel);
}

void max_planes_baseline(const geometry& g, const float* input, float* output,
                         std::int64_t* indices, std::int64_t first, std::int64_t end,
                         max_kernel kernel) {
  max_planes_lanes<4>(g, input, output, indices, first, end, kernel);
}

}  // namespace

void max_planes_binary32(const geometry& g, const float* input, float* output,
                         std::int64_t* indices, std::int64_t first, std::int64_t end,
                         max_kernel kernel, simd_level ceiling) {
  POOLPROOF_CHECK(g.in_plane < (std::int64_t{1} << 31));
  if (kernel == max_kernel::short_rows && usable_simd_level(ceiling) != simd_level::avx512)
    kernel = max_kernel::automatic;
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      return max_planes_avx512(g, input, output, indices, first, end, kernel);
    case simd_level::avx2:
      return max_planes_avx2(g, input, output, indices, first, end, kernel);
    default:
      return max_planes_baseline(g, input, output, indices, first, end, kernel);
  }
}

}  // namespace poolproof::engine::detail

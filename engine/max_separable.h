// The max-forward separable kernel (not a public interface): each band of rows reduced
// column by column in SIMD lanes to ordered keys, then each window's columns.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <concepts>
#include <cstring>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "engine/max_kernels.h"
#include "engine/max_separable_avx2.h"
#include "engine/planes.h"
#include "engine/simd.h"
#include "engine/streaming.h"

namespace poolproof::engine::detail {
// Internal linkage, as when these lived in one file: the header is included only by
// max_forward_simd.cc, whose target-specific entry points instantiate these templates.
namespace {
// band_columns in generic vectors (the baseline's 4 lanes, AVX-512's 16, 16-bit patterns widened).
template <int Width, typename Source, std::size_t K, typename Column>
[[gnu::always_inline]] inline bool band_columns_generic(const typename Source::storage* plane,
                                                        std::span<const std::int32_t> rows,
                                                        const band_ahead& ahead, Column column,
                                                        std::uint64_t* keys,
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
  const std::size_t count = rows.size();
  for (std::size_t r = 0; r < count; ++r) {
    const std::int32_t row = rows[r];
    // The same row of the band ahead (see max_binary64.h's band_columns_64).
    const typename Source::storage* row_ahead = plane + ahead.row(r);
    for (std::size_t k = 0; k < K; ++k) {
      __builtin_prefetch(row_ahead + column(k));
      typename L::f32 x;
      Source::template load<Width>(plane + row + column(k), x);
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

// K vectors of columns of one band of rows (flat offsets `rows`, in scan order), the k-th at
// column(k): per column its first strict maximum as a key that orders like (value, then the
// least flat offset): the value's ordered bits (after -0 + 0 = +0, so -0 ties +0) above the
// complemented offset. A column of -inf keeps the band's first row. `nan_columns` flags columns
// holding a NaN (their windows are rescanned); returns whether any did. binary32 in 8 lanes
// (AVX2's, and AVX-512's for rows under 16 wide) runs band_columns_avx2.
template <int Width, typename Source, std::size_t K, typename Column>
[[gnu::always_inline]] inline bool band_columns(const typename Source::storage* plane,
                                                std::span<const std::int32_t> rows,
                                                const band_ahead& ahead, Column column,
                                                std::uint64_t* keys, std::int32_t* nan_columns) {
  if constexpr (Width == 8 && std::same_as<Source, binary32_source>) {
    std::array<std::int32_t, K> columns;
    for (std::size_t k = 0; k < K; ++k) columns[k] = column(k);
    return band_columns_avx2<K>(plane, rows, ahead, columns, keys, nan_columns);
  } else {
    return band_columns_generic<Width, Source, K>(plane, rows, ahead, column, keys, nan_columns);
  }
}

// band_columns_16's keys and NaN flags of its K vectors of columns, from each lane's maximum
// (`best`), the count of its row (`best_row`) and its largest magnitude; returns whether any
// column held a NaN.
template <int Lanes, typename Source, std::size_t K, typename Column>
[[gnu::always_inline]] inline bool write_keys_16(const vec<std::int16_t, Lanes> (&best)[K],
                                                 const vec<std::int16_t, Lanes> (&best_row)[K],
                                                 const vec<std::uint16_t, Lanes> (&largest)[K],
                                                 std::span<const std::int32_t> rows,
                                                 std::int32_t row_stride, Column column,
                                                 std::uint64_t* keys, std::int32_t* nan_columns) {
  using I32 = vec<std::int32_t, Lanes>;
  I32 iota{}, any{};
  for (int j = 0; j < Lanes; ++j) iota[j] = j;
  for (std::size_t k = 0; k < K; ++k) {
    const std::int32_t c = column(k);
    I32 offset = __builtin_convertvector(best_row[k], I32);
    if (row_stride > 0) {
      offset = offset * row_stride + (rows.front() + c) + iota;
    } else {
      for (int j = 0; j < Lanes; ++j) offset[j] = rows[static_cast<std::size_t>(offset[j])] + c + j;
    }
    const I32 ordered = __builtin_convertvector(best[k], I32) + 0x8000;
    for (int j = 0; j < Lanes; ++j) {
      keys[c + j] = (std::uint64_t{static_cast<std::uint32_t>(ordered[j])} << 32) |
                    static_cast<std::uint32_t>(~offset[j]);
    }
    const I32 nan = __builtin_convertvector(largest[k] > Source::infinity, I32);
    std::memcpy(nan_columns + c, &nan, sizeof nan);
    any |= nan;
  }
  bool result = false;
  for (int j = 0; j < Lanes; ++j) result |= any[j] != 0;
  return result;
}

// band_columns on 16-bit patterns (Source: a widened_source) in `Lanes` 16-bit lanes, twice as
// many as binary32's, without widening: each pattern becomes an integer that orders as its value
// (sign ? -magnitude : magnitude, so -0 ties +0 and the infinities sit at +-Source::infinity),
// the same keys follow, and a column is flagged when its largest magnitude is a NaN's (its key is
// then never read). Rows are counted in the lanes: needs fewer than 2^15 rows; `row_stride`, when
// positive, is the rows' common distance (their offsets then follow from the counts in lanes).
// 16 lanes (AVX2's, and AVX-512's for rows under 32 wide) run band_columns_16_avx2.
template <int Lanes, typename Source, std::size_t K, typename Column>
[[gnu::always_inline]] inline bool band_columns_16(const std::uint16_t* plane,
                                                   std::span<const std::int32_t> rows,
                                                   const band_ahead& ahead, std::int32_t row_stride,
                                                   Column column, std::uint64_t* keys,
                                                   std::int32_t* nan_columns) {
  if constexpr (Lanes == 16) {
    std::array<std::int32_t, K> columns;
    for (std::size_t k = 0; k < K; ++k) columns[k] = column(k);
    return band_columns_16_avx2<K>(plane, rows, ahead, row_stride, columns, Source::infinity, keys,
                                   nan_columns);
  } else {
    using I16 = vec<std::int16_t, Lanes>;
    using U16 = vec<std::uint16_t, Lanes>;
    I16 best[K], best_row[K];
    U16 largest[K];
    std::ranges::fill(best, I16{} - static_cast<std::int16_t>(Source::infinity));
    std::ranges::fill(best_row, I16{});
    std::ranges::fill(largest, U16{});
    I16 current{};  // the row's index in `rows`, in every lane
    const std::size_t count = rows.size();
    for (std::size_t r = 0; r < count; ++r) {
      const std::int32_t row = rows[r];
      // The same row of the band ahead (see max_binary64.h's band_columns_64).
      const std::uint16_t* row_ahead = plane + ahead.row(r);
      for (std::size_t k = 0; k < K; ++k) {
        __builtin_prefetch(row_ahead + column(k));
        U16 bits;
        std::memcpy(&bits, plane + row + column(k), sizeof bits);
        const U16 magnitude = bits & 0x7FFF;
        const auto value = reinterpret_cast<I16>(magnitude);
        const I16 key = reinterpret_cast<I16>(bits) < 0 ? I16{} - value : value;
        const I16 greater = key > best[k];
        best[k] = greater ? key : best[k];
        best_row[k] = greater ? current : best_row[k];
        largest[k] = magnitude > largest[k] ? magnitude : largest[k];
      }
      current += 1;
    }
    return write_keys_16<Lanes, Source, K>(best, best_row, largest, rows, row_stride, column, keys,
                                           nan_columns);
  }
}

// The common distance of the band's rows (a 2-D band's is the row width; 1 for a single row,
// whose count is always 0), or 0 if they have none.
std::int32_t row_stride(std::span<const std::int32_t> rows) {
  if (rows.size() < 2) return 1;
  const std::int32_t stride = rows[1] - rows[0];
  for (std::size_t r = 2; r < rows.size(); ++r) {
    if (rows[r] - rows[r - 1] != stride) return 0;
  }
  return stride;
}

// The band columns of `Lanes` columns at a time: on 16-bit patterns (OnPatterns, the rows'
// common distance `stride` or 0) or on binary32 values (binary32's, or 16-bit patterns widened).
template <int Lanes, typename Source, bool OnPatterns, std::size_t K, typename Column>
[[gnu::always_inline]] inline bool band_group(const typename Source::storage* plane,
                                              std::span<const std::int32_t> rows,
                                              const band_ahead& ahead, std::int32_t stride,
                                              Column column, std::uint64_t* keys,
                                              std::int32_t* nan_columns) {
  if constexpr (OnPatterns) {
    return band_columns_16<Lanes, Source, K>(plane, rows, ahead, stride, column, keys, nan_columns);
  } else {
    return band_columns<Lanes, Source, K>(plane, rows, ahead, column, keys, nan_columns);
  }
}

// band_group over the whole width (at least Lanes) in ceil(width / Lanes) vectors, eight or four
// at a time (independent chains), the last at width - Lanes: a column reduced twice gets the same
// key, so the overlap, and the repeats that fill a last group of three or seven, change nothing.
template <int Lanes, typename Source, bool OnPatterns>
[[gnu::always_inline]] inline bool band_keys(const typename Source::storage* plane,
                                             std::span<const std::int32_t> rows,
                                             const band_ahead& ahead, std::int32_t width,
                                             std::uint64_t* keys, std::int32_t* nan_columns) {
  const std::int32_t stride = OnPatterns ? row_stride(rows) : 0;
  // On 64-byte (AVX-512) vectors, whose 32 registers hold the three chains of eight vectors
  // (fewer registers would spill them), a row of up to eight vectors is read once per band, end
  // to end, where groups of four read it in two parts: 13% faster on 112 binary32 columns. Not
  // for 16-bit patterns widened to binary32 (bands of 2^15 rows or more), whose widening spilled
  // in eights; binary64's bands (max_binary64.h) measured no faster in eights.
  constexpr bool eight_vectors =
      Lanes * (OnPatterns ? 2 : 4) == 64 && (OnPatterns || std::same_as<Source, binary32_source>);
  const std::int32_t vectors = (width + Lanes - 1) / Lanes;
  bool nan = false;
  for (std::int32_t first = 0; first < vectors;) {
    const auto column = [first, width](std::size_t k) {
      return std::min((first + static_cast<std::int32_t>(k)) * Lanes, width - Lanes);
    };
    const std::int32_t left = vectors - first;
    if (eight_vectors && left >= 7) {
      nan |= band_group<Lanes, Source, OnPatterns, 8>(plane, rows, ahead, stride, column, keys,
                                                      nan_columns);
      first += 8;
    } else if (left >= 3) {
      nan |= band_group<Lanes, Source, OnPatterns, 4>(plane, rows, ahead, stride, column, keys,
                                                      nan_columns);
      first += 4;
    } else if (left == 2) {
      nan |= band_group<Lanes, Source, OnPatterns, 2>(plane, rows, ahead, stride, column, keys,
                                                      nan_columns);
      first += 2;
    } else {
      nan |= band_group<Lanes, Source, OnPatterns, 1>(plane, rows, ahead, stride, column, keys,
                                                      nan_columns);
      first += 1;
    }
  }
  return nan;
}

// A band's keys (rows at least Width wide): 16-bit patterns in 16-bit lanes, twice Width of them
// when the band is that wide, while it counts its rows in them; else in binary32 lanes.
template <int Width, typename Source>
[[gnu::always_inline]] inline bool separable_band(const typename Source::storage* plane,
                                                  std::span<const std::int32_t> rows,
                                                  const band_ahead& ahead, std::int32_t width,
                                                  std::uint64_t* keys, std::int32_t* nan_columns) {
  if constexpr (!std::same_as<Source, binary32_source>) {
    if (rows.size() < (std::size_t{1} << 15)) {
      if (width >= 2 * Width)
        return band_keys<2 * Width, Source, true>(plane, rows, ahead, width, keys, nan_columns);
      return band_keys<Width, Source, true>(plane, rows, ahead, width, keys, nan_columns);
    }
  }
  return band_keys<Width, Source, false>(plane, rows, ahead, width, keys, nan_columns);
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

// best_key_offset in AVX-512 lanes, eight keys a step, the lanes past the window masked off
// (key by key, this took a tenth of the pass on 13x13 windows). Called, not inlined: the kernels
// around it are generic code inlined into each target's entry point.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] std::int64_t best_key_offset_avx512(
    const std::uint64_t* keys, const reference::window& w) {
  __m512i greatest = _mm512_setzero_si512();
  for (std::int64_t c = w.begin; c < w.end; c += 8) {
    const __mmask8 inside = lanes_before(w.end, c);
    greatest = _mm512_mask_max_epu64(greatest, inside, greatest,
                                     _mm512_maskz_loadu_epi64(inside, keys + c));
  }
  const __m256i four = _mm256_max_epu64(_mm512_maskz_extracti64x4_epi64(0xF, greatest, 0),
                                        _mm512_maskz_extracti64x4_epi64(0xF, greatest, 1));
  const __m128i two =
      _mm_max_epu64(_mm256_castsi256_si128(four), _mm256_extracti128_si256(four, 1));
  const auto best = std::max(static_cast<std::uint64_t>(_mm_cvtsi128_si64(two)),
                             static_cast<std::uint64_t>(_mm_extract_epi64(two, 1)));
  return ~static_cast<std::uint32_t>(best);
}

// best_key_offset on the lanes of `Width`: AVX-512's when `lanes_win`, AVX2's, or one by one.
template <int Width>
std::int64_t best_key_in_lanes(const std::uint64_t* keys, const reference::window& w,
                               [[maybe_unused]] bool lanes_win) {
  if constexpr (Width == 16) {
    if (lanes_win) return best_key_offset_avx512(keys, w);
  } else if constexpr (Width == 8) {
    return best_key_offset_avx2(keys, w);
  }
  return best_key_offset(keys, w);
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
template <int Width, typename Source>
[[gnu::always_inline]] inline void max_separable(const geometry& g,
                                                 const typename Source::storage* input,
                                                 typename Source::storage* output,
                                                 std::int64_t* indices, std::int64_t first,
                                                 std::int64_t end) {
  const auto width = static_cast<std::int32_t>(g.in[2]);
  if (width < Width || width > separable_width)
    return max_windows<Width, Source>(g, input, output, indices, first, end);
  max_scratch& scratch = thread_scratch();
  std::uint64_t* keys = at_least(scratch.keys, static_cast<std::size_t>(width));
  std::int32_t* nan_columns = at_least(scratch.nan_columns, static_cast<std::size_t>(width));
  // Read with 16 lanes only, which only max_planes_avx512 builds.
  const bool lanes_win = winners_in_lanes(g);
  // A binary32 worker's input larger than the last-level cache comes from memory: in 8 lanes
  // (AVX2's, and AVX-512's for rows under 16 wide, not measured) the bands of 2-D planes are read
  // in memory order (float32 max forward on one thread of an AVX2 host whose memory streams at
  // 12-14 GB/s: 7x7 2.47 -> 2.13 ms, 13x13 2.80 -> 2.62; 3-D bands, a few rows per depth slice,
  // read 1.25x slower so and keep their order: measured).
  const bool along_rows = Width == 8 && std::same_as<Source, binary32_source> && g.in[0] == 1 &&
                          past_cache((end - first) * g.in_plane, sizeof(float));
  float* best_values =
      along_rows ? at_least(scratch.best_values, static_cast<std::size_t>(width)) : nullptr;
  std::int32_t* best_rows =
      along_rows ? at_least(scratch.best_rows, static_cast<std::size_t>(width)) : nullptr;
  std::int64_t out_at = first * g.out_plane;
  for (band_walk band(g, first, end, scratch.bands); !band.done(); band.advance()) {
    const typename Source::storage* plane = input + band.plane() * g.in_plane;
    bool nan = false;
    if constexpr (Width == 8 && std::same_as<Source, binary32_source>) {
      nan = along_rows ? band_along_rows_avx2(plane, band.rows(), band.ahead(), width, best_values,
                                              best_rows, keys, nan_columns)
                       : separable_band<Width, Source>(plane, band.rows(), band.ahead(), width,
                                                       keys, nan_columns);
    } else {
      nan =
          separable_band<Width, Source>(plane, band.rows(), band.ahead(), width, keys, nan_columns);
    }
    for (const reference::window& w2 : g.windows[2]) {
      const std::int64_t winner = nan && any_nan_column(nan_columns, w2)
                                      ? argmax_exact<Source>(g, plane, {band.w0(), band.w1(), w2})
                                      : best_key_in_lanes<Width>(keys, w2, lanes_win);
      output[out_at] = plane[winner];
      indices[out_at++] = winner;
    }
  }
  band_walk::trim(scratch.bands);
}

}  // namespace
}  // namespace poolproof::engine::detail

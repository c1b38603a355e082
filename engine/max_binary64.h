// The binary64 max-forward separable kernel (not a public interface): each band of rows reduced
// column by column in SIMD lanes of doubles (down the columns, or along the rows when the band
// comes from memory), then each window's columns.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

#include "engine/max_binary64_avx2.h"
#include "engine/max_kernels.h"
#include "engine/planes.h"
#include "engine/simd.h"
#include "engine/streaming.h"

namespace poolproof::engine::detail {
// Internal linkage: the header is included only by max_forward_simd.cc, whose target-specific
// entry points instantiate these templates.
namespace {

// Per column of a band: its first strict maximum and that element's flat offset; `nan` flags
// columns holding a NaN (their windows are rescanned); `best_rows`, the maximum's row, is
// band_along_rows_64_avx2's.
struct column_maxima {
  std::vector<double, line_aligned_allocator<double>> values;
  std::vector<std::int32_t, line_aligned_allocator<std::int32_t>> offsets, nan;
  std::vector<std::int64_t, line_aligned_allocator<std::int64_t>> best_rows;
};

column_maxima& thread_column_maxima() {
  thread_local column_maxima maxima;
  return maxima;
}

// K vectors of `Lanes` doubles of one band of rows (flat offsets `rows`, in scan order), the
// k-th at column(k): each lane keeps its column's first strict maximum and that element's flat
// offset (a column of -inf keeps the band's first row). Returns whether any column held a NaN.
template <int Lanes, std::size_t K, typename Column>
[[gnu::always_inline]] inline bool band_columns_64_generic(const double* plane,
                                                           std::span<const std::int32_t> rows,
                                                           const band_ahead& ahead, Column column,
                                                           column_maxima& maxima) {
  using F64 = vec<double, Lanes>;
  using I64 = vec<std::int64_t, Lanes>;
  using I32 = vec<std::int32_t, Lanes>;
  F64 best[K];
  I64 best_row[K], nan[K];
  std::ranges::fill(best, F64{} - std::numeric_limits<double>::infinity());
  std::ranges::fill(best_row, I64{} + rows.front());
  std::ranges::fill(nan, I64{});
  const std::size_t count = rows.size();
  for (std::size_t r = 0; r < count; ++r) {
    const std::int32_t row = rows[r];
    const I64 current = I64{} + row;  // the row's flat offset, in every lane
    // The same row of the band ahead, prefetched a band's time before it is read (the band's
    // own rows four below, prefetched before, were lines about to be read anyway: see
    // bench/RESULTS.md, round 3 part 14).
    const double* row_ahead = plane + ahead.row(r);
    for (std::size_t k = 0; k < K; ++k) {
      __builtin_prefetch(row_ahead + column(k));
      F64 x;
      std::memcpy(&x, plane + row + column(k), sizeof x);
      const I64 greater = x > best[k];
      best[k] = greater ? x : best[k];
      best_row[k] = greater ? current : best_row[k];
      nan[k] |= x != x;
    }
  }
  I64 iota{}, any{};
  for (int j = 0; j < Lanes; ++j) iota[j] = j;
  for (std::size_t k = 0; k < K; ++k) {
    const std::int32_t c = column(k);
    std::memcpy(maxima.values.data() + c, &best[k], sizeof best[k]);
    const I32 offsets = __builtin_convertvector(best_row[k] + iota + c, I32);
    std::memcpy(maxima.offsets.data() + c, &offsets, sizeof offsets);
    const I32 flags = __builtin_convertvector(nan[k], I32);
    std::memcpy(maxima.nan.data() + c, &flags, sizeof flags);
    any |= nan[k];
  }
  bool result = false;
  for (int j = 0; j < Lanes; ++j) result |= any[j] != 0;
  return result;
}

// K vectors of `Lanes` doubles of one band of rows (as band_columns_64_generic): on AVX2 (four
// lanes) by band_columns_64_avx2.
template <int Lanes, std::size_t K, typename Column>
[[gnu::always_inline]] inline bool band_columns_64(const double* plane,
                                                   std::span<const std::int32_t> rows,
                                                   const band_ahead& ahead, Column column,
                                                   column_maxima& maxima) {
  if constexpr (Lanes == 4) {
    std::array<std::int32_t, K> columns;
    for (std::size_t k = 0; k < K; ++k) columns[k] = column(k);
    return band_columns_64_avx2<K>(plane, rows, ahead, columns, maxima.values.data(),
                                   maxima.offsets.data(), maxima.nan.data());
  } else {
    return band_columns_64_generic<Lanes, K>(plane, rows, ahead, column, maxima);
  }
}

// band_columns_64 over the whole width (at least Lanes) in ceil(width / Lanes) vectors, four at
// a time, the last at width - Lanes: a column reduced twice gets the same maximum. On AVX2,
// `along_rows` reads the band in memory order instead (band_along_rows_64_avx2).
template <int Lanes>
[[gnu::always_inline]] inline bool band_maxima(const double* plane,
                                               std::span<const std::int32_t> rows,
                                               const band_ahead& ahead, std::int32_t width,
                                               column_maxima& maxima, bool along_rows) {
  if constexpr (Lanes == 4) {
    if (along_rows) {
      return band_along_rows_64_avx2(plane, rows, ahead, width, maxima.values.data(),
                                     maxima.best_rows.data(), maxima.offsets.data(),
                                     maxima.nan.data());
    }
  }
  const std::int32_t vectors = (width + Lanes - 1) / Lanes;
  bool nan = false;
  for (std::int32_t first = 0; first < vectors;) {
    const auto column = [first, width](std::size_t k) {
      return std::min((first + static_cast<std::int32_t>(k)) * Lanes, width - Lanes);
    };
    const std::int32_t left = vectors - first;
    if (left >= 3) {
      nan |= band_columns_64<Lanes, 4>(plane, rows, ahead, column, maxima);
      first += 4;
    } else if (left == 2) {
      nan |= band_columns_64<Lanes, 2>(plane, rows, ahead, column, maxima);
      first += 2;
    } else {
      nan |= band_columns_64<Lanes, 1>(plane, rows, ahead, column, maxima);
      first += 1;
    }
  }
  return nan;
}

// A column's offset if its maximum is the window's, else the largest int32 (offsets are not
// negative). In bits, not a select: GCC made `value == best ? offset : ...` two branches, one of
// them mispredicted in nearly every window of random values.
inline std::int32_t offset_if_best(double value, double best, std::int32_t offset) {
  const auto miss = static_cast<std::int32_t>(value != best);
  return offset | (-miss & std::numeric_limits<std::int32_t>::max());
}

// The window's winner from its columns' maxima: the least flat offset (the earliest in scan
// order) among the columns whose maximum equals the window's (-0 == +0, so they tie; a window
// of -inf columns gets its first element). Two passes without branches (with random values,
// which column wins is unpredictable), each in two chains for the latency. Precondition: no
// NaN in the window.
std::int64_t best_column_offset(const column_maxima& maxima, const reference::window& w) {
  const double* values = maxima.values.data();
  const std::int32_t* offsets = maxima.offsets.data();
  double a = values[w.begin], b = a;
  std::int64_t c = w.begin + 1;
  for (; c + 1 < w.end; c += 2) {
    a = std::max(a, values[c]);
    b = std::max(b, values[c + 1]);
  }
  if (c < w.end) a = std::max(a, values[c]);
  const double best = std::max(a, b);
  std::int32_t first = std::numeric_limits<std::int32_t>::max(), second = first;
  for (c = w.begin; c + 1 < w.end; c += 2) {
    first = std::min(first, offset_if_best(values[c], best, offsets[c]));
    second = std::min(second, offset_if_best(values[c + 1], best, offsets[c + 1]));
  }
  if (c < w.end) first = std::min(first, offset_if_best(values[c], best, offsets[c]));
  return std::min(first, second);
}

// The least of four 32-bit lanes.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline std::int32_t
least_lane(__m128i lanes) {
  lanes = _mm_min_epi32(lanes, _mm_shuffle_epi32(lanes, 0x4E));
  lanes = _mm_min_epi32(lanes, _mm_shuffle_epi32(lanes, 0xB1));
  return _mm_cvtsi128_si32(lanes);
}

// best_column_offset in AVX-512 lanes, eight columns a step, the lanes past the window masked
// off (column by column, this took a third of the pass on 13x13 windows). Written with
// intrinsics (GCC scalarized the generic vectors' masked compares), and called, not inlined:
// the kernels around it are generic code inlined into each target's entry point.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] std::int64_t best_column_offset_avx512(
    const column_maxima& maxima, const reference::window& w) {
  const double* values = maxima.values.data();
  const std::int32_t* offsets = maxima.offsets.data();
  __m512d greatest = _mm512_set1_pd(-std::numeric_limits<double>::infinity());
  for (std::int64_t c = w.begin; c < w.end; c += 8) {
    const __mmask8 mask = lanes_before(w.end, c);
    greatest =
        _mm512_mask_max_pd(greatest, mask, greatest, _mm512_maskz_loadu_pd(mask, values + c));
  }
  const __m256d four = _mm256_max_pd(_mm512_maskz_extractf64x4_pd(0xF, greatest, 0),
                                     _mm512_maskz_extractf64x4_pd(0xF, greatest, 1));
  const __m128d two = _mm_max_pd(_mm256_castpd256_pd128(four), _mm256_extractf128_pd(four, 1));
  // In lanes: GCC made std::max of the two doubles a branch, mispredicted on every other window
  // of random values.
  const __m512d best =
      _mm512_maskz_broadcastsd_pd(0xFF, _mm_max_sd(two, _mm_unpackhi_pd(two, two)));
  __m256i least = _mm256_set1_epi32(std::numeric_limits<std::int32_t>::max());
  for (std::int64_t c = w.begin; c < w.end; c += 8) {
    const __mmask8 mask = lanes_before(w.end, c);
    const __mmask8 hit =
        _mm512_mask_cmp_pd_mask(mask, _mm512_maskz_loadu_pd(mask, values + c), best, _CMP_EQ_OQ);
    least = _mm256_mask_min_epi32(least, hit, least, _mm256_maskz_loadu_epi32(mask, offsets + c));
  }
  return least_lane(
      _mm_min_epi32(_mm256_castsi256_si128(least), _mm256_extracti128_si256(least, 1)));
}

// best_column_offset on the widest lanes the kernel has: AVX-512's where they win
// (`lanes_win`), AVX2's, or none.
template <int Lanes>
[[gnu::always_inline]] inline std::int64_t best_column_in_lanes(const column_maxima& maxima,
                                                                const reference::window& w,
                                                                [[maybe_unused]] bool lanes_win) {
  if constexpr (Lanes == 8) {
    if (lanes_win) return best_column_offset_avx512(maxima, w);
  } else if constexpr (Lanes == 4) {
    return best_column_offset_avx2(maxima.values.data(), maxima.offsets.data(), w);
  }
  return best_column_offset(maxima, w);
}

bool window_holds_nan(const column_maxima& maxima, const reference::window& w) {
  std::int32_t any = 0;
  for (std::int64_t c = w.begin; c < w.end; ++c) any |= maxima.nan[static_cast<std::size_t>(c)];
  return any != 0;
}

// PyTorch's max forward on binary64 planes [first, end) whose rows are at least Lanes and at
// most separable_width wide, band by band as max_separable does for binary32.
template <int Lanes>
[[gnu::always_inline]] inline void max_separable_64(const geometry& g, const double* input,
                                                    double* output, std::int64_t* indices,
                                                    std::int64_t first, std::int64_t end) {
  const auto width = static_cast<std::int32_t>(g.in[2]);
  column_maxima& maxima = thread_column_maxima();
  maxima.values.resize(static_cast<std::size_t>(width));
  maxima.offsets.resize(static_cast<std::size_t>(width));
  maxima.nan.resize(static_cast<std::size_t>(width));
  max_scratch& scratch = thread_scratch();
  [[maybe_unused]] const bool lanes_win = winners_in_lanes(g);
  // A worker's input larger than the last-level cache comes from memory: on AVX2 its bands are
  // read in memory order (float64 max forward on an AVX2 host whose memory streams at 12-14 GB/s,
  // one thread: 7x7 5.8-6.2 -> 4.2-4.3 ms, 13x13 6.3-6.6 -> 4.8-5.1, 3-D 4.9-5.0 -> 4.5; two
  // threads 2.9-3.1 -> 2.1-2.2, 3.1-3.4 -> 2.4, 2.45 -> 2.26: measured).
  const bool along_rows = Lanes == 4 && past_cache((end - first) * g.in_plane, sizeof(double));
  if (along_rows) maxima.best_rows.resize(static_cast<std::size_t>(width));
  std::int64_t out_at = first * g.out_plane;
  for (band_walk band(g, first, end, scratch.bands); !band.done(); band.advance()) {
    const double* plane = input + band.plane() * g.in_plane;
    const bool nan =
        band_maxima<Lanes>(plane, band.rows(), band.ahead(), width, maxima, along_rows);
    for (const reference::window& w2 : g.windows[2]) {
      std::int64_t winner = 0;
      if (nan && window_holds_nan(maxima, w2)) {
        winner = argmax_exact<binary64_source>(g, plane, {band.w0(), band.w1(), w2});
      } else {
        winner = best_column_in_lanes<Lanes>(maxima, w2, lanes_win);
      }
      output[out_at] = plane[winner];
      indices[out_at++] = winner;
    }
  }
  band_walk::trim(scratch.bands);
}

}  // namespace
}  // namespace poolproof::engine::detail

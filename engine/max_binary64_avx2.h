// The binary64 max-forward separable kernel's band scan and window reduction in AVX2 intrinsics
// (not a public interface): four doubles a vector, K vectors of columns at a time down the band
// or one row at a time along it; a window's winner from its columns' maxima. GCC 12 kept the
// generic-vector band scan's per-column state on the stack; these hold it in registers.
#pragma once

#include <immintrin.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "engine/along_rows.h"
#include "engine/band_walk.h"

namespace poolproof::engine::detail {
// Internal linkage: included by max_binary64.h, itself only by max_forward_simd.cc, and by the
// white-box test of these scans.
namespace {

// Four 64-bit lanes (each below 2^31 in magnitude) as four 32-bit ones.
[[gnu::target("avx2"), gnu::always_inline]] inline __m128i low_words_avx2(__m256i lanes) {
  return _mm256_castsi256_si128(
      _mm256_permutevar8x32_epi32(lanes, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6)));
}

// max_binary64.h's band_columns_64 on AVX2, K vectors of four columns at a time (the `columns`):
// each lane's first strict maximum by vmaxpd (x > best ? x : best, so a NaN never replaces it and
// neither zero replaces the other) and that element's flat offset, to values[c], offsets[c] and
// nan_columns[c] (non-zero for a column holding a NaN) for the four columns c from each
// columns[k]. NaNs are flagged in one vector for all K, and per column only for a band that holds
// one (its rows read again). Called, not inlined: the kernels around it are generic code
// inlined into each target's entry point. Preconditions: `rows` not empty, each column's four
// values inside every row, flat offsets below 2^31, and the three arrays long enough.
template <std::size_t K>
[[gnu::target("avx2")]] bool band_columns_64_avx2(const double* plane,
                                                  std::span<const std::int32_t> rows,
                                                  const band_ahead& ahead,
                                                  const std::array<std::int32_t, K>& columns,
                                                  double* values, std::int32_t* offsets,
                                                  std::int32_t* nan_columns) {
  __m256d best[K];
  __m256i best_row[K];
#pragma GCC unroll 8
  for (std::size_t k = 0; k < K; ++k) {
    best[k] = _mm256_set1_pd(-std::numeric_limits<double>::infinity());
    best_row[k] = _mm256_set1_epi64x(rows.front());
  }
  __m256d nan = _mm256_setzero_pd();
  const std::size_t count = rows.size();
  for (std::size_t r = 0; r < count; ++r) {
    const std::int32_t row = rows[r];
    // The same row of the band ahead, as band_columns_64 prefetches it, once per 64 bytes.
    const double* row_ahead = plane + ahead.row(r);
    const __m256i current = _mm256_set1_epi64x(row);
#pragma GCC unroll 8
    for (std::size_t k = 0; k < K; ++k) {
      if (k % 2 == 0) __builtin_prefetch(row_ahead + columns[k]);  // 64 bytes: a line
      const __m256d x = _mm256_loadu_pd(plane + row + columns[k]);
      const __m256d greater = _mm256_cmp_pd(x, best[k], _CMP_GT_OQ);
      best_row[k] = _mm256_blendv_epi8(best_row[k], current, _mm256_castpd_si256(greater));
      best[k] = _mm256_max_pd(x, best[k]);
      nan = _mm256_or_pd(nan, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
    }
  }
  const bool any_nan = _mm256_testz_pd(nan, nan) == 0;
#pragma GCC unroll 8
  for (std::size_t k = 0; k < K; ++k) {
    const std::int32_t c = columns[k];
    __m256d column_nan = _mm256_setzero_pd();
    for (std::size_t r = 0; any_nan && r < count; ++r) {
      const __m256d x = _mm256_loadu_pd(plane + rows[r] + c);
      column_nan = _mm256_or_pd(column_nan, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
    }
    _mm256_storeu_pd(values + c, best[k]);
    const __m256i offset = _mm256_add_epi64(
        best_row[k], _mm256_add_epi64(_mm256_set1_epi64x(c), _mm256_setr_epi64x(0, 1, 2, 3)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(offsets + c), low_words_avx2(offset));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(nan_columns + c),
                     low_words_avx2(_mm256_castpd_si256(column_nan)));
  }
  return any_nan;
}

// band_columns_64_avx2 over the whole width (at least 4) along the rows (along_rows.h's
// maxima_along_rows, each column's maximum in values[c] and its row in best_rows[c]), then the
// offsets and NaN flags as band_columns_64_avx2 writes them (the flags from a second pass only
// when a NaN was seen). Preconditions as band_columns_64_avx2's, best_rows as long as the others.
[[gnu::target("avx2")]] bool band_along_rows_64_avx2(const double* plane,
                                                     std::span<const std::int32_t> rows,
                                                     const band_ahead& ahead, std::int32_t width,
                                                     double* values, std::int64_t* best_rows,
                                                     std::int32_t* offsets,
                                                     std::int32_t* nan_columns) {
  const bool any_nan =
      maxima_along_rows<double, std::int64_t, 4>(plane, rows, ahead, width, values, best_rows);
  for (std::int32_t j = 0; j < width; j += 4) {
    const std::int32_t c = vector_column<4>(j, width);
    vec<std::int64_t, 4> nan{};
    if (any_nan) nan_columns_along<double, std::int64_t, 4>(plane, rows, c, nan);
    const __m256i offset =
        _mm256_add_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(best_rows + c)),
                         _mm256_add_epi64(_mm256_set1_epi64x(c), _mm256_setr_epi64x(0, 1, 2, 3)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(offsets + c), low_words_avx2(offset));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(nan_columns + c),
                     low_words_avx2(reinterpret_cast<__m256i>(nan)));
  }
  return any_nan;
}

// The lanes of four columns from c that lie before `end`, all ones.
[[gnu::target("avx2"), gnu::always_inline]] inline __m256i columns_before_avx2(std::int64_t end,
                                                                               std::int64_t c) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(end - c), _mm256_setr_epi64x(0, 1, 2, 3));
}

// Four columns' maxima from c, -inf in the lanes `inside` leaves out (those are not read).
[[gnu::target("avx2"), gnu::always_inline]] inline __m256d column_values_avx2(const double* values,
                                                                              std::int64_t c,
                                                                              __m256i inside) {
  return _mm256_blendv_pd(_mm256_set1_pd(-std::numeric_limits<double>::infinity()),
                          _mm256_maskload_pd(values + c, inside), _mm256_castsi256_pd(inside));
}

// max_binary64.h's best_column_offset in AVX2 lanes, four columns a step, the lanes past the
// window not loaded (-inf in the maximum, never a hit): the least offset among the columns whose
// maximum is the window's. Called, not inlined, as band_columns_64_avx2. Preconditions: `w` not
// empty, its columns' maxima written, none of them a NaN.
[[gnu::target("avx2")]] std::int64_t best_column_offset_avx2(const double* values,
                                                             const std::int32_t* offsets,
                                                             const reference::window& w) {
  __m256d greatest = _mm256_set1_pd(-std::numeric_limits<double>::infinity());
  for (std::int64_t c = w.begin; c < w.end; c += 4)
    greatest =
        _mm256_max_pd(column_values_avx2(values, c, columns_before_avx2(w.end, c)), greatest);
  // The greatest lane in every lane: swap the 128-bit halves, then the pairs.
  greatest = _mm256_max_pd(greatest, _mm256_permute2f128_pd(greatest, greatest, 0x01));
  const __m256d best = _mm256_max_pd(greatest, _mm256_permute_pd(greatest, 0b0101));
  __m128i least = _mm_set1_epi32(std::numeric_limits<std::int32_t>::max());
  for (std::int64_t c = w.begin; c < w.end; c += 4) {
    const __m256i mask = columns_before_avx2(w.end, c);
    const __m256d column = column_values_avx2(values, c, mask);
    const __m256i hit =
        _mm256_and_si256(mask, _mm256_castpd_si256(_mm256_cmp_pd(column, best, _CMP_EQ_OQ)));
    const __m128i hit_words = low_words_avx2(hit);
    const __m128i column_offsets = _mm_maskload_epi32(offsets + c, low_words_avx2(mask));
    least = _mm_min_epi32(least, _mm_blendv_epi8(least, column_offsets, hit_words));
  }
  least = _mm_min_epi32(least, _mm_shuffle_epi32(least, 0x4E));
  least = _mm_min_epi32(least, _mm_shuffle_epi32(least, 0xB1));
  return _mm_cvtsi128_si32(least);
}

}  // namespace
}  // namespace poolproof::engine::detail

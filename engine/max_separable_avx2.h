// The max-forward separable kernel's band scans and window reductions in AVX2 intrinsics (not a
// public interface): binary32 values in 8 lanes (K vectors of columns at a time down the band, or
// one row at a time along it) and 16-bit patterns in 16, with their keys; a window's greatest key.
// GCC 12 lowered the generic-vector loops of max_separable.h with their state on the stack and
// widened 16 lanes to 32 bits lane by lane; these hold the state in registers.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "engine/along_rows.h"
#include "engine/band_walk.h"
#include "engine/max_kernels.h"

namespace poolproof::engine::detail {
// Internal linkage: included by max_separable.h, itself only by max_forward_simd.cc, and by the
// white-box test of these scans.
namespace {

// Eight keys to `keys`: each lane's `ordered` integer above its complemented flat `offset`.
[[gnu::target("avx2"), gnu::always_inline]] inline void store_keys_avx2(__m256i ordered,
                                                                        __m256i offset,
                                                                        std::uint64_t* keys) {
  const __m256i low_word = _mm256_xor_si256(offset, _mm256_set1_epi32(-1));
  // Interleaved within 128-bit lanes: keys 0-1 and 4-5 in `low`, 2-3 and 6-7 in `high`.
  const __m256i low = _mm256_unpacklo_epi32(low_word, ordered);
  const __m256i high = _mm256_unpackhi_epi32(low_word, ordered);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(keys), _mm256_permute2x128_si256(low, high, 0x20));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(keys + 4),
                      _mm256_permute2x128_si256(low, high, 0x31));
}

// The low (half 0) or high 8 of 16 int16 lanes, sign-extended to 32 bits.
[[gnu::target("avx2"), gnu::always_inline]] inline __m256i widened_half_avx2(__m256i x, int half) {
  return _mm256_cvtepi16_epi32(half == 0 ? _mm256_castsi256_si128(x)
                                         : _mm256_extracti128_si256(x, 1));
}

// max_separable.h's write_keys_16 for one vector of 16 lanes in AVX2 intrinsics: GCC 12 lowered the
// generic 16-lane widening to 32 bits (a 512-bit vector) through the stack, lane by lane, and that
// took half of the bfloat16 max forward pass (13x13 on one thread of the AVX2 host: 3.38 -> 1.87
// ms, measured). `c` is the vector's first column; a lane's row offset is its count times a common
// `row_stride` > 0, or else `rows` at its count (gathered); a lane is flagged a NaN's when its
// `largest` magnitude is past `infinity`.
[[gnu::target("avx2"), gnu::always_inline]] inline void write_key_vector_16_avx2(
    __m256i best, __m256i best_row, __m256i largest, std::uint16_t infinity,
    std::span<const std::int32_t> rows, std::int32_t row_stride, std::int32_t c,
    std::uint64_t* keys, std::int32_t* nan_columns) {
  const __m256i nan = _mm256_cmpgt_epi16(largest, _mm256_set1_epi16(static_cast<short>(infinity)));
  for (int half = 0; half < 2; ++half) {
    const __m256i count = widened_half_avx2(best_row, half);
    const std::int32_t first = c + 8 * half;
    __m256i offset;
    if (row_stride > 0) {
      offset = _mm256_add_epi32(_mm256_mullo_epi32(count, _mm256_set1_epi32(row_stride)),
                                _mm256_add_epi32(_mm256_set1_epi32(rows.front() + first),
                                                 _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
    } else {
      offset = _mm256_add_epi32(
          _mm256_i32gather_epi32(rows.data(), count, 4),
          _mm256_add_epi32(_mm256_set1_epi32(first), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
    }
    const __m256i ordered =
        _mm256_add_epi32(widened_half_avx2(best, half), _mm256_set1_epi32(0x8000));
    store_keys_avx2(ordered, offset, keys + first);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(nan_columns + first),
                        widened_half_avx2(nan, half));
  }
}

// max_separable.h's band_columns_16 on K vectors of 16 lanes (the `columns`) in AVX2 intrinsics,
// keys written by write_key_vector_16_avx2. A pattern's ordered integer is its magnitude with the
// pattern's sign (vpsignw: -0 gives 0), the lanes' maximum one instruction; the largest magnitude
// is kept in one vector for all K, and only a band that has a NaN takes each column's afterwards:
// with one per vector, GCC 12 kept them and the rows' counts on the stack. A call, not inlined: an
// always_inline function with an AVX2 target does not inline into the generic kernels around it.
// Preconditions: 1 <= rows.size() < 2^15 (the counts' lanes), each column's 16 values inside every
// row, and keys and nan_columns long enough for them. Returns whether any column held a NaN.
template <std::size_t K>
[[gnu::target("avx2")]] bool band_columns_16_avx2(const std::uint16_t* plane,
                                                  std::span<const std::int32_t> rows,
                                                  const band_ahead& ahead, std::int32_t row_stride,
                                                  const std::array<std::int32_t, K>& columns,
                                                  std::uint16_t infinity, std::uint64_t* keys,
                                                  std::int32_t* nan_columns) {
  const __m256i magnitude_mask = _mm256_set1_epi16(0x7FFF);
  const __m256i infinities = _mm256_set1_epi16(static_cast<short>(infinity));
  __m256i best[K], best_row[K];
#pragma GCC unroll 8
  for (std::size_t k = 0; k < K; ++k) {
    best[k] = _mm256_set1_epi16(static_cast<short>(-infinity));
    best_row[k] = _mm256_setzero_si256();
  }
  __m256i largest_any = _mm256_setzero_si256();  // over all K vectors
  __m256i current = _mm256_setzero_si256();      // the row's index in `rows`, in every lane
  const std::size_t count = rows.size();
  for (std::size_t r = 0; r < count; ++r) {
    const std::uint16_t* row = plane + rows[r];
    const std::uint16_t* row_ahead = plane + ahead.row(r);
#pragma GCC unroll 8
    for (std::size_t k = 0; k < K; ++k) {
      if (k % 2 == 0) __builtin_prefetch(row_ahead + columns[k]);  // 64 bytes: a line
      const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + columns[k]));
      const __m256i magnitude = _mm256_and_si256(bits, magnitude_mask);
      const __m256i key = _mm256_sign_epi16(magnitude, bits);
      best_row[k] = _mm256_blendv_epi8(best_row[k], current, _mm256_cmpgt_epi16(key, best[k]));
      best[k] = _mm256_max_epi16(key, best[k]);
      largest_any = _mm256_max_epu16(magnitude, largest_any);
    }
    current = _mm256_sub_epi16(current, _mm256_set1_epi16(-1));
  }
  const __m256i nan = _mm256_cmpgt_epi16(largest_any, infinities);
  const bool any_nan = _mm256_testz_si256(nan, nan) == 0;
#pragma GCC unroll 8
  for (std::size_t k = 0; k < K; ++k) {
    __m256i largest = _mm256_setzero_si256();
    for (std::size_t r = 0; any_nan && r < count; ++r) {
      largest = _mm256_max_epu16(
          largest,
          _mm256_and_si256(
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(plane + rows[r] + columns[k])),
              magnitude_mask));
    }
    write_key_vector_16_avx2(best[k], best_row[k], largest, infinity, rows, row_stride, columns[k],
                             keys, nan_columns);
  }
  return any_nan;
}

// The keys of 8 binary32 columns from `c` (see max_separable.h's band_columns) and their NaN flags
// (all-ones lanes), from the lanes' maximum, its row's offset from the band's first row
// `first_row`.
[[gnu::target("avx2"), gnu::always_inline]] inline void write_key_vector_avx2(
    __m256 best, __m256i best_row, __m256i nan, std::int32_t first_row, std::int32_t c,
    std::uint64_t* keys, std::int32_t* nan_columns) {
  const __m256i bits = _mm256_castps_si256(_mm256_add_ps(best, _mm256_setzero_ps()));
  const __m256i ordered =
      _mm256_xor_si256(bits, _mm256_or_si256(_mm256_srai_epi32(bits, 31),
                                             _mm256_set1_epi32(static_cast<int>(0x80000000u))));
  const __m256i offset =
      _mm256_add_epi32(best_row, _mm256_add_epi32(_mm256_set1_epi32(first_row + c),
                                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  store_keys_avx2(ordered, offset, keys + c);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(nan_columns + c), nan);
}

// max_separable.h's band_columns on binary32 values in 8 AVX2 lanes, K vectors at a time (the
// `columns`), as band_columns_16_avx2: the lanes' maximum by vmaxps (x > best ? x : best, so a NaN
// never replaces it and -0 does not replace +0), NaNs flagged in one vector for all K.
// Preconditions: `rows` not empty, each column's 8 values inside every row, and keys and
// nan_columns long enough for them. Returns whether any column held a NaN.
template <std::size_t K>
[[gnu::target("avx2")]] bool band_columns_avx2(const float* plane,
                                               std::span<const std::int32_t> rows,
                                               const band_ahead& ahead,
                                               const std::array<std::int32_t, K>& columns,
                                               std::uint64_t* keys, std::int32_t* nan_columns) {
  const std::int32_t first_row = rows.front();
  __m256 best[K];
  __m256i best_row[K];
#pragma GCC unroll 8
  for (std::size_t k = 0; k < K; ++k) {
    best[k] = _mm256_set1_ps(minus_infinity);
    best_row[k] = _mm256_setzero_si256();
  }
  __m256 nan = _mm256_setzero_ps();
  const std::size_t count = rows.size();
  for (std::size_t r = 0; r < count; ++r) {
    const std::int32_t row = rows[r];
    const float* row_ahead = plane + ahead.row(r);
    const __m256i current = _mm256_set1_epi32(row - first_row);
#pragma GCC unroll 8
    for (std::size_t k = 0; k < K; ++k) {
      if (k % 2 == 0) __builtin_prefetch(row_ahead + columns[k]);  // 64 bytes: a line
      const __m256 x = _mm256_loadu_ps(plane + row + columns[k]);
      best_row[k] = _mm256_blendv_epi8(best_row[k], current,
                                       _mm256_castps_si256(_mm256_cmp_ps(x, best[k], _CMP_GT_OQ)));
      best[k] = _mm256_max_ps(x, best[k]);
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    }
  }
  const bool any_nan = _mm256_testz_ps(nan, nan) == 0;
#pragma GCC unroll 8
  for (std::size_t k = 0; k < K; ++k) {
    __m256 column_nan = _mm256_setzero_ps();
    for (std::size_t r = 0; any_nan && r < count; ++r) {
      const __m256 x = _mm256_loadu_ps(plane + rows[r] + columns[k]);
      column_nan = _mm256_or_ps(column_nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    }
    write_key_vector_avx2(best[k], best_row[k], _mm256_castps_si256(column_nan), first_row,
                          columns[k], keys, nan_columns);
  }
  return any_nan;
}

// band_columns_avx2 over the whole width (at least 8) along the rows (along_rows.h's
// maxima_along_rows, each column's maximum in best[c] and its row in best_rows[c]), then the keys
// and NaN flags as band_columns_avx2 writes them (the flags from a second pass only when a NaN was
// seen). Preconditions as band_columns_avx2's, best and best_rows `width` long.
[[gnu::target("avx2")]] bool band_along_rows_avx2(const float* plane,
                                                  std::span<const std::int32_t> rows,
                                                  const band_ahead& ahead, std::int32_t width,
                                                  float* best, std::int32_t* best_rows,
                                                  std::uint64_t* keys, std::int32_t* nan_columns) {
  const bool any_nan =
      maxima_along_rows<float, std::int32_t, 8>(plane, rows, ahead, width, best, best_rows);
  for (std::int32_t j = 0; j < width; j += 8) {
    const std::int32_t c = vector_column<8>(j, width);
    vec<std::int32_t, 8> nan{};
    if (any_nan) nan_columns_along<float, std::int32_t, 8>(plane, rows, c, nan);
    // The rows are the maxima's own offsets: keys from a first row of 0.
    write_key_vector_avx2(_mm256_loadu_ps(best + c),
                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(best_rows + c)),
                          reinterpret_cast<__m256i>(nan), 0, c, keys, nan_columns);
  }
  return any_nan;
}

// max_separable.h's best_key_offset in AVX2 lanes, four keys a step, the lanes past the window
// loaded as 0 (below every key). AVX2 compares signed 64-bit lanes only: the keys are compared
// with their top bits flipped, which orders them as unsigned. Called, not inlined, as
// band_columns_avx2. Preconditions: `w` not empty, its keys written and non-zero (every band key
// is; a window with a NaN column is rescanned, not reduced).
[[gnu::target("avx2")]] std::int64_t best_key_offset_avx2(const std::uint64_t* keys,
                                                          const reference::window& w) {
  const __m256i flip = _mm256_set1_epi64x(std::numeric_limits<std::int64_t>::min());
  __m256i greatest = flip;  // 0, flipped
  for (std::int64_t c = w.begin; c < w.end; c += 4) {
    const auto* at = reinterpret_cast<const long long*>(keys + c);
    const __m256i inside =
        _mm256_cmpgt_epi64(_mm256_set1_epi64x(w.end - c), _mm256_setr_epi64x(0, 1, 2, 3));
    const __m256i x = _mm256_xor_si256(_mm256_maskload_epi64(at, inside), flip);
    greatest = _mm256_blendv_epi8(greatest, x, _mm256_cmpgt_epi64(x, greatest));
  }
  const __m128i low = _mm256_castsi256_si128(greatest);
  const __m128i high = _mm256_extracti128_si256(greatest, 1);
  const __m128i two = _mm_blendv_epi8(low, high, _mm_cmpgt_epi64(high, low));
  const auto best = std::max(_mm_cvtsi128_si64(two), _mm_extract_epi64(two, 1));
  return ~static_cast<std::uint32_t>(static_cast<std::uint64_t>(best));
}

}  // namespace
}  // namespace poolproof::engine::detail

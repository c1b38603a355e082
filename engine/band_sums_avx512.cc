// The band column sums of engine/band_sums.h on AVX-512, written with intrinsics: binary32 and
// 16-bit patterns sixteen columns a vector, seven or four vectors of columns at a time down the
// band with their sums in registers (each column still adds its rows in order, so the sums are bit
// for bit add_rows_lanes'), the magnitudes in 32-bit lanes for binary32 and 16-bit lanes for the
// 16-bit formats. GCC split the generic vectors' float-to-double conversions into 128-bit ones; the
// masked (maskz) forms avoid GCC 12's uninitialized warnings in the unmasked intrinsics.
#include <immintrin.h>

#include <algorithm>
#include <concepts>
#include <cstring>
#include <utility>

#include "engine/band_sums_lanes.h"

#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

namespace poolproof::engine::detail {
namespace {

// The magnitudes' least - 1 and greatest so far in lanes on AVX-512: binary32's in 32-bit lanes,
// 16-bit patterns' in 16-bit lanes (half the work; a zero's magnitude - 1 wraps to 0xFFFF, which
// stands for the 32-bit wrap ~0: no nonzero magnitude is above 0x7FFF).
template <typename F>
struct magnitude_lanes {
  __m256i least;
  __m256i greatest;
};

template <>
struct magnitude_lanes<binary32_traits> {
  __m512i least;
  __m512i greatest;
};

// The least and greatest of eight 32-bit lanes, halving.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] std::pair<std::uint32_t, std::uint32_t>
least_and_greatest(__m256i least, __m256i greatest) {
  __m128i low = _mm_min_epu32(_mm256_castsi256_si128(least), _mm256_extracti128_si256(least, 1));
  __m128i high =
      _mm_max_epu32(_mm256_castsi256_si128(greatest), _mm256_extracti128_si256(greatest, 1));
  low = _mm_min_epu32(low, _mm_shuffle_epi32(low, 0x4E));
  high = _mm_max_epu32(high, _mm_shuffle_epi32(high, 0x4E));
  low = _mm_min_epu32(low, _mm_shuffle_epi32(low, 0xB1));
  high = _mm_max_epu32(high, _mm_shuffle_epi32(high, 0xB1));
  return {static_cast<std::uint32_t>(_mm_cvtsi128_si32(low)),
          static_cast<std::uint32_t>(_mm_cvtsi128_si32(high))};
}

template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void fold_lanes(
    const magnitude_lanes<F>& lanes, seen_magnitudes& seen) {
  if constexpr (std::same_as<F, binary32_traits>) {
    const auto [least, greatest] = least_and_greatest(
        _mm256_min_epu32(_mm512_maskz_extracti64x4_epi64(0xF, lanes.least, 0),
                         _mm512_maskz_extracti64x4_epi64(0xF, lanes.least, 1)),
        _mm256_max_epu32(_mm512_maskz_extracti64x4_epi64(0xF, lanes.greatest, 0),
                         _mm512_maskz_extracti64x4_epi64(0xF, lanes.greatest, 1)));
    seen.least_minus_one = std::min(seen.least_minus_one, least);
    seen.greatest = std::max(seen.greatest, greatest);
  } else {
    // minpos finds the least of eight 16-bit lanes; the greatest is the complement's least.
    const __m128i least = _mm_min_epu16(_mm256_castsi256_si128(lanes.least),
                                        _mm256_extracti128_si256(lanes.least, 1));
    const __m128i greatest = _mm_max_epu16(_mm256_castsi256_si128(lanes.greatest),
                                           _mm256_extracti128_si256(lanes.greatest, 1));
    const auto low = static_cast<std::uint16_t>(_mm_cvtsi128_si32(_mm_minpos_epu16(least)));
    const auto high = static_cast<std::uint16_t>(
        ~_mm_cvtsi128_si32(_mm_minpos_epu16(_mm_xor_si128(greatest, _mm_set1_epi16(-1)))));
    seen.least_minus_one =
        std::min(seen.least_minus_one, low == 0xFFFFu ? ~0u : std::uint32_t{low});
    seen.greatest = std::max(seen.greatest, std::uint32_t{high});
  }
}

// Sixteen values at `at` in binary32 lanes (binary16 widened by the hardware conversion,
// vcvtph2ps: exact for every finite half, subnormals included; one instruction where the
// integer widening takes five), their magnitudes folded into the lanes. A NaN's value does not
// matter: its magnitude flags the band.
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline __m512
sixteen_values(const typename F::storage* at, magnitude_lanes<F>& lanes) {
  if constexpr (std::same_as<F, binary32_traits>) {
    const __m512i bits = _mm512_loadu_si512(at);
    const __m512i magnitude = _mm512_and_si512(bits, _mm512_set1_epi32(0x7FFFFFFF));
    lanes.least = _mm512_maskz_min_epu32(0xFFFF, lanes.least,
                                         _mm512_sub_epi32(magnitude, _mm512_set1_epi32(1)));
    lanes.greatest = _mm512_maskz_max_epu32(0xFFFF, lanes.greatest, magnitude);
    return _mm512_castsi512_ps(bits);
  } else {
    const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
    const __m256i magnitude = _mm256_and_si256(bits, _mm256_set1_epi16(0x7FFF));
    lanes.least = _mm256_min_epu16(lanes.least, _mm256_sub_epi16(magnitude, _mm256_set1_epi16(1)));
    lanes.greatest = _mm256_max_epu16(lanes.greatest, magnitude);
    if constexpr (std::same_as<F, binary16_traits>) return _mm512_maskz_cvtph_ps(0xFFFF, bits);
    return _mm512_castsi512_ps(
        _mm512_maskz_slli_epi32(0xFFFF, _mm512_maskz_cvtepu16_epi32(0xFFFF, bits), 16));
  }
}

// Eight values likewise, their magnitudes in the lanes' lower eight.
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline __m256
eight_values(const typename F::storage* at, magnitude_lanes<F>& lanes) {
  if constexpr (std::same_as<F, binary32_traits>) {
    // Loaded into the lower eight of sixteen lanes, the upper ones zero (and left alone).
    const __m512i bits = _mm512_maskz_loadu_epi32(0xFF, at);
    const __m512i magnitude = _mm512_and_si512(bits, _mm512_set1_epi32(0x7FFFFFFF));
    lanes.least = _mm512_mask_min_epu32(lanes.least, 0xFF, lanes.least,
                                        _mm512_sub_epi32(magnitude, _mm512_set1_epi32(1)));
    lanes.greatest = _mm512_maskz_max_epu32(0xFFFF, lanes.greatest, magnitude);
    return _mm512_maskz_extractf32x8_ps(0xFF, _mm512_castsi512_ps(bits), 0);
  } else {
    const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    const __m256i magnitude = _mm256_zextsi128_si256(_mm_and_si128(bits, _mm_set1_epi16(0x7FFF)));
    lanes.least = _mm256_mask_min_epu16(lanes.least, 0xFF, lanes.least,
                                        _mm256_sub_epi16(magnitude, _mm256_set1_epi16(1)));
    lanes.greatest = _mm256_max_epu16(lanes.greatest, magnitude);
    if constexpr (std::same_as<F, binary16_traits>) return _mm256_maskz_cvtph_ps(0xFF, bits);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
  }
}

// The band's values in columns [j, j + 16 * K + 8 * Eight) added to those columns on AVX-512, K
// vectors and, with Eight, eight more columns at a time, the columns' sums kept in registers
// (at -O3) down the band's rows, from run to run (each column still adds its rows in order).
// Written with intrinsics: GCC split the generic vectors' conversions into 128-bit ones.
template <typename F, std::size_t K, bool Eight>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline void
add_block_avx512(const typename F::storage* first_row, const band_layout& band, std::int64_t j,
                 double* columns, magnitude_lanes<F>& lanes) {
  constexpr std::size_t count = 2 * K;
  const std::int64_t width = band.width;
  // Prefetched eight rows ahead in the band's order, from a run's last rows in the next run (rows
  // past its end when runs are shorter than eight). (A 3-D band's runs of 56-wide rows, called
  // run by run with the rows four ahead prefetched, read 1.25x-1.4x slower; 2-D bands the same
  // within the noise: measured.)
  constexpr std::int64_t rows_ahead = 8;
  const std::int64_t to_next_run = band.run_stride - band.rows * width;
  // At least one entry: K = 0 (the eight columns alone) would be a zero-length array.
  __m512d sums[std::max<std::size_t>(count, 1)];
  for (std::size_t k = 0; k < count; ++k)
    sums[k] = _mm512_loadu_pd(columns + j + static_cast<std::int64_t>(k) * 8);
  // The eight columns' sum stands apart from the array: in it, GCC 12 stored the whole array to
  // the stack on every row (rows of 56: seven stores a row).
  __m512d eight_sum = _mm512_setzero_pd();
  if constexpr (Eight)
    eight_sum = _mm512_loadu_pd(columns + j + static_cast<std::int64_t>(count) * 8);
  for (std::int64_t s = 0; s < band.runs; ++s) {
    const typename F::storage* run = first_row + s * band.run_stride + j;
    // The last run's rows ahead are those below it in its depth slice (the next band's last run).
    const std::int64_t run_end_jump = s + 1 < band.runs ? to_next_run : 0;
    for (std::int64_t r = 0; r < band.rows; ++r) {
      const typename F::storage* row = run + r * width;
      const std::int64_t ahead =
          rows_ahead * width + (r + rows_ahead < band.rows ? 0 : run_end_jump);
      for (std::size_t k = 0; k < K; ++k) {
        const typename F::storage* at = row + static_cast<std::int64_t>(k) * 16;
        // The band's rows below, ahead of the lanes.
        __builtin_prefetch(at + ahead);
        // binary32 and binary16 read only the magnitudes off x.
        const __m512 x = sixteen_values<F>(at, lanes);
        if constexpr (std::same_as<F, binary32_traits>) {
          // Each half loaded again and converted from memory: the two extracts cost more than
          // the loads.
          sums[2 * k] =
              _mm512_add_pd(sums[2 * k], _mm512_maskz_cvtps_pd(0xFF, _mm256_loadu_ps(at)));
          sums[2 * k + 1] =
              _mm512_add_pd(sums[2 * k + 1], _mm512_maskz_cvtps_pd(0xFF, _mm256_loadu_ps(at + 8)));
        } else if constexpr (std::same_as<F, binary16_traits>) {
          // Likewise each eight halves converted from memory: 7% faster than the extracts
          // (bfloat16 widened so read 4% slower, and keeps them).
          const auto* halves = reinterpret_cast<const __m128i*>(at);
          sums[2 * k] = _mm512_add_pd(
              sums[2 * k],
              _mm512_maskz_cvtps_pd(0xFF, _mm256_maskz_cvtph_ps(0xFF, _mm_loadu_si128(halves))));
          sums[2 * k + 1] = _mm512_add_pd(
              sums[2 * k + 1], _mm512_maskz_cvtps_pd(
                                   0xFF, _mm256_maskz_cvtph_ps(0xFF, _mm_loadu_si128(halves + 1))));
        } else {
          sums[2 * k] = _mm512_add_pd(
              sums[2 * k], _mm512_maskz_cvtps_pd(0xFF, _mm512_maskz_extractf32x8_ps(0xFF, x, 0)));
          sums[2 * k + 1] =
              _mm512_add_pd(sums[2 * k + 1],
                            _mm512_maskz_cvtps_pd(0xFF, _mm512_maskz_extractf32x8_ps(0xFF, x, 1)));
        }
      }
      if constexpr (Eight) {
        const typename F::storage* at = row + static_cast<std::int64_t>(K) * 16;
        eight_sum =
            _mm512_add_pd(eight_sum, _mm512_maskz_cvtps_pd(0xFF, eight_values<F>(at, lanes)));
      }
    }
  }
  for (std::size_t k = 0; k < count; ++k)
    _mm512_storeu_pd(columns + j + static_cast<std::int64_t>(k) * 8, sums[k]);
  if constexpr (Eight)
    _mm512_storeu_pd(columns + j + static_cast<std::int64_t>(count) * 8, eight_sum);
}

// add_block_avx512 on the K vectors of sixteen columns from j, and the eight after them when
// `eight`.
template <typename F, std::size_t K>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline void
add_block_avx512(const typename F::storage* first_row, const band_layout& band, std::int64_t j,
                 double* columns, magnitude_lanes<F>& lanes, bool eight) {
  if (eight) return add_block_avx512<F, K, true>(first_row, band, j, columns, lanes);
  add_block_avx512<F, K, false>(first_row, band, j, columns, lanes);
}

// add_rows_lanes' additions on AVX-512 (each column in row order, so bit for bit the same
// sums): seven vectors of sixteen columns at a time down the band (a row of 112 is then read once
// per band, end to end: 16% faster on binary32 than in four vectors and then three; at -O3, the
// Release build's level, the 14 sums stay in AVX-512's 32 registers), then four at a time, then the
// vectors left with the next eight columns in the same pass down the rows (rows of 56: 3 vectors
// and eight), then one by one.
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void add_rows_avx512(
    const typename F::storage* first_row, const band_layout& band, double* columns,
    seen_magnitudes& seen) {
  magnitude_lanes<F> lanes{};
  if constexpr (std::same_as<F, binary32_traits>) {
    lanes.least = _mm512_set1_epi32(-1);
  } else {
    lanes.least = _mm256_set1_epi16(-1);
  }
  const std::int64_t width = band.width;
  std::int64_t j = 0;
  for (; j + 112 <= width; j += 112)
    add_block_avx512<F, 7, false>(first_row, band, j, columns, lanes);
  for (; j + 64 <= width; j += 64)
    add_block_avx512<F, 4, false>(first_row, band, j, columns, lanes);
  const bool eight = (width - j) % 16 >= 8;
  switch ((width - j) / 16) {
    case 3:
      add_block_avx512<F, 3>(first_row, band, j, columns, lanes, eight);
      break;
    case 2:
      add_block_avx512<F, 2>(first_row, band, j, columns, lanes, eight);
      break;
    case 1:
      add_block_avx512<F, 1>(first_row, band, j, columns, lanes, eight);
      break;
    default:
      if (eight) add_block_avx512<F, 0, true>(first_row, band, j, columns, lanes);
      break;
  }
  j += (width - j) / 16 * 16 + (eight ? 8 : 0);
  for_each_run(first_row, band, [&](const typename F::storage* run) {
    add_column_tail<F>(run, band.rows, width, j, columns, seen);
  });
  fold_lanes<F>(lanes, seen);
}

}  // namespace

void add_rows_to_columns_avx512(const float* first_row, const band_layout& band, double* columns,
                                seen_magnitudes& seen) {
  add_rows_avx512<binary32_traits>(first_row, band, columns, seen);
}

void add_rows16_to_columns_avx512(reference::float_format format, const std::uint16_t* first_row,
                                  const band_layout& band, double* columns, seen_magnitudes& seen) {
  if (format == reference::float_format::bfloat16)
    return add_rows_avx512<bfloat16_traits>(first_row, band, columns, seen);
  POOLPROOF_CHECK(format == reference::float_format::binary16);
  add_rows_avx512<binary16_traits>(first_row, band, columns, seen);
}

}  // namespace poolproof::engine::detail

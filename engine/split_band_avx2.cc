// The binary64 split band sums (band_sums.h's add_split_rows_to_columns and
// add_split_rows_scanning) on AVX2 in intrinsics, row by row along each row: the column sums go
// through L1 on every row, and the band's values are read in memory order. The generic lanes
// walk four vectors of columns down the band with their sums in registers; on an AVX2 host whose
// memory streams at 12-14 GB/s that order left most of the pass waiting on loads (perf), and row
// by row with the next band prefetched read the float64 avg forward 1.25x-1.45x faster on one
// thread (7x7 6.7 -> 4.7 ms, 13x13 7.3 -> 5.3, 3-D 6.2 -> 5.1) and on two, and no slower from
// cache (6x6: 0.073 -> 0.067 ms; measured).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "engine/band_sums_lanes.h"

namespace poolproof::engine::detail {
namespace {

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// Each run's rows, columns [0, 4 * floor(width / 4)), split into `high` and `low` (high += (x +
// c) - c, low += x - that), each column's rows in order. With Scan, each value's magnitude m into
// `greatest` and m + (2^63 - 1) (mod 2^64) into `least`: as signed integers these order the
// non-zero magnitudes as they are (m - 1 - 2^63) and put zero last (2^63 - 1), so a signed
// minimum is the least non-zero one; then both into *seen. Each line read prefetches the one a
// band's rows below it (the next band of a 2-D plane, or of the same depth slice of a 3-D one).
template <bool Scan>
[[gnu::target("avx2")]] std::int64_t split_columns(const double* first_row, const band_layout& band,
                                                   double* high, double* low, double c,
                                                   seen_magnitudes_64* seen) {
  const __m256d split = _mm256_set1_pd(c);
  const __m256i magnitude_mask = _mm256_set1_epi64x(int64_max);
  __m256i least = magnitude_mask, greatest = _mm256_setzero_si256();
  const std::int64_t columns = band.width / 4 * 4;
  const std::int64_t ahead = band.rows * band.width;
  for (std::int64_t s = 0; s < band.runs; ++s) {
    const double* run = first_row + s * band.run_stride;
    for (std::int64_t r = 0; r < band.rows; ++r) {
      const double* row = run + r * band.width;
      for (std::int64_t j = 0; j < columns; j += 4) {
        if (j % 8 == 0) __builtin_prefetch(row + j + ahead);  // 64 bytes: a line
        const __m256d x = _mm256_loadu_pd(row + j);
        if constexpr (Scan) {
          const __m256i magnitude = _mm256_and_si256(_mm256_castpd_si256(x), magnitude_mask);
          const __m256i key = _mm256_add_epi64(magnitude, magnitude_mask);
          least = _mm256_blendv_epi8(least, key, _mm256_cmpgt_epi64(least, key));
          greatest =
              _mm256_blendv_epi8(greatest, magnitude, _mm256_cmpgt_epi64(magnitude, greatest));
        }
        const __m256d part = _mm256_sub_pd(_mm256_add_pd(x, split), split);
        _mm256_storeu_pd(high + j, _mm256_add_pd(_mm256_loadu_pd(high + j), part));
        _mm256_storeu_pd(low + j, _mm256_add_pd(_mm256_loadu_pd(low + j), _mm256_sub_pd(x, part)));
      }
    }
  }
  if constexpr (Scan) {
    alignas(32) std::int64_t leasts[4], greatests[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(leasts), least);
    _mm256_store_si256(reinterpret_cast<__m256i*>(greatests), greatest);
    for (int lane = 0; lane < 4; ++lane) {
      // key + 2^63 = m - 1 (mod 2^64), and zero's key (or none) the largest uint64.
      const auto minus_one = static_cast<std::uint64_t>(leasts[lane]) ^ (std::uint64_t{1} << 63);
      seen->least_minus_one = std::min(seen->least_minus_one, minus_one);
      seen->greatest = std::max(seen->greatest, static_cast<std::uint64_t>(greatests[lane]));
    }
  }
  return columns;
}

}  // namespace

std::int64_t add_split_columns_avx2(const double* first_row, const band_layout& band, double* high,
                                    double* low, double c, seen_magnitudes_64* seen) {
  return seen != nullptr ? split_columns<true>(first_row, band, high, low, c, seen)
                         : split_columns<false>(first_row, band, high, low, c, nullptr);
}

}  // namespace poolproof::engine::detail

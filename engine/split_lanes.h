// AVX-512 lanes shared by the passes over runs of binary64 rows: the lanes of a vector inside a
// run, and the split of a vector of values (not a public interface; include only from files
// whose callers carry the AVX-512 target).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace poolproof::engine::detail {

/// The lanes of the vector at position `at` whose positions lie below `count`.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline __mmask8
lanes_below(std::int64_t count, std::int64_t at) {
  const std::int64_t left = std::clamp<std::int64_t>(count - at, 0, 8);
  return static_cast<__mmask8>((1U << left) - 1);
}

/// One vector of values (zeros past the run's end), their parts split on a grid, and the lanes
/// that lie outside [least, past) in magnitude without being zero (values_within's test on
/// magnitude_bounds).
struct split_vector {
  __m512d value, high, low;
  __mmask8 outside;
};

/// The vector of values from `values + i`, split on grid = the split's c, least and past the
/// bounds broadcast.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline split_vector
split_at(const double* values, std::int64_t i, std::int64_t count, __m512d grid, __m512i least,
         __m512i past) {
  const __m512d x = _mm512_maskz_loadu_pd(lanes_below(count, i), values + i);
  const __m512i magnitude = _mm512_and_si512(
      _mm512_castpd_si512(x), _mm512_set1_epi64(std::numeric_limits<std::int64_t>::max()));
  const __mmask8 nonzero = _mm512_test_epi64_mask(magnitude, magnitude);
  const __m512d high = _mm512_sub_pd(_mm512_add_pd(x, grid), grid);
  return {x, high, _mm512_sub_pd(x, high),
          static_cast<__mmask8>(_mm512_mask_cmplt_epi64_mask(nonzero, magnitude, least) |
                                _mm512_mask_cmpge_epi64_mask(nonzero, magnitude, past))};
}

}  // namespace poolproof::engine::detail

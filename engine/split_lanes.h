// The binary64 split in AVX-512 lanes, shared by the passes that split runs of values (not a
// public interface; include only from files whose callers carry the AVX-512 target).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace poolproof::engine::detail {

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
  const std::int64_t left = std::clamp<std::int64_t>(count - i, 0, 8);
  const auto lanes = static_cast<__mmask8>((1U << left) - 1);
  const __m512d x = _mm512_maskz_loadu_pd(lanes, values + i);
  const __m512i magnitude = _mm512_and_si512(
      _mm512_castpd_si512(x), _mm512_set1_epi64(std::numeric_limits<std::int64_t>::max()));
  const __mmask8 nonzero = _mm512_test_epi64_mask(magnitude, magnitude);
  const __m512d high = _mm512_sub_pd(_mm512_add_pd(x, grid), grid);
  return {x, high, _mm512_sub_pd(x, high),
          static_cast<__mmask8>(_mm512_mask_cmplt_epi64_mask(nonzero, magnitude, least) |
                                _mm512_mask_cmpge_epi64_mask(nonzero, magnitude, past))};
}

}  // namespace poolproof::engine::detail

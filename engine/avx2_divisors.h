// Four unsigned divisors as doubles in AVX2 lanes, shared by the four-lane batches of means (not a
// public interface; include only from files whose callers carry the AVX2 target).
#pragma once

#include <immintrin.h>

#include <bit>
#include <cstdint>

namespace poolproof::engine::detail {

/// When each of divisors[0, 4) is below 2^52: `lanes` = them as doubles, exactly (a divisor's
/// bits under 2^52's exponent are the double 2^52 + divisor, less 2^52), and true. False,
/// `lanes` untouched, when one is 2^52 or more.
[[gnu::target("avx2"), gnu::always_inline]] inline bool divisors_below_2_52(
    const std::uint64_t* divisors, __m256d& lanes) {
  const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(divisors));
  if (_mm256_testz_si256(bits, _mm256_set1_epi64x(-(std::int64_t{1} << 52))) == 0) return false;
  const __m256i two_to_52 = _mm256_set1_epi64x(std::bit_cast<std::int64_t>(0x1p52));
  lanes =
      _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(bits, two_to_52)), _mm256_set1_pd(0x1p52));
  return true;
}

}  // namespace poolproof::engine::detail

// float_quotients.h. Why binary32 lanes: a one-window cell's exact sum is one gradient, a binary32
// number (16-bit values widen exactly), and its divisor an integer below 2^24, another binary32
// number, so the binary32 division of the two is already correctly rounded (in the default
// environment: with subnormals flushed, a bfloat16 value of 2^-127 would read as zero): for
// binary32 it is the answer (subnormal quotients included), and for the 16-bit formats
// narrowed_means' decision applies to it unchanged (the exact quotient lies within half a binary32
// ulp of q = RN24(v / d), so between q's neighbours; and the remainder v - q d, a multiple of
// 2^-149 like v and q d, is zero in the fused multiply-add exactly when v / d = q). Eight of them
// an instruction, against four double divisions with their wider tests.
#include "engine/float_quotients.h"

#include <immintrin.h>
#include <poolproof/common/error.h>

#include <algorithm>
#include <array>
#include <bit>

#include "engine/double_sums.h"

namespace poolproof::engine::detail {
namespace {

using reference::float_format;

std::uint16_t scalar_quotient(float_format format, float value, float divisor) {
  const double sum = static_cast<double>(value) + 0.0;
  const auto count = static_cast<std::uint64_t>(divisor);
  return format == float_format::binary16 ? round_mean_16<binary16_traits>(sum, count)
                                          : round_mean_16<bfloat16_traits>(sum, count);
}

// Eight binary32 values narrowed to 16-bit patterns, to nearest, ties to even: binary16 by the
// hardware conversion, bfloat16 by the rounding bias on the upper half.
template <bool Half>
[[gnu::target("avx2,fma,f16c"), gnu::always_inline]] inline __m128i narrow_eight(__m256i bits) {
  if constexpr (Half) {
    return _mm256_cvtps_ph(_mm256_castsi256_ps(bits),
                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  } else {
    const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
    const __m256i biased = _mm256_add_epi32(_mm256_add_epi32(bits, _mm256_set1_epi32(0x7FFF)), odd);
    const __m256i high = _mm256_srli_epi32(biased, 16);  // below 2^16: packing does not saturate
    return _mm_packus_epi32(_mm256_castsi256_si128(high), _mm256_extracti128_si256(high, 1));
  }
}

// Eight 16-bit lanes' masks as bits 0 to 7.
[[gnu::target("avx2")]] inline int mask_of_16_bit_lanes(__m128i mask) {
  return _mm_movemask_epi8(_mm_packs_epi16(mask, _mm_setzero_si128()));
}

// The lanes kept as bits 0 to 7, all eight patterns stored at `means`.
template <bool Half>
[[gnu::target("avx2,fma,f16c"), gnu::always_inline]] inline int eight_quotients(
    const float* values, const float* divisors, std::uint16_t* means) {
  // + 0.0f: an exact zero value (-0 included) has the mean +0.
  const __m256 value = _mm256_add_ps(_mm256_loadu_ps(values), _mm256_setzero_ps());
  const __m256 divisor = _mm256_loadu_ps(divisors);
  const __m256 q = _mm256_div_ps(value, divisor);
  const __m256i bits = _mm256_castps_si256(q);
  const __m128i narrowed = narrow_eight<Half>(bits);
  int agree = 0;  // RN24(v / d)'s neighbours narrow alike
  if constexpr (Half) {
    const __m256i one = _mm256_set1_epi32(1);
    agree = mask_of_16_bit_lanes(
        _mm_and_si128(_mm_cmpeq_epi16(narrowed, narrow_eight<Half>(_mm256_sub_epi32(bits, one))),
                      _mm_cmpeq_epi16(narrowed, narrow_eight<Half>(_mm256_add_epi32(bits, one)))));
  } else {
    // narrowed_means' bfloat16 rule: three consecutive patterns round alike when the low half
    // lies more than one from a tie.
    const __m256i low = _mm256_and_si256(bits, _mm256_set1_epi32(0xFFFF));
    agree = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(
        _mm256_abs_epi32(_mm256_sub_epi32(low, _mm256_set1_epi32(0x8000))), _mm256_set1_epi32(1))));
  }
  // narrowed_near's domain: q neither zero nor past binary32's range.
  const __m256i magnitude = _mm256_and_si256(bits, _mm256_set1_epi32(0x7FFFFFFF));
  const __m256i inside =
      _mm256_andnot_si256(_mm256_cmpeq_epi32(magnitude, _mm256_setzero_si256()),
                          _mm256_cmpgt_epi32(_mm256_set1_epi32(0x7F800000), magnitude));
  const __m256 exact =
      _mm256_cmp_ps(_mm256_fnmadd_ps(q, divisor, value), _mm256_setzero_ps(), _CMP_EQ_OQ);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(means), narrowed);
  return (agree & _mm256_movemask_ps(_mm256_castsi256_ps(inside))) | _mm256_movemask_ps(exact);
}

// Groups of eight through eight_quotients (a last short group padded with values 0 and
// divisors 1), and every lane it did not keep by the scalar route; returns how many it kept.
template <bool Half>
[[gnu::target("avx2,fma,f16c")]] std::size_t quotients_avx2(float_format format,
                                                            std::span<const float> values,
                                                            std::span<const float> divisors,
                                                            std::span<std::uint16_t> means) {
  std::size_t declined_lanes = 0;
  for (std::size_t k = 0; k < values.size(); k += 8) {
    const std::size_t count = std::min<std::size_t>(8, values.size() - k);
    int kept = 0;
    if (count == 8) {
      kept = eight_quotients<Half>(&values[k], &divisors[k], &means[k]);
    } else {
      std::array<float, 8> short_values{};
      std::array<float, 8> short_divisors{1, 1, 1, 1, 1, 1, 1, 1};
      std::array<std::uint16_t, 8> short_means{};
      std::copy_n(&values[k], count, short_values.begin());
      std::copy_n(&divisors[k], count, short_divisors.begin());
      kept = eight_quotients<Half>(short_values.data(), short_divisors.data(), short_means.data());
      std::copy_n(short_means.begin(), count, &means[k]);
    }
    for (unsigned declined = ((1u << count) - 1) & ~static_cast<unsigned>(kept); declined != 0;
         declined &= declined - 1) {
      const std::size_t at = k + static_cast<std::size_t>(std::countr_zero(declined));
      means[at] = scalar_quotient(format, values[at], divisors[at]);
      ++declined_lanes;
    }
  }
  return values.size() - declined_lanes;
}

[[gnu::target("avx2")]] void binary32_quotients_avx2(std::span<const float> values,
                                                     std::span<const float> divisors,
                                                     std::span<float> means) {
  std::size_t k = 0;
  for (; k + 8 <= values.size(); k += 8) {
    _mm256_storeu_ps(&means[k],
                     _mm256_div_ps(_mm256_add_ps(_mm256_loadu_ps(&values[k]), _mm256_setzero_ps()),
                                   _mm256_loadu_ps(&divisors[k])));
  }
  for (; k < values.size(); ++k) means[k] = (values[k] + 0.0f) / divisors[k];
}

}  // namespace

std::size_t narrowed_quotients(float_format format, std::span<const float> values,
                               std::span<const float> divisors, std::span<std::uint16_t> means,
                               simd_level ceiling) {
  POOLPROOF_CHECK(format == float_format::binary16 || format == float_format::bfloat16);
  POOLPROOF_CHECK(divisors.size() == values.size() && means.size() == values.size());
  const bool half = format == float_format::binary16;
  if (usable_simd_level(ceiling) != simd_level::baseline && cpu_has_fma() && cpu_has_f16c()) {
    return half ? quotients_avx2<true>(format, values, divisors, means)
                : quotients_avx2<false>(format, values, divisors, means);
  }
  for (std::size_t k = 0; k < values.size(); ++k)
    means[k] = scalar_quotient(format, values[k], divisors[k]);
  return 0;
}

void binary32_quotients(std::span<const float> values, std::span<const float> divisors,
                        std::span<float> means, simd_level ceiling) {
  POOLPROOF_CHECK(divisors.size() == values.size() && means.size() == values.size());
  // + 0.0f: an exact zero value (-0 included) has the mean +0.
  if (usable_simd_level(ceiling) != simd_level::baseline)
    return binary32_quotients_avx2(values, divisors, means);
  for (std::size_t k = 0; k < values.size(); ++k) means[k] = (values[k] + 0.0f) / divisors[k];
}

}  // namespace poolproof::engine::detail

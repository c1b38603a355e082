// narrowed_means and binary32_means (narrowed_means.h). A 16-bit mean is one division away from its
// exact double sum, but the scalar route (round_mean_16) narrows three binary32 values and branches
// on their agreement, window by window; here eight windows (four on AVX2) share the division and
// the decision is a mask. A lane is kept only when the scalar route's answer is certain from the
// lane alone: the quotient q = RN(s / d) is within half a double ulp of s / d, so when RN24(q)'s
// binary32 neighbours narrow alike, s / d (between them) narrows alike too; and when the remainder
// s - q d (exact by a fused multiply-add) is zero and q is a binary32 number, s / d is that
// number and its one narrowing is round_to's, midpoints included (exact quotients at 16-bit
// midpoints are common: sums of a few 16-bit values over a power of two). The remainder cannot
// underflow: sums are multiples of 2^-133 (bfloat16's least subnormal) and quotients at least
// 2^-186, far above binary64's subnormals. The `inside` mask mirrors narrowed_near's domain: a
// zero RN24(q) would pass the neighbour test only as a bfloat16 -0, whose answer is right anyway.
#include "engine/narrowed_means.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <bit>

#include "engine/avx2_divisors.h"
#include "engine/double_sums.h"

namespace poolproof::engine::detail {
namespace {

using reference::float_format;

std::uint16_t scalar_mean(float_format format, double sum, std::uint64_t divisor) {
  return format == float_format::binary16 ? round_mean_16<binary16_traits>(sum, divisor)
                                          : round_mean_16<bfloat16_traits>(sum, divisor);
}

void means_loop(float_format format, std::span<const double> sums,
                std::span<const std::uint64_t> divisors, std::span<std::uint16_t> means) {
  for (std::size_t k = 0; k < sums.size(); ++k)
    means[k] = scalar_mean(format, sums[k], divisors[k]);
}

// Eight binary32 values narrowed to 16-bit patterns, to nearest, ties to even (`narrowed`):
// binary16 by the hardware conversion, bfloat16 by the rounding bias on the upper half.
template <bool Half>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] inline __m128i narrow_eight(__m256i bits) {
  if constexpr (Half) {
    return _mm256_maskz_cvtps_ph(0xFF, _mm256_castsi256_ps(bits),
                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  } else {
    const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
    const __m256i biased = _mm256_add_epi32(_mm256_add_epi32(bits, _mm256_set1_epi32(0x7FFF)), odd);
    return _mm256_cvtepi32_epi16(_mm256_srli_epi32(biased, 16));
  }
}

template <bool Half>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void means_avx512(
    float_format format, std::span<const double> sums, std::span<const std::uint64_t> divisors,
    std::span<std::uint16_t> means) {
  const __m256i one = _mm256_set1_epi32(1);
  for (std::size_t k = 0; k < sums.size(); k += 8) {
    const std::size_t lanes = std::min<std::size_t>(8, sums.size() - k);
    const auto live = static_cast<__mmask8>((1u << lanes) - 1);
    // + 0.0: an exact zero sum (-0 included) has the mean +0. Idle lanes divide 0 by 1.
    const __m512d sum =
        _mm512_add_pd(_mm512_maskz_loadu_pd(live, sums.data() + k), _mm512_setzero_pd());
    const __m512d divisor = _mm512_cvtepu64_pd(
        _mm512_mask_loadu_epi64(_mm512_set1_epi64(1), live, divisors.data() + k));
    const __m512d q = _mm512_div_pd(sum, divisor);
    const __m256 single = _mm512_maskz_cvtpd_ps(0xFF, q);
    const __m256i bits = _mm256_castps_si256(single);
    const __m128i narrowed = narrow_eight<Half>(bits);
    const __mmask8 neighbours_agree =
        _mm_cmpeq_epi16_mask(narrowed, narrow_eight<Half>(_mm256_sub_epi32(bits, one))) &
        _mm_cmpeq_epi16_mask(narrowed, narrow_eight<Half>(_mm256_add_epi32(bits, one)));
    // narrowed_near's domain: RN24(q) neither zero nor past binary32's range.
    const __m256i magnitude = _mm256_and_si256(bits, _mm256_set1_epi32(0x7FFFFFFF));
    const __mmask8 inside = _mm256_cmpneq_epi32_mask(magnitude, _mm256_setzero_si256()) &
                            _mm256_cmplt_epu32_mask(magnitude, _mm256_set1_epi32(0x7F800000));
    const __mmask8 exact =
        _mm512_cmp_pd_mask(_mm512_fnmadd_pd(q, divisor, sum), _mm512_setzero_pd(), _CMP_EQ_OQ) &
        _mm512_cmp_pd_mask(_mm512_maskz_cvtps_pd(0xFF, single), q, _CMP_EQ_OQ);
    const __mmask8 kept = static_cast<__mmask8>(((neighbours_agree & inside) | exact) & live);
    _mm_mask_storeu_epi16(means.data() + k, kept, narrowed);
    for (unsigned declined = static_cast<unsigned>(live & ~kept); declined != 0;
         declined &= declined - 1) {
      const std::size_t at = k + static_cast<std::size_t>(std::countr_zero(declined));
      means[at] = scalar_mean(format, sums[at], divisors[at]);
    }
  }
}

// narrow_eight on four binary32 values, the patterns in the low four 16-bit lanes.
template <bool Half>
[[gnu::target("avx2,fma,f16c"), gnu::always_inline]] inline __m128i narrow_four(__m128i bits) {
  if constexpr (Half) {
    return _mm_cvtps_ph(_mm_castsi128_ps(bits), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  } else {
    const __m128i odd = _mm_and_si128(_mm_srli_epi32(bits, 16), _mm_set1_epi32(1));
    const __m128i biased = _mm_add_epi32(_mm_add_epi32(bits, _mm_set1_epi32(0x7FFF)), odd);
    const __m128i high = _mm_srli_epi32(biased, 16);  // below 2^16: packing does not saturate
    return _mm_packus_epi32(high, high);
  }
}

// means_avx512's decision on four lanes of AVX2 for four sums and divisors: the lanes kept as
// bits 0 to 3, their patterns stored at `patterns` (all four), or -1, storing nothing, when a
// divisor is 2^52 or more.
template <bool Half>
[[gnu::target("avx2,fma,f16c"), gnu::always_inline]] inline int four_narrowed_means(
    const double* sums, const std::uint64_t* divisors, std::uint16_t* patterns) {
  __m256d divisor = _mm256_setzero_pd();
  if (!divisors_below_2_52(divisors, divisor)) return -1;
  // + 0.0: an exact zero sum (-0 included) has the mean +0.
  const __m256d sum = _mm256_add_pd(_mm256_loadu_pd(sums), _mm256_setzero_pd());
  const __m256d q = _mm256_div_pd(sum, divisor);
  const __m128 single = _mm256_cvtpd_ps(q);
  const __m128i bits = _mm_castps_si128(single);
  const __m128i narrowed = narrow_four<Half>(bits);
  __m128i agree;  // 32-bit lanes of all ones where RN24(q) and its neighbours narrow alike
  if constexpr (Half) {
    const __m128i one = _mm_set1_epi32(1);
    agree = _mm_cvtepi16_epi32(
        _mm_and_si128(_mm_cmpeq_epi16(narrowed, narrow_four<Half>(_mm_sub_epi32(bits, one))),
                      _mm_cmpeq_epi16(narrowed, narrow_four<Half>(_mm_add_epi32(bits, one)))));
  } else {
    // bfloat16 narrows by the bias on the low 16 bits L: three consecutive patterns round
    // alike unless one of them has L = 0x8000 (a tie), so whenever |L - 0x8000| > 1 (a wrap of
    // L from 0xFFFF to 0 carries into the high half, which rounding up from 0xFFFF reaches
    // too). A subset of the lanes the neighbours' narrowings keep: never a different answer.
    const __m128i low = _mm_and_si128(bits, _mm_set1_epi32(0xFFFF));
    agree = _mm_cmpgt_epi32(_mm_abs_epi32(_mm_sub_epi32(low, _mm_set1_epi32(0x8000))),
                            _mm_set1_epi32(1));
  }
  // narrowed_near's domain: RN24(q) neither zero nor past binary32's range (magnitudes are
  // below 2^31, so signed compares order them).
  const __m128i magnitude = _mm_and_si128(bits, _mm_set1_epi32(0x7FFFFFFF));
  const __m128i inside = _mm_andnot_si128(_mm_cmpeq_epi32(magnitude, _mm_setzero_si128()),
                                          _mm_cmplt_epi32(magnitude, _mm_set1_epi32(0x7F800000)));
  const __m256d exact = _mm256_and_pd(
      _mm256_cmp_pd(_mm256_fnmadd_pd(q, divisor, sum), _mm256_setzero_pd(), _CMP_EQ_OQ),
      _mm256_cmp_pd(_mm256_cvtps_pd(single), q, _CMP_EQ_OQ));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(patterns), narrowed);
  return _mm_movemask_ps(_mm_castsi128_ps(_mm_and_si128(agree, inside))) |
         _mm256_movemask_pd(exact);
}

// Groups of four through four_narrowed_means (a last short group padded with sums 0 and divisors
// 1), and every lane it did not keep (all four when it declined the group) by the scalar route.
template <bool Half>
[[gnu::target("avx2,fma,f16c")]] void means_avx2(float_format format, std::span<const double> sums,
                                                 std::span<const std::uint64_t> divisors,
                                                 std::span<std::uint16_t> means) {
  for (std::size_t k = 0; k < sums.size(); k += 4) {
    const std::size_t lanes = std::min<std::size_t>(4, sums.size() - k);
    int kept = 0;
    if (lanes == 4) {
      kept = four_narrowed_means<Half>(&sums[k], &divisors[k], &means[k]);
    } else {
      std::array<double, 4> short_sums{};
      std::array<std::uint64_t, 4> short_divisors{1, 1, 1, 1};
      std::array<std::uint16_t, 4> patterns{};
      std::copy_n(&sums[k], lanes, short_sums.begin());
      std::copy_n(&divisors[k], lanes, short_divisors.begin());
      kept = four_narrowed_means<Half>(short_sums.data(), short_divisors.data(), patterns.data());
      std::copy_n(patterns.begin(), lanes, &means[k]);
    }
    const unsigned live = (1u << lanes) - 1;
    for (unsigned declined = kept < 0 ? live : live & ~static_cast<unsigned>(kept); declined != 0;
         declined &= declined - 1) {
      const std::size_t at = k + static_cast<std::size_t>(std::countr_zero(declined));
      means[at] = scalar_mean(format, sums[at], divisors[at]);
    }
  }
}

// round_quotient_binary32 (float_bits.h) in eight lanes: the lanes it would answer, their
// answers stored; the others are left to binary32_mean.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,fma")]] void binary32_means_avx512(
    std::span<const double> sums, std::span<const std::uint64_t> divisors,
    std::span<const int> units, std::span<float> means) {
  const __m512i magnitude_mask = _mm512_set1_epi64(0x7FFFFFFFFFFFFFFF);
  const __m512i least_normal = _mm512_set1_epi64(std::int64_t{1023 - 126} << 52);  // 2^-126
  const __m512i low_bits = _mm512_set1_epi64((std::int64_t{1} << 29) - 1);
  const __m512i midpoint = _mm512_set1_epi64(std::int64_t{1} << 28);
  for (std::size_t k = 0; k < sums.size(); k += 8) {
    const std::size_t lanes = std::min<std::size_t>(8, sums.size() - k);
    const auto live = static_cast<__mmask8>((1u << lanes) - 1);
    // Idle lanes divide 0 by 1.
    const __m512d sum = _mm512_maskz_loadu_pd(live, sums.data() + k);
    const __m512d divisor = _mm512_cvtepu64_pd(
        _mm512_mask_loadu_epi64(_mm512_set1_epi64(1), live, divisors.data() + k));
    const __m512d q = _mm512_div_pd(sum, divisor);
    const __m512i bits = _mm512_castpd_si512(q);
    const __m512i magnitude = _mm512_and_si512(bits, magnitude_mask);
    const __mmask8 normal_or_zero = _mm512_cmpge_epu64_mask(magnitude, least_normal) |
                                    _mm512_cmpeq_epi64_mask(magnitude, _mm512_setzero_si512());
    const __mmask8 at_midpoint =
        _mm512_cmpeq_epi64_mask(_mm512_and_si512(bits, low_bits), midpoint);
    const __mmask8 inexact =
        _mm512_cmp_pd_mask(_mm512_fmsub_pd(q, divisor, sum), _mm512_setzero_pd(), _CMP_NEQ_UQ);
    const __m256 single = _mm512_maskz_cvtpd_ps(0xFF, q);
    const __m256i single_magnitude =
        _mm256_and_si256(_mm256_castps_si256(single), _mm256_set1_epi32(0x7FFFFFFF));
    const __mmask8 finite =
        _mm256_cmpneq_epi32_mask(single_magnitude, _mm256_set1_epi32(0x7F800000));
    const auto kept =
        static_cast<__mmask8>(live & normal_or_zero & ~(at_midpoint & inexact) & finite);
    _mm256_mask_storeu_ps(means.data() + k, kept, single);
    for (unsigned declined = static_cast<unsigned>(live & ~kept); declined != 0;
         declined &= declined - 1) {
      const std::size_t at = k + static_cast<std::size_t>(std::countr_zero(declined));
      means[at] = binary32_mean(sums[at], units[at], divisors[at]);
    }
  }
}

// binary32_means_avx512's rule on four lanes of AVX2: the lanes kept as bits 0 to 3, their
// values stored at `means` (all four), or -1, storing nothing, when a divisor is 2^52 or more.
[[gnu::target("avx2,fma")]] int four_binary32_means(const double* sums,
                                                    const std::uint64_t* divisors, float* means) {
  __m256d divisor = _mm256_setzero_pd();
  if (!divisors_below_2_52(divisors, divisor)) return -1;
  const __m256d sum = _mm256_loadu_pd(sums);
  const __m256d q = _mm256_div_pd(sum, divisor);
  const __m256i bits = _mm256_castpd_si256(q);
  // Magnitudes are below 2^63, so signed compares order them.
  const __m256i magnitude = _mm256_and_si256(bits, _mm256_set1_epi64x(0x7FFFFFFFFFFFFFFF));
  const __m256i below_normal = _mm256_andnot_si256(
      _mm256_cmpeq_epi64(magnitude, _mm256_setzero_si256()),
      _mm256_cmpgt_epi64(_mm256_set1_epi64x(std::int64_t{1023 - 126} << 52), magnitude));
  const __m256i at_midpoint =
      _mm256_cmpeq_epi64(_mm256_and_si256(bits, _mm256_set1_epi64x((std::int64_t{1} << 29) - 1)),
                         _mm256_set1_epi64x(std::int64_t{1} << 28));
  const __m256d inexact =
      _mm256_cmp_pd(_mm256_fmsub_pd(q, divisor, sum), _mm256_setzero_pd(), _CMP_NEQ_UQ);
  const __m128 single = _mm256_cvtpd_ps(q);
  const __m128i infinite =
      _mm_cmpeq_epi32(_mm_and_si128(_mm_castps_si128(single), _mm_set1_epi32(0x7FFFFFFF)),
                      _mm_set1_epi32(0x7F800000));
  _mm_storeu_ps(means, single);
  const int declined =
      _mm256_movemask_pd(_mm256_castsi256_pd(below_normal)) |
      (_mm256_movemask_pd(_mm256_castsi256_pd(at_midpoint)) & _mm256_movemask_pd(inexact)) |
      _mm_movemask_ps(_mm_castsi128_ps(infinite));
  return ~declined & 0xF;
}

// Groups of four through four_binary32_means (a last short group padded with sums 0 and
// divisors 1), and every lane it did not keep (all four when it declined the group) by
// binary32_mean.
[[gnu::target("avx2,fma")]] void binary32_means_avx2(std::span<const double> sums,
                                                     std::span<const std::uint64_t> divisors,
                                                     std::span<const int> units,
                                                     std::span<float> means) {
  for (std::size_t k = 0; k < sums.size(); k += 4) {
    const std::size_t lanes = std::min<std::size_t>(4, sums.size() - k);
    int kept = 0;
    if (lanes == 4) {
      kept = four_binary32_means(&sums[k], &divisors[k], &means[k]);
    } else {
      std::array<double, 4> short_sums{};
      std::array<std::uint64_t, 4> short_divisors{1, 1, 1, 1};
      std::array<float, 4> short_means{};
      std::copy_n(&sums[k], lanes, short_sums.begin());
      std::copy_n(&divisors[k], lanes, short_divisors.begin());
      kept = four_binary32_means(short_sums.data(), short_divisors.data(), short_means.data());
      std::copy_n(short_means.begin(), lanes, &means[k]);
    }
    const unsigned live = (1u << lanes) - 1;
    for (unsigned declined = kept < 0 ? live : live & ~static_cast<unsigned>(kept); declined != 0;
         declined &= declined - 1) {
      const std::size_t at = k + static_cast<std::size_t>(std::countr_zero(declined));
      means[at] = binary32_mean(sums[at], units[at], divisors[at]);
    }
  }
}

}  // namespace

float binary32_mean(double sum, int unit, std::uint64_t divisor) {
  if (const auto bits = round_quotient_binary32(sum, 0, divisor))
    return std::bit_cast<float>(*bits);
  return std::bit_cast<float>(
      static_cast<std::uint32_t>(round_double_sum<binary32_traits>(sum, unit, divisor)));
}

void binary32_means(std::span<const double> sums, std::span<const std::uint64_t> divisors,
                    std::span<const int> units, std::span<float> means, simd_level ceiling) {
  POOLPROOF_CHECK(divisors.size() == sums.size() && units.size() == sums.size() &&
                  means.size() == sums.size());
  const simd_level level = usable_simd_level(ceiling);
  if (level == simd_level::avx512) return binary32_means_avx512(sums, divisors, units, means);
  if (level == simd_level::avx2 && cpu_has_fma())
    return binary32_means_avx2(sums, divisors, units, means);
  for (std::size_t k = 0; k < sums.size(); ++k)
    means[k] = binary32_mean(sums[k], units[k], divisors[k]);
}

void narrowed_means(float_format format, std::span<const double> sums,
                    std::span<const std::uint64_t> divisors, std::span<std::uint16_t> means,
                    simd_level ceiling) {
  POOLPROOF_CHECK(format == float_format::binary16 || format == float_format::bfloat16);
  POOLPROOF_CHECK(divisors.size() == sums.size() && means.size() == sums.size());
  const bool half = format == float_format::binary16;
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      return half ? means_avx512<true>(format, sums, divisors, means)
                  : means_avx512<false>(format, sums, divisors, means);
    case simd_level::avx2:
      if (!cpu_has_fma() || !cpu_has_f16c()) break;
      return half ? means_avx2<true>(format, sums, divisors, means)
                  : means_avx2<false>(format, sums, divisors, means);
    case simd_level::baseline:
      break;
  }
  means_loop(format, sums, divisors, means);
}

}  // namespace poolproof::engine::detail

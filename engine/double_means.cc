// Correctly rounded binary64 means of exact split sums (double_sums.h) in hardware doubles: a
// division, its exact remainder by a fused multiply-add, and a comparison with half the spacing.
// One scalar route (mean_lanes) and AVX-512 and AVX2 batches of eight and four that compute the
// same decision tree with masks, so the divisions of several windows run in one instruction.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <optional>

#include "engine/avx2_divisors.h"
#include "engine/double_sums.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {
namespace {

// x + y = sum + error exactly (Knuth's TwoSum; no overflow).
struct two_sum {
  double sum;
  double error;
};

two_sum add_exactly(double x, double y) {
  const double sum = x + y;
  const double y_part = sum - x;
  return {sum, (x - (sum - y_part)) + (y - y_part)};
}

// The sign of (t.sum + t.error) - bound for a double `bound`: |t.error| is at most half an ulp
// of t.sum, so when t.sum != bound its side of the bound decides (the next double past the
// bound is at least half an ulp of t.sum away), and at t.sum == bound the error does.
int compare(const two_sum& t, double bound) {
  const double side = t.sum != bound ? t.sum - bound : t.error;
  return (side > 0) - (side < 0);
}

// mean_of_parts; the fused multiply-add is one instruction under the "fma" target, a libm call
// otherwise.
[[gnu::always_inline]] inline std::optional<double> mean_lanes(const split_parts& parts,
                                                               std::uint64_t count) {
  // S = s + e exactly; q = RN(s / n) and r = s - q n exactly (the remainder of a correctly
  // rounded quotient is a double while nothing underflows), so S / n = q + (r + e) / n, and
  // r + e = t + t' exactly. The answer is q, or the neighbour on the side where (r + e) / n
  // passes half the spacing (ties to the even significand); past a whole spacing, or outside
  // a safely normal range, the caller decides exactly. Negative means are mirrored.
  const two_sum s = add_exactly(parts.high, parts.low);
  const auto n = static_cast<double>(count);
  const double signed_q = s.sum / n;
  const bool negative = signed_q < 0;
  const double q = negative ? -signed_q : signed_q;
  if (!(q >= 0x1p-960 && q <= 0x1p960)) return std::nullopt;
  two_sum t = add_exactly(__builtin_fma(-signed_q, n, s.sum), s.error);
  if (negative) t = {-t.sum, -t.error};
  const auto bits = std::bit_cast<std::uint64_t>(q);
  const double above = std::bit_cast<double>(bits + 1), below = std::bit_cast<double>(bits - 1);
  // n times the spacings (and their halves) are exact: n < 2^53 times powers of two.
  const double up = (above - q) * n, down = (q - below) * n;
  const double even_up = (bits & 1) == 0 ? q : above, even_down = (bits & 1) == 0 ? q : below;
  double mean = q;
  const int past_up = compare(t, up / 2), past_down = compare(t, -down / 2);
  if (past_up > 0) {
    if (compare(t, up) >= 0) return std::nullopt;
    mean = above;
  } else if (past_up == 0) {
    mean = even_up;
  } else if (past_down == 0) {
    mean = even_down;
  } else if (past_down < 0) {
    if (compare(t, -down) <= 0) return std::nullopt;
    mean = below;
  }
  return negative ? -mean : mean;
}

[[gnu::target("fma")]] std::optional<double> mean_fma(const split_parts& parts,
                                                      std::uint64_t count) {
  return mean_lanes(parts, count);
}

// The batch in one loop, mean_lanes inlined: independent divisions overlap.
[[gnu::always_inline]] inline bool means_loop(std::span<const split_parts> parts,
                                              std::span<const std::uint64_t> counts,
                                              std::span<double> means) {
  bool decided = true;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const std::optional<double> mean = mean_lanes(parts[k], counts[k]);
    decided &= mean.has_value();
    means[k] = mean.value_or(std::numeric_limits<double>::quiet_NaN());
  }
  return decided;
}

[[gnu::target("fma")]] bool means_fma(std::span<const split_parts> parts,
                                      std::span<const std::uint64_t> counts,
                                      std::span<double> means) {
  return means_loop(parts, counts, means);
}

// mean_lanes on eight windows: every branch of its decision tree becomes a mask, and a lane
// that the scalar route would decline becomes a NaN. Bit for bit the scalar results (the same
// operations, each correctly rounded, in the same order).
struct eight_means {
  __m512d sum, error, count;  // the TwoSum of the parts, and the divisors
};

template <int Predicate>  // a compile-time constant for the comparison instruction
[[gnu::target("avx512f,avx512dq,fma")]] inline __mmask8 side_mask(__m512d sum, __m512d error,
                                                                  __m512d bound) {
  // compare(): the sign of sum - bound, or of the error where sum == bound.
  const __mmask8 equal = _mm512_cmp_pd_mask(sum, bound, _CMP_EQ_OQ);
  const __m512d side = _mm512_mask_mov_pd(_mm512_sub_pd(sum, bound), equal, error);
  return _mm512_cmp_pd_mask(side, _mm512_setzero_pd(), Predicate);
}

[[gnu::target("avx512f,avx512dq,fma")]] __m512d means_of_eight(const eight_means& in) {
  const __m512d zero = _mm512_setzero_pd();
  const __m512d sign = _mm512_set1_pd(-0.0);
  const __m512d signed_q = _mm512_div_pd(in.sum, in.count);
  const __mmask8 negative = _mm512_cmp_pd_mask(signed_q, zero, _CMP_LT_OQ);
  const __m512d q = _mm512_andnot_pd(sign, signed_q);
  const __mmask8 in_range = _mm512_cmp_pd_mask(q, _mm512_set1_pd(0x1p-960), _CMP_GE_OQ) &
                            _mm512_cmp_pd_mask(q, _mm512_set1_pd(0x1p960), _CMP_LE_OQ);
  // t = (s - q n) + e, exactly as a TwoSum; mirrored for negative quotients.
  const __m512d remainder = _mm512_fnmadd_pd(signed_q, in.count, in.sum);
  const __m512d rounded_t = _mm512_add_pd(remainder, in.error);
  const __m512d t_sum = _mm512_mask_xor_pd(rounded_t, negative, rounded_t, sign);
  const __m512i bits = _mm512_castpd_si512(q);
  const __m512i one = _mm512_set1_epi64(1);
  const __m512d above = _mm512_castsi512_pd(_mm512_add_epi64(bits, one));
  const __m512d below = _mm512_castsi512_pd(_mm512_sub_epi64(bits, one));
  const __m512d up = _mm512_mul_pd(_mm512_sub_pd(above, q), in.count);
  const __m512d down = _mm512_mul_pd(_mm512_sub_pd(q, below), in.count);
  const __m512d half = _mm512_set1_pd(0.5);
  const __m512d half_up = _mm512_mul_pd(up, half);
  const __m512d minus_half_down = _mm512_xor_pd(_mm512_mul_pd(down, half), sign);
  // Most quotients are the answer: where t's rounded sum lies strictly between the two half
  // spacings, compare() reads it alone on both sides (it is not equal to either bound), and the
  // tree below ends at q. Eight such lanes skip the rest.
  const __mmask8 inside = in_range & _mm512_cmp_pd_mask(t_sum, half_up, _CMP_LT_OQ) &
                          _mm512_cmp_pd_mask(t_sum, minus_half_down, _CMP_GT_OQ);
  if (inside == 0xFF) return signed_q;
  const __m512d y_part = _mm512_sub_pd(rounded_t, remainder);
  __m512d t_error = _mm512_add_pd(_mm512_sub_pd(remainder, _mm512_sub_pd(rounded_t, y_part)),
                                  _mm512_sub_pd(in.error, y_part));
  t_error = _mm512_mask_xor_pd(t_error, negative, t_error, sign);
  const __mmask8 odd = _mm512_test_epi64_mask(bits, one);
  const __m512d minus_down = _mm512_xor_pd(down, sign);
  const __mmask8 past_up = side_mask<_CMP_GT_OQ>(t_sum, t_error, half_up);
  const __mmask8 at_up = ~past_up & ~side_mask<_CMP_LT_OQ>(t_sum, t_error, half_up);
  const __mmask8 rest = ~past_up & ~at_up;
  const __mmask8 at_down = rest & side_mask<_CMP_EQ_OQ>(t_sum, t_error, minus_half_down);
  const __mmask8 past_down =
      rest & ~at_down & side_mask<_CMP_LT_OQ>(t_sum, t_error, minus_half_down);
  const __mmask8 whole_up = past_up & ~side_mask<_CMP_LT_OQ>(t_sum, t_error, up);
  const __mmask8 whole_down = past_down & ~side_mask<_CMP_GT_OQ>(t_sum, t_error, minus_down);
  __m512d mean = _mm512_mask_mov_pd(q, (past_up & ~whole_up) | (at_up & odd), above);
  mean = _mm512_mask_mov_pd(mean, (past_down & ~whole_down) | (at_down & odd), below);
  mean = _mm512_mask_xor_pd(mean, negative, mean, sign);
  const __mmask8 declined = ~in_range | whole_up | whole_down;
  return _mm512_mask_mov_pd(mean, declined,
                            _mm512_set1_pd(std::numeric_limits<double>::quiet_NaN()));
}

[[gnu::target("avx512f,avx512dq,fma")]] bool means_avx512(std::span<const split_parts> parts,
                                                          std::span<const std::uint64_t> counts,
                                                          std::span<double> means) {
  __mmask8 declined = 0;
  static_assert(sizeof(split_parts) == 2 * sizeof(double));
  const __m512i evens = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
  const __m512i odds = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
  for (std::size_t k = 0; k < parts.size(); k += 8) {
    // Eight {high, low} pairs as two registers of interleaved halves; the last group masked
    // (its idle lanes read nothing and divide 0 by 1).
    const std::size_t lanes = std::min<std::size_t>(8, parts.size() - k);
    const auto live = static_cast<__mmask8>((1u << lanes) - 1);
    const auto first_half = static_cast<__mmask8>(lanes >= 4 ? 0xFF : (1u << (2 * lanes)) - 1);
    const auto second_half = static_cast<__mmask8>(lanes <= 4 ? 0 : (1u << (2 * (lanes - 4))) - 1);
    const auto* pairs = reinterpret_cast<const double*>(parts.data() + k);
    const __m512d first = _mm512_maskz_loadu_pd(first_half, pairs);
    const __m512d second = _mm512_maskz_loadu_pd(second_half, pairs + 8);
    const __m512d high = _mm512_permutex2var_pd(first, evens, second);
    const __m512d low = _mm512_permutex2var_pd(first, odds, second);
    const __m512d sum = _mm512_add_pd(high, low);
    const __m512d y_part = _mm512_sub_pd(sum, high);
    const __m512d error =
        _mm512_add_pd(_mm512_sub_pd(high, _mm512_sub_pd(sum, y_part)), _mm512_sub_pd(low, y_part));
    const __m512i counts_in =
        _mm512_mask_loadu_epi64(_mm512_set1_epi64(1), live, counts.data() + k);
    const __m512d eight = means_of_eight({sum, error, _mm512_cvtepu64_pd(counts_in)});
    declined |= static_cast<__mmask8>(live & _mm512_cmp_pd_mask(eight, eight, _CMP_UNORD_Q));
    _mm512_mask_storeu_pd(means.data() + k, live, eight);
  }
  return declined == 0;
}

// means_of_eight on four lanes of AVX2: the masks are lanes of all ones or zeros, a masked move
// a blend. Bit for bit the scalar results, as there.
struct four_means {
  __m256d sum, error, count;
};

[[gnu::target("avx2,fma"), gnu::always_inline]] inline __m256d all_but(__m256d lanes) {
  return _mm256_xor_pd(lanes, _mm256_castsi256_pd(_mm256_set1_epi64x(-1)));
}

template <int Predicate>
[[gnu::target("avx2,fma"), gnu::always_inline]] inline __m256d side_lanes(__m256d sum,
                                                                          __m256d error,
                                                                          __m256d bound) {
  const __m256d equal = _mm256_cmp_pd(sum, bound, _CMP_EQ_OQ);
  const __m256d side = _mm256_blendv_pd(_mm256_sub_pd(sum, bound), error, equal);
  return _mm256_cmp_pd(side, _mm256_setzero_pd(), Predicate);
}

[[gnu::target("avx2,fma")]] __m256d means_of_four(const four_means& in) {
  const __m256d sign = _mm256_set1_pd(-0.0);
  const __m256d signed_q = _mm256_div_pd(in.sum, in.count);
  const __m256d negative_sign =
      _mm256_and_pd(_mm256_cmp_pd(signed_q, _mm256_setzero_pd(), _CMP_LT_OQ), sign);
  const __m256d q = _mm256_andnot_pd(sign, signed_q);
  const __m256d in_range = _mm256_and_pd(_mm256_cmp_pd(q, _mm256_set1_pd(0x1p-960), _CMP_GE_OQ),
                                         _mm256_cmp_pd(q, _mm256_set1_pd(0x1p960), _CMP_LE_OQ));
  const __m256d remainder = _mm256_fnmadd_pd(signed_q, in.count, in.sum);
  const __m256d rounded_t = _mm256_add_pd(remainder, in.error);
  const __m256d t_sum = _mm256_xor_pd(rounded_t, negative_sign);
  const __m256i bits = _mm256_castpd_si256(q);
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256d above = _mm256_castsi256_pd(_mm256_add_epi64(bits, one));
  const __m256d below = _mm256_castsi256_pd(_mm256_sub_epi64(bits, one));
  const __m256d up = _mm256_mul_pd(_mm256_sub_pd(above, q), in.count);
  const __m256d down = _mm256_mul_pd(_mm256_sub_pd(q, below), in.count);
  const __m256d half = _mm256_set1_pd(0.5);
  const __m256d half_up = _mm256_mul_pd(up, half);
  const __m256d minus_half_down = _mm256_xor_pd(_mm256_mul_pd(down, half), sign);
  const __m256d inside =
      _mm256_and_pd(in_range, _mm256_and_pd(_mm256_cmp_pd(t_sum, half_up, _CMP_LT_OQ),
                                            _mm256_cmp_pd(t_sum, minus_half_down, _CMP_GT_OQ)));
  if (_mm256_movemask_pd(inside) == 0xF) return signed_q;
  const __m256d y_part = _mm256_sub_pd(rounded_t, remainder);
  const __m256d t_error =
      _mm256_xor_pd(_mm256_add_pd(_mm256_sub_pd(remainder, _mm256_sub_pd(rounded_t, y_part)),
                                  _mm256_sub_pd(in.error, y_part)),
                    negative_sign);
  const __m256d odd = _mm256_castsi256_pd(_mm256_cmpeq_epi64(_mm256_and_si256(bits, one), one));
  const __m256d minus_down = _mm256_xor_pd(down, sign);
  const __m256d past_up = side_lanes<_CMP_GT_OQ>(t_sum, t_error, half_up);
  const __m256d at_up =
      all_but(_mm256_or_pd(past_up, side_lanes<_CMP_LT_OQ>(t_sum, t_error, half_up)));
  const __m256d rest = all_but(_mm256_or_pd(past_up, at_up));
  const __m256d at_down =
      _mm256_and_pd(rest, side_lanes<_CMP_EQ_OQ>(t_sum, t_error, minus_half_down));
  const __m256d past_down = _mm256_and_pd(_mm256_andnot_pd(at_down, rest),
                                          side_lanes<_CMP_LT_OQ>(t_sum, t_error, minus_half_down));
  const __m256d whole_up = _mm256_andnot_pd(side_lanes<_CMP_LT_OQ>(t_sum, t_error, up), past_up);
  const __m256d whole_down =
      _mm256_andnot_pd(side_lanes<_CMP_GT_OQ>(t_sum, t_error, minus_down), past_down);
  __m256d mean = _mm256_blendv_pd(
      q, above, _mm256_or_pd(_mm256_andnot_pd(whole_up, past_up), _mm256_and_pd(at_up, odd)));
  mean = _mm256_blendv_pd(
      mean, below,
      _mm256_or_pd(_mm256_andnot_pd(whole_down, past_down), _mm256_and_pd(at_down, odd)));
  mean = _mm256_xor_pd(mean, negative_sign);
  const __m256d declined = _mm256_or_pd(all_but(in_range), _mm256_or_pd(whole_up, whole_down));
  return _mm256_blendv_pd(mean, _mm256_set1_pd(std::numeric_limits<double>::quiet_NaN()), declined);
}

// Four means from four parts and divisors: the lanes it declined as bits 0 to 3, or nothing,
// writing nothing, when a divisor is 2^52 or more.
[[gnu::target("avx2,fma")]] std::optional<int> four_means_at(const split_parts* parts,
                                                             const std::uint64_t* counts,
                                                             double* means) {
  __m256d count = _mm256_setzero_pd();
  if (!divisors_below_2_52(counts, count)) return std::nullopt;
  // {high, low} pairs as high and low lanes in order (unpacking takes lanes 0, 2, 1, 3).
  const auto* pairs = reinterpret_cast<const double*>(parts);
  const __m256d first = _mm256_loadu_pd(pairs), second = _mm256_loadu_pd(pairs + 4);
  const __m256d high = _mm256_permute4x64_pd(_mm256_unpacklo_pd(first, second), 0b11011000);
  const __m256d low = _mm256_permute4x64_pd(_mm256_unpackhi_pd(first, second), 0b11011000);
  const __m256d sum = _mm256_add_pd(high, low);
  const __m256d y_part = _mm256_sub_pd(sum, high);
  const __m256d error =
      _mm256_add_pd(_mm256_sub_pd(high, _mm256_sub_pd(sum, y_part)), _mm256_sub_pd(low, y_part));
  const __m256d four = means_of_four({sum, error, count});
  _mm256_storeu_pd(means, four);
  return _mm256_movemask_pd(_mm256_cmp_pd(four, four, _CMP_UNORD_Q));
}

// Groups of four through the lanes; a last short group padded with parts 0 and divisors 1 (its
// idle lanes' results dropped), and a group with a divisor of 2^52 or more one by one.
[[gnu::target("avx2,fma")]] bool means_avx2(std::span<const split_parts> parts,
                                            std::span<const std::uint64_t> counts,
                                            std::span<double> means) {
  bool decided = true;
  for (std::size_t k = 0; k < parts.size(); k += 4) {
    const std::size_t lanes = std::min<std::size_t>(4, parts.size() - k);
    std::array<split_parts, 4> short_parts{};
    std::array<std::uint64_t, 4> short_counts{1, 1, 1, 1};
    std::array<double, 4> short_means{};
    const bool whole = lanes == 4;
    if (!whole) {
      std::copy_n(&parts[k], lanes, short_parts.begin());
      std::copy_n(&counts[k], lanes, short_counts.begin());
    }
    const std::optional<int> declined =
        whole ? four_means_at(&parts[k], &counts[k], &means[k])
              : four_means_at(short_parts.data(), short_counts.data(), short_means.data());
    if (!declined) {
      decided &=
          means_loop(parts.subspan(k, lanes), counts.subspan(k, lanes), means.subspan(k, lanes));
      continue;
    }
    if (!whole) std::copy_n(short_means.begin(), lanes, &means[k]);
    decided &= (*declined & ((1 << lanes) - 1)) == 0;
  }
  return decided;
}

}  // namespace

std::optional<double> mean_of_parts(const split_parts& parts, std::uint64_t count) {
  return cpu_has_fma() ? mean_fma(parts, count) : mean_lanes(parts, count);
}

bool means_of_parts(std::span<const split_parts> parts, std::span<const std::uint64_t> counts,
                    std::span<double> means, simd_level ceiling) {
  POOLPROOF_CHECK(counts.size() == parts.size() && means.size() == parts.size());
  const simd_level level = usable_simd_level(ceiling);
  if (level == simd_level::avx512) return means_avx512(parts, counts, means);
  if (level == simd_level::avx2 && cpu_has_fma()) return means_avx2(parts, counts, means);
  if (cpu_has_fma() && ceiling != simd_level::baseline) return means_fma(parts, counts, means);
  return means_loop(parts, counts, means);
}

}  // namespace poolproof::engine::detail

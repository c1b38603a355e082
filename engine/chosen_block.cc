// chosen_block.h: on AVX-512 or AVX2 eight outputs a vector (positions, gradients and pair sums in
// lanes, then eight plain stores); the rest (a block's last outputs, CPUs without AVX2) by
// hardware additions on +0 for binary32 and binary64, and for the 16-bit formats a pattern per
// output with the pairs noted and summed after. binary64 in lanes read 1.08x-1.14x the hardware
// additions' time in 2 KiB blocks, whose last outputs took the scalar route, and 0.82x in the
// blocks of whole vectors max_backward.cc now makes (measured: the hardware additions read each
// plane back after the fill). The indices' windows and the gradients' finiteness are checked in the
// same pass, output by output or eight at a time, before each write: two passes of their own over
// the indices and the gradients made the float32 and float64 1-D max backward 1.1x-1.2x
// PyTorch's time in one process (measured). On AVX2 (a 2-vCPU AMD EPYC without AVX-512) the
// lanes took the float32 and float64 1-D max backward from 1.13x and 1.06x ATen's time to
// 0.99x and 0.89x (measured paired).
#include "engine/chosen_block.h"

#include <immintrin.h>

#include <concepts>
#include <span>

#include "engine/double_sums.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {
namespace {

// write_block_avx512 on AVX2: 64-bit lanes come four to a vector (indices and binary64
// gradients two vectors per eight outputs), masks are lanes of all ones, and a lane's value from
// the lane before it is a shuffle across the two vectors.

// Each of four 64-bit lanes from the lane before it, the previous vector's last in lane 0.
[[gnu::target("avx2,f16c"), gnu::always_inline]] inline __m256d lane_before(__m256d previous,
                                                                            __m256d own) {
  // across = {p2, p3, o0, o1}; shuffle_pd takes across[1], own[0], across[3], own[2]:
  // {p3, o0, o1, o2}.
  return _mm256_shuffle_pd(_mm256_permute2f128_pd(previous, own, 0x21), own, 0b0101);
}

[[gnu::target("avx2,f16c"), gnu::always_inline]] inline __m256i lane_before(__m256i previous,
                                                                            __m256i own) {
  return _mm256_castpd_si256(lane_before(_mm256_castsi256_pd(previous), _mm256_castsi256_pd(own)));
}

// Each of eight 32-bit lanes from the lane before it, the previous vector's last in lane 0.
[[gnu::target("avx2,f16c"), gnu::always_inline]] inline __m256 lane_before(__m256 previous,
                                                                           __m256 own) {
  const __m256i across = _mm256_castps_si256(_mm256_permute2f128_ps(previous, own, 0x21));
  return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(own), across, 12));
}

// Eight binary64 gradients as two vectors of four.
struct eight_doubles {
  __m256d low, high;
};

// Eight gradients in binary32 lanes (16-bit formats widened exactly, as eight_gradients has
// them), binary64 ones in two vectors of binary64 lanes.
template <typename F>
[[gnu::target("avx2,f16c"), gnu::always_inline]] inline auto eight_gradients_avx2(
    const typename F::storage* at) {
  if constexpr (std::same_as<F, binary64_traits>) {
    return eight_doubles{_mm256_loadu_pd(at), _mm256_loadu_pd(at + 4)};
  } else if constexpr (std::same_as<F, binary32_traits>) {
    return _mm256_loadu_ps(at);
  } else {
    const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    if constexpr (std::same_as<F, binary16_traits>) {
      return _mm256_cvtph_ps(bits);
    } else {
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
    }
  }
}

// Whether any of eight gradients is an infinity or a NaN (its exponent field all ones).
template <typename F>
[[gnu::target("avx2,f16c"), gnu::always_inline]] inline bool any_special_avx2(
    const typename F::storage* at) {
  if constexpr (std::same_as<F, binary64_traits>) {
    const __m256i field = _mm256_set1_epi64x(static_cast<long long>(F::infinity));
    const auto* bits = reinterpret_cast<const __m256i*>(at);
    const __m256i low = _mm256_and_si256(_mm256_loadu_si256(bits), field);
    const __m256i high = _mm256_and_si256(_mm256_loadu_si256(bits + 1), field);
    return _mm256_testz_si256(
               _mm256_or_si256(_mm256_cmpeq_epi64(low, field), _mm256_cmpeq_epi64(high, field)),
               _mm256_set1_epi64x(-1)) == 0;
  } else if constexpr (std::same_as<F, binary32_traits>) {
    const __m256i field = _mm256_set1_epi32(static_cast<int>(F::infinity));
    const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
    return _mm256_movemask_epi8(_mm256_cmpeq_epi32(_mm256_and_si256(bits, field), field)) != 0;
  } else {
    const __m128i field = _mm_set1_epi16(static_cast<std::int16_t>(F::infinity));
    const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    return _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(bits, field), field)) != 0;
  }
}

// (+0 + first) + own in binary64 lanes, rounded once, stored at `to` (eight doubles).
template <typename F>
[[gnu::target("avx2,f16c"), gnu::always_inline]] inline void store_sums_avx2(double* to,
                                                                             eight_doubles first,
                                                                             eight_doubles own) {
  const __m256d zero = _mm256_setzero_pd();
  _mm256_store_pd(to, _mm256_add_pd(_mm256_add_pd(zero, first.low), own.low));
  _mm256_store_pd(to + 4, _mm256_add_pd(_mm256_add_pd(zero, first.high), own.high));
}

// (+0 + first) + own in binary32 lanes, rounded to F once (as store_sums) and stored at `to`.
template <typename F>
[[gnu::target("avx2,f16c"), gnu::always_inline]] inline void store_sums_avx2(
    typename F::storage* to, __m256 first, __m256 own) {
  const __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_setzero_ps(), first), own);
  if constexpr (std::same_as<F, binary32_traits>) {
    _mm256_store_ps(to, sum);
  } else {
    __m128i narrow;
    if constexpr (std::same_as<F, binary16_traits>) {
      narrow = _mm256_cvtps_ph(sum, _MM_FROUND_TO_NEAREST_INT);
    } else {
      // The rounding bias on the low half, then the high halves packed (each below 2^16, so
      // the unsigned saturation never acts).
      const __m256i bits = _mm256_castps_si256(sum);
      const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
      const __m256i high = _mm256_srli_epi32(
          _mm256_add_epi32(_mm256_add_epi32(bits, _mm256_set1_epi32(0x7FFF)), odd), 16);
      narrow = _mm_packus_epi32(_mm256_castsi256_si128(high), _mm256_extracti128_si256(high, 1));
    }
    _mm_store_si128(reinterpret_cast<__m128i*>(to), narrow);
  }
}

// Each gradient paired with the one before it where `same_low` / `same_high` (four 64-bit lanes
// each) say so, else with +0.
[[gnu::target("avx2,f16c"), gnu::always_inline]] inline __m256 paired_before_avx2(__m256i same_low,
                                                                                  __m256i same_high,
                                                                                  __m256 own,
                                                                                  __m256 before) {
  // The low halves of the 64-bit masks (each lane all ones or all zeros, from cmpeq_epi64):
  // {l0, l1, h0, h1 | l2, l3, h2, h3}, then in order.
  const __m256 halves =
      _mm256_shuffle_ps(_mm256_castsi256_ps(same_low), _mm256_castsi256_ps(same_high), 0x88);
  const __m256 lanes = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(halves), 0xD8));
  return _mm256_and_ps(lanes, lane_before(before, own));
}

[[gnu::target("avx2,f16c"), gnu::always_inline]] inline eight_doubles paired_before_avx2(
    __m256i same_low, __m256i same_high, eight_doubles own, eight_doubles before) {
  return {_mm256_and_pd(_mm256_castsi256_pd(same_low), lane_before(before.high, own.low)),
          _mm256_and_pd(_mm256_castsi256_pd(same_high), lane_before(own.low, own.high))};
}

[[gnu::target("avx2,f16c"), gnu::always_inline]] inline __m256i load(const std::int64_t* at) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
}

// write_block_avx512's outputs [0, 8 * floor(count / 8)) on AVX2, the same values and checks.
template <typename F>
[[gnu::target("avx2,f16c")]] std::int64_t write_block_avx2(
    const typename F::storage* grads, const std::int64_t* chosen, const std::int64_t* begin,
    const std::int64_t* last, const std::int64_t* offset, std::int64_t count,
    typename F::storage* planes) {
  __m256i at_before = _mm256_set1_epi64x(-1);  // no position is negative
  decltype(eight_gradients_avx2<F>(grads)) before{};
  alignas(32) std::int64_t positions[8];
  alignas(32) typename F::storage values[8];
  std::int64_t k = 0;
  for (; k + 8 <= count; k += 8) {
    const __m256i index_low = load(chosen + k), index_high = load(chosen + k + 4);
    // Signed compares: windows lie in [0, 2^62], and any index compares right.
    const __m256i outside =
        _mm256_or_si256(_mm256_or_si256(_mm256_cmpgt_epi64(load(begin + k), index_low),
                                        _mm256_cmpgt_epi64(index_low, load(last + k))),
                        _mm256_or_si256(_mm256_cmpgt_epi64(load(begin + k + 4), index_high),
                                        _mm256_cmpgt_epi64(index_high, load(last + k + 4))));
    if (!_mm256_testz_si256(outside, outside) || any_special_avx2<F>(grads + k)) return -1;
    const __m256i at_low = _mm256_add_epi64(load(offset + k), index_low);
    const __m256i at_high = _mm256_add_epi64(load(offset + k + 4), index_high);
    const __m256i same_low = _mm256_cmpeq_epi64(at_low, lane_before(at_before, at_low));
    const __m256i same_high = _mm256_cmpeq_epi64(at_high, lane_before(at_low, at_high));
    const auto own = eight_gradients_avx2<F>(grads + k);
    store_sums_avx2<F>(values, paired_before_avx2(same_low, same_high, own, before), own);
    _mm256_store_si256(reinterpret_cast<__m256i*>(positions), at_low);
    _mm256_store_si256(reinterpret_cast<__m256i*>(positions + 4), at_high);
    for (int lane = 0; lane < 8; ++lane) planes[positions[lane]] = values[lane];
    at_before = at_high;
    before = own;
  }
  return k;
}

// Eight gradients in binary32 lanes (16-bit formats widened exactly), binary64 ones in binary64
// lanes: binary32's and binary64's pair sum is its one rounding, and for the 16-bit formats the
// binary32 sum narrowed is one rounding of the exact sum (narrowed_sum's proof).
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,f16c"), gnu::always_inline]] inline auto
eight_gradients(const typename F::storage* at) {
  if constexpr (std::same_as<F, binary64_traits>) {
    return _mm512_loadu_pd(at);
  } else {
    return eight_gradients_avx2<F>(at);
  }
}

// Whether outputs [k, end) may all be written: each index in [begin, last] (its window) and each
// gradient finite, branch-free over them. Modulo 2^64 (unsigned: any index, INT64_MIN too,
// without overflow), x = index - begin and y = last - index add up to last - begin < 2^63; both
// are below 2^63 only when x + y = last - begin without a wrap, so x <= last - begin: the index
// is inside (and inside, both are).
template <typename F>
[[gnu::always_inline]] inline bool all_writable(const typename F::storage* grads,
                                                const std::int64_t* chosen,
                                                const std::int64_t* begin, const std::int64_t* last,
                                                std::int64_t k, std::int64_t end) {
  std::uint64_t tops = 0, fields = 0;
  constexpr std::uint64_t field_unit = std::uint64_t{1} << F::fraction_bits;
  for (; k < end; ++k) {
    const auto at = static_cast<std::uint64_t>(chosen[k]);
    tops |=
        (at - static_cast<std::uint64_t>(begin[k])) | (static_cast<std::uint64_t>(last[k]) - at);
    // An exponent field of all ones carries into the sign bit (the bit above the field).
    fields |= (static_cast<std::uint64_t>(F::to_bits(grads[k])) & F::infinity) + field_unit;
  }
  return (tops >> 63) == 0 && (fields & F::sign_mask) == 0;
}

// all_writable over [k, count), in AVX2 lanes where the CPU has them (binary32 and binary64, the
// formats of the hardware additions).
[[gnu::target_clones("avx2", "default")]] bool rest_writable(const float* grads,
                                                             const std::int64_t* chosen,
                                                             const std::int64_t* begin,
                                                             const std::int64_t* last,
                                                             std::int64_t k, std::int64_t count) {
  return all_writable<binary32_traits>(grads, chosen, begin, last, k, count);
}

[[gnu::target_clones("avx2", "default")]] bool rest_writable(const double* grads,
                                                             const std::int64_t* chosen,
                                                             const std::int64_t* begin,
                                                             const std::int64_t* last,
                                                             std::int64_t k, std::int64_t count) {
  return all_writable<binary64_traits>(grads, chosen, begin, last, k, count);
}

// The lanes of eight gradients that are an infinity or a NaN (their exponent field all ones).
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,f16c"), gnu::always_inline]] inline __mmask8
special_gradients(const typename F::storage* at) {
  if constexpr (std::same_as<F, binary64_traits>) {
    const __m512i field = _mm512_set1_epi64(static_cast<long long>(F::infinity));
    const __m512i bits = _mm512_loadu_si512(at);
    return _mm512_cmpeq_epi64_mask(_mm512_and_si512(bits, field), field);
  } else if constexpr (std::same_as<F, binary32_traits>) {
    const __m256i field = _mm256_set1_epi32(static_cast<int>(F::infinity));
    const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
    return _mm256_cmpeq_epi32_mask(_mm256_and_si256(bits, field), field);
  } else {
    const __m128i field = _mm_set1_epi16(static_cast<std::int16_t>(F::infinity));
    const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    return _mm_cmpeq_epi16_mask(_mm_and_si128(bits, field), field);
  }
}

// Each lane's value from the lane before it, the previous vector's last in lane 0; +0 in the
// lanes not in `same_input`. In binary32 lanes (binary32 and the 16-bit formats) and binary64
// lanes.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,f16c"), gnu::always_inline]] inline __m256
paired_before(__mmask8 same_input, __m256 own, __m256 before) {
  return _mm256_castsi256_ps(_mm256_maskz_alignr_epi32(same_input, _mm256_castps_si256(own),
                                                       _mm256_castps_si256(before), 7));
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,f16c"), gnu::always_inline]] inline __m512d
paired_before(__mmask8 same_input, __m512d own, __m512d before) {
  return _mm512_castsi512_pd(_mm512_maskz_alignr_epi64(same_input, _mm512_castpd_si512(own),
                                                       _mm512_castpd_si512(before), 7));
}

// (+0 + first) + own in binary64 lanes, rounded once, stored at `to`. A template only so that
// write_block_avx512's store_sums<F> call picks it for binary64 (F is binary64_traits).
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,f16c"), gnu::always_inline]] inline void
store_sums(double* to, __m512d first, __m512d own) {
  _mm512_store_pd(to, _mm512_add_pd(_mm512_add_pd(_mm512_setzero_pd(), first), own));
}

// (+0 + first) + own in lanes, rounded to F (once, as above) and stored at `to`.
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,f16c"), gnu::always_inline]] inline void
store_sums(typename F::storage* to, __m256 first, __m256 own) {
  store_sums_avx2<F>(to, first, own);
}

// Outputs [0, 8 * floor(count / 8)) eight at a time: each lane's position, and its sum with the
// output before it where that one chose the same input, else with +0, computed for every lane
// without a branch; the stores then go in output order, so a pair's sum lands after its first
// gradient. (The 16-bit scalar route spent about 14 instructions an output, binary32's and
// binary64's a load and an addition on top of the stores, and binary64's read planes back after
// their fill: the file's header.) Eight outputs are checked (all_writable's test in lanes)
// before any of them is written. Returns the outputs written, or -1 at eight with an index
// outside its window or a gradient not finite.
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,f16c")]] std::int64_t write_block_avx512(
    const typename F::storage* grads, const std::int64_t* chosen, const std::int64_t* begin,
    const std::int64_t* last, const std::int64_t* offset, std::int64_t count,
    typename F::storage* planes) {
  __m512i at_before = _mm512_set1_epi64(-1);  // no position is negative
  decltype(eight_gradients<F>(grads)) before{};
  alignas(64) std::int64_t positions[8];
  alignas(64) typename F::storage values[8];
  std::int64_t k = 0;
  for (; k + 8 <= count; k += 8) {
    const __m512i index = _mm512_loadu_si512(chosen + k);
    // Signed compares: windows lie in [0, 2^62], and any index compares right.
    const __mmask8 outside = _mm512_cmpgt_epi64_mask(_mm512_loadu_si512(begin + k), index) |
                             _mm512_cmpgt_epi64_mask(index, _mm512_loadu_si512(last + k));
    if ((outside | special_gradients<F>(grads + k)) != 0) return -1;
    const __m512i at = _mm512_add_epi64(_mm512_loadu_si512(offset + k), index);
    // (The masked shift: GCC 12 warns of the unmasked one's undefined source.)
    const __mmask8 same_input =
        _mm512_cmpeq_epi64_mask(at, _mm512_maskz_alignr_epi64(0xFF, at, at_before, 7));
    const auto own = eight_gradients<F>(grads + k);
    store_sums<F>(values, paired_before(same_input, own, before), own);
    _mm512_store_si512(positions, at);
    for (int lane = 0; lane < 8; ++lane) planes[positions[lane]] = values[lane];
    at_before = at;
    before = own;
  }
  return k;
}

// The pair sums for binary16 by F16C: the widening is exact, the binary32 sum is narrowed_sum's,
// and vcvtps2ph rounds it to nearest even once, as narrowed does (its results below binary16's
// normal range are subnormals, not flushed, and past it infinities).
[[gnu::target("f16c")]] void write_pairs_f16c(std::span<const std::int64_t> pairs,
                                              const std::uint16_t* grads,
                                              const std::int64_t* chosen,
                                              const std::int64_t* offset, std::uint16_t* planes) {
  for (const std::int64_t k : pairs) {
    const float sum = (0.0f + _cvtsh_ss(grads[k - 1])) + _cvtsh_ss(grads[k]);
    const __m128i narrow = _mm_cvtps_ph(_mm_set_ss(sum), _MM_FROUND_TO_NEAREST_INT);
    planes[offset[k] + chosen[k]] = static_cast<std::uint16_t>(_mm_cvtsi128_si32(narrow));
  }
}

// Outputs [k, count) of a 16-bit block: each chosen input gets its gradient's pattern (+0 for
// -0), and an input chosen by two neighbouring outputs is noted without a branch (pairs come as
// the data have them) and gets the pair's sum after: a narrowing per pair, not per output (by
// F16C for binary16 above the baseline level `ceiling` allows). False, nothing written, unless
// all_writable.
template <typename F>
bool write_patterns(const std::uint16_t* grads, const std::int64_t* chosen,
                    const std::int64_t* begin, const std::int64_t* last, const std::int64_t* offset,
                    std::int64_t k, std::int64_t count, std::uint16_t* planes,
                    std::vector<std::int64_t>& paired, simd_level ceiling) {
  if (!all_writable<F>(grads, chosen, begin, last, k, count)) return false;
  paired.resize(static_cast<std::size_t>(count - k));
  std::size_t pairs = 0;
  std::int64_t previous = k > 0 ? offset[k - 1] + chosen[k - 1] : -1;
  for (; k < count; ++k) {
    const std::int64_t at = offset[k] + chosen[k];
    const std::uint16_t bits = grads[k];
    planes[at] = (bits & 0x7FFFu) != 0 ? bits : std::uint16_t{0};
    paired[pairs] = k;
    pairs += at == previous ? 1 : 0;
    previous = at;
  }
  if constexpr (std::same_as<F, binary16_traits>) {
    if (usable_simd_level(ceiling) != simd_level::baseline && cpu_has_f16c()) {
      write_pairs_f16c(std::span(paired).first(pairs), grads, chosen, offset, planes);
      return true;
    }
  }
  for (std::size_t j = 0; j < pairs; ++j) {
    const std::int64_t second = paired[j];
    planes[offset[second] + chosen[second]] =
        narrowed_sum<F>(0.0f + widened<F>(grads[second - 1]), widened<F>(grads[second]));
  }
  return true;
}

}  // namespace

template <typename F>
bool write_chosen_block(const typename F::storage* grads, const std::int64_t* chosen,
                        const std::int64_t* begin, const std::int64_t* last,
                        const std::int64_t* offset, std::int64_t count, typename F::storage* planes,
                        std::vector<std::int64_t>& paired, simd_level ceiling) {
  std::int64_t k = 0;
  if (cpu_has_f16c()) {
    const simd_level level = usable_simd_level(ceiling);
    if (level == simd_level::avx512) {
      k = write_block_avx512<F>(grads, chosen, begin, last, offset, count, planes);
    } else if (level == simd_level::avx2) {
      k = write_block_avx2<F>(grads, chosen, begin, last, offset, count, planes);
    }
  }
  if (k < 0) return false;
  if constexpr (std::same_as<typename F::storage, std::uint16_t>) {
    return write_patterns<F>(grads, chosen, begin, last, offset, k, count, planes, paired, ceiling);
  } else {
    // Hardware additions on +0: (+0 + a) + b for a pair, rounded once (a pair across the
    // vectors' end included), once the rest of the block is checked in one branch-free pass
    // (a branch per output, or a pass per 32 outputs, read the float64 1-D max backward 1.1x-1.2x
    // slower: measured).
    if (!rest_writable(grads, chosen, begin, last, k, count)) return false;
    for (; k < count; ++k) planes[offset[k] + chosen[k]] += grads[k];
    return true;
  }
}

template bool write_chosen_block<binary16_traits>(const std::uint16_t*, const std::int64_t*,
                                                  const std::int64_t*, const std::int64_t*,
                                                  const std::int64_t*, std::int64_t, std::uint16_t*,
                                                  std::vector<std::int64_t>&, simd_level);
template bool write_chosen_block<bfloat16_traits>(const std::uint16_t*, const std::int64_t*,
                                                  const std::int64_t*, const std::int64_t*,
                                                  const std::int64_t*, std::int64_t, std::uint16_t*,
                                                  std::vector<std::int64_t>&, simd_level);
template bool write_chosen_block<binary32_traits>(const float*, const std::int64_t*,
                                                  const std::int64_t*, const std::int64_t*,
                                                  const std::int64_t*, std::int64_t, float*,
                                                  std::vector<std::int64_t>&, simd_level);
template bool write_chosen_block<binary64_traits>(const double*, const std::int64_t*,
                                                  const std::int64_t*, const std::int64_t*,
                                                  const std::int64_t*, std::int64_t, double*,
                                                  std::vector<std::int64_t>&, simd_level);

}  // namespace poolproof::engine::detail

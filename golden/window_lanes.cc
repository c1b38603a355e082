// window_lanes.h: the AVX-512 lanes of all_window_sums (window_sums.h), and AVX2 lanes for
// binary16, held to its portable loop by tests/golden/window_sums_test.cc.
#include "golden/window_lanes.h"

#include <cpuid.h>
#include <immintrin.h>

#include <array>
#include <bit>
#include <concepts>
#include <cstring>
#include <limits>
#include <utility>

namespace poolproof::golden::detail {
namespace {

// The lanes of a row's last sixteen values or fewer that hold values (`left` of them).
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] __mmask16 lanes_below(
    std::int64_t left) {
  return left >= 16 ? __mmask16{0xFFFF} : static_cast<__mmask16>((1u << left) - 1);
}

// The window rows' sums in AVX-512 lanes: each value widened exactly to binary32 (binary16 by
// vcvtph2ps, bfloat16 by a shift) and to double for the sums, its set bits read off the binary32
// pattern, 16 lanes at a time, so no table is looked up. One past the highest set bit grows with
// the magnitude's pattern, so only the largest finite one is kept (its top is describe_binary32's);
// the lowest is kept as max(field, 1) - lzcnt(lowest set bit of the significand), the exponent of
// the lowest bit plus 119. Zeros and non-finite values (whose window's sums are not finite) leave
// least and top alone, as describe_bits does. binary16 comes here only in windows of
// binary16_lanes_limit values or more (binary16_lanes_accumulator takes the others).
class window_lanes_accumulator {
 public:
  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] window_lanes_accumulator()
      : sum_low_(_mm512_setzero_pd()),
        sum_high_(_mm512_setzero_pd()),
        abs_low_(_mm512_setzero_pd()),
        abs_high_(_mm512_setzero_pd()),
        least_key_(_mm512_set1_epi32(no_key)),
        top_magnitude_(_mm512_setzero_si512()) {}

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_row(
      reference::float_format format, const std::uint16_t* row, std::int64_t length) {
    for (std::int64_t i = 0; i < length; i += 16) {
      const __mmask16 live = lanes_below(length - i);
      const __m256i bits = _mm256_maskz_loadu_epi16(live, row + i);
      add_sixteen(format == reference::float_format::binary16
                      ? _mm512_maskz_cvtph_ps(all_16, bits)
                      : _mm512_castsi512_ps(_mm512_maskz_slli_epi32(
                            all_16, _mm512_maskz_cvtepu16_epi32(all_16, bits), 16)));
    }
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_row(
      reference::float_format /*binary32*/, const float* row, std::int64_t length) {
    for (std::int64_t i = 0; i < length; i += 16)
      add_sixteen(_mm512_maskz_loadu_ps(lanes_below(length - i), row + i));
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] [[nodiscard]] window_sums sums(
      std::int64_t count) const {
    const auto [sum, sum_abs] =
        double_totals(_mm512_add_pd(sum_low_, sum_high_), _mm512_add_pd(abs_low_, abs_high_));
    window_sums w;
    w.sum = sum;
    w.sum_abs = sum_abs;
    const std::int32_t key = least_lane(least_key_);
    if (key != no_key) w.least = key - 119;
    w.top = describe_binary32(greatest_magnitude(top_magnitude_)).top;
    w.count = count;
    return w;
  }

 private:
  static constexpr __mmask16 all_16 = 0xFFFF;
  static constexpr __mmask8 all_8 = 0xFF;
  static constexpr std::int32_t no_key = std::numeric_limits<std::int32_t>::max();

  // The lanes of `sum` and of `sum_abs` added, both in one vector: the upper and lower halves of
  // each, then the 128-bit blocks, then the two lanes of a block. (Stored and added in scalars, a
  // window's end cost as much as a few of its rows.)
  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] static std::pair<double, double>
  double_totals(__m512d sum, __m512d sum_abs) {
    __m512d both = _mm512_add_pd(_mm512_maskz_shuffle_f64x2(all_8, sum, sum_abs, 0x44),
                                 _mm512_maskz_shuffle_f64x2(all_8, sum, sum_abs, 0xEE));
    both = _mm512_add_pd(both, _mm512_maskz_shuffle_f64x2(all_8, both, both, 0xB1));
    both = _mm512_add_pd(both, _mm512_maskz_permute_pd(all_8, both, 0x55));
    return {_mm_cvtsd_f64(_mm512_maskz_extractf64x2_pd(0x3, both, 0)),
            _mm_cvtsd_f64(_mm512_maskz_extractf64x2_pd(0x3, both, 2))};
  }

  // The least of sixteen signed lanes, halving.
  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] static std::int32_t least_lane(
      __m512i lanes) {
    lanes = _mm512_maskz_min_epi32(all_16, lanes,
                                   _mm512_maskz_shuffle_i64x2(all_8, lanes, lanes, 0x4E));
    lanes = _mm512_maskz_min_epi32(all_16, lanes,
                                   _mm512_maskz_shuffle_i64x2(all_8, lanes, lanes, 0xB1));
    lanes = _mm512_maskz_min_epi32(all_16, lanes,
                                   _mm512_maskz_shuffle_epi32(all_16, lanes, _MM_PERM_BADC));
    lanes = _mm512_maskz_min_epi32(all_16, lanes,
                                   _mm512_maskz_shuffle_epi32(all_16, lanes, _MM_PERM_CDAB));
    return _mm_cvtsi128_si32(_mm512_maskz_extracti32x4_epi32(0xF, lanes, 0));
  }

  // The greatest of sixteen lanes below 2^31 (finite magnitudes): minus the least of their
  // negations, none of which overflows.
  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] static std::uint32_t
  greatest_magnitude(__m512i lanes) {
    return static_cast<std::uint32_t>(-least_lane(_mm512_sub_epi32(_mm512_setzero_si512(), lanes)));
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_sixteen(__m512 values) {
    add_doubles(_mm512_maskz_cvtps_pd(all_8, _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(
                                                 all_8, _mm512_castps_pd(values), 0))),
                sum_low_, abs_low_);
    add_doubles(_mm512_maskz_cvtps_pd(all_8, _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(
                                                 all_8, _mm512_castps_pd(values), 1))),
                sum_high_, abs_high_);
    add_bits(_mm512_castps_si512(values));
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] static void add_doubles(
      __m512d values, __m512d& sum, __m512d& sum_abs) {
    sum = _mm512_add_pd(sum, values);
    const __m512i magnitude = _mm512_set1_epi64(std::numeric_limits<std::int64_t>::max());
    sum_abs = _mm512_add_pd(
        sum_abs, _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(values), magnitude)));
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_bits(__m512i bits) {
    const __m512i zero = _mm512_setzero_si512();
    const __m512i magnitude = _mm512_and_si512(bits, _mm512_set1_epi32(0x7FFFFFFF));
    const __m512i field = _mm512_maskz_srli_epi32(all_16, magnitude, 23);
    const __mmask16 finite = _mm512_cmplt_epu32_mask(magnitude, _mm512_set1_epi32(0x7F800000));
    const __mmask16 counted = _mm512_mask_cmpneq_epi32_mask(finite, magnitude, zero);
    top_magnitude_ = _mm512_mask_max_epu32(top_magnitude_, finite, top_magnitude_, magnitude);
    // The significand's lowest set bit: the magnitude's own when it lies in the fraction; when
    // the fraction is zero (a normal power of two) the magnitude's lies in the field, and the
    // minimum with 2^23 gives the implicit bit instead.
    const __m512i lowest = _mm512_maskz_min_epu32(
        all_16, _mm512_and_si512(magnitude, _mm512_sub_epi32(zero, magnitude)),
        _mm512_set1_epi32(0x800000));
    const __m512i key =
        _mm512_sub_epi32(_mm512_maskz_max_epi32(all_16, field, _mm512_set1_epi32(1)),
                         _mm512_maskz_lzcnt_epi32(all_16, lowest));
    least_key_ = _mm512_mask_min_epi32(least_key_, counted, least_key_, key);
  }

  __m512d sum_low_, sum_high_, abs_low_, abs_high_;
  __m512i least_key_, top_magnitude_;
};

// binary16 rows in AVX-512 lanes, in fixed point: every finite half is an integer multiple of
// 2^-24 below 2^16, so y = v 2^24 (scaled exactly in binary32) is an integer below 2^40, added in
// 64-bit integer lanes. The OR of the |y| holds the window's lowest set bit (its trailing zeros)
// and one past its highest (its width): one operation per eight values, where reading them off
// each pattern took twelve per sixteen. A non-finite half converts to 0x8000000000000000 (-2^63),
// which abs keeps: that bit, which no finite |y| reaches, is dropped from the OR as describe_bits
// drops the value, and it marks the window's sums NaN (its sum lanes wrapped; the portable loop's
// are not finite either). The sums are exact integers while no partial sum reaches 2^63: in
// windows of fewer than binary16_lanes_limit values.
class binary16_lanes_accumulator {
 public:
  static constexpr std::int64_t binary16_lanes_limit = std::int64_t{1} << 23;

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] binary16_lanes_accumulator()
      : sum_(_mm512_setzero_si512()),
        sum_abs_(_mm512_setzero_si512()),
        bits_(_mm512_setzero_si512()) {}

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_row(
      const std::uint16_t* row, std::int64_t length) {
    for (std::int64_t i = 0; i < length; i += 16) {
      const __mmask16 live = lanes_below(length - i);
      const __m512 scaled = _mm512_maskz_mul_ps(
          all_16, _mm512_maskz_cvtph_ps(all_16, _mm256_maskz_loadu_epi16(live, row + i)),
          _mm512_set1_ps(0x1p24F));
      // The maskz extract: GCC 12's cast is an extract from an "undefined" vector it warns of.
      add_eight(_mm512_maskz_extractf32x8_ps(all_8, scaled, 0));
      add_eight(_mm512_maskz_extractf32x8_ps(all_8, scaled, 1));
    }
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] [[nodiscard]] window_sums sums(
      std::int64_t count) const {
    const auto [total, total_abs] = totals(sum_, sum_abs_);
    std::uint64_t seen = either(bits_);
    window_sums w;
    w.count = count;
    if ((seen >> 63) != 0) {  // a non-finite value
      w.sum = std::numeric_limits<double>::quiet_NaN();
      w.sum_abs = std::numeric_limits<double>::infinity();
      seen &= ~(std::uint64_t{1} << 63);
    } else {
      // Integers below 2^63, converted once: exact wherever exact() holds (a multiple of
      // 2^(least + 24) below 2^(least + 24 + 53)).
      w.sum = 0x1p-24 * static_cast<double>(total);
      w.sum_abs = 0x1p-24 * static_cast<double>(total_abs);
    }
    if (seen != 0) {
      w.least = std::countr_zero(seen) - 24;
      w.top = static_cast<int>(std::bit_width(seen)) - 24;
    }
    return w;
  }

 private:
  static constexpr __mmask16 all_16 = 0xFFFF;
  static constexpr __mmask8 all_8 = 0xFF;

  // The lanes of `sum` and of `sum_abs` added, both in one vector (a window's end costs as much
  // as a few of its rows otherwise): the upper and lower halves of each, then the 128-bit
  // blocks, then the two lanes of a block.
  [[gnu::target(
      "avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] static std::pair<std::int64_t, std::int64_t>
  totals(__m512i sum, __m512i sum_abs) {
    // [sum lanes 0-3 + 4-7 | sum_abs lanes 0-3 + 4-7]
    __m512i both = _mm512_add_epi64(_mm512_maskz_shuffle_i64x2(all_8, sum, sum_abs, 0x44),
                                    _mm512_maskz_shuffle_i64x2(all_8, sum, sum_abs, 0xEE));
    both = _mm512_add_epi64(both, _mm512_maskz_shuffle_i64x2(all_8, both, both, 0xB1));
    both = _mm512_add_epi64(both, _mm512_maskz_shuffle_epi32(all_16, both, _MM_PERM_BADC));
    return {_mm_cvtsi128_si64(_mm512_maskz_extracti64x2_epi64(0x3, both, 0)),
            _mm_cvtsi128_si64(_mm512_maskz_extracti64x2_epi64(0x3, both, 2))};
  }

  // The OR of the lanes of `bits`, halving.
  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] static std::uint64_t either(
      __m512i bits) {
    __m512i half = _mm512_or_si512(bits, _mm512_maskz_shuffle_i64x2(all_8, bits, bits, 0x4E));
    half = _mm512_or_si512(half, _mm512_maskz_shuffle_i64x2(all_8, half, half, 0xB1));
    half = _mm512_or_si512(half, _mm512_maskz_shuffle_epi32(all_16, half, _MM_PERM_BADC));
    return static_cast<std::uint64_t>(
        _mm_cvtsi128_si64(_mm512_maskz_extracti64x2_epi64(0x3, half, 0)));
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_eight(__m256 scaled) {
    const __m512i values = _mm512_maskz_cvttps_epi64(all_8, scaled);
    const __m512i magnitudes = _mm512_maskz_abs_epi64(all_8, values);
    sum_ = _mm512_add_epi64(sum_, values);
    sum_abs_ = _mm512_add_epi64(sum_abs_, magnitudes);
    bits_ = _mm512_or_si512(bits_, magnitudes);
  }

  __m512i sum_, sum_abs_, bits_;
};

// binary16 rows in AVX2 lanes, for CPUs without AVX-512: each half widened exactly by F16C to
// binary32 and then to double, the sums in lanes of doubles (exact wherever exact() holds: every
// partial sum of such a window is a double), and the window's set bits from the OR of the
// magnitudes in units of 2^-24, integers below 2^40, read off the doubles' significands
// (|v| 2^24 + 1.5 2^52 holds that integer in its low 51 bits). Non-finite values, which
// describe_bits leaves out of least and top, are zeroed before the OR; the sums come out not
// finite on their own, as the portable loop's do.
class binary16_avx2_accumulator {
 public:
  [[gnu::target("avx2,f16c")]] binary16_avx2_accumulator()
      : sum_low_(_mm256_setzero_pd()),
        sum_high_(_mm256_setzero_pd()),
        abs_low_(_mm256_setzero_pd()),
        abs_high_(_mm256_setzero_pd()),
        bits_(_mm256_setzero_si256()) {}

  [[gnu::target("avx2,f16c")]] void add_row(const std::uint16_t* row, std::int64_t length) {
    std::int64_t i = 0;
    for (; i + 8 <= length; i += 8)
      add_eight(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + i)));
    if (i < length) {  // the row's last values, beside zeros (which change no sum or bit)
      alignas(16) std::array<std::uint16_t, 8> last{};
      std::memcpy(last.data(), row + i, static_cast<std::size_t>(length - i) * sizeof(*row));
      add_eight(_mm_load_si128(reinterpret_cast<const __m128i*>(last.data())));
    }
  }

  [[gnu::target("avx2,f16c")]] [[nodiscard]] window_sums sums(std::int64_t count) const {
    alignas(32) std::array<double, 4> sum{}, sum_abs{};
    alignas(32) std::array<std::uint64_t, 4> bits{};
    _mm256_store_pd(sum.data(), _mm256_add_pd(sum_low_, sum_high_));
    _mm256_store_pd(sum_abs.data(), _mm256_add_pd(abs_low_, abs_high_));
    _mm256_store_si256(reinterpret_cast<__m256i*>(bits.data()), bits_);
    window_sums w;
    w.sum = (sum[0] + sum[1]) + (sum[2] + sum[3]);
    w.sum_abs = (sum_abs[0] + sum_abs[1]) + (sum_abs[2] + sum_abs[3]);
    w.count = count;
    const std::uint64_t seen = (bits[0] | bits[1] | bits[2] | bits[3]) & (units_limit - 1);
    if (seen != 0) {
      w.least = std::countr_zero(seen) - 24;
      w.top = static_cast<int>(std::bit_width(seen)) - 24;
    }
    return w;
  }

 private:
  static constexpr std::uint64_t units_limit = std::uint64_t{1} << 51;

  [[gnu::target("avx2,f16c")]] void add_eight(__m128i patterns) {
    const __m256 wide = _mm256_cvtph_ps(patterns);
    add_four(_mm256_cvtps_pd(_mm256_castps256_ps128(wide)), sum_low_, abs_low_);
    add_four(_mm256_cvtps_pd(_mm256_extractf128_ps(wide, 1)), sum_high_, abs_high_);
  }

  [[gnu::target("avx2,f16c")]] void add_four(__m256d values, __m256d& sum, __m256d& sum_abs) {
    sum = _mm256_add_pd(sum, values);
    const __m256d magnitude = _mm256_andnot_pd(_mm256_set1_pd(-0.0), values);
    sum_abs = _mm256_add_pd(sum_abs, magnitude);
    const __m256d finite = _mm256_and_pd(
        magnitude, _mm256_cmp_pd(magnitude, _mm256_set1_pd(std::numeric_limits<double>::infinity()),
                                 _CMP_LT_OQ));
    const __m256d units =
        _mm256_add_pd(_mm256_mul_pd(finite, _mm256_set1_pd(0x1p24)), _mm256_set1_pd(0x1.8p52));
    bits_ = _mm256_or_si256(bits_, _mm256_castpd_si256(units));
  }

  __m256d sum_low_, sum_high_, abs_low_, abs_high_;
  __m256i bits_;
};

}  // namespace

bool window_lanes_available() {
  // __builtin_cpu_init first: this may run before libgcc's own initialiser. libgcc's checks
  // include the OS's XCR0 bits for the AVX-512 register state.
  static const bool runs = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512cd");
  }();
  return runs;
}

namespace {

// Compiled for AVX-512 as a whole so that a window's accumulators stay in registers across its
// rows (called row by row from code built for the baseline, they went through memory, with a
// call per row). Not plane_window_sums_lanes itself: GCC 12 drops a template definition's target
// attribute when an earlier declaration (window_lanes.h) lacks it, and that left exactly this.
template <typename T>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void sums_in_lanes(
    reference::float_format format, std::span<const window_rows> windows, const T* plane,
    window_sums* w) {
  for (const window_rows& rows : windows) {
    if constexpr (std::same_as<T, std::uint16_t>) {
      if (format == reference::float_format::binary16 &&
          rows.count() < binary16_lanes_accumulator::binary16_lanes_limit) {
        binary16_lanes_accumulator sums_so_far;
        for (std::int64_t start : rows.starts) sums_so_far.add_row(plane + start, rows.length);
        *w++ = sums_so_far.sums(rows.count());
        continue;
      }
    }
    window_lanes_accumulator sums_so_far;
    for (std::int64_t start : rows.starts) sums_so_far.add_row(format, plane + start, rows.length);
    *w++ = sums_so_far.sums(rows.count());
  }
}

}  // namespace

template <typename T>
void plane_window_sums_lanes(reference::float_format format, std::span<const window_rows> windows,
                             const T* plane, window_sums* w) {
  sums_in_lanes(format, windows, plane, w);
}

bool binary16_avx2_lanes_available() {
  // AVX2 by libgcc (its check includes the OS's XCR0 bits for the AVX register state), F16C by
  // cpuid leaf 1, ECX bit 29 (GCC 12's __builtin_cpu_supports does not know "f16c").
  static const bool runs = [] {
    __builtin_cpu_init();
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __builtin_cpu_supports("avx2") && __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 &&
           (ecx & bit_F16C) != 0;
  }();
  return runs;
}

// Compiled for AVX2 as a whole, as sums_in_lanes is for AVX-512.
[[gnu::target("avx2,f16c")]] void plane_window_sums_binary16_avx2(
    std::span<const window_rows> windows, const std::uint16_t* plane, window_sums* w) {
  for (const window_rows& rows : windows) {
    binary16_avx2_accumulator sums_so_far;
    for (std::int64_t start : rows.starts) sums_so_far.add_row(plane + start, rows.length);
    *w++ = sums_so_far.sums(rows.count());
  }
}

template void plane_window_sums_lanes<std::uint16_t>(reference::float_format,
                                                     std::span<const window_rows>,
                                                     const std::uint16_t*, window_sums*);
template void plane_window_sums_lanes<float>(reference::float_format, std::span<const window_rows>,
                                             const float*, window_sums*);

}  // namespace poolproof::golden::detail

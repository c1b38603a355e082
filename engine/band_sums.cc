// The band column sums of engine/band_sums.h in SIMD lanes (AVX-512: 16 values a step, AVX2 and
// the x86-64 baseline: 8; binary64: 8, 4, 2), then each row's tail one by one. Each lane adds
// to its own column, so the order of additions per column is the rows' order whatever the
// lanes: the levels agree bit for bit, and exactness is the caller's proof in any case. The
// magnitudes' lanes are reduced once per band, not per row.
#include "engine/band_sums.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstring>
#include <limits>

#include "engine/double_sums.h"

#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

namespace poolproof::engine::detail {
namespace {

// Widened values of `Width` patterns: binary32 as they are, the 16-bit formats as
// double_sums.h's widened<F> widens one. Also gives the patterns' magnitudes.
template <typename F, int Width>
[[gnu::always_inline]] inline void widened_lanes(const typename F::storage* at,
                                                 vec<float, Width>& value,
                                                 vec<std::uint32_t, Width>& magnitude) {
  using u32 = vec<std::uint32_t, Width>;
  using f32 = vec<float, Width>;
  if constexpr (std::same_as<F, binary32_traits>) {
    u32 bits;
    std::memcpy(&bits, at, sizeof bits);
    magnitude = bits & 0x7FFFFFFFu;
    value = reinterpret_cast<f32>(bits);
  } else {
    vec<std::uint16_t, Width> bits;
    std::memcpy(&bits, at, sizeof bits);
    const u32 wide = __builtin_convertvector(bits, u32);
    magnitude = wide & 0x7FFFu;
    if constexpr (std::same_as<F, bfloat16_traits>) {
      value = reinterpret_cast<f32>(wide << 16);
    } else {
      value = reinterpret_cast<f32>(((wide & 0x8000u) << 16) | (magnitude << 13)) * 0x1p112f;
    }
  }
}

template <typename F>
float widened_one(typename F::storage x) {
  if constexpr (std::same_as<F, binary32_traits>) {
    return x;
  } else {
    return widened<F>(x);
  }
}

template <typename F>
std::uint32_t magnitude_of(typename F::storage x) {
  if constexpr (std::same_as<F, binary32_traits>) {
    return std::bit_cast<std::uint32_t>(x) & 0x7FFFFFFFu;
  } else {
    return x & 0x7FFFu;
  }
}

// `Width` values of a row added to their columns; their magnitudes folded into the lanes.
template <typename F, int Width>
[[gnu::always_inline]] inline void add_step(const typename F::storage* at, double* columns,
                                            vec<std::uint32_t, Width>& least,
                                            vec<std::uint32_t, Width>& greatest) {
  using u32 = vec<std::uint32_t, Width>;
  using half_f32 = vec<float, Width / 2>;
  using f64 = vec<double, Width / 2>;
  u32 magnitude;
  vec<float, Width> x;
  widened_lanes<F, Width>(at, x, magnitude);
  least = magnitude - 1u < least ? magnitude - 1u : least;
  greatest = magnitude > greatest ? magnitude : greatest;
  half_f32 low, high;
  std::memcpy(&low, &x, sizeof low);
  std::memcpy(&high, reinterpret_cast<const char*>(&x) + sizeof low, sizeof high);
  f64 sum_low, sum_high;
  std::memcpy(&sum_low, columns, sizeof sum_low);
  std::memcpy(&sum_high, columns + Width / 2, sizeof sum_high);
  sum_low += __builtin_convertvector(low, f64);
  sum_high += __builtin_convertvector(high, f64);
  std::memcpy(columns, &sum_low, sizeof sum_low);
  std::memcpy(columns + Width / 2, &sum_high, sizeof sum_high);
}

template <int Width>
void fold(const vec<std::uint32_t, Width>& least, const vec<std::uint32_t, Width>& greatest,
          seen_magnitudes& seen) {
  for (int k = 0; k < Width; ++k) {
    seen.least_minus_one = std::min(seen.least_minus_one, static_cast<std::uint32_t>(least[k]));
    seen.greatest = std::max(seen.greatest, static_cast<std::uint32_t>(greatest[k]));
  }
}

// Each row `Width` values a step, then one step of 8 (rows of 56 are common), then one by one.
template <typename F, int Width>
[[gnu::always_inline]] inline void add_rows_lanes(const typename F::storage* first_row,
                                                  std::int64_t rows, std::int64_t width,
                                                  double* columns, seen_magnitudes& seen) {
  using u32 = vec<std::uint32_t, Width>;
  using u32_8 = vec<std::uint32_t, 8>;
  u32 least = ~u32{}, greatest{};
  u32_8 least_8 = ~u32_8{}, greatest_8{};
  for (std::int64_t r = 0; r < rows; ++r) {
    const typename F::storage* row = first_row + r * width;
    std::int64_t j = 0;
    for (; j + Width <= width; j += Width)
      add_step<F, Width>(row + j, columns + j, least, greatest);
    if constexpr (Width > 8) {
      if (j + 8 <= width) {
        add_step<F, 8>(row + j, columns + j, least_8, greatest_8);
        j += 8;
      }
    }
    for (; j < width; ++j) {
      const std::uint32_t magnitude = magnitude_of<F>(row[j]);
      seen.least_minus_one = std::min(seen.least_minus_one, magnitude - 1);
      seen.greatest = std::max(seen.greatest, magnitude);
      columns[j] += static_cast<double>(widened_one<F>(row[j]));
    }
  }
  fold<Width>(least, greatest, seen);
  fold<8>(least_8, greatest_8, seen);
}

// The binary64 split of `rows` rows' values in columns [j, j + K * Width) into those columns,
// K vectors at a time, the columns' sums kept in registers down the rows (each column still adds
// its rows in order); with Scan, also their magnitudes' least non-zero and greatest.
template <int Width, bool Scan, std::size_t K>
[[gnu::always_inline]] inline void add_split_block(const double* first_row, std::int64_t rows,
                                                   std::int64_t width, std::int64_t j, double* high,
                                                   double* low, double c,
                                                   vec<std::int64_t, Width>& least,
                                                   vec<std::int64_t, Width>& greatest) {
  using f64 = vec<double, Width>;
  using i64 = vec<std::int64_t, Width>;
  constexpr std::int64_t none = std::numeric_limits<std::int64_t>::max();
  f64 h[K], l[K];
  for (std::size_t k = 0; k < K; ++k) {
    std::memcpy(&h[k], high + j + static_cast<std::int64_t>(k) * Width, sizeof h[k]);
    std::memcpy(&l[k], low + j + static_cast<std::int64_t>(k) * Width, sizeof l[k]);
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    const double* row = first_row + r * width + j;
    for (std::size_t k = 0; k < K; ++k) {
      f64 x;
      std::memcpy(&x, row + static_cast<std::int64_t>(k) * Width, sizeof x);
      if constexpr (Scan) {
        // The scan is the band's first touch: the rows below next (without: 1.1x slower).
        __builtin_prefetch(row + 4 * width + static_cast<std::int64_t>(k) * Width);
        const i64 magnitude = reinterpret_cast<i64>(x) & none;
        const i64 nonzero = magnitude == 0 ? none : magnitude;
        least = nonzero < least ? nonzero : least;
        greatest = magnitude > greatest ? magnitude : greatest;
      }
      const f64 part = (x + c) - c;
      h[k] += part;
      l[k] += x - part;
    }
  }
  for (std::size_t k = 0; k < K; ++k) {
    std::memcpy(high + j + static_cast<std::int64_t>(k) * Width, &h[k], sizeof h[k]);
    std::memcpy(low + j + static_cast<std::int64_t>(k) * Width, &l[k], sizeof l[k]);
  }
}

// The binary64 split of each row's values into its columns; with Scan, also their least
// non-zero and greatest magnitudes (below 2^63 for every pattern, so signed lanes compare them;
// zeros stand as the largest int64 for the least, as in double_sums.cc's scan). Four vectors of
// columns at a time down the band (add_split_block: 0.86x-0.92x of the time of row by row on the
// 13x13 and 3-D shapes, whose sums went through memory on every row).
template <int Width, bool Scan>
[[gnu::always_inline]] inline void add_split_rows_lanes(const double* first_row, std::int64_t rows,
                                                        std::int64_t width, double* high,
                                                        double* low, double c,
                                                        seen_magnitudes_64* seen) {
  using i64 = vec<std::int64_t, Width>;
  constexpr std::int64_t none = std::numeric_limits<std::int64_t>::max();
  i64 least = i64{} + none, greatest{};
  std::int64_t least_tail = none, greatest_tail = 0;
  std::int64_t j = 0;
  constexpr std::int64_t block = std::int64_t{4} * Width;
  for (; j + block <= width; j += block)
    add_split_block<Width, Scan, 4>(first_row, rows, width, j, high, low, c, least, greatest);
  for (; j + Width <= width; j += Width)
    add_split_block<Width, Scan, 1>(first_row, rows, width, j, high, low, c, least, greatest);
  for (; j < width; ++j) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const double value = first_row[r * width + j];
      if constexpr (Scan) {
        const auto magnitude = static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(value) &
                                                         ~binary64_traits::sign_mask);
        least_tail = std::min(least_tail, magnitude == 0 ? none : magnitude);
        greatest_tail = std::max(greatest_tail, magnitude);
      }
      const double part = (value + c) - c;
      high[j] += part;
      low[j] += value - part;
    }
  }
  if constexpr (Scan) {
    for (int k = 0; k < Width; ++k) {
      least_tail = std::min<std::int64_t>(least_tail, least[k]);
      greatest_tail = std::max<std::int64_t>(greatest_tail, greatest[k]);
    }
    seen->least_minus_one =
        std::min(seen->least_minus_one, static_cast<std::uint64_t>(least_tail) - 1);
    seen->greatest = std::max(seen->greatest, static_cast<std::uint64_t>(greatest_tail));
  }
}

// binary32 (16-bit rows take add_rows16_avx512).
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void add_rows_avx512(
    const typename F::storage* first_row, std::int64_t rows, std::int64_t width, double* columns,
    seen_magnitudes& seen) {
  add_rows_lanes<F, 16>(first_row, rows, width, columns, seen);
}

template <typename F>
[[gnu::target("avx2")]] void add_rows_avx2(const typename F::storage* first_row, std::int64_t rows,
                                           std::int64_t width, double* columns,
                                           seen_magnitudes& seen) {
  add_rows_lanes<F, 8>(first_row, rows, width, columns, seen);
}

// The least magnitude - 1 and the greatest magnitude of 16-bit patterns, in 16-bit lanes (a
// zero's magnitude - 1 wraps to 0xFFFF, which stands for add_rows_lanes' 32-bit wrap ~0: no
// nonzero magnitude is above 0x7FFF).
struct half_magnitudes {
  __m256i least;
  __m256i greatest;
};

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void fold_halves(const half_magnitudes& lanes,
                                                                       seen_magnitudes& seen) {
  std::array<std::uint16_t, 16> least{}, greatest{};
  std::memcpy(least.data(), &lanes.least, sizeof lanes.least);
  std::memcpy(greatest.data(), &lanes.greatest, sizeof lanes.greatest);
  for (std::size_t k = 0; k < least.size(); ++k) {
    seen.least_minus_one =
        std::min(seen.least_minus_one, least[k] == 0xFFFFu ? ~0u : std::uint32_t{least[k]});
    seen.greatest = std::max(seen.greatest, std::uint32_t{greatest[k]});
  }
}

// Eight binary32 values added to their double columns.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline void add_eight(
    double* columns, __m256 values) {
  const __m512d wide = _mm512_maskz_cvtps_pd(0xFF, values);
  _mm512_storeu_pd(columns, _mm512_add_pd(_mm512_loadu_pd(columns), wide));
}

// Sixteen patterns of a row added to their columns, their magnitudes folded into the lanes.
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline void add_sixteen(
    const std::uint16_t* row, double* columns, half_magnitudes& lanes) {
  const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row));
  const __m256i magnitude = _mm256_and_si256(bits, _mm256_set1_epi16(0x7FFF));
  lanes.least = _mm256_min_epu16(lanes.least, _mm256_sub_epi16(magnitude, _mm256_set1_epi16(1)));
  lanes.greatest = _mm256_max_epu16(lanes.greatest, magnitude);
  __m512 value;
  if constexpr (std::same_as<F, binary16_traits>) {
    value = _mm512_maskz_cvtph_ps(0xFFFF, bits);
  } else {
    value = _mm512_castsi512_ps(
        _mm512_maskz_slli_epi32(0xFFFF, _mm512_maskz_cvtepu16_epi32(0xFFFF, bits), 16));
  }
  add_eight(columns, _mm512_maskz_extractf32x8_ps(0xFF, value, 0));
  add_eight(columns + 8, _mm512_maskz_extractf32x8_ps(0xFF, value, 1));
}

// Eight patterns likewise, in the lanes' lower half (the upper eight stay 0xFFFF and 0).
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline void
add_eight_patterns(const std::uint16_t* row, double* columns, half_magnitudes& lanes) {
  const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row));
  const __m256i magnitude = _mm256_zextsi128_si256(_mm_and_si128(bits, _mm_set1_epi16(0x7FFF)));
  lanes.least = _mm256_min_epu16(
      lanes.least, _mm256_mask_sub_epi16(lanes.least, 0xFF, magnitude, _mm256_set1_epi16(1)));
  lanes.greatest = _mm256_max_epu16(lanes.greatest, magnitude);
  if constexpr (std::same_as<F, binary16_traits>) {
    add_eight(columns, _mm256_maskz_cvtph_ps(0xFF, bits));
  } else {
    add_eight(columns, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16)));
  }
}

// 16-bit rows on AVX-512: add_rows_lanes<F, 16>'s additions (each column in row order, so bit
// for bit the same sums), with the magnitudes kept in 16-bit lanes (half the work of 32-bit
// ones) and binary16 widened by the hardware conversion (vcvtph2ps: exact for every finite half,
// subnormals included; one instruction where the integer widening takes five). A NaN's value
// does not matter: its magnitude flags the band. Measured: 16-bit avg forward from about 1.4x
// binary32's time to below it.
template <typename F>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void add_rows16_avx512(
    const std::uint16_t* first_row, std::int64_t rows, std::int64_t width, double* columns,
    seen_magnitudes& seen) {
  half_magnitudes lanes{_mm256_set1_epi16(-1), _mm256_setzero_si256()};
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::uint16_t* row = first_row + r * width;
    std::int64_t j = 0;
    for (; j + 16 <= width; j += 16) add_sixteen<F>(row + j, columns + j, lanes);
    if (j + 8 <= width) {  // rows of 56 are common
      add_eight_patterns<F>(row + j, columns + j, lanes);
      j += 8;
    }
    for (; j < width; ++j) {
      const std::uint32_t magnitude = row[j] & 0x7FFFu;
      seen.least_minus_one = std::min(seen.least_minus_one, magnitude - 1);
      seen.greatest = std::max(seen.greatest, magnitude);
      columns[j] += static_cast<double>(widened<F>(row[j]));
    }
  }
  fold_halves(lanes, seen);
}

template <typename F>
void add_rows(const typename F::storage* first_row, std::int64_t rows, std::int64_t width,
              double* columns, seen_magnitudes& seen, simd_level ceiling) {
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      if constexpr (std::same_as<F, binary32_traits>) {
        return add_rows_avx512<F>(first_row, rows, width, columns, seen);
      } else {
        return add_rows16_avx512<F>(first_row, rows, width, columns, seen);
      }
    case simd_level::avx2:
      return add_rows_avx2<F>(first_row, rows, width, columns, seen);
    case simd_level::baseline:
      return add_rows_lanes<F, 8>(first_row, rows, width, columns, seen);
  }
}

template <bool Scan>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void add_split_rows_avx512(
    const double* first_row, std::int64_t rows, std::int64_t width, double* high, double* low,
    double c, seen_magnitudes_64* seen) {
  add_split_rows_lanes<8, Scan>(first_row, rows, width, high, low, c, seen);
}

template <bool Scan>
[[gnu::target("avx2")]] void add_split_rows_avx2(const double* first_row, std::int64_t rows,
                                                 std::int64_t width, double* high, double* low,
                                                 double c, seen_magnitudes_64* seen) {
  add_split_rows_lanes<4, Scan>(first_row, rows, width, high, low, c, seen);
}

template <bool Scan>
void add_split_rows(const double* first_row, std::int64_t rows, std::int64_t width, double* high,
                    double* low, double c, seen_magnitudes_64* seen, simd_level ceiling) {
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      return add_split_rows_avx512<Scan>(first_row, rows, width, high, low, c, seen);
    case simd_level::avx2:
      return add_split_rows_avx2<Scan>(first_row, rows, width, high, low, c, seen);
    case simd_level::baseline:
      return add_split_rows_lanes<2, Scan>(first_row, rows, width, high, low, c, seen);
  }
}

}  // namespace

void add_rows_to_columns(const float* first_row, std::int64_t rows, std::int64_t width,
                         double* columns, seen_magnitudes& seen, simd_level ceiling) {
  add_rows<binary32_traits>(first_row, rows, width, columns, seen, ceiling);
}

void add_rows16_to_columns(reference::float_format format, const std::uint16_t* first_row,
                           std::int64_t rows, std::int64_t width, double* columns,
                           seen_magnitudes& seen, simd_level ceiling) {
  if (format == reference::float_format::bfloat16)
    return add_rows<bfloat16_traits>(first_row, rows, width, columns, seen, ceiling);
  POOLPROOF_CHECK(format == reference::float_format::binary16);
  add_rows<binary16_traits>(first_row, rows, width, columns, seen, ceiling);
}

void add_split_rows_to_columns(const double* first_row, std::int64_t rows, std::int64_t width,
                               double* high, double* low, double c, simd_level ceiling) {
  add_split_rows<false>(first_row, rows, width, high, low, c, nullptr, ceiling);
}

void add_split_rows_scanning(const double* first_row, std::int64_t rows, std::int64_t width,
                             double* high, double* low, double c, seen_magnitudes_64& seen,
                             simd_level ceiling) {
  add_split_rows<true>(first_row, rows, width, high, low, c, &seen, ceiling);
}

}  // namespace poolproof::engine::detail

// The band column sums of engine/band_sums.h in SIMD lanes (binary32 and 16-bit: AVX2 and the
// x86-64 baseline 8 values a step here, AVX-512 16 in band_sums_avx512.cc; binary64: 8 and 2
// here, AVX2's 4 row by row in split_band_avx2.cc), a few vectors of columns at a time down the
// band with their sums in registers (binary32 on AVX2 also along the rows: band_order), then each
// row's tail one by one. Each lane adds to its own column, so the order of additions per column
// is the rows' order whatever the lanes: the levels agree bit for bit, and exactness is the
// caller's proof in any case. The magnitudes' lanes are reduced once per call (AVX2 and the
// baseline: once per run of a band), not per row.
#include "engine/band_sums.h"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstring>
#include <limits>

#include "engine/band_sums_lanes.h"
#include "engine/double_sums.h"

#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

namespace poolproof::engine::detail {
namespace {

// Four binary16 patterns widened by F16C (exact, subnormals included). Four, not eight: GCC 12
// turned the low half of an eight-lane conversion into a second conversion, three where two do
// (float16 avg forward, one thread: 6x6 0.043 -> 0.030 ms, 7x7 2.14 -> 1.63: measured).
// Not always_inline: binary32_halves and add_block_avx2 have no F16C target, and GCC refuses
// that inlining; add_rows_avx2_f16c, which has, flattens the call into itself.
[[gnu::target("avx2,f16c")]] inline __m128 binary16_by_f16c(const std::uint16_t* at) {
  return _mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(at)));
}

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

// The lanes' least and greatest into `seen`, halving the lanes at each step (once per run: lane
// by lane, on a 3-D band's runs of a few rows, the fold cost as much as the additions).
template <int Width>
[[gnu::always_inline]] inline void fold(const vec<std::uint32_t, Width>& least,
                                        const vec<std::uint32_t, Width>& greatest,
                                        seen_magnitudes& seen) {
  if constexpr (Width > 2) {
    using half = vec<std::uint32_t, Width / 2>;
    half least_low, least_high, greatest_low, greatest_high;
    std::memcpy(&least_low, &least, sizeof least_low);
    std::memcpy(&least_high, reinterpret_cast<const char*>(&least) + sizeof least_low,
                sizeof least_high);
    std::memcpy(&greatest_low, &greatest, sizeof greatest_low);
    std::memcpy(&greatest_high, reinterpret_cast<const char*>(&greatest) + sizeof greatest_low,
                sizeof greatest_high);
    fold<Width / 2>(least_low < least_high ? least_low : least_high,
                    greatest_low > greatest_high ? greatest_low : greatest_high, seen);
  } else {
    for (int k = 0; k < Width; ++k) {
      seen.least_minus_one = std::min(seen.least_minus_one, static_cast<std::uint32_t>(least[k]));
      seen.greatest = std::max(seen.greatest, static_cast<std::uint32_t>(greatest[k]));
    }
  }
}

// The `rows` rows' values in columns [j, j + K * Width) added to those columns, K vectors at a
// time, the columns' sums kept in registers down the rows (each column still adds its rows in
// order); their magnitudes folded into the lanes.
template <typename F, int Width, std::size_t K>
[[gnu::always_inline]] inline void add_block(const typename F::storage* first_row,
                                             std::int64_t rows, std::int64_t width, std::int64_t j,
                                             std::int64_t ahead, double* columns,
                                             vec<std::uint32_t, Width>& least,
                                             vec<std::uint32_t, Width>& greatest) {
  using u32 = vec<std::uint32_t, Width>;
  using f64 = vec<double, Width / 2>;
  constexpr std::int64_t half = Width / 2;
  f64 sums[2 * K];
  for (std::size_t k = 0; k < 2 * K; ++k)
    std::memcpy(&sums[k], columns + j + static_cast<std::int64_t>(k) * half, sizeof sums[k]);
  for (std::int64_t r = 0; r < rows; ++r) {
    const typename F::storage* row = first_row + r * width + j;
    for (std::size_t k = 0; k < K; ++k) {
      const typename F::storage* at = row + static_cast<std::int64_t>(k) * Width;
      __builtin_prefetch(at + ahead);
      u32 magnitude;
      vec<float, Width> x;
      widened_lanes<F, Width>(at, x, magnitude);
      least = magnitude - 1u < least ? magnitude - 1u : least;
      greatest = magnitude > greatest ? magnitude : greatest;
      add_widened_halves<Width>(x, sums[2 * k], sums[2 * k + 1]);
    }
  }
  for (std::size_t k = 0; k < 2 * K; ++k)
    std::memcpy(columns + j + static_cast<std::int64_t>(k) * half, &sums[k], sizeof sums[k]);
}

// Each row's columns four vectors of eight at a time down the band (add_block), then the
// vectors left, then one by one (the baseline; AVX2 has add_rows_lanes_avx2, AVX-512 its own in
// band_sums_avx512.cc). Each value read prefetches the one `ahead` values after it (values_ahead).
template <typename F, int Width>
[[gnu::always_inline]] inline void add_rows_lanes(const typename F::storage* first_row,
                                                  std::int64_t rows, std::int64_t width,
                                                  std::int64_t ahead, double* columns,
                                                  seen_magnitudes& seen) {
  static_assert(Width == 8);
  using u32 = vec<std::uint32_t, Width>;
  u32 least = ~u32{}, greatest{};
  constexpr std::int64_t block = std::int64_t{4} * Width;
  std::int64_t j = 0;
  for (; j + block <= width; j += block)
    add_block<F, Width, 4>(first_row, rows, width, j, ahead, columns, least, greatest);
  switch ((width - j) / Width) {
    case 3:
      add_block<F, Width, 3>(first_row, rows, width, j, ahead, columns, least, greatest);
      break;
    case 2:
      add_block<F, Width, 2>(first_row, rows, width, j, ahead, columns, least, greatest);
      break;
    case 1:
      add_block<F, Width, 1>(first_row, rows, width, j, ahead, columns, least, greatest);
      break;
    default:
      break;
  }
  j += (width - j) / Width * Width;
  add_column_tail<F>(first_row, rows, width, j, columns, seen);
  fold<Width>(least, greatest, seen);
}

// How far past a run's values the band sums prefetch: to the next run's (a 3-D band's next
// depth slice), and from a band's last run to the rows below its first run's (where the next
// band starts in each slice): about a band's work ahead, past the memory's latency. (Four rows
// below, as before, read the float32 7x7 avg forward 1.3x slower on one thread of an AVX2 host
// whose stream read is 12 GB/s: measured.)
inline std::int64_t values_ahead(const band_layout& band, std::int64_t run) {
  return run + 1 < band.runs ? band.run_stride
                             : band.rows * band.width - (band.runs - 1) * band.run_stride;
}

// The binary64 split of the band's values in columns [j, j + K * Width) into those columns,
// K vectors at a time, the columns' sums kept in registers down the band's rows, from run to run
// (each column still adds its rows in order); with Scan, also their magnitudes' least non-zero
// and greatest.
template <int Width, bool Scan, std::size_t K>
[[gnu::always_inline]] inline void add_split_block(const double* first_row, const band_layout& band,
                                                   std::int64_t j, double* high, double* low,
                                                   double c, vec<std::int64_t, Width>& least,
                                                   vec<std::int64_t, Width>& greatest) {
  using f64 = vec<double, Width>;
  using i64 = vec<std::int64_t, Width>;
  constexpr std::int64_t none = std::numeric_limits<std::int64_t>::max();
  // The scan is the band's first touch: the rows eight ahead in the band's order next, from a
  // run's last rows in the next run, or past its end when runs are shorter (without: 1.1x slower;
  // four below: 1.03x-1.08x). The last run's rows ahead are those below it in its depth slice.
  constexpr std::int64_t rows_ahead = 8;
  const std::int64_t width = band.width;
  const std::int64_t to_next_run = band.run_stride - band.rows * width;
  f64 h[K], l[K];
  for (std::size_t k = 0; k < K; ++k) {
    std::memcpy(&h[k], high + j + static_cast<std::int64_t>(k) * Width, sizeof h[k]);
    std::memcpy(&l[k], low + j + static_cast<std::int64_t>(k) * Width, sizeof l[k]);
  }
  for (std::int64_t s = 0; s < band.runs; ++s) {
    const double* run = first_row + s * band.run_stride + j;
    const std::int64_t run_end_jump = s + 1 < band.runs ? to_next_run : 0;
    for (std::int64_t r = 0; r < band.rows; ++r) {
      const double* row = run + r * width;
      for (std::size_t k = 0; k < K; ++k) {
        f64 x;
        std::memcpy(&x, row + static_cast<std::int64_t>(k) * Width, sizeof x);
        if constexpr (Scan) {
          const std::int64_t ahead =
              rows_ahead * width + (r + rows_ahead < band.rows ? 0 : run_end_jump);
          __builtin_prefetch(row + ahead + static_cast<std::int64_t>(k) * Width);
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
  }
  for (std::size_t k = 0; k < K; ++k) {
    std::memcpy(high + j + static_cast<std::int64_t>(k) * Width, &h[k], sizeof h[k]);
    std::memcpy(low + j + static_cast<std::int64_t>(k) * Width, &l[k], sizeof l[k]);
  }
}

// Columns [j, width) of the band split one value at a time (run by run, row by row); with Scan,
// their magnitudes into *seen.
template <bool Scan>
void add_split_tail(const double* first_row, const band_layout& band, std::int64_t j, double* high,
                    double* low, double c, seen_magnitudes_64* seen) {
  for (; j < band.width; ++j) {
    for_each_run(first_row, band, [&](const double* run) {
      for (std::int64_t r = 0; r < band.rows; ++r) {
        const double value = run[r * band.width + j];
        if constexpr (Scan) {
          const std::uint64_t magnitude =
              std::bit_cast<std::uint64_t>(value) & ~binary64_traits::sign_mask;
          seen->least_minus_one = std::min(seen->least_minus_one, magnitude - 1);
          seen->greatest = std::max(seen->greatest, magnitude);
        }
        const double part = (value + c) - c;
        high[j] += part;
        low[j] += value - part;
      }
    });
  }
}

// The binary64 split of the band's values (run by run, row by row) into their columns; with
// Scan, also their least non-zero and greatest magnitudes (below 2^63 for every pattern, so signed
// lanes compare them; zeros stand as the largest int64 for the least, as in double_sums.cc's scan).
// Four vectors of columns at a time down the band (add_split_block: 0.86x-0.92x of the time of row
// by row on the 13x13 and 3-D shapes of an AVX-512 host whose inputs fit its L3, the sums through
// memory on every row; AVX2 goes row by row, split_band_avx2.cc, measured from memory).
template <int Width, bool Scan>
[[gnu::always_inline]] inline void add_split_rows_lanes(const double* first_row,
                                                        const band_layout& band, double* high,
                                                        double* low, double c,
                                                        seen_magnitudes_64* seen) {
  using i64 = vec<std::int64_t, Width>;
  constexpr std::int64_t none = std::numeric_limits<std::int64_t>::max();
  const std::int64_t width = band.width;
  i64 least = i64{} + none, greatest{};
  std::int64_t j = 0;
  constexpr std::int64_t block = std::int64_t{4} * Width;
  for (; j + block <= width; j += block)
    add_split_block<Width, Scan, 4>(first_row, band, j, high, low, c, least, greatest);
  for (; j + Width <= width; j += Width)
    add_split_block<Width, Scan, 1>(first_row, band, j, high, low, c, least, greatest);
  if constexpr (Scan) {
    for (int k = 0; k < Width; ++k) {
      // A lane of zeros only (none) leaves the least alone, as the tail's zeros do.
      if (least[k] != none)
        seen->least_minus_one =
            std::min(seen->least_minus_one, static_cast<std::uint64_t>(least[k]) - 1);
      seen->greatest = std::max(seen->greatest, static_cast<std::uint64_t>(greatest[k]));
    }
  }
  add_split_tail<Scan>(first_row, band, j, high, low, c, seen);
}

// The magnitudes of the 16 patterns from `at` (8 with OnlyEight, the rest as zeros, which leave
// both bounds alone) into `least` (magnitude - 1) and `greatest`, in 16-bit lanes: half the
// operations of 32-bit ones (bfloat16 avg forward on one thread of the AVX2 host: 7x7 1.70 ->
// 1.40 ms, 3-D 2.44 -> 2.05: measured).
template <bool OnlyEight>
[[gnu::target("avx2"), gnu::always_inline]] inline void scan_16_lanes(const std::uint16_t* at,
                                                                      __m256i& least,
                                                                      __m256i& greatest) {
  __m256i bits;
  if constexpr (OnlyEight) {
    bits = _mm256_zextsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(at)));
  } else {
    bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
  }
  const __m256i magnitude = _mm256_and_si256(bits, _mm256_set1_epi16(0x7FFF));
  least = _mm256_min_epu16(_mm256_sub_epi16(magnitude, _mm256_set1_epi16(1)), least);
  greatest = _mm256_max_epu16(magnitude, greatest);
}

// Eight values from `at` as binary32 halves (exact): binary32 as they are, bfloat16 as its
// binary32's high half (interleaved below zeros), binary16 by F16C or by bit arithmetic.
template <typename F, bool F16c>
[[gnu::target("avx2"), gnu::always_inline]] inline void binary32_halves(
    const typename F::storage* at, __m128& low, __m128& high) {
  if constexpr (std::same_as<F, binary32_traits>) {
    low = _mm_loadu_ps(at);
    high = _mm_loadu_ps(at + 4);
  } else if constexpr (std::same_as<F, bfloat16_traits>) {
    const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    low = _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), bits));
    high = _mm_castsi128_ps(_mm_unpackhi_epi16(_mm_setzero_si128(), bits));
  } else if constexpr (F16c) {
    low = binary16_by_f16c(at);
    high = binary16_by_f16c(at + 4);
  } else {
    const __m256i wide =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(at)));
    const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(wide, _mm256_set1_epi32(0x8000)), 16);
    const __m256i magnitude = _mm256_and_si256(wide, _mm256_set1_epi32(0x7FFF));
    const __m256 x =
        _mm256_mul_ps(_mm256_castsi256_ps(_mm256_or_si256(sign, _mm256_slli_epi32(magnitude, 13))),
                      _mm256_set1_ps(0x1p112f));
    low = _mm256_castps256_ps128(x);
    high = _mm256_extractf128_ps(x, 1);
  }
}

// add_block in AVX2 intrinsics: GCC 12 lowered the generic vectors' widening to doubles two lanes
// at a time, through the stack, and spilled the sums (the 7x7 avg forward on one thread of an
// AVX2 host: float32 2.85 -> 2.43 ms, bfloat16 2.85 -> 1.81 with the 16-bit widening in
// intrinsics too, on two threads float32 1.16 -> 0.70: measured). Each vector's halves come from
// binary32_halves. The 16-bit formats' magnitudes are scanned 16 at a time in 16-bit lanes
// (scan_16_lanes), so `least` and `greatest` hold 16-bit lanes for them, 32-bit for binary32.
template <typename F, std::size_t K, bool F16c>
[[gnu::target("avx2"), gnu::always_inline]] inline void add_block_avx2(
    const typename F::storage* first_row, std::int64_t rows, std::int64_t width, std::int64_t j,
    std::int64_t ahead, double* columns, __m256i& least, __m256i& greatest) {
  __m256d sums[2 * K];
  for (std::size_t k = 0; k < 2 * K; ++k)
    sums[k] = _mm256_loadu_pd(columns + j + static_cast<std::int64_t>(k) * 4);
  for (std::int64_t r = 0; r < rows; ++r) {
    const typename F::storage* row = first_row + r * width + j;
    for (std::size_t k = 0; k < K; ++k) {
      const typename F::storage* at = row + static_cast<std::int64_t>(k) * 8;
      __builtin_prefetch(at + ahead);
      if constexpr (std::same_as<F, binary32_traits>) {
        const __m256i magnitude =
            _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(at)),
                             _mm256_set1_epi32(0x7FFFFFFF));
        least = _mm256_min_epu32(_mm256_sub_epi32(magnitude, _mm256_set1_epi32(1)), least);
        greatest = _mm256_max_epu32(magnitude, greatest);
      } else if (k % 2 == 0) {
        if (k + 1 < K) {
          scan_16_lanes<false>(at, least, greatest);
        } else {
          scan_16_lanes<true>(at, least, greatest);
        }
      }
      __m128 low, high;
      binary32_halves<F, F16c>(at, low, high);
      sums[2 * k] = _mm256_add_pd(sums[2 * k], _mm256_cvtps_pd(low));
      sums[2 * k + 1] = _mm256_add_pd(sums[2 * k + 1], _mm256_cvtps_pd(high));
    }
  }
  for (std::size_t k = 0; k < 2 * K; ++k)
    _mm256_storeu_pd(columns + j + static_cast<std::int64_t>(k) * 4, sums[k]);
}

// Columns [0, 8 * floor(width / 8)) of `rows` rows through add_block_avx2: four vectors at a
// time, then the vectors left.
template <typename F, bool F16c>
[[gnu::target("avx2"), gnu::always_inline]] inline void add_vectors_avx2(
    const typename F::storage* first_row, std::int64_t rows, std::int64_t width, std::int64_t ahead,
    double* columns, __m256i& least, __m256i& greatest) {
  std::int64_t j = 0;
  for (; j + 32 <= width; j += 32)
    add_block_avx2<F, 4, F16c>(first_row, rows, width, j, ahead, columns, least, greatest);
  switch ((width - j) / 8) {
    case 3:
      add_block_avx2<F, 3, F16c>(first_row, rows, width, j, ahead, columns, least, greatest);
      break;
    case 2:
      add_block_avx2<F, 2, F16c>(first_row, rows, width, j, ahead, columns, least, greatest);
      break;
    case 1:
      add_block_avx2<F, 1, F16c>(first_row, rows, width, j, ahead, columns, least, greatest);
      break;
    default:
      break;
  }
}

// add_rows_lanes on AVX2 through add_vectors_avx2: down the columns, or (binary32, band_order's
// along_rows) one row at a time, its column sums loaded and stored back per row. From memory at
// 12-14 GB/s on an AVX2 host, row by row read the float32 7x7 / 13x13 avg forward on one thread
// 1.2x-1.3x faster; from cache (two threads, each half of the input in L3; 6x6) 1.2x-1.3x slower
// (measured).
template <typename F, bool F16c>
[[gnu::target("avx2"), gnu::always_inline]] inline void add_rows_lanes_avx2(
    const typename F::storage* first_row, std::int64_t rows, std::int64_t width, std::int64_t ahead,
    double* columns, seen_magnitudes& seen, band_order order) {
  __m256i least = _mm256_set1_epi32(-1), greatest = _mm256_setzero_si256();
  bool along_rows = false;
  if constexpr (std::same_as<F, binary32_traits>) along_rows = order == band_order::along_rows;
  if (along_rows) {
    for (std::int64_t r = 0; r < rows; ++r)
      add_vectors_avx2<F, F16c>(first_row + r * width, 1, width, ahead, columns, least, greatest);
  } else {
    add_vectors_avx2<F, F16c>(first_row, rows, width, ahead, columns, least, greatest);
  }
  const std::int64_t j = width / 8 * 8;
  add_column_tail<F>(first_row, rows, width, j, columns, seen);
  if constexpr (!std::same_as<F, binary32_traits>) {
    // 16-bit lanes to 32-bit ones: a least of 0xFFFF (zeros only) sign-extends to "none seen";
    // every other bound is below 0x8000 and extends as it is.
    least = _mm256_cvtepi16_epi32(
        _mm_min_epu16(_mm256_castsi256_si128(least), _mm256_extracti128_si256(least, 1)));
    greatest = _mm256_cvtepu16_epi32(
        _mm_max_epu16(_mm256_castsi256_si128(greatest), _mm256_extracti128_si256(greatest, 1)));
  }
  fold<8>(reinterpret_cast<vec<std::uint32_t, 8>>(least),
          reinterpret_cast<vec<std::uint32_t, 8>>(greatest), seen);
}

template <typename F>
[[gnu::target("avx2")]] void add_rows_avx2(const typename F::storage* first_row, std::int64_t rows,
                                           std::int64_t width, std::int64_t ahead, double* columns,
                                           seen_magnitudes& seen, band_order order) {
  add_rows_lanes_avx2<F, false>(first_row, rows, width, ahead, columns, seen, order);
}

// binary16 widened by F16C: two conversions of four, where the bit arithmetic took five (the
// float16 3-D avg forward 4.8 -> 3.9 ms on an AVX2-only AMD host, measured).
[[gnu::target("avx2,f16c"), gnu::flatten]] void add_rows_avx2_f16c(
    const std::uint16_t* first_row, std::int64_t rows, std::int64_t width, std::int64_t ahead,
    double* columns, seen_magnitudes& seen) {
  add_rows_lanes_avx2<binary16_traits, true>(first_row, rows, width, ahead, columns, seen,
                                             band_order::down_columns);
}

// AVX-512 walks a band's runs itself (its sums stay in registers from run to run); AVX2 and the
// baseline take run by run, which adds each column's rows in the same order.
template <typename F>
void add_rows(const typename F::storage* first_row, const band_layout& band, double* columns,
              seen_magnitudes& seen, simd_level ceiling, band_order order) {
  using storage = typename F::storage;
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      if constexpr (std::same_as<F, binary32_traits>) {
        return add_rows_to_columns_avx512(first_row, band, columns, seen);
      } else {
        return add_rows16_to_columns_avx512(F::format, first_row, band, columns, seen);
      }
    case simd_level::avx2:
      for (std::int64_t s = 0; s < band.runs; ++s) {
        const storage* run = first_row + s * band.run_stride;
        if constexpr (std::same_as<F, binary16_traits>) {
          if (cpu_has_f16c()) {
            add_rows_avx2_f16c(run, band.rows, band.width, values_ahead(band, s), columns, seen);
            continue;
          }
        }
        add_rows_avx2<F>(run, band.rows, band.width, values_ahead(band, s), columns, seen, order);
      }
      return;
    case simd_level::baseline:
      for (std::int64_t s = 0; s < band.runs; ++s) {
        add_rows_lanes<F, 8>(first_row + s * band.run_stride, band.rows, band.width,
                             values_ahead(band, s), columns, seen);
      }
      return;
  }
}

template <bool Scan>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void add_split_rows_avx512(
    const double* first_row, const band_layout& band, double* high, double* low, double c,
    seen_magnitudes_64* seen) {
  add_split_rows_lanes<8, Scan>(first_row, band, high, low, c, seen);
}

template <bool Scan>
void add_split_rows(const double* first_row, const band_layout& band, double* high, double* low,
                    double c, seen_magnitudes_64* seen, simd_level ceiling) {
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      return add_split_rows_avx512<Scan>(first_row, band, high, low, c, seen);
    case simd_level::avx2: {
      const std::int64_t j = add_split_columns_avx2(first_row, band, high, low, c, seen);
      return add_split_tail<Scan>(first_row, band, j, high, low, c, seen);
    }
    case simd_level::baseline:
      return add_split_rows_lanes<2, Scan>(first_row, band, high, low, c, seen);
  }
}

}  // namespace

void add_rows_to_columns(const float* first_row, const band_layout& band, double* columns,
                         seen_magnitudes& seen, simd_level ceiling, band_order order) {
  add_rows<binary32_traits>(first_row, band, columns, seen, ceiling, order);
}

void add_rows16_to_columns(reference::float_format format, const std::uint16_t* first_row,
                           const band_layout& band, double* columns, seen_magnitudes& seen,
                           simd_level ceiling) {
  if (format == reference::float_format::bfloat16)
    return add_rows<bfloat16_traits>(first_row, band, columns, seen, ceiling,
                                     band_order::down_columns);
  POOLPROOF_CHECK(format == reference::float_format::binary16);
  add_rows<binary16_traits>(first_row, band, columns, seen, ceiling, band_order::down_columns);
}

void add_split_rows_to_columns(const double* first_row, const band_layout& band, double* high,
                               double* low, double c, simd_level ceiling) {
  add_split_rows<false>(first_row, band, high, low, c, nullptr, ceiling);
}

void add_split_rows_scanning(const double* first_row, const band_layout& band, double* high,
                             double* low, double c, seen_magnitudes_64& seen, simd_level ceiling) {
  add_split_rows<true>(first_row, band, high, low, c, &seen, ceiling);
}

}  // namespace poolproof::engine::detail

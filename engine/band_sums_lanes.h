// What the band sums' lanes share (not a public interface): each value's magnitude and widening
// one by one, the columns past the last vector, the AVX-512 passes (band_sums_avx512.cc) and the
// AVX2 binary64 split (split_band_avx2.cc).
#pragma once

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstdint>

#include "engine/band_sums.h"
#include "engine/double_sums.h"

namespace poolproof::engine::detail {

/// A value of F widened exactly to binary32 (16-bit formats as widened<F> does).
template <typename F>
inline float widened_one(typename F::storage x) {
  if constexpr (std::same_as<F, binary32_traits>) {
    return x;
  } else {
    return widened<F>(x);
  }
}

/// A pattern's magnitude (its bits without the sign).
template <typename F>
inline std::uint32_t magnitude_of(typename F::storage x) {
  if constexpr (std::same_as<F, binary32_traits>) {
    return std::bit_cast<std::uint32_t>(x) & 0x7FFFFFFFu;
  } else {
    return x & 0x7FFFu;
  }
}

/// Calls add(run's first row) for each run of `band`, in order.
template <typename T, typename Add>
[[gnu::always_inline]] inline void for_each_run(const T* first_row, const band_layout& band,
                                                Add add) {
  for (std::int64_t s = 0; s < band.runs; ++s) add(first_row + s * band.run_stride);
}

/// Columns [j, width) of `rows` rows added one by one, their magnitudes into `seen`.
template <typename F>
inline void add_column_tail(const typename F::storage* first_row, std::int64_t rows,
                            std::int64_t width, std::int64_t j, double* columns,
                            seen_magnitudes& seen) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const typename F::storage* row = first_row + r * width;
    for (std::int64_t t = j; t < width; ++t) {
      const std::uint32_t magnitude = magnitude_of<F>(row[t]);
      seen.least_minus_one = std::min(seen.least_minus_one, magnitude - 1);
      seen.greatest = std::max(seen.greatest, magnitude);
      columns[t] += static_cast<double>(widened_one<F>(row[t]));
    }
  }
}

/// add_rows_to_columns on AVX-512 (the CPU must have it).
void add_rows_to_columns_avx512(const float* first_row, const band_layout& band, double* columns,
                                seen_magnitudes& seen);

/// add_rows16_to_columns on AVX-512 (the CPU must have it), `format` binary16 or bfloat16.
void add_rows16_to_columns_avx512(reference::float_format format, const std::uint16_t* first_row,
                                  const band_layout& band, double* columns, seen_magnitudes& seen);

/// The binary64 split of the band's columns [0, 4 * floor(width / 4)) on AVX2 (the CPU must have
/// it), as add_split_rows_to_columns; with `seen`, as add_split_rows_scanning. Returns the columns
/// done (split_band_avx2.cc).
std::int64_t add_split_columns_avx2(const double* first_row, const band_layout& band, double* high,
                                    double* low, double c, seen_magnitudes_64* seen);

}  // namespace poolproof::engine::detail

// Column sums of a band of rows, for the avg forward pass over whole planes (not a public
// interface): each row of an output row's band is added column by column into doubles, so a
// window's sum is then the sum of its columns' entries.
#pragma once

#include <poolproof/reference/float_format.h>

#include <cstdint>

#include "engine/simd.h"

namespace poolproof::engine::detail {

/// The least (magnitude - 1) and the greatest magnitude of the patterns seen so far
/// (magnitude_range gives their exponent range: zeros drop out, infinities and NaNs are special).
struct seen_magnitudes {
  std::uint32_t least_minus_one = ~0u;
  std::uint32_t greatest = 0;
};

/// The rows of a band: `runs` runs of `rows` consecutive rows of `width` values, each run
/// `run_stride` values after the one before (a 2-D band is one run; a 3-D band has one per depth
/// slice of its window). With more than one run, run_stride >= rows * width (unused with one).
struct band_layout {
  std::int64_t rows = 0;
  std::int64_t width = 0;
  std::int64_t runs = 1;
  std::int64_t run_stride = 0;
};

/// The order in which the binary32 band sums read a band on AVX2: a few vectors of columns down
/// all its rows with their sums in registers (fewer operations: values in cache), or along each
/// row in memory order with the sums in L1 (values streamed from memory, which the hardware
/// prefetches best in that order). Each column adds its rows in the same order either way.
enum class band_order { down_columns, along_rows };

/// For the band's rows of binary32 values from `first_row`, in order (run by run, row by row):
/// columns[j] += each row's value j (converted exactly to double), and their magnitudes added to
/// `seen`, on the CPU's best lanes up to `ceiling` (tests compare the levels), in `order` on
/// AVX2 (the other levels have one order). The caller proves the additions exact from `seen` (see
/// double_pass) or discards the columns.
void add_rows_to_columns(const float* first_row, const band_layout& band, double* columns,
                         seen_magnitudes& seen, simd_level ceiling = simd_level::avx512,
                         band_order order = band_order::down_columns);

/// add_rows_to_columns for binary16 or bfloat16 patterns (`format`): each value widened exactly
/// (infinities and NaNs to some value: `seen` flags them), the patterns' magnitudes (bits &
/// 0x7FFF) added to `seen`.
void add_rows16_to_columns(reference::float_format format, const std::uint16_t* first_row,
                           const band_layout& band, double* columns, seen_magnitudes& seen,
                           simd_level ceiling = simd_level::avx512);

/// The least (magnitude - 1) and the greatest magnitude of the binary64 patterns seen so far
/// (magnitude_range<binary64_traits> gives their exponent range).
struct seen_magnitudes_64 {
  std::uint64_t least_minus_one = ~std::uint64_t{0};
  std::uint64_t greatest = 0;
};

/// The binary64 split of each value of the band's rows (in order, as add_rows_to_columns) on the
/// grid of c = 1.5 * 2^(grid + 52) (see double_sums.h): high[j] += (x + c) - c and low[j] += x -
/// that, on the CPU's best lanes up to `ceiling`. The caller's split proves the additions exact.
void add_split_rows_to_columns(const double* first_row, const band_layout& band, double* high,
                               double* low, double c, simd_level ceiling = simd_level::avx512);

/// add_split_rows_to_columns that also adds the values' magnitudes to `seen` in the same pass,
/// for a split chosen before the rows' range is known: the caller keeps the columns only when
/// the split is exact for the range seen (see widest_split_range).
void add_split_rows_scanning(const double* first_row, const band_layout& band, double* high,
                             double* low, double c, seen_magnitudes_64& seen,
                             simd_level ceiling = simd_level::avx512);

}  // namespace poolproof::engine::detail

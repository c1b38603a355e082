// The max forward's band scan along the rows (not a public interface): one row at a time in
// memory order, each column's first strict maximum and its row kept in memory (L1), for binary32
// and binary64 lanes. For bands read from memory, which the hardware prefetches best in that
// order; the AVX2 callers (max_separable_avx2.h, max_binary64_avx2.h) turn the maxima into their
// keys or offsets.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <span>

#include "engine/band_walk.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {
// Internal linkage: included by the AVX2 band scans' headers, each inlined into a target entry.
namespace {

// The row offset of the vector of `Lanes` columns that starts at column j of a band `width` wide
// (at least Lanes): j itself, or width - Lanes for the last, which overlaps the one before it (a
// column updated twice in a row keeps its maximum and row: x > x is false).
template <int Lanes>
inline std::int32_t vector_column(std::int32_t j, std::int32_t width) {
  return j < width - Lanes ? j : width - Lanes;
}

// For the columns [0, width) of a band of rows (flat offsets `rows`, in scan order): best[c], the
// column's first strict maximum (-inf if none: a NaN never replaces it, and of -0 and +0 the first
// stays), and best_rows[c], that element's row offset (the band's first row if none). The band
// ahead is prefetched a line at a time. Row is an integer as wide as T. Returns whether any value
// was a NaN. Preconditions: width >= Lanes, `rows` not empty, best and best_rows `width` long.
template <typename T, typename Row, int Lanes>
[[gnu::always_inline]] inline bool maxima_along_rows(const T* plane,
                                                     std::span<const std::int32_t> rows,
                                                     const band_ahead& ahead, std::int32_t width,
                                                     T* best, Row* best_rows) {
  static_assert(sizeof(Row) == sizeof(T));
  using values = vec<T, Lanes>;
  using row_lanes = vec<Row, Lanes>;
  constexpr std::int32_t per_line = 64 / static_cast<std::int32_t>(sizeof(T));
  for (std::int32_t j = 0; j < width; j += Lanes) {
    const std::int32_t c = vector_column<Lanes>(j, width);
    const values none = values{} - std::numeric_limits<T>::infinity();
    const row_lanes first = row_lanes{} + static_cast<Row>(rows.front());
    std::memcpy(best + c, &none, sizeof none);
    std::memcpy(best_rows + c, &first, sizeof first);
  }
  row_lanes nan{};
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const T* row = plane + rows[r];
    const T* row_ahead = plane + ahead.row(r);
    const row_lanes current = row_lanes{} + static_cast<Row>(rows[r]);
    for (std::int32_t j = 0; j < width; j += Lanes) {
      const std::int32_t c = vector_column<Lanes>(j, width);
      if (j % per_line == 0) __builtin_prefetch(row_ahead + c);
      values x, column_best;
      row_lanes column_row;
      std::memcpy(&x, row + c, sizeof x);
      std::memcpy(&column_best, best + c, sizeof column_best);
      std::memcpy(&column_row, best_rows + c, sizeof column_row);
      const row_lanes greater = x > column_best;
      column_row = greater ? current : column_row;
      column_best = greater ? x : column_best;
      std::memcpy(best + c, &column_best, sizeof column_best);
      std::memcpy(best_rows + c, &column_row, sizeof column_row);
      nan |= x != x;
    }
  }
  bool any = false;
  for (int lane = 0; lane < Lanes; ++lane) any |= nan[lane] != 0;
  return any;
}

// Whether each of the `Lanes` columns from c holds a NaN in the band's rows, in `nan` (all ones, or
// zero). (Through a reference: a 32-byte vector returned by value from code without an AVX target
// would change the ABI.)
template <typename T, typename Row, int Lanes>
[[gnu::always_inline]] inline void nan_columns_along(const T* plane,
                                                     std::span<const std::int32_t> rows,
                                                     std::int32_t c, vec<Row, Lanes>& nan) {
  nan = vec<Row, Lanes>{};
  for (const std::int32_t row : rows) {
    vec<T, Lanes> x;
    std::memcpy(&x, plane + row + c, sizeof x);
    nan |= x != x;
  }
}

}  // namespace
}  // namespace poolproof::engine::detail

// The binary64 max-forward separable kernel (not a public interface): each band of rows reduced
// column by column in SIMD lanes of doubles, then each window's columns.
#pragma once

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/max_kernels.h"
#include "engine/planes.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {
// Internal linkage: the header is included only by max_forward_simd.cc, whose target-specific
// entry points instantiate these templates.
namespace {

// Per column of a band: its first strict maximum and that element's flat offset; `nan` flags
// columns holding a NaN (their windows are rescanned).
struct column_maxima {
  std::vector<double> values;
  std::vector<std::int32_t> offsets, nan;
};

column_maxima& thread_column_maxima() {
  thread_local column_maxima maxima;
  return maxima;
}

// K vectors of `Lanes` doubles of one band of rows (flat offsets `rows`, in scan order), the
// k-th at column(k): each lane keeps its column's first strict maximum and that element's flat
// offset (a column of -inf keeps the band's first row). Returns whether any column held a NaN.
template <int Lanes, std::size_t K, typename Column>
[[gnu::always_inline]] inline bool band_columns_64(const double* plane,
                                                   const std::vector<std::int32_t>& rows,
                                                   Column column, column_maxima& maxima) {
  using F64 = vec<double, Lanes>;
  using I64 = vec<std::int64_t, Lanes>;
  using I32 = vec<std::int32_t, Lanes>;
  F64 best[K];
  I64 best_row[K], nan[K];
  std::ranges::fill(best, F64{} - std::numeric_limits<double>::infinity());
  std::ranges::fill(best_row, I64{} + rows.front());
  std::ranges::fill(nan, I64{});
  for (const std::int32_t row : rows) {
    const I64 current = I64{} + row;  // the row's flat offset, in every lane
    for (std::size_t k = 0; k < K; ++k) {
      F64 x;
      std::memcpy(&x, plane + row + column(k), sizeof x);
      const I64 greater = x > best[k];
      best[k] = greater ? x : best[k];
      best_row[k] = greater ? current : best_row[k];
      nan[k] |= x != x;
    }
  }
  I64 iota{}, any{};
  for (int j = 0; j < Lanes; ++j) iota[j] = j;
  for (std::size_t k = 0; k < K; ++k) {
    const std::int32_t c = column(k);
    std::memcpy(maxima.values.data() + c, &best[k], sizeof best[k]);
    const I32 offsets = __builtin_convertvector(best_row[k] + iota + c, I32);
    std::memcpy(maxima.offsets.data() + c, &offsets, sizeof offsets);
    const I32 flags = __builtin_convertvector(nan[k], I32);
    std::memcpy(maxima.nan.data() + c, &flags, sizeof flags);
    any |= nan[k];
  }
  bool result = false;
  for (int j = 0; j < Lanes; ++j) result |= any[j] != 0;
  return result;
}

// band_columns_64 over the whole width (at least Lanes) in ceil(width / Lanes) vectors, four at
// a time, the last at width - Lanes: a column reduced twice gets the same maximum.
template <int Lanes>
[[gnu::always_inline]] inline bool band_maxima(const double* plane,
                                               const std::vector<std::int32_t>& rows,
                                               std::int32_t width, column_maxima& maxima) {
  const std::int32_t vectors = (width + Lanes - 1) / Lanes;
  bool nan = false;
  for (std::int32_t first = 0; first < vectors;) {
    const auto column = [first, width](std::size_t k) {
      return std::min((first + static_cast<std::int32_t>(k)) * Lanes, width - Lanes);
    };
    const std::int32_t left = vectors - first;
    if (left >= 3) {
      nan |= band_columns_64<Lanes, 4>(plane, rows, column, maxima);
      first += 4;
    } else if (left == 2) {
      nan |= band_columns_64<Lanes, 2>(plane, rows, column, maxima);
      first += 2;
    } else {
      nan |= band_columns_64<Lanes, 1>(plane, rows, column, maxima);
      first += 1;
    }
  }
  return nan;
}

// The window's winner from its columns' maxima: the least flat offset (the earliest in scan
// order) among the columns whose maximum equals the window's (-0 == +0, so they tie; a window
// of -inf columns gets its first element). Two passes without branches (with random values,
// which column wins is unpredictable), each in two chains for the latency. Precondition: no
// NaN in the window.
std::int64_t best_column_offset(const column_maxima& maxima, const reference::window& w) {
  const double* values = maxima.values.data();
  const std::int32_t* offsets = maxima.offsets.data();
  double a = values[w.begin], b = a;
  std::int64_t c = w.begin + 1;
  for (; c + 1 < w.end; c += 2) {
    a = std::max(a, values[c]);
    b = std::max(b, values[c + 1]);
  }
  if (c < w.end) a = std::max(a, values[c]);
  const double best = std::max(a, b);
  std::int32_t first = std::numeric_limits<std::int32_t>::max(), second = first;
  for (c = w.begin; c + 1 < w.end; c += 2) {
    first = values[c] == best ? std::min(first, offsets[c]) : first;
    second = values[c + 1] == best ? std::min(second, offsets[c + 1]) : second;
  }
  if (c < w.end) first = values[c] == best ? std::min(first, offsets[c]) : first;
  return std::min(first, second);
}

bool window_holds_nan(const column_maxima& maxima, const reference::window& w) {
  std::int32_t any = 0;
  for (std::int64_t c = w.begin; c < w.end; ++c) any |= maxima.nan[static_cast<std::size_t>(c)];
  return any != 0;
}

// PyTorch's max forward on binary64 planes [first, end) whose rows are at least Lanes and at
// most separable_width wide, band by band as max_separable does for binary32.
template <int Lanes>
[[gnu::always_inline]] inline void max_separable_64(const geometry& g, const double* input,
                                                    double* output, std::int64_t* indices,
                                                    std::int64_t first, std::int64_t end) {
  const auto width = static_cast<std::int32_t>(g.in[2]);
  column_maxima& maxima = thread_column_maxima();
  maxima.values.resize(static_cast<std::size_t>(width));
  maxima.offsets.resize(static_cast<std::size_t>(width));
  maxima.nan.resize(static_cast<std::size_t>(width));
  std::vector<std::int32_t>& rows = thread_scratch().rows;
  for (std::int64_t p = first; p < end; ++p) {
    const double* plane = input + p * g.in_plane;
    std::int64_t out_at = p * g.out_plane;
    for (const reference::window& w0 : g.windows[0]) {
      for (const reference::window& w1 : g.windows[1]) {
        band_rows(g, w0, w1, rows);
        const bool nan = band_maxima<Lanes>(plane, rows, width, maxima);
        for (const reference::window& w2 : g.windows[2]) {
          const std::int64_t winner = nan && window_holds_nan(maxima, w2)
                                          ? argmax_exact<binary64_source>(g, plane, {w0, w1, w2})
                                          : best_column_offset(maxima, w2);
          output[out_at] = plane[winner];
          indices[out_at++] = winner;
        }
      }
    }
  }
  // Long bands are not kept (rows are at most separable_width wide: 1 MiB of column maxima).
  if (rows.capacity() > max_kept_rows) std::vector<std::int32_t>().swap(rows);
}

}  // namespace
}  // namespace poolproof::engine::detail

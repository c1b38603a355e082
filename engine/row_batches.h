// Planes of one row of small windows, their means rounded in batches across rows (not a public
// interface): the loop shared by the binary32 and 16-bit avg forward passes.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/planes.h"

namespace poolproof::engine::detail {

/// A window's sum within a row of binary32 values (or 16-bit ones widened) in two chains: exact,
/// in any order, when the row's range makes every partial sum exact.
inline double row_window_sum(const float* row, const reference::window& w) {
  // Two named chains stay in registers; sums[i & 1] kept them on the stack, a store-to-load
  // wait an addition (the 1-D rows took 1.05x-1.18x this version's time: measured).
  double even = 0;
  double odd = 0;
  std::int64_t i = w.begin;
  for (; i + 1 < w.end; i += 2) {
    even += static_cast<double>(row[i]);
    odd += static_cast<double>(row[i + 1]);
  }
  if (i < w.end) even += static_cast<double>(row[i]);
  return even + odd;
}

/// The planes [first, end) of g, each one row with one output row (g.in_plane == g.in[2],
/// g.out_plane == g.out[2]), into `output`. For a row p where `row_unit(p)` holds (every sum of
/// up to g.largest_window of its values exact in doubles), its windows' sums (row_window_sum of
/// row_values(p), the row in binary32; called only then, and its pointer read only until the
/// next call) wait in a batch across rows, and `means` rounds each batch into the outputs' next
/// span; every other row goes to other_row(p), which writes that row's outputs itself.
/// Either row_unit returns a bool and means(sums, counts, outputs) needs no units, or it returns
/// a std::optional<int> unit (the row's values all multiples of 2^unit) and
/// means(sums, counts, units, outputs) takes each sum's unit.
template <typename Out, typename RowValues, typename RowUnit, typename Means, typename OtherRow>
void batched_row_means(const geometry& g, Out* output, std::int64_t first, std::int64_t end,
                       const RowValues& row_values, const RowUnit& row_unit, const Means& means,
                       const OtherRow& other_row) {
  using unit_type = decltype(row_unit(first));
  static_assert(std::same_as<unit_type, bool> || std::same_as<unit_type, std::optional<int>>);
  // Consecutive rows' outputs are contiguous, so a batch writes one span; a row left to
  // other_row ends the batch first.
  constexpr std::size_t batch = 512;
  std::array<double, batch> sums{};
  std::array<std::uint64_t, batch> counts{};
  // Units cost a store a window, so only rows that have them keep them.
  constexpr bool with_units = std::same_as<unit_type, std::optional<int>>;
  std::array<int, with_units ? batch : 0> units{};
  std::size_t filled = 0;
  Out* batch_out = output + first * g.out_plane;
  const auto flush = [&] {
    const std::span<const double> batch_sums(sums.data(), filled);
    const std::span<const std::uint64_t> batch_counts(counts.data(), filled);
    if constexpr (with_units) {
      means(batch_sums, batch_counts, std::span<const int>(units.data(), filled),
            std::span<Out>(batch_out, filled));
    } else {
      means(batch_sums, batch_counts, std::span<Out>(batch_out, filled));
    }
    batch_out += filled;
    filled = 0;
  };
  for (std::int64_t p = first; p < end; ++p) {
    const auto unit = row_unit(p);
    if (!unit) {
      flush();
      other_row(p);
      batch_out += g.out_plane;
      continue;
    }
    const float* row = row_values(p);
    for (const reference::window& w : g.windows[2]) {
      sums[filled] = row_window_sum(row, w);
      counts[filled] = static_cast<std::uint64_t>(w.length());
      if constexpr (with_units) units[filled] = *unit;
      if (++filled == batch) flush();
    }
  }
  flush();
}

}  // namespace poolproof::engine::detail

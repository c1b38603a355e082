// avg_forward_binary64.h. Why split sums: a binary64 window's exact sum needs up to 2100 bits in
// fixed point, while two doubles per value on a grid its range allows keep every partial sum
// exact (double_sums.cc), and the means of many windows then round in vector lanes.
#include "engine/avg_forward_binary64.h"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <vector>

#include "engine/avg_bands.h"
#include "engine/band_sums.h"
#include "engine/double_sums.h"

namespace poolproof::engine::detail {
namespace {

// split_means of one batch into out, all of one unit.
void write_split_means(std::span<const split_parts> parts, std::span<const std::uint64_t> counts,
                       int unit, double* out) {
  split_means(
      parts, counts, [unit](std::size_t) { return unit; }, std::span(out, parts.size()));
}

}  // namespace

// binary64's counterpart of avg_plane_in_doubles: one scan of the plane, and when a split grid
// is exact for every window of up to largest_window values within the plane's range, each
// window is split and summed (in units of the plane's least ulp) without a scan of its own.
bool avg_plane_split(const geometry& g, const double* plane, double* out) {
  const box3 whole{{0, g.in[0]}, {0, g.in[1]}, {0, g.in[2]}};
  const auto split =
      plane_split(scan_binary64(g, plane, whole), static_cast<std::uint64_t>(g.largest_window));
  if (!split) return false;
  constexpr std::size_t batch = 256;
  std::array<split_parts, batch> parts;
  std::array<std::uint64_t, batch> counts{};
  std::size_t filled = 0;
  std::int64_t first = 0;
  for_each_output(g, [&](std::int64_t at, const box3& box) {
    parts[filled] = split_sum(g, plane, box, *split);
    counts[filled++] = static_cast<std::uint64_t>(box.volume());
    if (filled < batch) return;
    write_split_means({parts.data(), filled}, {counts.data(), filled}, split->unit, out + first);
    first = at + 1;
    filled = 0;
  });
  write_split_means({parts.data(), filled}, {counts.data(), filled}, split->unit, out + first);
  return true;
}

// 1-D binary64 planes of small windows (each plane one row): each row is split on the split kept
// from an earlier row while values_within holds, else scanned and split as in avg_plane_split,
// and its windows' parts join a batch that runs across planes (consecutive
// planes' outputs are contiguous), so the vector means fill their lanes even when a plane has
// fewer outputs than lanes. A row the split cannot take flushes the batch and goes window by
// window.
void avg_rows_split(const geometry& g, const double* input, double* output, std::int64_t first,
                    std::int64_t end) {
  constexpr std::size_t batch = 256;
  std::array<split_parts, batch> parts;
  std::array<std::uint64_t, batch> counts{};
  std::array<int, batch> units{};
  std::size_t filled = 0;
  double* batch_out = output + first * g.out_plane;
  const auto flush = [&] {
    split_means(
        {parts.data(), filled}, {counts.data(), filled}, [&](std::size_t k) { return units[k]; },
        std::span(batch_out, filled));
    batch_out += filled;
    filled = 0;
  };
  const box3 whole{{0, 1}, {0, 1}, {0, g.in[2]}};
  const auto largest = static_cast<std::uint64_t>(g.largest_window);
  kept_split kept(largest);
  for (std::int64_t p = first; p < end; ++p) {
    const double* row = input + p * g.in_plane;
    const std::optional<binary64_split> split = kept.for_values(
        {row, static_cast<std::size_t>(g.in[2])}, [&] { return scan_binary64(g, row, whole); });
    if (!split) {
      flush();
      for_each_output(g, [&](std::int64_t at, const box3& box) {
        batch_out[at] = binary64_traits::from_bits(binary64_window_mean(g, row, box));
      });
      batch_out += g.out_plane;
      continue;
    }
    for (const reference::window& w : g.windows[2]) {
      parts[filled] = split_row_sum(row, w, *split);
      counts[filled] = static_cast<std::uint64_t>(w.length());
      units[filled] = split->unit;
      if (++filled == batch) flush();
    }
  }
  flush();
}

// binary64's banded pass: each band's rows are split on a grid and added column by column; each
// window's parts are its columns' sums, rounded once as in avg_plane_split. The grid must be
// exact for the band's largest window (see plane_split). The first band of a plane is scanned
// first; later bands are split on a grid chosen from the band before and scanned in the same
// pass, which keeps the sums when the band's range lies within what that grid covers (one pass
// over the band instead of two: measured 0.76x-0.90x of the time of scan then split) and else
// splits the band again on its own grid.
void avg_plane_banded_binary64(const geometry& g, const double* plane, double* out) {
  thread_local std::vector<double> high, low;
  high.resize(static_cast<std::size_t>(g.in[2]));
  low.resize(static_cast<std::size_t>(g.in[2]));
  const reference::window whole_row{0, g.in[2]};
  std::optional<binary64_split> split;
  exponent_range previous{.special = true};  // the last band's range (special: none yet)
  const auto add_rows = [&](const reference::window& w0, const reference::window& w1,
                            seen_magnitudes_64* seen) {
    std::ranges::fill(high, 0.0);
    std::ranges::fill(low, 0.0);
    for (std::int64_t i0 = w0.begin; i0 < w0.end; ++i0) {
      const double* first_row = plane + (i0 * g.in[1] + w1.begin) * g.in[2];
      if (seen != nullptr) {
        add_split_rows_scanning(first_row, w1.length(), g.in[2], high.data(), low.data(), split->c,
                                *seen);
      } else {
        add_split_rows_to_columns(first_row, w1.length(), g.in[2], high.data(), low.data(),
                                  split->c);
      }
    }
  };
  const auto add_band = [&](const reference::window& w0, const reference::window& w1) {
    const std::uint64_t largest = band_largest(g, w0.length() * w1.length());
    exponent_range covered;
    split = covering_split(previous, largest, covered);
    if (split) {
      seen_magnitudes_64 seen;
      add_rows(w0, w1, &seen);
      const exponent_range range =
          magnitude_range<binary64_traits>(seen.least_minus_one, seen.greatest);
      if (range_within(range, covered)) {
        if (range.lowest <= range.highest) previous = range;
        return true;
      }
      previous = range;
    } else {
      previous = scan_binary64(g, plane, box3{w0, w1, whole_row});
    }
    split = plane_split(previous, largest);
    if (!split) return false;
    add_rows(w0, w1, nullptr);
    return true;
  };
  // The band's means a batch of windows at a time (bounded scratch, whatever the output row).
  constexpr std::size_t batch = 256;
  std::array<split_parts, batch> parts;
  std::array<std::uint64_t, batch> counts{};
  const auto visit_band = [&](std::int64_t at, const reference::window& w0,
                              const reference::window& w1) {
    const std::int64_t rows = w0.length() * w1.length();
    const std::vector<reference::window>& row_windows = g.windows[2];
    for (std::size_t first = 0; first < row_windows.size(); first += batch) {
      const std::size_t count = std::min(batch, row_windows.size() - first);
      for (std::size_t k = 0; k < count; ++k) {
        const reference::window& w2 = row_windows[first + k];
        parts[k] = {column_sum(high, w2), column_sum(low, w2)};
        counts[k] = static_cast<std::uint64_t>(rows * w2.length());
      }
      write_split_means({parts.data(), count}, {counts.data(), count}, split->unit,
                        out + at + static_cast<std::int64_t>(first));
    }
  };
  const auto fall_back = [&](std::int64_t at, const box3& box) {
    out[at] = binary64_traits::from_bits(binary64_window_mean(g, plane, box));
  };
  for_each_band(g, add_band, visit_band, fall_back);
}

}  // namespace poolproof::engine::detail

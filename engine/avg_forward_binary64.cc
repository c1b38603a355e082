// avg_forward_binary64.h. Why split sums: a binary64 window's exact sum needs up to 2100 bits in
// fixed point, while two doubles per value on a grid its range allows keep every partial sum
// exact (double_sums.cc), and the means of many windows then round in vector lanes.
#include "engine/avg_forward_binary64.h"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "engine/avg_bands.h"
#include "engine/band_sums.h"
#include "engine/double_sums.h"
#include "engine/split_rows.h"

namespace poolproof::engine::detail {
namespace {

// Windows' split parts gathered so that their means are taken together: one call and full
// vector lanes per batch, where a band's or a row's windows alone (13 of a 13x13 plane) would
// pay a call each and leave lanes idle. A batch's outputs are consecutive; slots are reserved a
// run of outputs at a time, then filled.
class split_means_batch {
 public:
  static constexpr std::size_t capacity = 256;

  explicit split_means_batch(double* out) : out_(out) {}

  // Slots for outputs from `at` on, up to `wanted`: as many as the batch has room for, written
  // first when it is full or its outputs `at` does not follow. Returns the first slot and how
  // many (full batches of 256 keep the outputs' cache-line alignment: batches of 250 read 1.13x
  // slower on 1-D rows).
  [[nodiscard]] std::pair<std::size_t, std::size_t> reserve(std::int64_t at, std::size_t wanted) {
    if (filled_ == capacity || (filled_ > 0 && at != first_ + static_cast<std::int64_t>(filled_)))
      flush();
    if (filled_ == 0) first_ = at;
    const std::size_t slot = filled_;
    const std::size_t granted = std::min(wanted, capacity - filled_);
    filled_ += granted;
    return {slot, granted};
  }

  // A reserved slot's parts: the sum of `count` values in units of 2^unit.
  void set(std::size_t slot, const split_parts& parts, std::uint64_t count, int unit) {
    parts_[slot] = parts;
    counts_[slot] = count;
    units_[slot] = unit;
  }

  // Writes the batch's means (every reserved slot set).
  void flush() {
    split_means(
        {parts_.data(), filled_}, {counts_.data(), filled_},
        [this](std::size_t k) { return units_[k]; }, std::span(out_ + first_, filled_));
    filled_ = 0;
  }

 private:
  double* out_;
  std::int64_t first_ = 0;
  std::size_t filled_ = 0;
  // Cache-line aligned: the vector means load 64 bytes at a time from both arrays.
  alignas(64) std::array<split_parts, capacity> parts_;
  alignas(64) std::array<std::uint64_t, capacity> counts_{};
  std::array<int, capacity> units_{};
};

// Each window of a row of windows, from output `at` on, into the batch: `parts_of(window)`
// gives its parts and `count_of(window)` its count.
template <typename PartsOf, typename CountOf>
void add_row_of_windows(split_means_batch& batch, std::int64_t at,
                        const std::vector<reference::window>& windows, int unit, PartsOf parts_of,
                        CountOf count_of) {
  for (std::size_t done = 0; done < windows.size();) {
    const auto [slot, granted] =
        batch.reserve(at + static_cast<std::int64_t>(done), windows.size() - done);
    for (std::size_t k = 0; k < granted; ++k) {
      const reference::window& w = windows[done + k];
      batch.set(slot + k, parts_of(w), count_of(w), unit);
    }
    done += granted;
  }
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
  split_means_batch batch(out);
  for_each_output(g, [&](std::int64_t at, const box3& box) {
    batch.set(batch.reserve(at, 1).first, split_sum(g, plane, box, *split),
              static_cast<std::uint64_t>(box.volume()), split->unit);
  });
  batch.flush();
  return true;
}

// 1-D binary64 planes of small windows (each plane one row). Runs of consecutive rows whose
// values all lie within the range of the split kept from earlier rows are summed together in
// vector lanes (split_rows.h) and their means rounded at once. Any other row is split on the kept
// split while values_within holds, else scanned and split as in avg_plane_split, and its windows'
// parts join a batch that runs across planes (consecutive planes' outputs are contiguous), so the
// vector means fill their lanes even when a plane has fewer outputs than lanes. A row the split
// cannot take goes window by window (the batch before it is written when the next row's outputs
// do not follow its own).
void avg_rows_split(const geometry& g, const double* input, double* output, std::int64_t first,
                    std::int64_t end) {
  split_means_batch batch(output);
  const box3 whole{{0, 1}, {0, 1}, {0, g.in[2]}};
  kept_split kept(static_cast<std::uint64_t>(g.largest_window));
  const auto one_row = [&](std::int64_t p) {
    const double* row = input + p * g.in_plane;
    const std::optional<binary64_split> split = kept.for_values(
        {row, static_cast<std::size_t>(g.in[2])}, [&] { return scan_binary64(g, row, whole); });
    if (!split) {
      double* out = output + p * g.out_plane;
      for_each_output(g, [&](std::int64_t at, const box3& box) {
        out[at] = binary64_traits::from_bits(binary64_window_mean(g, row, box));
      });
      return;
    }
    add_row_of_windows(
        batch, p * g.out_plane, g.windows[2], split->unit,
        [&](const reference::window& w) { return split_row_sum(row, w, *split); },
        [](const reference::window& w) { return static_cast<std::uint64_t>(w.length()); });
  };
  const split_rows_summer summer(g);
  if (!summer.usable()) {
    for (std::int64_t p = first; p < end; ++p) one_row(p);
    return batch.flush();
  }
  std::array<split_parts, split_rows_summer::most_outputs> parts;
  std::array<std::uint64_t, split_rows_summer::most_outputs> counts{};
  for (std::size_t k = 0; k < counts.size(); ++k)
    counts[k] = static_cast<std::uint64_t>(g.windows[2][k % g.windows[2].size()].length());
  const auto run = [&](std::int64_t p, std::int64_t rows) {
    const std::optional<binary64_split>& split = kept.split();
    if (!split || !summer.sums(input + p * g.in_plane, rows, *split, kept.covered(), parts))
      return false;
    const auto outputs = static_cast<std::size_t>(rows * g.out_plane);
    split_means(
        std::span(parts).first(outputs), std::span(counts).first(outputs),
        [&](std::size_t /*k*/) { return split->unit; },
        std::span(output + p * g.out_plane, outputs));
    return true;
  };
  runs_of_planes(first, end, summer.rows_per_run(), run, one_row);
  batch.flush();
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
    // A run of consecutive rows per i0.
    const band_layout band{w1.length(), g.in[2], w0.length(), g.in[1] * g.in[2]};
    const double* first_row = plane + (w0.begin * g.in[1] + w1.begin) * g.in[2];
    if (seen != nullptr) {
      add_split_rows_scanning(first_row, band, high.data(), low.data(), split->c, *seen);
    } else {
      add_split_rows_to_columns(first_row, band, high.data(), low.data(), split->c);
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
  // Every band's means in batches across the plane's bands.
  split_means_batch batch(out);
  const auto visit_band = [&](std::int64_t at, const reference::window& w0,
                              const reference::window& w1) {
    const std::int64_t rows = w0.length() * w1.length();
    add_row_of_windows(
        batch, at, g.windows[2], split->unit,
        [&](const reference::window& w2) {
          return split_parts{column_sum(high, w2), column_sum(low, w2)};
        },
        [rows](const reference::window& w2) {
          return static_cast<std::uint64_t>(rows * w2.length());
        });
  };
  const auto fall_back = [&](std::int64_t at, const box3& box) {
    out[at] = binary64_traits::from_bits(binary64_window_mean(g, plane, box));
  };
  for_each_band(g, add_band, visit_band, fall_back);
  batch.flush();
}

}  // namespace poolproof::engine::detail

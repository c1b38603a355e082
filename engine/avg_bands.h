// The band walk of the avg forward pass's banded planes (not a public interface): a plane's
// outputs one band of rows at a time, a window's sum from its band's column sums.
#pragma once

#include <poolproof/reference/adaptive_window.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "engine/planes.h"

namespace poolproof::engine::detail {

// Walks a plane's outputs one band at a time: a band is the rows of one (w0, w1) pair, and every
// output of the band is a window of those rows. add_band(w0, w1) prepares the band's column sums
// and says whether they are exact; then visit_band(at, w0, w1) writes the band's outputs from
// out[at] on, or, when they are not exact, fall_back(at, box) writes each.
template <typename AddBand, typename VisitBand, typename FallBack>
inline void for_each_band(const geometry& g, AddBand add_band, VisitBand visit_band,
                          FallBack fall_back) {
  std::int64_t at = 0;
  for (const reference::window& w0 : g.windows[0]) {
    for (const reference::window& w1 : g.windows[1]) {
      if (add_band(w0, w1)) {
        visit_band(at, w0, w1);
        at += g.out[2];
        continue;
      }
      for (const reference::window& w2 : g.windows[2]) fall_back(at++, box3{w0, w1, w2});
    }
  }
}

// The sum of columns [begin, end): four chains (every partial sum of a window's values is exact
// here, so the order does not matter), for wide windows whose one chain would wait on each
// addition.
inline double column_sum(const std::vector<double>& columns, const reference::window& w2) {
  std::array<double, 4> sums{};
  const double* column = columns.data() + w2.begin;
  const std::int64_t length = w2.length();
  std::int64_t j = 0;
  for (; j + 4 <= length; j += 4) {
    for (std::size_t k = 0; k < 4; ++k) sums[k] += column[j + static_cast<std::int64_t>(k)];
  }
  for (; j < length; ++j) sums[0] += column[j];
  return (sums[0] + sums[1]) + (sums[2] + sums[3]);
}

// The largest window of a band of `rows` rows.
inline std::uint64_t band_largest(const geometry& g, std::int64_t rows) {
  std::int64_t widest = 0;
  for (const reference::window& w2 : g.windows[2]) widest = std::max(widest, w2.length());
  return static_cast<std::uint64_t>(rows * widest);
}

}  // namespace poolproof::engine::detail

// The plan of the fast engine's avg backward pass (not a public interface): per axis, the
// segments of inputs covered by the same windows, and what the cells they form share.
#pragma once

#include <poolproof/reference/adaptive_window.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "engine/planes.h"

namespace poolproof::engine::detail {

// Inputs [begin, end) of one axis, covered by exactly the windows [first, last]. `denominator` is
// the lcm of those windows' lengths (0 past 2^62), weights[o - first] = denominator / length(o).
struct segment {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::int64_t denominator = 0;
  std::vector<std::int64_t> weights;
};

/// Denominators at or past this bound are not kept (0 stands for them).
inline constexpr std::int64_t too_big = std::int64_t{1} << 62;

// The largest cell denominator and cover count over all cells (denominator 0: some lcm passed
// 2^62), so one check per plane can clear the int64 path for every cell.
struct cell_bounds {
  std::int64_t denominator = 1;
  std::int64_t covers = 1;
};

// Axis-2 segments covered by one or two windows (always so when the axis does not grow): the
// cover is (a, wa) and (b, wb), with wb = 0 (and b = a) for one window.
struct pair_cover {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t a = 0;
  std::int64_t b = 0;
  std::int64_t wa = 0;
  std::int64_t wb = 0;
  std::int64_t denominator = 0;
  double reciprocal = 0;  ///< 1 / denominator, rounded once
};

// Everything avg backward derives from the windows alone: segments per axis, the bounds over
// all cells and the pair covers of axis 2.
struct cell_plan {
  std::array<std::vector<reference::window>, 3> windows;
  std::array<std::int64_t, 3> in{};
  std::array<std::vector<segment>, 3> segments;
  cell_bounds bounds;
  std::vector<pair_cover> covers;
  bool one_row_blocks = false;         ///< every axis-0 and axis-1 segment has one window (so 1-D)
  std::vector<std::int32_t> cover_of;  ///< per axis-2 input, its pair cover (when there are covers)
};

// Copies a row block's first row (its cell values) to the block's other rows.
template <typename T>
inline void copy_first_row(const geometry& g, const segment& s0, const segment& s1, T* plane,
                           const T* first_row) {
  for (std::int64_t i0 = s0.begin; i0 < s0.end; ++i0) {
    for (std::int64_t i1 = s1.begin; i1 < s1.end; ++i1) {
      T* row = plane + (i0 * g.in[1] + i1) * g.in[2];
      if (row != first_row) std::copy(first_row, first_row + g.in[2], row);
    }
  }
}

// A row block's first row from its cells' values (one per pair cover): cell by cell when cells
// are long, else input by input from the cover index (a fill per cell of one to three inputs
// costs more).
template <typename T>
inline void write_cells_row(const geometry& g, const cell_plan& plan, const T* values, T* row) {
  if (g.in[2] >= 8 * static_cast<std::int64_t>(plan.covers.size())) {
    for (std::size_t k = 0; k < plan.covers.size(); ++k)
      std::fill(row + plan.covers[k].begin, row + plan.covers[k].end, values[k]);
    return;
  }
  for (std::int64_t i = 0; i < g.in[2]; ++i)
    row[i] = values[plan.cover_of[static_cast<std::size_t>(i)]];
}

// The calling thread's last cell plan, rebuilt when the windows change (they repeat call after
// call in a model; building the segments costs more than a small backward pass).
const cell_plan& remembered_plan(const geometry& g);

}  // namespace poolproof::engine::detail

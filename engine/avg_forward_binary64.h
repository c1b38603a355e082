// The avg forward pass's binary64 planes through split sums (not a public interface): each value
// split exactly in two doubles on a grid its range allows (double_sums.h), window sums of the
// parts rounded once in batches.
#pragma once

#include <cstdint>

#include "engine/planes.h"

namespace poolproof::engine::detail {

/// round_to(binary64, the window's exact mean), window by window, whatever the values
/// (avg_forward.cc's general path: the fall-back of the passes below).
[[nodiscard]] std::uint64_t binary64_window_mean(const geometry& g, const double* plane,
                                                 const box3& box);

/// A plane of small windows: one scan of the plane, and when a split grid is exact for every
/// window of up to largest_window values within the plane's range, every window through the
/// split. Returns false, writing nothing, otherwise.
[[nodiscard]] bool avg_plane_split(const geometry& g, const double* plane, double* out);

/// Planes [first, end) of one row of small windows each (1-D), their windows' parts in batches
/// across planes; a row the split cannot take goes window by window.
void avg_rows_split(const geometry& g, const double* input, double* output, std::int64_t first,
                    std::int64_t end);

/// A plane band by band (rows of at most banded_row_limit): each band's rows split and added
/// column by column, each window's parts its columns' sums; a band no split covers takes each
/// window's own path.
void avg_plane_banded_binary64(const geometry& g, const double* plane, double* out);

}  // namespace poolproof::engine::detail

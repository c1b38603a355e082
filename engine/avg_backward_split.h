// binary64 avg backward cells through split sums (not a public interface): the cells of many
// planes rounded in one batch of hardware divisions instead of a 128-bit division each.
#pragma once

#include <cstdint>
#include <functional>

#include "engine/avg_backward_plan.h"
#include "engine/planes.h"

namespace poolproof::engine::detail {

/// Whether split_cells_planes may take a plan: pair covers along axis 2, and every cell
/// denominator (bounds.denominator) below 2^53, the divisors means_of_parts takes.
[[nodiscard]] bool split_cells_fit(const cell_plan& plan);

/// round_to(binary64, each cell's exact gradient) for planes [first, end), written to every
/// input of the cell (as avg_backward_plane does), for each plane whose gradients' range admits
/// a split grid (double_sums.h) exact for the largest cell's weighted sum; calls
/// other_plane(p) for every other plane. Precondition: split_cells_fit(plan).
void split_cells_planes(const geometry& g, const cell_plan& plan, const double* grad_output,
                        double* grad_input, std::int64_t first, std::int64_t end,
                        const std::function<void(std::int64_t)>& other_plane);

}  // namespace poolproof::engine::detail

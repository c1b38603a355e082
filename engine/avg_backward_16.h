// binary16 and bfloat16 avg backward cells in doubles (not a public interface): the cells of
// many planes rounded in one batch of narrowed_means instead of one at a time.
#pragma once

#include <cstdint>
#include <functional>

#include "engine/avg_backward_plan.h"
#include "engine/planes.h"

namespace poolproof::engine::detail {

/// round_to(F, each cell's exact gradient) for planes [first, end), F binary16 or bfloat16,
/// written to every input of the cell (as avg_backward_plane does), for each plane whose
/// gradients' range makes every cell's weighted sum exact in doubles; calls other_plane(p) for
/// every other plane. Precondition: plan.one_row_blocks and pair covers along axis 2.
template <typename F>
void double_cells_planes(const geometry& g, const cell_plan& plan, const std::uint16_t* grad_output,
                         std::uint16_t* grad_input, std::int64_t first, std::int64_t end,
                         const std::function<void(std::int64_t)>& other_plane);

}  // namespace poolproof::engine::detail

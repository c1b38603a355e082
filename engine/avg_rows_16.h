// The binary16 and bfloat16 avg forward pass over planes of one row of short windows (not a
// public interface): window sums in doubles, their means rounded in batches across rows.
#pragma once

#include <cstdint>
#include <functional>

#include "engine/planes.h"

namespace poolproof::engine::detail {

/// round_to(F, each window's exact mean) for the planes [first, end) of `input`, each one row
/// (g.in_plane == g.in[2], g.out_plane == g.out[2]), F binary16 or bfloat16, written to
/// `output` for every row whose exponent range makes each window's double sum exact (see
/// double_pass); calls other_row(p) for every other row (infinities, NaNs, too wide a spread).
template <typename F>
void avg_rows_16(const geometry& g, const std::uint16_t* input, std::uint16_t* output,
                 std::int64_t first, std::int64_t end,
                 const std::function<void(std::int64_t)>& other_row);

}  // namespace poolproof::engine::detail

// Private to solver/: the pieces of decompose() that other files of the solver share.
#pragma once

#include <poolproof/solver/decomposition.h>

#include <cstdint>
#include <optional>
#include <string>

#include "solver/window_classes.h"

namespace poolproof::solver::detail {

/// Where block j of a segment starts on the gathered copy, and how long it is.
[[nodiscard]] std::int64_t block_begin(const axis_segment& s, std::int64_t j);
[[nodiscard]] std::int64_t block_length(const axis_segment& s, std::int64_t j);

/// The family's reference model of the segment's pool against its blocks: one output per block,
/// reading exactly it, dividing (avg) by its length; nullopt when it fits.
[[nodiscard]] std::optional<std::string> segment_mismatch(const axis_segment& s,
                                                          reference::pool_kind kind);

/// The reference's re-check of a whole axis (every window up to 10^7 outputs, else a sample),
/// adding the windows it visited to `rechecked`.
[[nodiscard]] std::optional<std::string> axis_mismatch(const axis_decomposition& a,
                                                       reference::pool_kind kind,
                                                       std::int64_t& rechecked);

/// Why avg n -> m needs two pooling ops (n > m, both lengths at least 2, at least three shorter
/// windows): Z3's unsat of the one-pool relaxation for m <= 64 (docs/decomposition.md), else the
/// theorem. Says so when Z3 gave up or (an internal error) found one pool.
[[nodiscard]] std::string two_pools_needed(const window_classes& c, const solver_options& options);

/// two_pools_needed without its cache of proven pairs.
[[nodiscard]] std::string prove_two_pools(const window_classes& c, const solver_options& options);

}  // namespace poolproof::solver::detail

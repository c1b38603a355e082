// Private to solver/: the Z3 terms several families build their layers from (output counts of
// explicit pads, SAME and VALID padding, auto_pad), so each family's unit only picks its own.
#pragma once

#include <poolproof/reference/export_pool.h>
#include <z3++.h>

#include <cstdint>

#include "solver/families/family_unit.h"

namespace poolproof::solver::detail {

constexpr int notset_index = static_cast<int>(reference::onnx_auto_pad::notset);
constexpr int same_upper_index = static_cast<int>(reference::onnx_auto_pad::same_upper);
constexpr int same_lower_index = static_cast<int>(reference::onnx_auto_pad::same_lower);
constexpr int valid_index = static_cast<int>(reference::onnx_auto_pad::valid);

/// The integer constant `value`.
[[nodiscard]] z3::expr constant(z3::context& ctx, std::int64_t value);

/// 1 where `b` holds, else 0.
[[nodiscard]] z3::expr flag(const z3::expr& b);

/// Explicit pads: floor or (ceil_mode) ceil of (n + pads - d*(k-1) - 1)/s + 1 = m, where
/// ceil_mode drops a last window starting at or past n + pad_begin (reference/fixed_pool.h,
/// explicit_pads_geometry). `symmetric`: the pads are one unknown counted twice (PyTorch).
[[nodiscard]] z3::expr explicit_count_is(const unknowns& u, std::int64_t n, std::int64_t m,
                                         bool symmetric);

/// The ranges of a family with ONNX's explicit pads: kernel, stride, dilation in [1, 2^62], and
/// with auto_pad NOTSET pads in [0, kernel).
[[nodiscard]] z3::expr export_ranges(const unknowns& u);

/// Explicit pads (auto_pad NOTSET), or SAME_UPPER, SAME_LOWER or VALID with ceil_mode 0 and
/// dilation 1, whose pads are derived (reference/export_pool.h). `clamp_same`: a negative SAME
/// padding is clamped to 0 (TFLite) rather than refused (ONNX).
[[nodiscard]] z3::expr auto_pad_layer(const unknowns& u, std::int64_t n, std::int64_t m,
                                      bool clamp_same);

}  // namespace poolproof::solver::detail

// The theorem: exactly when a fixed pooling of a family reproduces adaptive pooling, and with what.
#pragma once

#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/family.h>

#include <cstdint>
#include <optional>

namespace poolproof::solver {

/// Which case of the theorem (docs/theorem.md) an (n, m) falls in, for avg and max alike.
enum class closed_form_branch {
  divisible,        ///< m | n: k = s = n/m (s = 1 when m = 1), p = 0.
  remainder_one,    ///< n > m >= 2 and n = 1 (mod m): s = (n-1)/m, k = s+1, p = 0.
  remainder_minus,  ///< m >= 2 and n = -1 (mod m), not the above: s = (n+1)/m, k = s+1, p = 1
                    ///< (avg: count_include_pad=False, since the end windows are clipped).
  none,             ///< No fixed pooling of the family reproduces adaptive pooling n -> m.
  input_one,        ///< ONNX only: n = 1, m >= 3: k = m, s = 1, pads (m-1, m-1).
};

/// "divisible", "n=1 mod m", "n=-1 mod m", "none", "n=1".
[[nodiscard]] const char* branch_name(closed_form_branch branch);

/// The branch and, unless `none`, the least witness in the family's preference order.
struct closed_form_answer {
  closed_form_branch branch = closed_form_branch::none;
  std::optional<family_params> witness;
};

/// The theorem for `family` (docs/theorem.md), with the least witness in that family's
/// preference order. PyTorch: the three branches above (kernel, stride, padding, then PyTorch's
/// defaults). ONNX: PyTorch's branches and n = 1; the n=-1 branch takes pads (1, 0) with
/// ceil_mode when n >= 2m - 1, pads (1, 1) when m = n + 1; avg never counts the padding (ONNX's
/// default). TFLite: m <= n and n mod m in {0, 1, m-1}: VALID, except the n=-1 branch, SAME.
/// O(1), exact for all 1 <= n, m <= 2^62; throws input_error outside.
[[nodiscard]] closed_form_answer closed_form(std::int64_t in_size, std::int64_t out_size,
                                             reference::pool_kind kind,
                                             pool_family family = default_family);

}  // namespace poolproof::solver

// The golden suite's cases and their deterministic, seeded inputs.
#pragma once

#include <poolproof/golden/expectation.h>
#include <poolproof/golden/manifest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace poolproof::golden {

/// How a case's input (and grad_output) values are drawn.
enum class input_pattern {
  ramp,          ///< plane p holds 0, 1, 2, ... (even p) or the reverse (odd p): the seed's inputs
  one_hot,       ///< plane p is e_p (a [n, n] input): every window membership shows in the output
  alternating,   ///< avg: sum over axes of (-1)^i (1 + r_i/2), plus noise below 1/16, per-plane
                 ///< power-of-two scale: shifting a window bound moves the mean by about 1/(L+1)
  monotone,      ///< max: plane 0 strictly increasing, plane 1 strictly decreasing (so moving any
                 ///< window end or start changes a maximum), further planes distinct, shuffled
  special_1d,    ///< windows of 3 holding NaN, +-inf, -0, subnormals, ties, overflow-prone sums
  special_ties,  ///< N-D max with many ties and one NaN
  boundary_product,  ///< avg at any size: per axis 0 away from window edges and 1, 2, 1, ... next
                     ///< to them, multiplied over the axes, per-plane power-of-two scale and sign:
                     ///< window sums are exact in every order (CHECKING.md section 5)
  boundary_steps     ///< max at any size: 1, 2, 3, ... (or consecutive floats from 1.0) rising at
                     ///< every window edge (summed over the axes); odd planes fall instead
};

/// A case before its values are drawn: everything the manifest says of it, and its pattern.
struct case_spec {
  std::string name;
  golden_op op = golden_op::adaptive_avg_pool;
  std::string tier;  ///< "core" or "special"
  std::vector<std::int64_t> input_shape;
  std::vector<std::int64_t> output_size;
  reference::float_format dtype = reference::float_format::binary32;
  input_pattern pattern = input_pattern::alternating;

  [[nodiscard]] int spatial_dims() const { return static_cast<int>(output_size.size()); }
};

/// The committed suite's cases, in manifest order (names unique).
[[nodiscard]] std::vector<case_spec> suite_cases();

/// The seed `golden generate` uses without --seed.
inline constexpr std::uint64_t default_seed = 20261125;

/// The case's problem with inputs (and backward grad_output) drawn from `seed` and the case name,
/// as values of the case's dtype. Deterministic on every platform (SplitMix64, exact rationals,
/// correct rounding). Throws input_error when the pattern cannot fit the shape in the dtype.
[[nodiscard]] pooling_problem draw_problem(const case_spec& spec, std::uint64_t seed);

}  // namespace poolproof::golden

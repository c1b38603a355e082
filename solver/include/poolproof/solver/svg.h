// SVG pictures: one axis's adaptive windows against a fixed layer's, and the theorem's n x m map.
#pragma once

#include <poolproof/solver/closed_form.h>
#include <poolproof/solver/report.h>
#include <poolproof/solver/sweep.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace poolproof::solver {

/// Axis `axis` of the report as a standalone SVG document: the input cells (a scaled ruler when
/// n > 256), then per output i the adaptive window [floor(i*n/m), ceil((i+1)*n/m)) as a bar and
/// under it the fixed window of the avg witness of the report's family (the layer's if any, else
/// the axis's) or, without one, of the family's naive rule (PyTorch: stride = n//m,
/// kernel = n-(m-1)*stride, padding 0; no fixed bars when n < m or the family has none). A fixed
/// window that reads other inputs, or divides by another number than the adaptive window's length,
/// is red (id "fixed-i", class "fixed differs"); a matching one is grey (class "fixed same").
/// Windows come from the family's reference model (adaptive_window, geometry_indices,
/// geometry_avg_divisor); padding cells are drawn dashed. At most 64 outputs are drawn, the first
/// and last 32, so the document stays under 200 KB for any size. Deterministic. Precondition: axis
/// < report.in_size.size().
[[nodiscard]] std::string window_picture_svg(const equivalence_report& report, std::size_t axis);

/// Most n (or m) values one equivalence map draws.
inline constexpr std::int64_t max_map_side = 512;

/// The map of every (n, m) in options.in x options.out, n across and m upward, one cell per pair
/// coloured (Okabe-Ito, colour-blind safe) by branch_of(n, m), with axis labels and a legend that
/// counts each branch; each branch is one path (class "branch <name>") of row runs
/// "M x,y h w v c h -w z" with c the cell size. Deterministic. Throws input_error for a range
/// outside [1, 2^62] or empty, and when a side exceeds 512 values
/// ("map of AxB pairs is larger than 512x512", A values of n by B of m).
[[nodiscard]] std::string equivalence_map_svg(
    const sweep_options& options,
    const std::function<closed_form_branch(std::int64_t n, std::int64_t m)>& branch_of);

}  // namespace poolproof::solver

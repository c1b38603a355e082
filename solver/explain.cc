#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/explain.h>

#include <vector>

#include "solver/families/family_unit.h"
#include "solver/z3_encoding.h"

namespace poolproof::solver {
namespace {

// What window i demands of a dilation-1 layer, which reads [i*s - p, i*s - p + k) clipped to
// [0, n): an equation where the adaptive window is not clipped, an inequality where it is.
std::string demands(std::int64_t n, std::int64_t m, std::int64_t i) {
  const reference::window w = reference::adaptive_window(n, m, i);
  const std::string start = i == 0 ? "-p" : fmt::format("{}*s - p", i);
  const std::string begin = w.begin == 0 ? start + " <= 0" : fmt::format("{} = {}", start, w.begin);
  const std::string end =
      w.end == n ? fmt::format("{} + k >= {}", start, n) : fmt::format("{} + k = {}", start, w.end);
  return fmt::format("window {} reads {}: {} and {}", i, to_string(w), begin, end);
}

// Two unclipped starts fix the stride and then the padding: say so when that already fails.
std::string consequence(std::int64_t n, std::int64_t m, const std::vector<std::int64_t>& windows) {
  std::vector<std::int64_t> unclipped;
  for (std::int64_t i : windows) {
    if (reference::adaptive_window(n, m, i).begin > 0) unclipped.push_back(i);
  }
  if (unclipped.size() < 2) return "";
  const std::int64_t i = unclipped[0], j = unclipped[1];
  const std::int64_t a = reference::adaptive_window(n, m, i).begin,
                     b = reference::adaptive_window(n, m, j).begin;
  if ((b - a) % (j - i) != 0) {
    return fmt::format("    so the stride would be ({} - {})/{}, not a whole number\n", b, a,
                       j - i);
  }
  const std::int64_t stride = (b - a) / (j - i), padding = i * stride - a;
  return fmt::format("    so stride = {} and padding = {}{}\n", stride, padding,
                     padding < 0 ? ", below 0" : "; the other demands then fail");
}

}  // namespace

std::string explain_not_equivalent(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                                   const not_equivalent& refutation, const solver_options& options,
                                   pool_family family) {
  const std::vector<std::int64_t> outputs =
      refutation.refuting_outputs.empty() ? detail::every_output(m) : refutation.refuting_outputs;
  const detail::refutation_core core =
      detail::minimal_refutation_core(n, m, family, kind, outputs, options);
  if (core.status != detail::solve_status::unsat) {
    return "    why: the solver could not extract an unsat core (" + core.reason + ")\n";
  }
  std::string text = fmt::format(
      "    why: a minimal unsat core keeps {} window(s); a layer's window i reads [i*s - p, i*s - "
      "p + k)\n"
      "    clipped to [0, {}), so with {}:\n",
      core.windows.size(), n, detail::unit_of(family).explained_ranges());
  for (std::int64_t i : core.windows) text += "    " + demands(n, m, i) + "\n";
  text += consequence(n, m, core.windows);
  if (core.needs_output_count) {
    text += fmt::format("    and the layer must have exactly {} outputs ({})\n", m,
                        detail::unit_of(family).output_count_rule());
  }
  if (core.needs_dilated_branch)
    text += "    and with dilation >= 2 each window would read one element, which these do not\n";
  // The conclusion comes last, whatever the core's demands led to above.
  return text + fmt::format(
                    "    so no {} {} layer meets all of these: none reproduces adaptive pooling "
                    "{} -> {}\n",
                    detail::unit_of(family).title(), reference::pool_kind_name(kind), n, m);
}

}  // namespace poolproof::solver

#include <poolproof/common/error.h>
#include <poolproof/golden/discrimination.h>

#include <map>

namespace poolproof::golden {
namespace {

// Whether a result element moved from `before` (bound b) to `after` (bound a) is caught for sure.
bool exposed(const pooling_problem& problem, const accumulation& before, const element_bound& b,
             const accumulation& after) {
  if (describe(problem.op).exact_result()) return !(before.value == after.value);
  if (!before.value.is_finite() || !after.value.is_finite()) return !(before.value == after.value);
  const element_bound a = bound_of(problem, after);
  if (!a.bound || !b.bound || a.overflow_possible || b.overflow_possible) return false;
  return abs(after.value.value - before.value.value) > *a.bound + *b.bound;
}

bool forward_exposes(const pooling_problem& problem, const expectation& expected,
                     const window_change& change) {
  const std::int64_t out_plane = reference::element_count(problem.output_size);
  bool seen = false;
  for_each_forward(
      problem, change, [&](std::int64_t plane, std::int64_t out_flat, const forward_element& f) {
        const auto at = static_cast<std::size_t>(plane * out_plane + out_flat);
        if (!seen) seen = exposed(problem, expected.elements[at], expected.bounds[at], f.element);
      });
  return seen;
}

// A backward result changes only where the changed outputs scatter: take their addends out with
// the adaptive window and put them back with the shifted one.
bool backward_exposes(const pooling_problem& problem, const expectation& expected,
                      const window_change& original, const window_change& shifted) {
  std::map<std::int64_t, accumulation> changed;
  const auto touch = [&](std::int64_t at) -> accumulation& {
    return changed.try_emplace(at, expected.elements[static_cast<std::size_t>(at)]).first->second;
  };
  for_each_backward_addend(problem, original, [&](std::int64_t at, const accumulation& a) {
    subtract_from(touch(at), a);
  });
  for_each_backward_addend(problem, shifted,
                           [&](std::int64_t at, const accumulation& a) { add_to(touch(at), a); });
  for (const auto& [at, after] : changed) {
    const auto k = static_cast<std::size_t>(at);
    if (exposed(problem, expected.elements[k], expected.bounds[k], after)) return true;
  }
  return false;
}

}  // namespace

std::string describe(const window_shift& shift) {
  const auto text = [](const reference::window& w) {
    return "[" + std::to_string(w.begin) + "," + std::to_string(w.end) + ")";
  };
  return "axis " + std::to_string(shift.axis) + " window " + std::to_string(shift.index) + " " +
         text(shift.original) + " -> " + text(shift.shifted);
}

std::vector<window_shift> window_shifts(const pooling_problem& problem) {
  const reference::pooling_layout layout = reference::split_pooling_shape(
      problem.input.shape, static_cast<std::size_t>(problem.spatial_dims));
  std::vector<window_shift> shifts;
  for (std::size_t axis = 0; axis < problem.output_size.size(); ++axis) {
    const std::int64_t n = layout.spatial[axis];
    for (std::int64_t i = 0; i < problem.output_size[axis]; ++i) {
      const reference::window w = reference::adaptive_window(n, problem.output_size[axis], i);
      for (const reference::window s :
           {reference::window{w.begin - 1, w.end}, reference::window{w.begin + 1, w.end},
            reference::window{w.begin, w.end - 1}, reference::window{w.begin, w.end + 1}}) {
        if (s.begin >= 0 && s.end <= n && s.length() >= 1) shifts.push_back({axis, i, w, s});
      }
    }
  }
  return shifts;
}

bool exposes(const pooling_problem& problem, const expectation& expected,
             const window_shift& shift) {
  const window_change change{shift.axis, shift.index, shift.shifted};
  if (!describe(problem.op).backward()) return forward_exposes(problem, expected, change);
  return backward_exposes(problem, expected, {shift.axis, shift.index, shift.original}, change);
}

std::optional<undetected_shift> find_undetected_shift(const pooling_problem& problem,
                                                      const expectation& expected) {
  for (const window_shift& shift : window_shifts(problem))
    if (!exposes(problem, expected, shift)) return shift;
  return std::nullopt;
}

}  // namespace poolproof::golden

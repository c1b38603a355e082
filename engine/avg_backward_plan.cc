// The avg backward plan (avg_backward_plan.h): segments from the windows, their lcm
// denominators and weights, the bounds over all cells, the pair covers of axis 2.
#include "engine/avg_backward_plan.h"

#include <algorithm>
#include <numeric>

namespace poolproof::engine::detail {
namespace {

// lcm of the lengths of windows [first, last], or 0 when it reaches 2^62.
std::int64_t common_length(const std::vector<reference::window>& windows, std::int64_t first,
                           std::int64_t last) {
  std::int64_t result = 1;
  for (std::int64_t o = first; o <= last; ++o) {
    const std::int64_t length = windows[static_cast<std::size_t>(o)].length();
    const fast_int128 next = fast_int128{result / std::gcd(result, length)} * length;
    if (next >= too_big) return 0;
    result = static_cast<std::int64_t>(next);
  }
  return result;
}

std::vector<segment> axis_segments(const std::vector<reference::window>& windows,
                                   std::int64_t in_size) {
  std::vector<std::int64_t> cuts{0, in_size};
  for (const reference::window& w : windows) {
    cuts.push_back(w.begin);
    cuts.push_back(w.end);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<segment> segments;
  for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
    segment s{cuts[c], cuts[c + 1], 0, 0, 0, {}};
    // Window bounds never decrease with the output index, so the covering windows of any x in
    // the segment are one contiguous run.
    const auto ends_after =
        std::partition_point(windows.begin(), windows.end(),
                             [&](const reference::window& w) { return w.end <= s.begin; });
    const auto begins_after =
        std::partition_point(windows.begin(), windows.end(),
                             [&](const reference::window& w) { return w.begin <= s.begin; });
    s.first = ends_after - windows.begin();
    s.last = (begins_after - windows.begin()) - 1;
    POOLPROOF_CHECK(s.first <= s.last);
    s.denominator = common_length(windows, s.first, s.last);
    for (std::int64_t o = s.first; o <= s.last && s.denominator != 0; ++o)
      s.weights.push_back(s.denominator / windows[static_cast<std::size_t>(o)].length());
    segments.push_back(std::move(s));
  }
  return segments;
}

cell_bounds bounds_of(const std::array<std::vector<segment>, 3>& segments) {
  cell_bounds bounds;
  for (const std::vector<segment>& axis : segments) {
    std::int64_t denominator = 0, covers = 0;
    for (const segment& s : axis) {
      if (s.denominator == 0) return {0, 0};
      denominator = std::max(denominator, s.denominator);
      covers = std::max(covers, s.last - s.first + 1);
    }
    const fast_int128 product = fast_int128{bounds.denominator} * denominator;
    if (product >= too_big) return {0, 0};
    bounds = {static_cast<std::int64_t>(product), bounds.covers * covers};
  }
  return bounds;
}

// The pair covers of axis 2, or an empty list when some segment has more than two windows or
// an lcm past 2^62.
std::vector<pair_cover> pair_covers(const std::vector<segment>& axis) {
  std::vector<pair_cover> covers;
  for (const segment& s : axis) {
    if (s.denominator == 0 || s.last - s.first > 1) return {};
    const bool two = s.last > s.first;
    covers.push_back({s.begin, s.end, s.first, s.last, s.weights[0], two ? s.weights[1] : 0,
                      s.denominator, 1.0 / static_cast<double>(s.denominator)});
  }
  return covers;
}

}  // namespace

const cell_plan& remembered_plan(const geometry& g) {
  thread_local cell_plan plan;
  if (plan.windows != g.windows || plan.in != g.in) {
    plan.windows = g.windows;
    plan.in = g.in;
    for (std::size_t axis = 0; axis < 3; ++axis)
      plan.segments[axis] = axis_segments(g.windows[axis], g.in[axis]);
    plan.bounds = bounds_of(plan.segments);
    plan.covers = pair_covers(plan.segments[2]);
    const auto one_window = [](const segment& s) { return s.first == s.last; };
    plan.one_row_blocks = std::ranges::all_of(plan.segments[0], one_window) &&
                          std::ranges::all_of(plan.segments[1], one_window);
    plan.cover_of.assign(plan.covers.empty() ? 0 : static_cast<std::size_t>(g.in[2]), 0);
    for (std::size_t k = 0; k < plan.covers.size(); ++k) {
      for (std::int64_t i = plan.covers[k].begin; i < plan.covers[k].end; ++i)
        plan.cover_of[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(k);
    }
  }
  return plan;
}

}  // namespace poolproof::engine::detail

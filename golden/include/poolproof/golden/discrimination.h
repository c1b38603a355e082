// Whether a case's inputs can tell the adaptive windows from windows shifted by one.
#pragma once

#include <poolproof/golden/expectation.h>

#include <optional>
#include <string>
#include <vector>

namespace poolproof::golden {

/// One adaptive window moved by one: window `index` of spatial axis `axis` reads `shifted`.
struct window_shift {
  std::size_t axis = 0;
  std::int64_t index = 0;
  reference::window original;
  reference::window shifted;
};

/// A window shift that no result element of the case exposes.
using undetected_shift = window_shift;

/// "axis 0 window 2 [3,5) -> [3,6)".
[[nodiscard]] std::string describe(const window_shift& shift);

/// Every shift find_undetected_shift tries, in its order: per axis, per window, begin - 1,
/// begin + 1, end - 1, end + 1 (those that stay non-empty and inside the input).
[[nodiscard]] std::vector<window_shift> window_shifts(const pooling_problem& problem);

/// Whether some result element of `problem` computed with `shift` differs from the expected one
/// by more than both bounds (max forward: any different value); `expected` is expect(problem).
[[nodiscard]] bool exposes(const pooling_problem& problem, const expectation& expected,
                           const window_shift& shift);

/// Checks the case discriminates: for every spatial axis, every adaptive window on it, and each
/// of its four shifts by one (begin - 1, begin + 1, end - 1, end + 1, whenever the shifted window
/// stays non-empty and inside the input), some result element computed with the shifted window
/// differs from the expected one by more than the sum of both elements' bounds, so an
/// implementation with that window fails the check whatever its summation order. Max forward
/// needs a different value. Decided in exact arithmetic; `expected` is expect(problem).
/// Returns the first shift that goes unnoticed, or nullopt.
[[nodiscard]] std::optional<undetected_shift> find_undetected_shift(const pooling_problem& problem,
                                                                    const expectation& expected);

}  // namespace poolproof::golden

// The doubles the fast avg check decides most elements with (avg_check.h): each input
// pattern's value and set bits (a table per 16-bit format), and every output window's sums.
#pragma once

#include <poolproof/golden/check.h>
#include <poolproof/reference/float_format.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace poolproof::golden::detail {

/// One output window's sum and sum of magnitudes in doubles, its length, and the exponents of
/// the lowest and one past the highest set bit over its values (none: least > top).
struct window_sums {
  double sum = 0;
  double sum_abs = 0;
  int least = std::numeric_limits<int>::max();
  int top = std::numeric_limits<int>::min();
  std::int64_t count = 0;
  /// Whether both sums are exact: finite, and every partial sum a multiple of 2^least below
  /// 2^(least + 53).
  [[nodiscard]] bool exact() const;
};

/// A finite value with the exponents of its lowest and one past its highest set bit (zeros:
/// none, so they never narrow the window's range); a special's value is not finite.
struct value_bits {
  double value = 0;
  int least = std::numeric_limits<int>::max();
  int top = std::numeric_limits<int>::min();
};

/// Every pattern's value_bits of a format below binary64: a table for the 16-bit formats (a
/// lookup per input instead of an ldexp), binary32's computed from the float.
class pattern_table {
 public:
  explicit pattern_table(reference::float_format format);
  [[nodiscard]] value_bits operator()(std::uint64_t bits) const;

 private:
  reference::format_layout layout_;
  std::vector<value_bits> table_;
};

/// The format's table (binary16, bfloat16 or binary32), made on first use and then kept.
[[nodiscard]] const pattern_table& pattern_table_of(reference::float_format format);

/// An input's bit pattern.
[[nodiscard]] inline std::uint64_t pattern_of(std::uint16_t x) { return x; }
[[nodiscard]] inline std::uint64_t pattern_of(float x) { return std::bit_cast<std::uint32_t>(x); }

/// Every output window's sums for `problem` (its input shape, spatial dims, output size and
/// dtype) over `input` (binary16 or bfloat16 patterns, or binary32 values), planes split over
/// the cores.
template <typename T>
[[nodiscard]] std::vector<window_sums> all_window_sums(const pooling_problem& problem,
                                                       std::span<const T> input);

}  // namespace poolproof::golden::detail

// The doubles the fast avg check decides most elements with (avg_check.h): each input
// pattern's value and set bits (a table per 16-bit format), and every output window's sums.
#pragma once

#include <poolproof/golden/check.h>
#include <poolproof/reference/float_format.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
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
  /// The exponent of the lowest set bit over the window's values (nullopt when all are zero).
  [[nodiscard]] std::optional<int> least_set_bit() const {
    return top < least ? std::nullopt : std::optional<int>(least);
  }
  /// Whether both sums are exact: finite, and every partial sum a multiple of 2^least below
  /// 2^(least + 53).
  [[nodiscard]] bool exact() const {
    if (!std::isfinite(sum) || !std::isfinite(sum_abs)) return false;
    return top < least ||
           top - least + static_cast<int>(std::bit_width(static_cast<std::uint64_t>(count))) <= 53;
  }
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

/// The value of pattern `bits` of a format below binary64 (given by its layout, looked up once
/// by the caller), as pattern_table gives it (NaN for a NaN, +-infinity), computed without a
/// table (for a few values, where building one costs more).
[[nodiscard]] double pattern_value(const reference::format_layout& layout, std::uint64_t bits);

/// An input's bit pattern.
[[nodiscard]] inline std::uint64_t pattern_of(std::uint16_t x) { return x; }
[[nodiscard]] inline std::uint64_t pattern_of(float x) { return std::bit_cast<std::uint32_t>(x); }

/// How all_window_sums adds: AVX-512 lanes where the CPU runs them (F, VL, BW, DQ and CD), else
/// AVX2 lanes for binary16 (with F16C), or the portable loop everywhere (the tests hold them to
/// the same results).
enum class window_lanes {
  best,
  portable,
  avx2,  ///< binary16's AVX2 lanes where the CPU runs them, else the portable loop (for tests)
};

/// Whether this CPU (and OS) runs lanes window_lanes::best would use for some format.
[[nodiscard]] bool cpu_runs_window_lanes();

/// Every output window's sums for `problem` (its input shape, spatial dims, output size and
/// dtype) over `input` (binary16 or bfloat16 patterns, or binary32 values), planes split over
/// the cores. The two ways of adding agree on every window's count, least, top and exact(), and
/// on its sums when exact() holds (the only sums anything reads).
template <typename T>
[[nodiscard]] std::vector<window_sums> all_window_sums(const pooling_problem& problem,
                                                       std::span<const T> input,
                                                       window_lanes lanes = window_lanes::best);

/// Every output window's sums for a problem, summed plane by plane wherever each plane's values
/// are (all_window_sums' pieces: the streamed read sums planes in reused buffers).
template <typename T>
class plane_window_summer {
 public:
  plane_window_summer(const pooling_problem& problem, window_lanes lanes = window_lanes::best);
  plane_window_summer(const plane_window_summer&) = delete;
  plane_window_summer& operator=(const plane_window_summer&) = delete;
  ~plane_window_summer();

  /// The input's planes, and the values in each.
  [[nodiscard]] std::int64_t planes() const;
  [[nodiscard]] std::int64_t plane_size() const;
  /// Sums the windows of planes [first, end), whose values lie one plane after another from
  /// `values`, split over TBB's workers; returns once they are summed. Calls for disjoint plane
  /// ranges may run at the same time.
  void sum_planes(std::int64_t first, std::int64_t end, const T* values);
  /// sum_planes on the calling thread alone, under its floating-point environment (which must be
  /// the default one). Calls for disjoint plane ranges, and exact() of planes summed, may run at
  /// the same time.
  void sum_planes_here(std::int64_t first, std::int64_t end, const T* values);
  /// Whether every window of planes [first, end), once summed, has exact sums.
  [[nodiscard]] bool exact(std::int64_t first, std::int64_t end) const;
  /// The sums of every window, plane by plane (those of planes not summed are zero); leaves none.
  [[nodiscard]] std::vector<window_sums> take_sums();

 private:
  struct state;
  std::unique_ptr<state> state_;
};

/// all_window_sums while the input is still being written (read from a file): each plane is
/// summed on TBB's workers as soon as input_ready says its values are in place.
template <typename T>
class window_sums_as_read {
 public:
  /// `input`: where the problem's input values are being written.
  window_sums_as_read(const pooling_problem& problem, const T* input,
                      window_lanes lanes = window_lanes::best);
  window_sums_as_read(const window_sums_as_read&) = delete;
  window_sums_as_read& operator=(const window_sums_as_read&) = delete;
  /// Waits for the planes handed out (they read the input).
  ~window_sums_as_read();

  /// The first `values` input values are in place: the planes they complete are handed out.
  void input_ready(std::int64_t values);
  /// all_window_sums(problem, input), once input_ready has been told of every value.
  [[nodiscard]] std::vector<window_sums> sums();

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace poolproof::golden::detail

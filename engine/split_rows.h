// Split window sums of consecutive 1-D binary64 rows in AVX-512 lanes (not a public interface):
// avg_rows_split's runs of rows whose values all lie within a kept split's range.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "engine/double_sums.h"
#include "engine/planes.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {

/// The windows' split parts of runs of g's 1-D rows (planes of one row of g.in[2] values, windows
/// g.windows[2]): each value split once in vector lanes, and every window's sum taken at every
/// start at once by sliding sums, instead of each window's values split and added one by one.
class split_rows_summer {
 public:
  /// Values and outputs a run may hold (its scratch is kept per thread, in L1).
  static constexpr std::int64_t most_values = 256;
  static constexpr std::int64_t most_outputs = 256;

  /// For g's rows, on lanes up to `ceiling` (tests pass baseline to see usable() refuse).
  explicit split_rows_summer(const geometry& g, simd_level ceiling = simd_level::avx512);

  /// Whether runs go through the lanes: the CPU runs AVX-512, g's planes are rows whose values
  /// and outputs each fit a run, and the windows take one length below 8 or two consecutive
  /// ones up to 8. Otherwise the caller takes its rows one by one.
  [[nodiscard]] bool usable() const { return usable_; }

  /// How many rows a run holds (at least one when usable()).
  [[nodiscard]] std::int64_t rows_per_run() const { return rows_per_run_; }

  /// When usable() and every one of the rows * g.in[2] values from `values` (consecutive rows)
  /// lies within `covered` (values_within's test: no infinity or NaN): writes each window's
  /// parts, row after row in output order, to parts[0, rows * g.out[2]), and returns true.
  /// Returns false otherwise (parts unspecified). Preconditions: 1 <= rows <= rows_per_run();
  /// `split` is exact for any g.largest_window values within `covered` (kept_split's kept()).
  [[nodiscard]] bool sums(const double* values, std::int64_t rows, const binary64_split& split,
                          const exponent_range& covered, std::span<split_parts> parts) const;

 private:
  std::int64_t width_ = 0;    // values per row
  std::int64_t outputs_ = 0;  // windows per row
  std::int64_t rows_per_run_ = 0;
  bool usable_ = false;
  // The shorter windows' length (the longer ones' is one more), and where each window's sums
  // lie in the scratch: its start, past the shorter sums for a longer window.
  std::int64_t shorter_ = 0;
  std::array<std::int64_t, most_outputs> offsets_{};
};

}  // namespace poolproof::engine::detail

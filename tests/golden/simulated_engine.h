// A configurable, deliberately imperfect pooling engine that rounds like real hardware (every
// operation correctly rounded to a chosen format): the candidates the checker must pass or fail.
#pragma once

#include <poolproof/golden/check.h>

#include <cstdint>
#include <functional>

namespace poolproof::golden::test {

/// How the engine finds window i of n -> m.
enum class window_rule {
  adaptive,       ///< [floor(i*n/m), ceil((i+1)*n/m)) in integers: right
  float32_index,  ///< the same formula evaluated in float32 arithmetic: wrong on large sizes
  floor_end,      ///< end = floor((i+1)*n/m): wrong when m does not divide n
  naive_stride    ///< the seed's rule: stride n/m, kernel n - (m-1)*stride: wrong unless m | n
};

/// How the engine sums a window (avg) or accumulates gradients (backward).
enum class summation {
  exact,               ///< exactly, then one rounding: the correctly rounded answer
  sequential,          ///< left to right, every addition rounded to the case's dtype
  reversed,            ///< right to left, rounded to the case's dtype
  pairwise,            ///< recursive halving, every addition rounded to the case's dtype
  float32_accumulator  ///< sequential in float32, rounded to the dtype at the end (PyTorch CPU)
};

struct engine_config {
  window_rule windows = window_rule::adaptive;
  summation sum = summation::exact;
  bool multiply_by_reciprocal = false;  ///< avg: x * fl(1/L) instead of x / L
  bool last_tie = false;                ///< max: the last maximal element wins ties
};

/// The engine's result for a case's inputs (forward output and indices, or grad_input).
[[nodiscard]] candidate_result run_engine(const loaded_case& golden, const engine_config& config);

}  // namespace poolproof::golden::test

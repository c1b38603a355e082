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
  naive_stride,   ///< the seed's rule: stride n/m, kernel n - (m-1)*stride: wrong unless m | n
  int32_product   ///< the integer rule with i*n and (i+1)*n in 32-bit int, wrapping past 2^31
                  ///< (pytorch#176784): wrong once in*out > 2^31
};

/// Mistakes of channels-last (NHWC) kernels, where the channel is the innermost axis.
enum class channels_last_bug {
  none,
  tail_divides_twice,  ///< avg: channels past the last full vector of 8 divide by the window's
                       ///< last-axis length twice (the old CPU tail)
  index_in_nhwc        ///< max: the argmax flattened over (*spatial, C) instead of *spatial
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
  bool index_in_dtype = false;  ///< max: the argmax stored through the case's dtype (PR #159936)
  channels_last_bug channels_last = channels_last_bug::none;
};

/// The engine's result for a case's inputs (forward output and indices, or grad_input).
[[nodiscard]] candidate_result run_engine(const loaded_case& golden, const engine_config& config);

}  // namespace poolproof::golden::test

// `golden check` of forward avg cases in binary32, binary16 and bfloat16 at the engine's pace:
// most elements are decided in doubles with a margin, the rest exactly as check_result does.
#pragma once

#include <poolproof/golden/check.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <vector>

#include "golden/npy_values.h"
#include "golden/window_sums.h"

namespace poolproof::golden::detail {

/// Whether check_avg_case takes a case under these options: forward avg of a dtype narrower
/// than binary64, with the default summation contract and without --strict.
[[nodiscard]] bool fast_avg_checkable(const golden_case& entry, const check_options& options);

/// A forward avg case read for check_avg_case, verified as load_case verifies it: its files'
/// digests against the manifest (file_digests::fast), its stored exact values (when present) and
/// its stored result against those its inputs imply (each window's exact sum rounded by the
/// engine's rounding of means, or where a window's double sums are not exact the fast engine's
/// result; the tests hold both bit for bit to the plain reference), with load_case's messages.
struct avg_case {
  golden_case entry;
  pooling_problem problem;  ///< input.shape only (the inputs are below)
  /// The inputs, read whole and kept unless the streamed read gave the sums (streamed_sums.h:
  /// then every window's are exact, and nothing reads them): binary16 and bfloat16 as
  /// patterns, binary32 as floats.
  input_values<std::uint16_t> input_16;
  input_values<float> input_32;
  std::vector<std::uint64_t> expected_bits;
  std::vector<std::int64_t> shape;  ///< the result's
  std::vector<window_sums> sums;    ///< per result element
};

/// Reads case `entry` of the suite in `suite_dir`. Precondition: fast_avg_checkable(entry, ...).
/// Throws input_error naming the case or file (as load_case).
[[nodiscard]] avg_case load_avg_case(const std::filesystem::path& suite_dir,
                                     const golden_case& entry);

/// check_result(load_case(...), result, options), the same report field for field: each element
/// whose window sums exactly in doubles, whose candidate is the correctly rounded value, and
/// whose distance to the exact mean is clear of its bound by a relative 2^-40 both ways after
/// the doubles' own errors is decided there; every other element, and every element that may
/// be the case's worst, is computed exactly. Precondition: fast_avg_checkable.
[[nodiscard]] case_report check_avg_case(const avg_case& golden, const candidate_result& result,
                                         const check_options& options);

}  // namespace poolproof::golden::detail

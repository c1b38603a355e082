// Golden cases at a user's own op, dtype, shape and output size (`golden generate --case SPEC`),
// built with memory bounded by a few bytes per element (golden/FORMAT.md, "Cases at your shapes").
#pragma once

#include <poolproof/golden/cases.h>
#include <poolproof/golden/generate.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace poolproof::golden {

/// "OP:DTYPE:SHAPE:OUTPUT_SIZE", e.g. "adaptive_avg_pool:float16:2x3x300x300:7x7" (SHAPE is
/// [N, C, *spatial] or [C, *spatial], OUTPUT_SIZE has 1-3 sizes, the spatial rank): a core case
/// named "<short op>_<dtype>_<shape>_<output>" ("avg_float16_2x3x300x300_7x7") with the
/// boundary patterns below. Throws input_error naming the spec and what is wrong.
[[nodiscard]] case_spec parse_case_spec(std::string_view text);

/// How build_user_case reports and bounds its work.
struct user_case_options {
  /// Receives one line now and then ("case X: verified plane 12 of 512") for big cases.
  std::function<void(std::string_view)> progress;
  /// exact.json is written only when the result has at most this many elements (an exact
  /// rational per element of a huge result is impractical); `golden check` recomputes the exact
  /// values from the inputs either way.
  std::int64_t max_exact_elements = std::int64_t{1} << 20;
};

/// Builds a parse_case_spec case: draws its inputs as bit patterns (boundary patterns, CHECKING.md
/// section 5), computes the result with the fast engine, then, one plane at a time in exact
/// arithmetic, checks every element against the specification, that each has a bound, and that
/// every window shift by one is exposed by some plane (a max case needs two planes, N*C >= 2).
/// Throws std::runtime_error naming the case when a check fails.
[[nodiscard]] built_case build_user_case(const case_spec& spec, std::uint64_t seed,
                                         const user_case_options& options = {});

}  // namespace poolproof::golden

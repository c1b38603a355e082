// Property tests for another implementation of adaptive pooling: the property suite's generated
// cases (1-3 spatial axes, every format, special values, output sizes above the input's so
// windows overlap) run through the user's function and judged by the golden checker, with
// RapidCheck shrinking a failure to a minimal case. Example: tests/properties/
// implementation_properties_test.cc; usage in golden/CHECKING.md section 6.
#pragma once

#include <poolproof/golden/check.h>
#include <poolproof/properties/generators.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace poolproof::properties {

/// The implementation under test: the result of `problem.op` on the problem's exact inputs
/// (values of problem.dtype; grad_output for backward ops), as golden::check_result takes it: bit
/// patterns of the dtype in C order, and int64 argmax for max forward (flat within the plane).
/// input_bits/grad_output_bits give the inputs as bit patterns.
using implementation = std::function<golden::candidate_result(const golden::pooling_problem&)>;

/// The inputs of a problem as bit patterns of its dtype (exact: the values are the dtype's).
[[nodiscard]] std::vector<std::uint64_t> input_bits(const golden::pooling_problem& problem);
[[nodiscard]] std::vector<std::uint64_t> grad_output_bits(const golden::pooling_problem& problem);

/// What to generate and how to judge.
struct implementation_options {
  golden::golden_op op = golden::golden_op::adaptive_avg_pool;
  golden::check_options check;  ///< as `golden check`: bound or --strict, ties, accumulation
  value_mix mix = value_mix::specials;
  std::vector<reference::float_format> formats{reference::all_formats.begin(),
                                               reference::all_formats.end()};
};

/// A failure the property found: the problem (after shrinking, the minimal one RapidCheck found)
/// and the checker's report.
struct implementation_failure {
  golden::pooling_problem problem;
  golden::case_report report;
};

/// One evaluation, for use inside RC_GTEST_PROP / rc::check: draws a problem for options.op
/// (gen_pooling_case, plus a grad_output for backward ops; problems with an element the checker
/// has no bound for are discarded), computes the golden expectation, runs `impl`, and fails
/// (RC_FAIL, with the report's message) unless golden::check_result passes. A malformed result
/// (wrong shape or count) fails too. `on_failure`, if set, sees every failing problem.
void implementation_property(
    const implementation& impl, const implementation_options& options,
    const std::function<void(const implementation_failure&)>& on_failure = {});

/// rc::check of implementation_property: RapidCheck's own output (the shrunk counterexample, the
/// seed to replay it with RC_PARAMS) goes to stdout. Returns the shrunk failure, or nullopt when
/// every case passed.
[[nodiscard]] std::optional<implementation_failure> check_implementation(
    const std::string& description, const implementation& impl,
    const implementation_options& options);

/// "adaptive_avg_pool float32 input [1, 3] -> [2]: ..." for messages.
[[nodiscard]] std::string describe(const implementation_failure& failure);

}  // namespace poolproof::properties

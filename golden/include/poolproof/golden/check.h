// Checking an implementation against the golden suite: in memory (for a kernel's own tests) or
// from a directory of candidate .npy files (`golden check`). Naming and tolerances: CHECKING.md.
#pragma once

#include <poolproof/golden/expectation.h>
#include <poolproof/golden/manifest.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace poolproof::golden {

/// A golden case read from a suite and verified: every file's digest, dtype and shape, and its
/// stored exact values, rounded result and indices against the expectation recomputed from its
/// inputs. `expected_bits` is the stored correctly rounded result (forward output or grad_input).
/// The input is kept as its bit patterns (`input_bits`); problem.input holds its shape, and its
/// values only where the case was built from values (decoded_input gives them in any case).
struct loaded_case {
  golden_case entry;
  pooling_problem problem;
  expectation expected;
  std::vector<std::uint64_t> expected_bits;
  std::vector<std::uint64_t> input_bits;
};

/// The case's input as exact values (decoded from input_bits).
[[nodiscard]] reference::exact_tensor decoded_input(const loaded_case& golden);

/// Loads case `entry` of the suite in `suite_dir`, checking its files' `digests`. Throws
/// input_error naming the case or file.
[[nodiscard]] loaded_case load_case(const std::filesystem::path& suite_dir,
                                    const golden_case& entry,
                                    file_digests digests = file_digests::fast);

/// Loads the case called `name` from suite_dir/manifest.json. Throws input_error if absent.
[[nodiscard]] loaded_case load_case(const std::filesystem::path& suite_dir, std::string_view name);

/// An implementation's result for one case: the bit patterns of its output (forward) or
/// grad_input (backward) in the case's dtype, C order, and for max forward its int64 argmax
/// (flat within the spatial plane, as PyTorch's return_indices).
struct candidate_result {
  std::vector<std::int64_t> shape;
  std::vector<std::uint64_t> bits;
  std::vector<std::int64_t> indices;
};

/// A candidate from float32 / float64 values (the case's dtype must match when checked).
[[nodiscard]] candidate_result candidate_from_floats(std::span<const float> values,
                                                     std::span<const std::int64_t> shape);
[[nodiscard]] candidate_result candidate_from_doubles(std::span<const double> values,
                                                      std::span<const std::int64_t> shape);

enum class tie_rule {
  first,  ///< the index must be the expected one (PyTorch: the first maximal element, last NaN)
  any     ///< any index of the window holding a maximal element (any NaN if the maximum is NaN)
};

struct check_options {
  bool strict = false;  ///< demand the correctly rounded value (0 ulp) instead of the bound
  tie_rule ties = tie_rule::first;
  /// The summation contract the bounds assume (`--accumulation`): any order in the dtype or wider
  /// (default), or float32 accumulation for 16-bit formats (PyTorch's opmath). CHECKING.md 3.
  accumulator accumulation = accumulator::any;
};

/// The element that decided a case: the first-found failing element with the most ulps, or, if
/// all pass, the one using the largest fraction of its bound.
struct element_report {
  std::int64_t index = -1;           ///< flat, C order, in the result
  std::string what;                  ///< "value" or "index"
  std::string candidate;             ///< exact value of the candidate (or its index)
  std::string exact;                 ///< exact expected value (or expected index)
  std::string rounded;               ///< the correctly rounded expected value
  std::optional<double> error_ulps;  ///< |candidate - rounded| / ulp(rounded); none if infinite
  std::optional<double> bound_ulps;  ///< the bound / ulp(rounded); none when non-finite admitted
  std::optional<double> bound_used;  ///< |candidate - exact| / bound, for bounded elements
};

/// What became of a case: checked (pass or fail), its candidate files unreadable (malformed) or
/// absent (missing: a failure, or skipped when asked), and whether it was expected to fail.
enum class case_status {
  pass,
  fail,
  malformed,
  missing,
  skipped,
  expected_failure,
  unexpected_pass
};

/// "pass", "fail", "malformed", "missing", "skipped", "xfail", "xpass".
[[nodiscard]] std::string_view case_status_name(case_status status);

/// Whether a case of this status fails the run (fail, malformed, missing, unexpected_pass).
[[nodiscard]] bool counts_as_failure(case_status status);

struct case_report {
  std::string name;
  bool passed = false;
  case_status status = case_status::fail;
  std::int64_t elements = 0;
  std::int64_t failed_elements = 0;
  std::string message;  ///< why it failed: the first failing element, or a missing file
  std::optional<element_report> worst;
  std::optional<double> max_bound_used;  ///< largest |candidate - exact| / bound over elements
  std::optional<double> max_error_ulps;  ///< largest error in ulps of the correctly rounded value
  std::int64_t off_rounded = 0;  ///< elements whose value differs from the correctly rounded one
  std::string expected_failure;  ///< the reason given in --expected-failures, if the case is listed
};

/// Checks an in-memory result against a loaded case: max values and indices exactly (ties per
/// options), avg and gradients within each element's bound (exact arithmetic), NaN and
/// infinities exactly. Throws input_error when the shape or the number of indices is wrong.
[[nodiscard]] case_report check_result(const loaded_case& golden, const candidate_result& result,
                                       const check_options& options = {});

/// The candidate files of a case: "<case>.output.npy" and, for max forward,
/// "<case>.indices.npy" ('<i8'); "<case>.grad_input.npy" for backward cases. Values are stored
/// like the golden ones ('<f2', '<u2' bit patterns for bfloat16, '<f4', '<f8').
[[nodiscard]] std::vector<std::string> candidate_files(const golden_case& entry);

/// Reads a case's candidate files from `dir`: nullopt if one is missing; throws input_error if one
/// is malformed or has the wrong dtype or shape (check_suite reports that case as malformed).
[[nodiscard]] std::optional<candidate_result> read_candidate(const std::filesystem::path& dir,
                                                             const golden_case& entry);

struct suite_selection {
  std::string tier;                             ///< "core", "special" or "" for both
  std::vector<std::string> names;               ///< only these cases, if not empty
  std::vector<golden_op> ops;                   ///< only these ops, if not empty
  std::vector<reference::float_format> dtypes;  ///< only these dtypes, if not empty
};

/// A case name pattern (`*` any run of characters, `?` one) with the reason it is expected to fail.
struct expected_failure {
  std::string pattern;
  std::string reason;
};

/// Parses an --expected-failures file: one `PATTERN REASON...` per line (the reason required),
/// blank lines and lines starting with '#' ignored. Throws input_error naming the line.
[[nodiscard]] std::vector<expected_failure> parse_expected_failures(std::string_view text,
                                                                    std::string_view name);

/// Whether `name` matches `pattern` (`*`, `?`; everything else literally).
[[nodiscard]] bool matches_pattern(std::string_view pattern, std::string_view name);

/// How check_suite treats cases beyond their values.
struct suite_policy {
  bool skip_missing = false;  ///< a case without candidate files is skipped, not failed
  std::vector<expected_failure> expected_failures;
};

struct suite_report {
  std::vector<case_report> cases;
  std::int64_t passed = 0;   ///< cases that pass (including listed cases that pass: xpass)
  std::int64_t failed = 0;   ///< cases that count as failures (counts_as_failure)
  std::int64_t skipped = 0;  ///< skipped missing cases and expected failures that failed
};

/// `golden check`: loads every selected case and checks the candidate directory's files. Never
/// writes. A case whose candidate files are malformed (unreadable, wrong dtype or shape) is
/// reported as malformed and the others are still checked; a missing candidate file fails its
/// case (or skips it, per policy); cases matching an expected failure that fail are reported as
/// expected failures, and ones that pass as unexpected passes (a failure of the run). A malformed
/// golden suite or a selection that matches nothing throws input_error.
[[nodiscard]] suite_report check_suite(const std::filesystem::path& golden_dir,
                                       const std::filesystem::path& candidate_dir,
                                       const check_options& options,
                                       const suite_selection& selection = {},
                                       const suite_policy& policy = {});

/// Loads and verifies every case of the suite (as load_case does, with every digest of every
/// file: sha256 too); returns how many. Throws input_error at the first problem.
std::size_t verify_suite(const std::filesystem::path& golden_dir);

/// Human text (one line per case, then a summary) or one JSON object.
[[nodiscard]] std::string format_report(const suite_report& report, bool json);

/// JUnit XML (one testsuite "golden", one testcase per case; fail -> <failure>, malformed and
/// missing -> <error>, skipped and expected failures -> <skipped>), valid against
/// tests/golden/junit.xsd, for CI dashboards.
[[nodiscard]] std::string format_junit(const suite_report& report);

}  // namespace poolproof::golden

// The pieces of a case's check shared by check_result and the avg forward check that decides most
// elements in doubles (avg_check.cc): reading a role's file, one element's verdict and report
// (compare.cc), and how a case's report takes it in.
#pragma once

#include <poolproof/golden/check.h>
#include <poolproof/golden/npy.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

namespace poolproof::golden::detail {

/// A role's .npy file, read and checked but not decoded: its bytes, and where in them its
/// payload (`shape`'s elements, little-endian, C order) starts.
struct role_file {
  std::vector<std::byte> bytes;
  std::size_t payload_offset = 0;
  [[nodiscard]] std::span<const std::byte> payload() const {
    return std::span<const std::byte>(bytes).subspan(payload_offset);
  }
};

/// Case `entry`'s problem without its tensors: op, spatial dims, dtype, output size, and the
/// input's shape (input.values and grad_output empty).
[[nodiscard]] pooling_problem case_problem(const golden_case& entry);

/// Case `entry`'s file of role `role_name`. Throws input_error naming the case when it has none.
[[nodiscard]] const golden_file& role_entry(const golden_case& entry, std::string_view role_name);

/// The largest file of `shape`'s `element` values read_role_file reads.
[[nodiscard]] std::size_t role_max_bytes(npy_element element, std::span<const std::int64_t> shape);

/// Where the payload starts in `bytes`, the contents of `file`, which must be a .npy file of
/// `element` values of `shape`. Throws input_error naming the file.
[[nodiscard]] std::size_t role_payload_offset(std::span<const std::byte> bytes,
                                              const golden_file& file, npy_element element,
                                              std::span<const std::int64_t> shape);

/// The file of role `role_name` of case `entry` (its `digests` checked against the manifest),
/// which must hold `element` values of `shape`. Throws input_error naming the case or file
/// (check.cc).
[[nodiscard]] role_file read_role_file(const std::filesystem::path& dir, const golden_case& entry,
                                       std::string_view role_name, npy_element element,
                                       std::span<const std::int64_t> shape,
                                       file_digests digests = file_digests::fast);

/// read_role_file's array, decoded.
[[nodiscard]] npy_array read_role(const std::filesystem::path& dir, const golden_case& entry,
                                  std::string_view role_name, npy_element element,
                                  std::span<const std::int64_t> shape,
                                  file_digests digests = file_digests::fast);

/// What one element of a case expects: its dtype and op, the exact value, the correctly rounded
/// bits, and the element's bound.
struct expected_element {
  reference::float_format format;
  golden_op op;
  const reference::extended_rational& exact;
  std::uint64_t rounded_bits;
  const element_bound& bound;
};

/// One element's verdict (decided in exact arithmetic) and its report.
struct element_outcome {
  bool passed = true;
  bool off_rounded = false;  ///< the value is not the correctly rounded one (or the index differs)
  double rank = 0;           ///< for choosing the element to report only, never for the verdict
  element_report report;
};

/// Candidate value `bits` of element k against `e`: bits (exact ops, --strict, non-finite
/// values) or the bound; the report with its errors in ulps and the share of its bound used.
[[nodiscard]] element_outcome value_outcome(std::int64_t k, const expected_element& e,
                                            std::uint64_t bits, const check_options& options);

/// Takes an element's outcome into the case's report: counts, largest errors, the first failure's
/// message, and the worst element (failing beats passing, then the larger rank; the first of equal
/// ranks stays). Elements may be left out only when they pass, are not off the rounded value and
/// rank below the case's largest rank (then the report is the same).
void consider(case_report& report, const element_outcome& o, double& best_rank);

/// Throws input_error unless the candidate has `shape`, `elements` values of the dtype's width
/// and, for ops returning indices, as many indices.
void require_shape(const golden_case& entry, std::span<const std::int64_t> shape,
                   std::size_t elements, const candidate_result& result);

}  // namespace poolproof::golden::detail

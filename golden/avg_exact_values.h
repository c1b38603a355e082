// The stored exact values of a forward avg case, checked as load_case checks them but at the
// engine's pace (the avg check's loader, avg_check.h), and the exact expectation of single
// elements that both it and check_avg_case fall back on.
#pragma once

#include <poolproof/golden/expectation.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "golden/avg_check.h"

namespace poolproof::golden::detail {

/// The exact expectation of single elements of `the_case` (which must outlive it): from the
/// window's sums where they are exact, else from the bit patterns of their input plane (which
/// the case must hold), kept for the next element: elements computed exactly come plane by
/// plane.
class exact_elements {
 public:
  explicit exact_elements(const avg_case& the_case);
  /// Element k of the case's result (flat), exactly.
  [[nodiscard]] forward_element operator()(std::int64_t k);

 private:
  void load_plane(std::int64_t plane);

  const avg_case& case_;
  std::int64_t out_plane_;
  std::int64_t plane_ = -1;
  std::vector<std::uint64_t> bits_;
};

/// A case's stored exact values file as read_suite_file reads it, split into its strings when
/// plain (json_limits.h); none when the case has no such file. Holds views into its own bytes:
/// moved, never copied.
struct exact_values_text {
  exact_values_text() = default;
  exact_values_text(const exact_values_text&) = delete;
  exact_values_text& operator=(const exact_values_text&) = delete;
  exact_values_text(exact_values_text&&) = default;
  exact_values_text& operator=(exact_values_text&&) = default;
  ~exact_values_text() = default;

  bool present = false;
  std::string path;  ///< the file's, as the manifest names it
  std::vector<std::byte> bytes;
  std::optional<std::vector<std::string_view>> plain;
};

/// Case `entry`'s exact values file for a result of `count` elements, read and (when plain)
/// split. Throws read_suite_file's input_error.
[[nodiscard]] exact_values_text read_exact_values_text(const std::filesystem::path& suite_dir,
                                                       const golden_case& entry, std::size_t count);

/// The case's stored exact values (`text`, read by read_exact_values_text), when it has them,
/// against its inputs and window sums (which must be in place), with load_case's checks and
/// messages in its order: the whole file read and counted before any value is compared. Each
/// element's text passes when it is the canonical text of the mean of its exact window sums; any
/// other (a window without exact sums, a text not the canonical one) is parsed and compared with
/// the exact path's value. Throws input_error naming the case or file.
void verify_exact_values(const exact_values_text& text, const avg_case& the_case);

}  // namespace poolproof::golden::detail

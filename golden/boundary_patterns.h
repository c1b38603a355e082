// The boundary patterns of golden inputs (CHECKING.md section 5): values that change exactly where
// adaptive windows begin and end, so every window shift by one shows at any size.
#pragma once

#include <poolproof/golden/cases.h>

#include <cstdint>
#include <map>
#include <span>
#include <vector>

namespace poolproof::golden::detail {

/// The bit patterns of a case's boundary_product or boundary_steps input, element by element
/// (planes of [N, C] in order, spatial positions row-major), without exact arithmetic per element.
class boundary_pattern {
 public:
  /// Throws input_error when the dtype cannot hold the pattern's distinct values. `variant` 1-3
  /// read the avg pattern's values otherwise (further tries on a single plane).
  explicit boundary_pattern(const case_spec& spec, int variant = 0);

  /// The pattern of element `index` (spatial multi-index) of plane `plane`.
  [[nodiscard]] std::uint64_t bits(std::int64_t plane, std::span<const std::int64_t> index);

 private:
  [[nodiscard]] std::uint64_t product_bits(std::int64_t plane, std::span<const std::int64_t> index);
  [[nodiscard]] std::uint64_t steps_bits(std::int64_t plane,
                                         std::span<const std::int64_t> index) const;

  const case_spec& spec_;
  int variant_ = 0;
  /// Per spatial axis and position: the product factor (0, 1 or 2) or the step level.
  std::vector<std::vector<std::int64_t>> tables_;
  std::int64_t top_level_ = 0;             ///< steps: the largest sum of levels
  std::vector<std::uint64_t> level_bits_;  ///< steps: the pattern of each level
  std::map<std::pair<std::int64_t, std::int64_t>, std::uint64_t> encoded_;  ///< product values
};

}  // namespace poolproof::golden::detail

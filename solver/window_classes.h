// Private to solver/: the two lengths of adaptive windows, how many of each, and where they sit.
#pragma once

#include <cstdint>

namespace poolproof::solver::detail {

/// Adaptive pooling n -> m on one axis: with q = floor(n/m), r = n mod m and g = gcd(n, m) the
/// windows have length q (all, when r = 0) or q+1 and q+2, the longer ones r - g of them (the
/// lengths sum to n + m - g; docs/decomposition.md).
struct window_classes {
  std::int64_t n = 1, m = 1;
  std::int64_t short_length = 1;  ///< the shorter (or only) length
  std::int64_t shorts = 0;        ///< windows of the shorter length
  std::int64_t longs = 0;         ///< windows one longer (0: one length)

  [[nodiscard]] std::int64_t long_length() const { return short_length + 1; }
  [[nodiscard]] std::int64_t longest() const { return longs > 0 ? long_length() : short_length; }
  /// Whether window i is one of the longer ones. O(1).
  [[nodiscard]] bool is_long(std::int64_t i) const;
  /// Longer windows among 0, ..., i-1. O(1).
  [[nodiscard]] std::int64_t longs_before(std::int64_t i) const;
  /// The index of the k-th (0-based) window of the longer (or shorter) length. O(log m).
  [[nodiscard]] std::int64_t kth(bool longer, std::int64_t k) const;
};

[[nodiscard]] window_classes classes_of(std::int64_t n, std::int64_t m);

}  // namespace poolproof::solver::detail

#include "solver/window_classes.h"

#include <poolproof/common/error.h>
#include <poolproof/common/wide_int.h>
#include <poolproof/reference/adaptive_window.h>

#include <numeric>

namespace poolproof::solver::detail {

using common::int128;
using common::wide;

window_classes classes_of(std::int64_t n, std::int64_t m) {
  const std::int64_t q = n / m, r = n % m, g = std::gcd(n, m);
  if (r == 0) return {n, m, q, m, 0};
  return {n, m, q + 1, m - (r - g), r - g};
}

// Sum of the lengths of windows 0..i-1 is a_i + i - floor(i/(m/g)): each window spans
// floor((t+1)n/m) - floor(tn/m) and one more unless m | (t+1)n.
std::int64_t window_classes::longs_before(std::int64_t i) const {
  if (longs == 0) return 0;
  const std::int64_t period = m / std::gcd(n, m);
  const int128 begin = wide(i) * wide(n) / wide(m);
  const int128 covered = begin + wide(i) - wide(i / period);
  return common::narrow(covered - wide(i) * wide(short_length));
}

bool window_classes::is_long(std::int64_t i) const {
  return longs > 0 && reference::adaptive_window(n, m, i).length() == long_length();
}

std::int64_t window_classes::kth(bool longer, std::int64_t k) const {
  POOLPROOF_CHECK(k >= 0 && k < (longer ? longs : shorts));
  // The least i whose class count up to and including i exceeds k.
  const auto count_through = [&](std::int64_t i) {
    const std::int64_t l = longs_before(i + 1);
    return longer ? l : i + 1 - l;
  };
  std::int64_t low = 0, high = m - 1;
  while (low < high) {
    const std::int64_t middle = low + (high - low) / 2;
    if (count_through(middle) > k) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return low;
}

}  // namespace poolproof::solver::detail

// 128-bit integers for pooling index arithmetic: parameters reach 2^62, so o*s and d*(k-1) need
// 128 bits before they are clipped back to [0, n]; the engine's exact sums use them too.
#pragma once

#include <poolproof/common/error.h>

#include <cstdint>
#include <limits>

namespace poolproof::common {

__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;

inline int128 wide(std::int64_t value) { return static_cast<int128>(value); }

inline std::int64_t narrow(int128 value) {
  POOLPROOF_CHECK(value >= wide(std::numeric_limits<std::int64_t>::min()) &&
                  value <= wide(std::numeric_limits<std::int64_t>::max()));
  return static_cast<std::int64_t>(value);
}

/// Floor division for a positive divisor (PyTorch's div_rtn).
inline int128 floor_div(int128 numerator, int128 divisor) {
  POOLPROOF_CHECK(divisor > 0);
  const int128 quotient = numerator / divisor;
  return (numerator % divisor != 0 && numerator < 0) ? quotient - 1 : quotient;
}

inline int128 ceil_div(int128 numerator, int128 divisor) { return -floor_div(-numerator, divisor); }

}  // namespace poolproof::common

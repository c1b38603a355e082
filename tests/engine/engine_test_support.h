// What the engine's tests share: shape text for messages, the 16-bit formats, the SIMD levels.
#pragma once

#include <poolproof/reference/float_format.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/simd.h"

namespace poolproof::engine::testing {

using sizes = std::vector<std::int64_t>;

/// "2x3x4" for {2, 3, 4}.
inline std::string text(const sizes& shape) {
  std::string result;
  for (std::int64_t n : shape) {
    if (!result.empty()) result += 'x';
    result += std::to_string(n);
  }
  return result;
}

inline constexpr std::array<reference::float_format, 2> sixteen_bit_formats{
    reference::float_format::binary16, reference::float_format::bfloat16};

inline constexpr std::array<detail::simd_level, 3> all_simd_levels{
    detail::simd_level::baseline, detail::simd_level::avx2, detail::simd_level::avx512};

}  // namespace poolproof::engine::testing

// The exact widening of binary16 and bfloat16 patterns to binary32, one value or a vector of lanes
// at a time, and its inverse (not a public interface): widen.cc's array pass and the max-forward
// kernels that read 16-bit planes directly both use these.
#pragma once

#include <bit>
#include <cstdint>

#include "engine/simd.h"

namespace poolproof::engine::detail {

/// The binary32 bits of one pattern's value (`Half`: binary16, else bfloat16), exactly: bfloat16
/// is binary32's upper half. A binary16's fields land in a binary32's (a subnormal half becomes
/// a subnormal float) and scaling by 2^(127 - 15) is exact; an infinity or NaN (exponent field
/// all ones) gets binary32's all-ones field instead, its payload kept in the upper fraction bits.
/// Needs the default float environment (no denormals-are-zero).
template <bool Half>
[[gnu::always_inline]] inline std::uint32_t widened_bits(std::uint32_t bits) {
  if constexpr (!Half) {
    return bits << 16;
  } else {
    const std::uint32_t magnitude = (bits & 0x7FFFu) << 13;
    const std::uint32_t sign = (bits & 0x8000u) << 16;
    const float scaled = std::bit_cast<float>(magnitude) * 0x1p112f;
    return sign | (magnitude >= (0x7C00u << 13) ? magnitude | 0x7F800000u
                                                : std::bit_cast<std::uint32_t>(scaled));
  }
}

/// widened_bits in `Width` lanes, the same operations lane by lane (inlined into its caller's
/// target: AVX-512, AVX2 or the baseline; the result goes to `wide`, since GCC warns of a
/// vector returned from a function without the caller's target).
template <int Width, bool Half>
[[gnu::always_inline]] inline void widen_lanes(typename lanes<Width>::u16 narrow,
                                               typename lanes<Width>::f32& wide) {
  using L = lanes<Width>;
  const auto bits = __builtin_convertvector(narrow, typename L::u32);
  if constexpr (!Half) {
    wide = reinterpret_cast<typename L::f32>(bits << 16);
  } else {
    const typename L::u32 magnitude = (bits & 0x7FFFu) << 13;
    const typename L::u32 sign = (bits & 0x8000u) << 16;
    const auto scaled = reinterpret_cast<typename L::f32>(magnitude) * 0x1p112f;
    wide = reinterpret_cast<typename L::f32>(
        sign | (magnitude >= (0x7C00u << 13) ? magnitude | 0x7F800000u
                                             : reinterpret_cast<typename L::u32>(scaled)));
  }
}

/// The inverse of widened_bits on its results: bfloat16 is the upper half; a finite binary16's
/// scaling by 2^-112 undoes the widening's exactly (back to the float whose bits are the half's
/// fields, shifted; binary16 subnormals pass through binary32 subnormals, so this needs the
/// default float environment: no flush to zero), and an infinity or NaN keeps its sign and upper
/// payload.
template <bool Half>
[[gnu::always_inline]] inline std::uint16_t unwidened_bits(std::uint32_t wide) {
  if constexpr (!Half) {
    return static_cast<std::uint16_t>(wide >> 16);
  } else {
    const std::uint32_t magnitude = wide & 0x7FFFFFFFu;
    const std::uint32_t sign = (wide >> 16) & 0x8000u;
    const float scaled = std::bit_cast<float>(magnitude) * 0x1p-112f;
    return static_cast<std::uint16_t>(sign | (magnitude >= 0x7F800000u
                                                  ? 0x7C00u | ((magnitude >> 13) & 0x3FFu)
                                                  : std::bit_cast<std::uint32_t>(scaled) >> 13));
  }
}

/// unwidened_bits in `Width` lanes, the same operations lane by lane (the result to `narrow`).
template <int Width, bool Half>
[[gnu::always_inline]] inline void unwiden_lanes(typename lanes<Width>::f32 value,
                                                 typename lanes<Width>::u16& narrow) {
  using L = lanes<Width>;
  const auto wide = reinterpret_cast<typename L::u32>(value);
  typename L::u32 bits;
  if constexpr (!Half) {
    bits = wide >> 16;
  } else {
    const typename L::u32 magnitude = wide & 0x7FFFFFFFu;
    const typename L::u32 sign = (wide >> 16) & 0x8000u;
    const auto scaled = reinterpret_cast<typename L::f32>(magnitude) * 0x1p-112f;
    bits = sign | (magnitude >= 0x7F800000u ? 0x7C00u | ((magnitude >> 13) & 0x3FFu)
                                            : reinterpret_cast<typename L::u32>(scaled) >> 13);
  }
  narrow = __builtin_convertvector(bits, typename L::u16);
}

}  // namespace poolproof::engine::detail

// Exact widening of binary16 and bfloat16 patterns to binary32 in SIMD lanes (16 with AVX-512, 8
// with AVX2, else 8 on the x86-64 baseline): the 16-bit max forward scans the widened planes with
// the binary32 kernels.
#include <bit>
#include <cstdint>
#include <cstring>

#include "engine/planes.h"
#include "engine/simd.h"

// The lane helpers have internal linkage and are reached only from this file's entry points, so
// clang's warning about passing their vectors across an ABI boundary does not apply.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

namespace poolproof::engine::detail {
namespace {

// One pattern: bfloat16 is binary32's upper half. A binary16's fields land in a binary32's (a
// subnormal half becomes a subnormal float) and scaling by 2^(127 - 15) is exact; an infinity or
// NaN (exponent field all ones) gets binary32's all-ones field instead, its payload kept.
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

// widened_bits in `Width` lanes, the same operations lane by lane.
template <int Width, bool Half>
[[gnu::always_inline]] inline void widen_lanes(const std::uint16_t* in, float* out,
                                               std::int64_t count) {
  using L = lanes<Width>;
  std::int64_t i = 0;
  for (; i + Width <= count; i += Width) {
    typename L::u16 narrow;
    std::memcpy(&narrow, in + i, sizeof narrow);
    const auto bits = __builtin_convertvector(narrow, typename L::u32);
    typename L::u32 wide;
    if constexpr (!Half) {
      wide = bits << 16;
    } else {
      const typename L::u32 magnitude = (bits & 0x7FFFu) << 13;
      const typename L::u32 sign = (bits & 0x8000u) << 16;
      const auto scaled = reinterpret_cast<typename L::f32>(magnitude) * 0x1p112f;
      wide = sign | (magnitude >= (0x7C00u << 13) ? magnitude | 0x7F800000u
                                                  : reinterpret_cast<typename L::u32>(scaled));
    }
    std::memcpy(out + i, &wide, sizeof wide);
  }
  for (; i < count; ++i) out[i] = std::bit_cast<float>(widened_bits<Half>(in[i]));
}

// The inverse of widened_bits on its results: bfloat16 is the upper half; a finite binary16's
// scaling by 2^-112 undoes the widening's exactly (back to the float whose bits are the half's
// fields, shifted), and an infinity or NaN keeps its sign and upper payload.
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

// unwidened_bits in `Width` lanes, the same operations lane by lane.
template <int Width, bool Half>
[[gnu::always_inline]] inline void unwiden_lanes(const float* in, std::uint16_t* out,
                                                 std::int64_t count) {
  using L = lanes<Width>;
  std::int64_t i = 0;
  for (; i + Width <= count; i += Width) {
    typename L::u32 wide;
    std::memcpy(&wide, in + i, sizeof wide);
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
    const auto narrow = __builtin_convertvector(bits, typename L::u16);
    std::memcpy(out + i, &narrow, sizeof narrow);
  }
  for (; i < count; ++i) out[i] = unwidened_bits<Half>(std::bit_cast<std::uint32_t>(in[i]));
}

template <int Width>
[[gnu::always_inline]] inline void widen_format(reference::float_format format,
                                                const std::uint16_t* in, float* out,
                                                std::int64_t count) {
  if (format == reference::float_format::binary16) return widen_lanes<Width, true>(in, out, count);
  widen_lanes<Width, false>(in, out, count);
}

template <int Width>
[[gnu::always_inline]] inline void unwiden_format(reference::float_format format, const float* in,
                                                  std::uint16_t* out, std::int64_t count) {
  if (format == reference::float_format::binary16)
    return unwiden_lanes<Width, true>(in, out, count);
  unwiden_lanes<Width, false>(in, out, count);
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void unwiden_avx512(
    reference::float_format format, const float* in, std::uint16_t* out, std::int64_t count) {
  unwiden_format<16>(format, in, out, count);
}

[[gnu::target("avx2")]] void unwiden_avx2(reference::float_format format, const float* in,
                                          std::uint16_t* out, std::int64_t count) {
  unwiden_format<8>(format, in, out, count);
}

void unwiden_baseline(reference::float_format format, const float* in, std::uint16_t* out,
                      std::int64_t count) {
  unwiden_format<8>(format, in, out, count);
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void widen_avx512(
    reference::float_format format, const std::uint16_t* in, float* out, std::int64_t count) {
  widen_format<16>(format, in, out, count);
}

[[gnu::target("avx2")]] void widen_avx2(reference::float_format format, const std::uint16_t* in,
                                        float* out, std::int64_t count) {
  widen_format<8>(format, in, out, count);
}

void widen_baseline(reference::float_format format, const std::uint16_t* in, float* out,
                    std::int64_t count) {
  widen_format<8>(format, in, out, count);
}

}  // namespace

void widen_to_binary32(reference::float_format format, const std::uint16_t* in, float* out,
                       std::int64_t count, simd_level ceiling) {
  POOLPROOF_CHECK(format == reference::float_format::binary16 ||
                  format == reference::float_format::bfloat16);
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      return widen_avx512(format, in, out, count);
    case simd_level::avx2:
      return widen_avx2(format, in, out, count);
    case simd_level::baseline:
      return widen_baseline(format, in, out, count);
  }
}

void patterns_of_widened(reference::float_format format, const float* in, std::uint16_t* out,
                         std::int64_t count, simd_level ceiling) {
  POOLPROOF_CHECK(format == reference::float_format::binary16 ||
                  format == reference::float_format::bfloat16);
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      return unwiden_avx512(format, in, out, count);
    case simd_level::avx2:
      return unwiden_avx2(format, in, out, count);
    case simd_level::baseline:
      return unwiden_baseline(format, in, out, count);
  }
}

}  // namespace poolproof::engine::detail

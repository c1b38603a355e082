// Exact widening of binary16 and bfloat16 arrays to binary32 in SIMD lanes (16 with AVX-512, 8
// with AVX2, else 8 on the x86-64 baseline): the 16-bit avg forward sums widened planes with the
// binary32 passes.
#include <bit>
#include <cstdint>
#include <cstring>

#include "engine/planes.h"
#include "engine/simd.h"
#include "engine/widened_lanes.h"

// The lane helpers have internal linkage and are reached only from this file's entry points, so
// clang's warning about passing their vectors across an ABI boundary does not apply.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

namespace poolproof::engine::detail {
namespace {

// The widening in `Width` lanes, then the tail one pattern at a time.
template <int Width, bool Half>
[[gnu::always_inline]] inline void widen_array(const std::uint16_t* in, float* out,
                                               std::int64_t count) {
  std::int64_t i = 0;
  for (; i + Width <= count; i += Width) {
    typename lanes<Width>::u16 narrow;
    std::memcpy(&narrow, in + i, sizeof narrow);
    typename lanes<Width>::f32 wide;
    widen_lanes<Width, Half>(narrow, wide);
    std::memcpy(out + i, &wide, sizeof wide);
  }
  for (; i < count; ++i) out[i] = std::bit_cast<float>(widened_bits<Half>(in[i]));
}

template <int Width>
[[gnu::always_inline]] inline void widen_format(reference::float_format format,
                                                const std::uint16_t* in, float* out,
                                                std::int64_t count) {
  if (format == reference::float_format::binary16) return widen_array<Width, true>(in, out, count);
  widen_array<Width, false>(in, out, count);
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

}  // namespace poolproof::engine::detail

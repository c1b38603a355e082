// The binary32 avg hot loop of the fast engine: one pass over a window that sums it in doubles
// and scans its exponent range, in SIMD lanes (8 with AVX2 when the CPU has it, else 4 with the
// x86-64 baseline); and the CPU check every vectorised file shares.
#include "engine/simd.h"

#include <cpuid.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "engine/planes.h"

// The 8-lane helpers have internal linkage and are reached only from this file's avx2 entry
// points, so clang's warning about passing their vectors across an ABI boundary does not apply.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

namespace poolproof::engine::detail {
namespace {

// One window, `Width` lanes at a time, then the row tails one by one. Exactness does not depend
// on the order (see double_pass); the range only ever narrows what the caller accepts.
template <int Width>
[[gnu::always_inline]] inline double_pass sum_and_scan_lanes(const geometry& g, const float* plane,
                                                             const box3& box) {
  if (box.w2.length() < Width) return sum_and_scan_scalar(g, plane, box);
  using L = lanes<Width>;
  typename L::f64 sum_low{}, sum_high{};
  typename L::u32 least = ~typename L::u32{}, greatest{};
  std::uint32_t least_tail = ~0u, greatest_tail = 0;
  double sum_tail = 0;
  for (std::int64_t i0 = box.w0.begin; i0 < box.w0.end; ++i0) {
    for (std::int64_t i1 = box.w1.begin; i1 < box.w1.end; ++i1) {
      const float* row = plane + (i0 * g.in[1] + i1) * g.in[2];
      std::int64_t i = box.w2.begin;
      for (; i + Width <= box.w2.end; i += Width) {
        typename L::u32 bits;
        std::memcpy(&bits, row + i, sizeof bits);
        const typename L::u32 magnitude = bits & 0x7FFFFFFFu;
        const typename L::u32 below = magnitude - 1u;
        least = below < least ? below : least;
        greatest = magnitude > greatest ? magnitude : greatest;
        add_widened_halves<Width>(__builtin_bit_cast(typename L::f32, bits), sum_low, sum_high);
      }
      for (; i < box.w2.end; ++i) {
        const std::uint32_t magnitude = std::bit_cast<std::uint32_t>(row[i]) & 0x7FFFFFFFu;
        least_tail = std::min(least_tail, magnitude - 1);
        greatest_tail = std::max(greatest_tail, magnitude);
        sum_tail += static_cast<double>(row[i]);
      }
    }
  }
  double sum = sum_tail;
  for (int k = 0; k < Width / 2; ++k) sum += sum_low[k] + sum_high[k];
  for (int k = 0; k < Width; ++k) {
    least_tail = std::min(least_tail, static_cast<std::uint32_t>(least[k]));
    greatest_tail = std::max(greatest_tail, static_cast<std::uint32_t>(greatest[k]));
  }
  return {sum, magnitude_range<binary32_traits>(least_tail, greatest_tail)};
}

[[gnu::target("avx2")]] double_pass sum_and_scan_avx2(const geometry& g, const float* plane,
                                                      const box3& box) {
  return sum_and_scan_lanes<8>(g, plane, box);
}

double_pass sum_and_scan_baseline(const geometry& g, const float* plane, const box3& box) {
  return sum_and_scan_lanes<4>(g, plane, box);
}

}  // namespace

bool cpu_has_avx2() { return usable_simd_level() >= simd_level::avx2; }

bool cpu_has_fma() {
  static const bool fma = [] {
    __builtin_cpu_init();  // as below: this may run before libgcc's own initialiser
    return __builtin_cpu_supports("fma") != 0;
  }();
  return fma;
}

bool cpu_has_f16c() {
  // cpuid leaf 1, ECX bit 29 (not every compiler's __builtin_cpu_supports knows "f16c"); its
  // VEX encoding needs the AVX register state, which usable_simd_level checks with the OS.
  static const bool f16c = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return usable_simd_level() >= simd_level::avx2 && __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 &&
           (ecx & bit_F16C) != 0;
  }();
  return f16c;
}

simd_level usable_simd_level(simd_level ceiling) {
  // __builtin_cpu_init first: this may run before libgcc's own initialiser. libgcc's checks
  // include the OS's XCR0 bits for the AVX and AVX-512 register state.
  static const simd_level cpu = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
      return simd_level::avx512;
    return __builtin_cpu_supports("avx2") ? simd_level::avx2 : simd_level::baseline;
  }();
  return std::min(cpu, ceiling);
}

double_pass sum_and_scan(const geometry& g, const float* plane, const box3& box, bool baseline) {
  return cpu_has_avx2() && !baseline ? sum_and_scan_avx2(g, plane, box)
                                     : sum_and_scan_baseline(g, plane, box);
}

}  // namespace poolproof::engine::detail

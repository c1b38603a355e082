// SIMD vocabulary of the fast engine's vectorised files (not a public interface): GCC/Clang
// vector types and the CPU checks that pick AVX-512 or AVX2 lanes over the x86-64 baseline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace poolproof::engine::detail {

/// `N` lanes of T as a GCC/Clang vector type (a member typedef: the attribute must see the
/// dependent size, which an alias template's attribute would not).
template <typename T, int N>
struct vector_of {
  using type [[gnu::vector_size(sizeof(T) * static_cast<std::size_t>(N))]] = T;
};

template <typename T, int N>
using vec = typename vector_of<T, N>::type;

/// The lanes of the 32-bit and 16-bit kernels: `Width` elements, and half as many doubles (a
/// float vector's halves widened) or int64 (offsets widened).
template <int Width>
struct lanes {
  using u16 = vec<std::uint16_t, Width>;
  using u32 = vec<std::uint32_t, Width>;
  using i32 = vec<std::int32_t, Width>;
  using f32 = vec<float, Width>;
  using half_f32 = vec<float, Width / 2>;
  using half_i32 = vec<std::int32_t, Width / 2>;
  using half_i64 = vec<std::int64_t, Width / 2>;
  using f64 = vec<double, Width / 2>;
};

/// low += x's first half widened to doubles, high += its second half. One conversion of all the
/// lanes, then the halves by shuffles: GCC 12 converts a half vector (four floats to four
/// doubles) two lanes at a time even on AVX2, and halves copied out of a vector go through the
/// stack.
template <int Width>
[[gnu::always_inline]] inline void add_widened_halves(const vec<float, Width>& x,
                                                      vec<double, Width / 2>& low,
                                                      vec<double, Width / 2>& high) {
  const auto wide = __builtin_convertvector(x, vec<double, Width>);
  if constexpr (Width == 4) {
    low += __builtin_shufflevector(wide, wide, 0, 1);
    high += __builtin_shufflevector(wide, wide, 2, 3);
  } else if constexpr (Width == 8) {
    low += __builtin_shufflevector(wide, wide, 0, 1, 2, 3);
    high += __builtin_shufflevector(wide, wide, 4, 5, 6, 7);
  } else {
    static_assert(Width == 16);
    low += __builtin_shufflevector(wide, wide, 0, 1, 2, 3, 4, 5, 6, 7);
    high += __builtin_shufflevector(wide, wide, 8, 9, 10, 11, 12, 13, 14, 15);
  }
}

/// A std::vector allocator whose storage starts on a 64-byte cache line: scratch rows written in
/// vectors at multiples of eight columns then do not split lines (binary64's column maxima; a
/// last vector at width - 8 may).
template <typename T>
struct line_aligned_allocator {
  using value_type = T;
  static constexpr std::align_val_t alignment{64};
  line_aligned_allocator() = default;
  // Implicit, as the allocator requirements ask of the rebinding conversion.
  template <typename U>
  line_aligned_allocator(const line_aligned_allocator<U>& /*other*/) {}  // NOLINT
  T* allocate(std::size_t count) {
    return static_cast<T*>(::operator new(count * sizeof(T), alignment));
  }
  void deallocate(T* storage, std::size_t /*count*/) { ::operator delete(storage, alignment); }
  friend bool operator==(const line_aligned_allocator&, const line_aligned_allocator&) = default;
};

/// Whether the CPU runs AVX2 (cpuid, once); the `[[gnu::target("avx2")]]` entry points are
/// called only when it does.
[[nodiscard]] bool cpu_has_avx2();

/// Whether the CPU runs FMA (cpuid, once); the `[[gnu::target("fma")]]` entry points are called
/// only when it does.
[[nodiscard]] bool cpu_has_fma();

/// Whether the CPU runs F16C, the binary16 conversions, and AVX2 lanes (whose check includes the
/// OS's saving of the AVX state F16C needs): cpuid, once. The `[[gnu::target("f16c")]]` entry
/// points are called only when it does.
[[nodiscard]] bool cpu_has_f16c();

/// The lanes a kernel runs on: the x86-64 baseline, AVX2, or AVX-512 (F, VL, BW and DQ, whose
/// mask registers make a select one instruction where AVX2's blends take three).
enum class simd_level { baseline, avx2, avx512 };

/// The best level the CPU (and the OS, which must save the wider registers) runs, at most
/// `ceiling`: tests ask for each level in turn, the engine for the best.
[[nodiscard]] simd_level usable_simd_level(simd_level ceiling = simd_level::avx512);

}  // namespace poolproof::engine::detail

// The binary32 hot loops of the fast engine: one pass over a window that sums it in doubles and
// scans its exponent range, and one that finds its maximum, in SIMD lanes (GCC/Clang vector
// extensions: 8 lanes with AVX2 when the CPU has it, else 4 with the x86-64 baseline).
#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "reference/fast_pool_internal.h"

// The 8-lane helpers have internal linkage and are reached only from this file's avx2 entry
// points, so clang's warning about passing their vectors across an ABI boundary does not apply.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

namespace poolproof::fast {
namespace {

// Lanes of `Width` floats: magnitudes as uint32, sums as two half-width double vectors.
template <int Width>
struct lanes;

template <>
struct lanes<4> {
  using u32 [[gnu::vector_size(16)]] = std::uint32_t;
  using i32 [[gnu::vector_size(16)]] = std::int32_t;
  using f32 [[gnu::vector_size(16)]] = float;
  using half_f32 [[gnu::vector_size(8)]] = float;
  using f64 [[gnu::vector_size(16)]] = double;
};

template <>
struct lanes<8> {
  using u32 [[gnu::vector_size(32)]] = std::uint32_t;
  using i32 [[gnu::vector_size(32)]] = std::int32_t;
  using f32 [[gnu::vector_size(32)]] = float;
  using half_f32 [[gnu::vector_size(16)]] = float;
  using f64 [[gnu::vector_size(32)]] = double;
};

window_argmax argmax_scalar(const geometry& g, const float* plane, const box3& box) {
  float best = -std::numeric_limits<float>::infinity();
  auto best_at =
      static_cast<std::int32_t>((box.w0.begin * g.in[1] + box.w1.begin) * g.in[2] + box.w2.begin);
  bool nan = false;
  for_each_offset(g, box, [&](std::int64_t at) {
    if (plane[at] > best) {
      best = plane[at];
      best_at = static_cast<std::int32_t>(at);
    }
    nan |= plane[at] != plane[at];
  });
  return {best_at, nan};
}

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
        typename L::half_f32 low, high;
        std::memcpy(&low, row + i, sizeof low);
        std::memcpy(&high, row + i + Width / 2, sizeof high);
        sum_low += __builtin_convertvector(low, typename L::f64);
        sum_high += __builtin_convertvector(high, typename L::f64);
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

// The argmax of a window from its lanes' first maxima and the row tails' (`tail`, of value
// `tail_best`): the least offset among those holding the overall maximum.
template <int Width>
[[gnu::always_inline]] inline window_argmax merge_lanes(const geometry& g, const box3& box,
                                                        typename lanes<Width>::f32 best,
                                                        typename lanes<Width>::i32 best_at,
                                                        typename lanes<Width>::i32 nan,
                                                        window_argmax tail, float tail_best) {
  constexpr float minus_infinity = -std::numeric_limits<float>::infinity();
  for (int k = 0; k < Width; ++k) {
    tail.nan |= nan[k] != 0;
    if (best[k] > tail_best ||
        (best[k] == tail_best && best[k] > minus_infinity && best_at[k] < tail.at)) {
      tail_best = best[k];
      tail.at = best_at[k];
    }
  }
  if (tail_best == minus_infinity) {
    tail.at =
        static_cast<std::int32_t>((box.w0.begin * g.in[1] + box.w1.begin) * g.in[2] + box.w2.begin);
  }
  return tail;
}

// PyTorch's argmax of a NaN-free window in one pass: each lane keeps its first strict maximum
// and where it was; the winner is the least offset among the lanes holding the overall maximum
// (offsets grow in scan order; -0 == +0), or the first element if nothing beat -inf. A NaN
// lane never compares greater; x != x flags it for the caller's scalar scan.
template <int Width>
[[gnu::always_inline]] inline window_argmax argmax_lanes(const geometry& g, const float* plane,
                                                         const box3& box) {
  if (box.w2.length() < Width) return argmax_scalar(g, plane, box);
  using L = lanes<Width>;
  constexpr float minus_infinity = -std::numeric_limits<float>::infinity();
  typename L::i32 iota{};
  for (int k = 0; k < Width; ++k) iota[k] = k;
  typename L::f32 best = typename L::f32{} + minus_infinity;
  typename L::i32 best_at{}, nan{};
  float best_tail = minus_infinity;
  std::int32_t best_tail_at = 0;
  bool nan_tail = false;
  for (std::int64_t i0 = box.w0.begin; i0 < box.w0.end; ++i0) {
    for (std::int64_t i1 = box.w1.begin; i1 < box.w1.end; ++i1) {
      const auto row = static_cast<std::int32_t>((i0 * g.in[1] + i1) * g.in[2]);
      std::int32_t i = static_cast<std::int32_t>(box.w2.begin);
      for (; i + Width <= box.w2.end; i += Width) {
        typename L::f32 x;
        std::memcpy(&x, plane + row + i, sizeof x);
        const typename L::i32 greater = x > best;
        best = greater ? x : best;
        best_at = greater ? iota + (row + i) : best_at;
        nan |= x != x;
      }
      for (; i < box.w2.end; ++i) {
        const float x = plane[row + i];
        if (x > best_tail) {
          best_tail = x;
          best_tail_at = row + i;
        }
        nan_tail |= x != x;
      }
    }
  }
  return merge_lanes<Width>(g, box, best, best_at, nan, {best_tail_at, nan_tail}, best_tail);
}

[[gnu::target("avx2")]] double_pass sum_and_scan_avx2(const geometry& g, const float* plane,
                                                      const box3& box) {
  return sum_and_scan_lanes<8>(g, plane, box);
}

double_pass sum_and_scan_baseline(const geometry& g, const float* plane, const box3& box) {
  return sum_and_scan_lanes<4>(g, plane, box);
}

[[gnu::target("avx2")]] window_argmax argmax_avx2(const geometry& g, const float* plane,
                                                  const box3& box) {
  return argmax_lanes<8>(g, plane, box);
}

window_argmax argmax_baseline(const geometry& g, const float* plane, const box3& box) {
  return argmax_lanes<4>(g, plane, box);
}

bool has_avx2() {
  // __builtin_cpu_init first: this may run before libgcc's own initialiser.
  static const bool avx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
  return avx2;
}

}  // namespace

double_pass sum_and_scan(const geometry& g, const float* plane, const box3& box, bool baseline) {
  return has_avx2() && !baseline ? sum_and_scan_avx2(g, plane, box)
                                 : sum_and_scan_baseline(g, plane, box);
}

window_argmax argmax_unless_nan(const geometry& g, const float* plane, const box3& box,
                                bool baseline) {
  POOLPROOF_CHECK(g.in_plane < (std::int64_t{1} << 31));
  return has_avx2() && !baseline ? argmax_avx2(g, plane, box) : argmax_baseline(g, plane, box);
}

}  // namespace poolproof::fast

// Shared plane machinery of the fast engine's passes (not a public interface):
// geometry padded to three spatial axes, argument checks, format dispatch, plane threading.
#pragma once

#include <poolproof/common/error.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_window.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/float_bits.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {

/// Pooling geometry with the spatial axes padded in front to three (sizes 1, one window [0,1)).
/// Windows come from adaptive_windows, never re-derived.
struct geometry {
  std::int64_t planes = 1;
  std::array<std::int64_t, 3> in{1, 1, 1};
  std::array<std::int64_t, 3> out{1, 1, 1};
  std::array<std::vector<reference::window>, 3> windows;
  std::int64_t in_plane = 1;
  std::int64_t out_plane = 1;
  std::int64_t largest_window = 1;  ///< the largest window volume
};

/// Checks shapes, sizes, the format against T and the spans' lengths; builds the geometry.
/// `in_count` and `out_count` are the lengths of the input-shaped and output-shaped spans.
template <element T>
geometry checked_geometry(reference::float_format format, std::span<const std::int64_t> input_shape,
                          std::span<const std::int64_t> out_size, std::size_t in_count,
                          std::size_t out_count);

/// checked_geometry of the calling thread's last arguments, kept while they repeat (a model
/// pools the same shapes call after call, and the checks and windows cost more than a small
/// pooling). The reference stays valid until this thread asks for another geometry.
template <element T>
const geometry& remembered_geometry(reference::float_format format,
                                    std::span<const std::int64_t> input_shape,
                                    std::span<const std::int64_t> out_size, std::size_t in_count,
                                    std::size_t out_count);

/// Calls work(first_plane, end_plane) on up to `threads` workers (0: all cores) over contiguous
/// plane ranges; rethrows the first exception a worker threw.
void parallel_planes(std::int64_t planes, unsigned threads,
                     const std::function<void(std::int64_t, std::int64_t)>& work);

/// Calls visit(traits) with the format_traits of `format`, whose storage is T.
template <element T, typename Visit>
void with_traits(reference::float_format format, Visit visit) {
  if constexpr (std::same_as<T, float>) {
    visit(binary32_traits{});
  } else if constexpr (std::same_as<T, double>) {
    visit(binary64_traits{});
  } else if (format == reference::float_format::binary16) {
    visit(binary16_traits{});
  } else {
    visit(bfloat16_traits{});
  }
}

/// The three windows of output (o0, o1, o2).
struct box3 {
  const reference::window& w0;
  const reference::window& w1;
  const reference::window& w2;

  [[nodiscard]] std::int64_t volume() const { return w0.length() * w1.length() * w2.length(); }
};

/// Calls visit(offset) for each element of `box` in row-major order; offset is flat within the
/// input plane (the index PyTorch reports for max pooling).
template <typename Visit>
inline void for_each_offset(const geometry& g, const box3& box, Visit visit) {
  for (std::int64_t i0 = box.w0.begin; i0 < box.w0.end; ++i0) {
    for (std::int64_t i1 = box.w1.begin; i1 < box.w1.end; ++i1) {
      const std::int64_t row = (i0 * g.in[1] + i1) * g.in[2];
      for (std::int64_t i2 = box.w2.begin; i2 < box.w2.end; ++i2) visit(row + i2);
    }
  }
}

/// The flat offset of a window's first element, the first in scan order.
inline std::int64_t first_offset(const geometry& g, const box3& box) {
  return (box.w0.begin * g.in[1] + box.w1.begin) * g.in[2] + box.w2.begin;
}

/// Calls visit(out_offset, box) for every output of a plane, in row-major order.
template <typename Visit>
inline void for_each_output(const geometry& g, Visit visit) {
  std::int64_t offset = 0;
  for (const reference::window& w0 : g.windows[0]) {
    for (const reference::window& w1 : g.windows[1]) {
      for (const reference::window& w2 : g.windows[2]) visit(offset++, box3{w0, w1, w2});
    }
  }
}

/// A binary32 window's sum in doubles and its exponent range, from one pass. Every value is a
/// multiple of 2^unit, and every partial sum (of any subset) is below 2^(unit + 53) when
/// range.sum_bits(count) <= 53; then each double addition was exact, in any order, and `sum`
/// is the exact sum. Otherwise the caller must discard `sum`.
struct double_pass {
  double sum = 0;
  exponent_range range;
};

/// sum_and_scan in plain scalar code, inline: for rows shorter than the SIMD lanes, where the
/// lanes' final reductions and the call would cost more than the window.
inline double_pass sum_and_scan_scalar(const geometry& g, const float* plane, const box3& box) {
  double sum = 0;
  std::uint32_t least = ~0u, greatest = 0;
  for_each_offset(g, box, [&](std::int64_t at) {
    const std::uint32_t magnitude = std::bit_cast<std::uint32_t>(plane[at]) & 0x7FFFFFFFu;
    least = std::min(least, magnitude - 1);
    greatest = std::max(greatest, magnitude);
    sum += static_cast<double>(plane[at]);
  });
  return {sum, magnitude_range<binary32_traits>(least, greatest)};
}

/// sum_and_scan_scalar of a window within one row, [begin, end) of `row`: every 1-D window,
/// without the nested loops (two chains, for the latency of the double additions).
inline double_pass sum_and_scan_row(const float* row, std::int64_t begin, std::int64_t end) {
  double sum_even = 0, sum_odd = 0;
  std::uint32_t least = ~0u, greatest = 0;
  auto scan = [&](float x) {
    const std::uint32_t magnitude = std::bit_cast<std::uint32_t>(x) & 0x7FFFFFFFu;
    least = std::min(least, magnitude - 1);
    greatest = std::max(greatest, magnitude);
  };
  std::int64_t i = begin;
  for (; i + 2 <= end; i += 2) {
    scan(row[i]);
    scan(row[i + 1]);
    sum_even += static_cast<double>(row[i]);
    sum_odd += static_cast<double>(row[i + 1]);
  }
  if (i < end) {
    scan(row[i]);
    sum_even += static_cast<double>(row[i]);
  }
  return {sum_even + sum_odd, magnitude_range<binary32_traits>(least, greatest)};
}

/// One SIMD pass over a binary32 window: AVX2 when the CPU has it, unless `baseline` asks for
/// the x86-64 baseline lanes (tests compare the two); simd.cc.
[[nodiscard]] double_pass sum_and_scan(const geometry& g, const float* plane, const box3& box,
                                       bool baseline = false);

/// The max-forward kernels (max_forward_simd.cc); each gives PyTorch's argmax on any
/// geometry. `automatic` picks by shape: with AVX-512, short_rows for planes of one row of at
/// most 64 inputs (windows of at most 16, at most 1024 outputs); then across_planes for at least
/// one vector of planes of at most 1024 inputs and 4096 outputs, else separable for bands of
/// several rows at least one SIMD vector and at most 2^16 wide, else windows (which separable
/// also falls back to outside those widths). short_rows elsewhere is automatic.
enum class max_kernel {
  automatic,
  short_rows,     ///< AVX-512: a row in registers, each step fetching an element of 16 windows
  across_planes,  ///< SIMD lanes are planes: a transposed block of planes, the scan rule as is
  separable,      ///< each band of rows reduced column-wise, then each window's columns
  windows,        ///< each window on its own (one SIMD pass, a scalar scan after a NaN)
};

/// fast_adaptive_max_pool on binary32 planes [first, end): values and flat indices of PyTorch's
/// scan (see max_forward.cc's argmax), on the CPU's best lanes up to `ceiling` (tests
/// compare the levels). Precondition: the input plane has fewer than 2^31 elements.
void max_planes_binary32(const geometry& g, const float* input, float* output,
                         std::int64_t* indices, std::int64_t first, std::int64_t end,
                         max_kernel kernel = max_kernel::automatic,
                         simd_level ceiling = simd_level::avx512);

/// The same kernels on binary16 or bfloat16 planes (`format`), reading the patterns themselves
/// (as binary32 values widened in the lanes, or as 16-bit integers that order like the values):
/// the winner is the one PyTorch's scan picks on the values, and the value written is the
/// winner's own pattern (NaN payloads included). Same precondition.
void max_planes_sixteen_bit(reference::float_format format, const geometry& g,
                            const std::uint16_t* input, std::uint16_t* output,
                            std::int64_t* indices, std::int64_t first, std::int64_t end,
                            max_kernel kernel = max_kernel::automatic,
                            simd_level ceiling = simd_level::avx512);

/// fast_adaptive_max_pool on binary64 planes [first, end) by bands of rows reduced in SIMD lanes
/// of doubles (as `separable`), when the planes have several rows of 8 to 2^16 inputs and fewer
/// than 2^31 elements; returns false, writing nothing, for other planes.
bool max_planes_binary64(const geometry& g, const double* input, double* output,
                         std::int64_t* indices, std::int64_t first, std::int64_t end,
                         simd_level ceiling = simd_level::avx512);

/// Whether g's planes are rows: one input row and one output row (1-D pooling).
[[nodiscard]] inline bool planes_are_rows(const geometry& g) {
  return g.in_plane == g.in[2] && g.out_plane == g.out[2];
}

/// The windows' shorter length when they take one length or two consecutive ones (adaptive
/// windows always do: ceil(n / m) and one more), else nullopt.
[[nodiscard]] inline std::optional<std::int64_t> shorter_of_two_lengths(
    const std::vector<reference::window>& windows) {
  if (windows.empty()) return std::nullopt;
  const std::int64_t shorter = std::ranges::min(windows, {}, &reference::window::length).length();
  const bool two = std::ranges::all_of(windows, [&](const reference::window& w) {
    return w.length() == shorter || w.length() == shorter + 1;
  });
  return two ? std::optional(shorter) : std::nullopt;
}

/// Planes [first, end) in runs of `rows_per_run` (the last one shorter): run(p, rows) for each,
/// and every plane of a run it declines (returns false) through one_plane(p).
template <typename Run, typename OnePlane>
void runs_of_planes(std::int64_t first, std::int64_t end, std::int64_t rows_per_run, Run run,
                    OnePlane one_plane) {
  for (std::int64_t p = first; p < end; p += rows_per_run) {
    const std::int64_t rows = std::min(rows_per_run, end - p);
    if (!run(p, rows)) {
      for (std::int64_t r = p; r < p + rows; ++r) one_plane(r);
    }
  }
}

/// fast_adaptive_max_pool on binary64 planes [first, end) of one row (1-D) of at most 256 inputs
/// and windows of at most 16 in one length or two consecutive ones, by scans from every position
/// of runs of rows in AVX-512 lanes (max_rows_binary64.cc); returns false, writing nothing, for
/// other planes or without AVX-512 (up to `ceiling`).
bool max_rows_binary64(const geometry& g, const double* input, double* output,
                       std::int64_t* indices, std::int64_t first, std::int64_t end,
                       simd_level ceiling = simd_level::avx512);

/// Writes the binary32 value of each of `count` binary16 or bfloat16 patterns (`format`) to
/// `out`, exactly: finite values, -0, infinities, and NaNs (as NaNs, payload kept in the upper
/// fraction bits), so comparisons of the floats order them as their values; widen.cc, on the
/// CPU's best lanes up to `ceiling` (tests compare the levels).
void widen_to_binary32(reference::float_format format, const std::uint16_t* in, float* out,
                       std::int64_t count, simd_level ceiling = simd_level::avx512);

/// Rounds an exact fixed-point sum `sum` * 2^unit / divisor (Acc: int64 or __int128).
template <typename F, typename Acc>
inline std::uint64_t round_fixed(Acc sum, int unit, std::uint64_t divisor) {
  const bool negative = sum < 0;
  const auto magnitude = static_cast<fast_uint128>(negative ? -sum : sum);
  return round_quotient<F>(negative, magnitude, unit, divisor);
}

/// How a window's non-finite values decide its sum: NaN, +inf, -inf, or none (finite sum).
struct special_tally {
  bool nan = false;
  bool positive_infinity = false;
  bool negative_infinity = false;

  template <typename F>
  void add(std::uint64_t bits) {
    const std::uint64_t magnitude = bits & ~F::sign_mask;
    nan |= magnitude > F::infinity;
    positive_infinity |= bits == F::infinity;
    negative_infinity |= bits == (F::sign_mask | F::infinity);
  }
  [[nodiscard]] bool any() const { return nan || positive_infinity || negative_infinity; }
  /// IEEE's sum: NaN for any NaN or both infinities, else the infinity present.
  template <typename F>
  [[nodiscard]] std::uint64_t result() const {
    if (nan || (positive_infinity && negative_infinity)) return F::quiet_nan;
    return positive_infinity ? F::infinity : F::sign_mask | F::infinity;
  }
};

}  // namespace poolproof::engine::detail

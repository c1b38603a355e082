// The vector lanes of all_window_sums (window_sums.h): one plane's window sums, sixteen values a
// vector on AVX-512, eight binary16 values on AVX2, on the CPUs that run them.
#pragma once

#include <poolproof/reference/float_format.h>

#include <cstdint>
#include <span>
#include <vector>

#include "golden/window_sums.h"

namespace poolproof::golden::detail {

// Each output window of a plane as the flat offsets of its rows (the last axis is contiguous)
// and the rows' length; shared by every plane.
struct window_rows {
  std::vector<std::int64_t> starts;
  std::int64_t length = 0;
  /// The window's number of values.
  [[nodiscard]] std::int64_t count() const {
    return length * static_cast<std::int64_t>(starts.size());
  }
};

/// describe_bits of a binary32 pattern.
[[nodiscard]] value_bits describe_binary32(std::uint32_t bits);

/// Whether this CPU (and OS) runs the lanes: AVX-512 F, VL, BW, DQ and CD.
[[nodiscard]] bool window_lanes_available();

/// Whether this CPU (and OS) runs plane_window_sums_binary16_avx2: AVX2 and F16C.
[[nodiscard]] bool binary16_avx2_lanes_available();

/// plane_window_sums_lanes for binary16 planes in AVX2 lanes (the same contract), for CPUs
/// without AVX-512. Precondition: binary16_avx2_lanes_available().
void plane_window_sums_binary16_avx2(std::span<const window_rows> windows,
                                     const std::uint16_t* plane, window_sums* w);

/// Each window's sums over one plane (binary16 or bfloat16 patterns, or binary32 values) into
/// w[0, windows.size()): count, least, top and exact() always the portable loop's, sum and
/// sum_abs too wherever exact() holds. Precondition: window_lanes_available().
template <typename T>
void plane_window_sums_lanes(reference::float_format format, std::span<const window_rows> windows,
                             const T* plane, window_sums* w);

}  // namespace poolproof::golden::detail

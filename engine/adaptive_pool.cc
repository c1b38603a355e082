#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/tensor.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <thread>
#include <type_traits>
#include <utility>

#include "engine/double_sums.h"
#include "engine/pool_internal.h"

namespace poolproof::engine {
namespace detail {
namespace {

template <element T>
void require_format(reference::float_format format) {
  const bool matches = std::same_as<T, float>    ? format == reference::float_format::binary32
                       : std::same_as<T, double> ? format == reference::float_format::binary64
                                                 : format == reference::float_format::binary16 ||
                                                       format == reference::float_format::bfloat16;
  if (!matches) {
    throw common::input_error("fast pooling: element type does not hold " +
                              std::string(reference::format_name(format)));
  }
}

void require_length(std::size_t got, std::span<const std::int64_t> shape, const char* what) {
  const std::int64_t want = reference::element_count(shape);
  if (static_cast<std::int64_t>(got) != want) {
    throw common::input_error(std::string(what) + " holds " + std::to_string(got) +
                              " values but its shape has " + std::to_string(want));
  }
}

// A window sum in one fixed-point accumulator: exact while the window's spread fits Acc.
template <typename F, typename Acc>
Acc window_sum(const geometry& g, const typename F::storage* plane, const box3& box, int anchor) {
  Acc sum = 0;
  for_each_offset(
      g, box, [&](std::int64_t at) { sum += fixed_point<F, Acc>(F::to_bits(plane[at]), anchor); });
  return sum;
}

// The exact sum of a window of any spread in a GMP integer, in units of 2^unit.
template <typename F>
reference::integer window_sum_wide(const geometry& g, const typename F::storage* plane,
                                   const box3& box, int anchor) {
  reference::integer sum = 0;
  for_each_offset(g, box, [&](std::int64_t at) {
    const std::uint64_t b = F::to_bits(plane[at]);
    const reference::integer term = reference::integer(significand<F>(b))
                                    << static_cast<unsigned>(effective_exponent<F>(b) - anchor);
    if ((b & F::sign_mask) != 0) {
      sum -= term;
    } else {
      sum += term;
    }
  });
  return sum;
}

// The mean of one window from its exact sum: specials first, then the narrowest exact
// accumulator for its exponent range (int64, __int128, a GMP integer).
template <typename F>
std::uint64_t window_mean(const geometry& g, const typename F::storage* plane, const box3& box,
                          const exponent_range& range) {
  if (range.special) {
    special_tally specials;
    for_each_offset(g, box, [&](std::int64_t at) { specials.add<F>(F::to_bits(plane[at])); });
    if (specials.any()) return specials.result<F>();
  }
  const auto count = static_cast<std::uint64_t>(box.volume());
  const int anchor = range.anchor();
  const int unit = range.unit_exponent<F>();
  const int bits = range.sum_bits<F>(count);
  if (bits <= 63)
    return round_fixed<F>(window_sum<F, std::int64_t>(g, plane, box, anchor), unit, count);
  if (bits <= 127)
    return round_fixed<F>(window_sum<F, fast_int128>(g, plane, box, anchor), unit, count);
  return round_wide_quotient<F>(window_sum_wide<F>(g, plane, box, anchor), unit, box.volume());
}

// binary32 first tries the one-pass double sum (the common case: spreads up to 53 bits).
template <typename F>
std::uint64_t window_mean(const geometry& g, const typename F::storage* plane, const box3& box) {
  const auto count = static_cast<std::uint64_t>(box.volume());
  if constexpr (std::same_as<F, binary32_traits>) {
    const bool one_row = box.w0.length() == 1 && box.w1.length() == 1;
    const double_pass pass =
        box.w2.length() >= 8 ? sum_and_scan(g, plane, box)
        : one_row            ? sum_and_scan_row(plane + first_offset(g, box), 0, box.w2.length())
                             : sum_and_scan_scalar(g, plane, box);
    if (!pass.range.special && pass.range.sum_bits<F>(count) <= 53) {
      if (const auto bits = round_quotient_binary32(pass.sum, 0, count)) return *bits;
      return round_double_sum<F>(pass.sum, pass.range, count);
    }
    return window_mean<F>(g, plane, box, pass.range);
  } else if constexpr (std::same_as<F, binary64_traits>) {
    const binary64_pass pass = sum_and_scan_binary64(g, plane, box);
    if (pass.sum) return round_fixed<F>(*pass.sum, pass.range.unit_exponent<F>(), count);
    return window_mean<F>(g, plane, box, pass.range);
  } else {
    const double_pass pass = sum_and_scan_16_simd<F>(g, plane, box);
    if (!pass.range.special && pass.range.sum_bits<F>(count) <= 53)
      return round_double_sum<F>(pass.sum, pass.range, count);
    return window_mean<F>(g, plane, box, pass.range);
  }
}

// A binary32 window's sum in doubles, without an exponent scan (the caller vouches that every
// partial sum is exact); one-row windows skip the nested loops.
double window_sum_in_doubles(const geometry& g, const float* plane, const box3& box) {
  if (box.w0.length() == 1 && box.w1.length() == 1) {
    return sum_and_scan_row(plane + first_offset(g, box), 0, box.w2.length()).sum;
  }
  double sum = 0;
  for_each_offset(g, box, [&](std::int64_t at) { sum += static_cast<double>(plane[at]); });
  return sum;
}

// A binary32 plane of small windows (each would take the scalar pass): one scan of the whole
// plane bounds every window's exponent range. When it shows every double sum of up to
// largest_window values exact (see double_pass: each window's values are multiples of the
// plane's unit, and its partial sums stay below 2^(unit + 53)), each window is summed without a
// scan of its own and rounded once. Returns false, writing nothing, when the plane needs the
// per-window path (an infinity or NaN, or too wide a spread).
bool avg_plane_in_doubles(const geometry& g, const float* plane, float* out) {
  const box3 whole{{0, g.in[0]}, {0, g.in[1]}, {0, g.in[2]}};
  const exponent_range range = sum_and_scan(g, plane, whole).range;
  const auto largest = static_cast<std::uint64_t>(g.largest_window);
  if (range.special || range.sum_bits<binary32_traits>(largest) > 53) return false;
  for_each_output(g, [&](std::int64_t at, const box3& box) {
    const double sum = window_sum_in_doubles(g, plane, box);
    const auto count = static_cast<std::uint64_t>(box.volume());
    const auto bits = round_quotient_binary32(sum, 0, count);
    out[at] = binary32_traits::from_bits(
        bits ? *bits : round_double_sum<binary32_traits>(sum, range, count));
  });
  return true;
}

// Small windows with rows shorter than a SIMD vector: where a window's own scan costs most.
bool small_windows(const geometry& g) {
  return g.largest_window <= 64 &&
         std::ranges::all_of(g.windows[2],
                             [](const reference::window& w) { return w.length() < 8; });
}

template <typename F>
void avg_planes(const geometry& g, const typename F::storage* input, typename F::storage* output,
                std::int64_t first, std::int64_t end) {
  [[maybe_unused]] const bool whole_plane_scan =
      std::same_as<F, binary32_traits> && small_windows(g);
  for (std::int64_t p = first; p < end; ++p) {
    const typename F::storage* plane = input + p * g.in_plane;
    typename F::storage* out = output + p * g.out_plane;
    if constexpr (std::same_as<F, binary32_traits>) {
      if (whole_plane_scan && avg_plane_in_doubles(g, plane, out)) continue;
    }
    for_each_output(g, [&](std::int64_t at, const box3& box) {
      out[at] = F::from_bits(window_mean<F>(g, plane, box));
    });
  }
}

// PyTorch's scan: a NaN always wins (so the last one does), otherwise only a strictly greater
// value; the running maximum starts at -inf on the first element. The output is read back from
// the winner's position, so it is the winner's pattern (if nothing beat -inf, the first element
// is -inf itself).
template <typename F>
std::int64_t argmax(const geometry& g, const typename F::storage* plane, const box3& box) {
  std::int64_t best_at = first_offset(g, box);
  if constexpr (std::is_floating_point_v<typename F::storage>) {
    auto best = -std::numeric_limits<typename F::storage>::infinity();
    for_each_offset(g, box, [&](std::int64_t offset) {
      const auto value = plane[offset];
      if (value > best || value != value) {
        best = value;
        best_at = offset;
      }
    });
  } else {
    // 16-bit patterns: keys order non-NaN patterns like their values (-0 and +0 both map to 0).
    auto best_key = -static_cast<std::int64_t>(F::infinity);
    bool best_nan = false;
    for_each_offset(g, box, [&](std::int64_t offset) {
      const std::uint64_t bits = F::to_bits(plane[offset]);
      const std::uint64_t magnitude = bits & ~F::sign_mask;
      const bool nan = magnitude > F::infinity;
      const auto key = (bits & F::sign_mask) != 0 ? -static_cast<std::int64_t>(magnitude)
                                                  : static_cast<std::int64_t>(magnitude);
      if (nan || (!best_nan && key > best_key)) {
        best_key = key;
        best_nan = nan;
        best_at = offset;
      }
    });
  }
  return best_at;
}

template <typename F>
void max_planes(const geometry& g, const typename F::storage* input, typename F::storage* output,
                std::int64_t* indices, std::int64_t first, std::int64_t end) {
  if constexpr (std::same_as<F, binary32_traits>) {
    if (g.in_plane < (std::int64_t{1} << 31))
      return max_planes_binary32(g, input, output, indices, first, end);
  }
  for (std::int64_t p = first; p < end; ++p) {
    const typename F::storage* plane = input + p * g.in_plane;
    for_each_output(g, [&](std::int64_t at, const box3& box) {
      const std::int64_t best_at = argmax<F>(g, plane, box);
      output[p * g.out_plane + at] = F::from_bits(F::to_bits(plane[best_at]));
      indices[p * g.out_plane + at] = best_at;
    });
  }
}

}  // namespace

template <element T>
geometry checked_geometry(reference::float_format format, std::span<const std::int64_t> input_shape,
                          std::span<const std::int64_t> out_size, std::size_t in_count,
                          std::size_t out_count) {
  require_format<T>(format);
  const std::vector<std::int64_t> out_shape =
      reference::adaptive_output_shape(input_shape, out_size);
  require_length(in_count, input_shape, "input");
  require_length(out_count, out_shape, "output");
  const reference::pooling_layout layout =
      reference::split_pooling_shape(input_shape, out_size.size());
  geometry g;
  g.planes = layout.planes;
  const std::size_t skip = 3 - out_size.size();
  for (std::size_t axis = 0; axis < 3; ++axis) {
    if (axis >= skip) {
      g.in[axis] = layout.spatial[axis - skip];
      g.out[axis] = out_size[axis - skip];
    }
    g.windows[axis] = reference::adaptive_windows(g.in[axis], g.out[axis]);
  }
  g.in_plane = g.in[0] * g.in[1] * g.in[2];
  g.out_plane = g.out[0] * g.out[1] * g.out[2];
  g.largest_window = 1;
  for (const auto& axis_windows : g.windows) {
    std::int64_t longest = 0;
    for (const reference::window& w : axis_windows) longest = std::max(longest, w.length());
    g.largest_window *= longest;
  }
  return g;
}

void parallel_planes(std::int64_t planes, unsigned threads,
                     const std::function<void(std::int64_t, std::int64_t)>& work) {
  const auto workers = static_cast<std::int64_t>(
      std::min<std::uint64_t>(resolve_threads(threads), static_cast<std::uint64_t>(planes)));
  if (workers <= 1) {
    work(0, planes);
    return;
  }
  // One task per worker's range, so at most `workers` run at once; the caller takes part. TBB
  // rethrows the first exception a task threw once the others have finished. Isolated: while it
  // waits, the calling thread must not pick up a task of the caller's own parallel loop (which
  // could pool again on this thread and replace its remembered geometry under this call).
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(
        tbb::blocked_range<std::int64_t>(0, workers, 1),
        [&](const tbb::blocked_range<std::int64_t>& range) {
          for (std::int64_t w = range.begin(); w < range.end(); ++w)
            work(planes * w / workers, planes * (w + 1) / workers);
        },
        tbb::static_partitioner());
  });
}

template geometry checked_geometry<std::uint16_t>(reference::float_format,
                                                  std::span<const std::int64_t>,
                                                  std::span<const std::int64_t>, std::size_t,
                                                  std::size_t);
template geometry checked_geometry<float>(reference::float_format, std::span<const std::int64_t>,
                                          std::span<const std::int64_t>, std::size_t, std::size_t);
template geometry checked_geometry<double>(reference::float_format, std::span<const std::int64_t>,
                                           std::span<const std::int64_t>, std::size_t, std::size_t);

// The geometry is a function of exactly these arguments, so reusing it checks and builds the same.
template <element T>
const geometry& remembered_geometry(reference::float_format format,
                                    std::span<const std::int64_t> input_shape,
                                    std::span<const std::int64_t> out_size, std::size_t in_count,
                                    std::size_t out_count) {
  struct memo {
    bool valid = false;
    reference::float_format format{};
    std::vector<std::int64_t> input_shape, out_size;
    std::size_t in_count = 0, out_count = 0;
    geometry g;
  };
  thread_local memo last;
  if (!last.valid || last.format != format || last.in_count != in_count ||
      last.out_count != out_count || !std::ranges::equal(last.input_shape, input_shape) ||
      !std::ranges::equal(last.out_size, out_size)) {
    geometry g = checked_geometry<T>(format, input_shape, out_size, in_count, out_count);
    last = {true,
            format,
            {input_shape.begin(), input_shape.end()},
            {out_size.begin(), out_size.end()},
            in_count,
            out_count,
            std::move(g)};
  }
  return last.g;
}

template const geometry& remembered_geometry<std::uint16_t>(reference::float_format,
                                                            std::span<const std::int64_t>,
                                                            std::span<const std::int64_t>,
                                                            std::size_t, std::size_t);
template const geometry& remembered_geometry<float>(reference::float_format,
                                                    std::span<const std::int64_t>,
                                                    std::span<const std::int64_t>, std::size_t,
                                                    std::size_t);
template const geometry& remembered_geometry<double>(reference::float_format,
                                                     std::span<const std::int64_t>,
                                                     std::span<const std::int64_t>, std::size_t,
                                                     std::size_t);

}  // namespace detail

unsigned resolve_threads(unsigned threads) {
  if (threads != 0) return threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

std::uint64_t round_scaled_quotient(reference::float_format format, bool negative,
                                    fast_uint128 magnitude, int exponent, std::uint64_t divisor) {
  POOLPROOF_CHECK(divisor >= 1 && divisor < (std::uint64_t{1} << 62));
  POOLPROOF_CHECK(magnitude < (fast_uint128{1} << 127));
  std::uint64_t bits = 0;
  auto round = [&](auto traits) {
    using F = decltype(traits);
    bits = detail::round_quotient<F>(negative, magnitude, exponent, divisor);
  };
  switch (format) {
    case reference::float_format::binary16:
      round(detail::binary16_traits{});
      break;
    case reference::float_format::bfloat16:
      round(detail::bfloat16_traits{});
      break;
    case reference::float_format::binary32:
      round(detail::binary32_traits{});
      break;
    case reference::float_format::binary64:
      round(detail::binary64_traits{});
      break;
  }
  return bits;
}

template <element T>
void adaptive_avg_pool(reference::float_format format, std::span<const std::int64_t> input_shape,
                       std::span<const T> input, std::span<const std::int64_t> out_size,
                       std::span<T> output, unsigned threads) {
  const detail::geometry& g =
      detail::remembered_geometry<T>(format, input_shape, out_size, input.size(), output.size());
  detail::with_traits<T>(format, [&](auto traits) {
    using F = decltype(traits);
    detail::parallel_planes(g.planes, threads, [&](std::int64_t first, std::int64_t end) {
      detail::avg_planes<F>(g, input.data(), output.data(), first, end);
    });
  });
}

template <element T>
void adaptive_max_pool(reference::float_format format, std::span<const std::int64_t> input_shape,
                       std::span<const T> input, std::span<const std::int64_t> out_size,
                       std::span<T> output, std::span<std::int64_t> indices, unsigned threads) {
  const detail::geometry& g =
      detail::remembered_geometry<T>(format, input_shape, out_size, input.size(), output.size());
  if (indices.size() != output.size())
    throw common::input_error("max pool indices and output differ");
  detail::with_traits<T>(format, [&](auto traits) {
    using F = decltype(traits);
    detail::parallel_planes(g.planes, threads, [&](std::int64_t first, std::int64_t end) {
      detail::max_planes<F>(g, input.data(), output.data(), indices.data(), first, end);
    });
  });
}

#define POOLPROOF_FAST_FORWARD(T)                                                            \
  template void adaptive_avg_pool<T>(reference::float_format, std::span<const std::int64_t>, \
                                     std::span<const T>, std::span<const std::int64_t>,      \
                                     std::span<T>, unsigned);                                \
  template void adaptive_max_pool<T>(reference::float_format, std::span<const std::int64_t>, \
                                     std::span<const T>, std::span<const std::int64_t>,      \
                                     std::span<T>, std::span<std::int64_t>, unsigned);
POOLPROOF_FAST_FORWARD(std::uint16_t)
POOLPROOF_FAST_FORWARD(float)
POOLPROOF_FAST_FORWARD(double)
#undef POOLPROOF_FAST_FORWARD

}  // namespace poolproof::engine

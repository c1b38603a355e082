// The max-forward kernels of the fast engine (max_planes_binary32, max_planes_sixteen_bit, and
// max_planes_binary64's separable bands of doubles): PyTorch's scan rule in SIMD lanes (16
// binary32 lanes with AVX-512 when the CPU has it, 8 with AVX2, else 4; twice as many 16-bit
// lanes and half as many binary64), across planes, separably by columns, or window by window; a
// window holding a NaN is rescanned by the rule as written. This file picks the kernel and
// instantiates each at its lanes' target.
// The 8- and 16-lane helpers have internal linkage and are reached only from this file's avx2 and
// avx512 entry points, so clang's warning about passing their vectors across an ABI boundary does
// not apply.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

#include <concepts>

#include "engine/max_across_planes.h"
#include "engine/max_binary64.h"
#include "engine/max_kernels.h"
#include "engine/max_separable.h"
#include "engine/max_short_rows.h"
#include "engine/planes.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {
namespace {

template <int Width, typename Source>
[[gnu::always_inline]] inline void max_planes_lanes(const geometry& g,
                                                    const typename Source::storage* input,
                                                    typename Source::storage* output,
                                                    std::int64_t* indices, std::int64_t first,
                                                    std::int64_t end, max_kernel kernel) {
  if (kernel == max_kernel::automatic) {
    const bool small_planes =
        end - first >= transpose_width<Width> && g.in_plane <= 1024 && g.out_plane <= 4096;
    // Separable needs bands of several rows to pay off, and keeps 12 bytes per column.
    const bool bands = g.in[0] * g.in[1] > 1 && g.in[2] >= Width && g.in[2] <= separable_width;
    kernel = small_planes ? max_kernel::across_planes
             : bands      ? max_kernel::separable
                          : max_kernel::windows;
  }
  // Rows narrower than 16 lanes run on 8 (the row kernels take at least one vector of a row).
  if constexpr (Width > 8) {
    if (kernel != max_kernel::across_planes && g.in[2] < Width)
      return max_planes_lanes<8, Source>(g, input, output, indices, first, end, kernel);
  }
  switch (kernel) {
    case max_kernel::across_planes:
      return max_across_planes<Width, Source>(g, input, output, indices, first, end);
    case max_kernel::separable:
      return max_separable<Width, Source>(g, input, output, indices, first, end);
    default:
      return max_windows<Width, Source>(g, input, output, indices, first, end);
  }
}

template <typename Source>
[[gnu::target("avx2")]] void max_planes_avx2(const geometry& g,
                                             const typename Source::storage* input,
                                             typename Source::storage* output,
                                             std::int64_t* indices, std::int64_t first,
                                             std::int64_t end, max_kernel kernel) {
  max_planes_lanes<8, Source>(g, input, output, indices, first, end, kernel);
}

template <typename Source>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void max_planes_avx512(
    const geometry& g, const typename Source::storage* input, typename Source::storage* output,
    std::int64_t* indices, std::int64_t first, std::int64_t end, max_kernel kernel) {
  if ((kernel == max_kernel::automatic || kernel == max_kernel::short_rows) && short_rows(g)) {
    if constexpr (std::same_as<Source, binary32_source>) {
      return max_short_rows(g, input, output, indices, first, end);
    } else {
      return max_short_rows(g, Source::format, input, output, indices, first, end);
    }
  }
  if (kernel == max_kernel::short_rows) kernel = max_kernel::automatic;
  max_planes_lanes<16, Source>(g, input, output, indices, first, end, kernel);
}

template <typename Source>
void max_planes_baseline(const geometry& g, const typename Source::storage* input,
                         typename Source::storage* output, std::int64_t* indices,
                         std::int64_t first, std::int64_t end, max_kernel kernel) {
  max_planes_lanes<4, Source>(g, input, output, indices, first, end, kernel);
}

// The kernel on the CPU's best lanes up to `ceiling`.
template <typename Source>
void max_planes_on_level(const geometry& g, const typename Source::storage* input,
                         typename Source::storage* output, std::int64_t* indices,
                         std::int64_t first, std::int64_t end, max_kernel kernel,
                         simd_level ceiling) {
  POOLPROOF_CHECK(g.in_plane < (std::int64_t{1} << 31));
  if (kernel == max_kernel::short_rows && usable_simd_level(ceiling) != simd_level::avx512)
    kernel = max_kernel::automatic;
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      return max_planes_avx512<Source>(g, input, output, indices, first, end, kernel);
    case simd_level::avx2:
      return max_planes_avx2<Source>(g, input, output, indices, first, end, kernel);
    case simd_level::baseline:
      return max_planes_baseline<Source>(g, input, output, indices, first, end, kernel);
  }
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void max_binary64_avx512(
    const geometry& g, const double* input, double* output, std::int64_t* indices,
    std::int64_t first, std::int64_t end) {
  max_separable_64<8>(g, input, output, indices, first, end);
}

[[gnu::target("avx2")]] void max_binary64_avx2(const geometry& g, const double* input,
                                               double* output, std::int64_t* indices,
                                               std::int64_t first, std::int64_t end) {
  max_separable_64<4>(g, input, output, indices, first, end);
}

void max_binary64_baseline(const geometry& g, const double* input, double* output,
                           std::int64_t* indices, std::int64_t first, std::int64_t end) {
  max_separable_64<2>(g, input, output, indices, first, end);
}

}  // namespace

bool max_planes_binary64(const geometry& g, const double* input, double* output,
                         std::int64_t* indices, std::int64_t first, std::int64_t end,
                         simd_level ceiling) {
  // Bands of several rows, each at least one AVX-512 vector of doubles wide.
  if (g.in[0] * g.in[1] < 2 || g.in[2] < 8 || g.in[2] > separable_width ||
      g.in_plane >= (std::int64_t{1} << 31))
    return false;
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      max_binary64_avx512(g, input, output, indices, first, end);
      break;
    case simd_level::avx2:
      max_binary64_avx2(g, input, output, indices, first, end);
      break;
    case simd_level::baseline:
      max_binary64_baseline(g, input, output, indices, first, end);
      break;
  }
  return true;
}

void max_planes_binary32(const geometry& g, const float* input, float* output,
                         std::int64_t* indices, std::int64_t first, std::int64_t end,
                         max_kernel kernel, simd_level ceiling) {
  max_planes_on_level<binary32_source>(g, input, output, indices, first, end, kernel, ceiling);
}

void max_planes_sixteen_bit(reference::float_format format, const geometry& g,
                            const std::uint16_t* input, std::uint16_t* output,
                            std::int64_t* indices, std::int64_t first, std::int64_t end,
                            max_kernel kernel, simd_level ceiling) {
  if (format == reference::float_format::binary16) {
    return max_planes_on_level<widened_source<true>>(g, input, output, indices, first, end, kernel,
                                                     ceiling);
  }
  POOLPROOF_CHECK(format == reference::float_format::bfloat16);
  max_planes_on_level<widened_source<false>>(g, input, output, indices, first, end, kernel,
                                             ceiling);
}

}  // namespace poolproof::engine::detail

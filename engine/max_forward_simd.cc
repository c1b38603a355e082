// The binary32 max-forward kernels of the fast engine (max_planes_binary32): PyTorch's scan
// rule in SIMD lanes (16 with AVX-512 when the CPU has it, 8 with AVX2, else 4), across planes,
// separably by columns, or window by window; a window holding a NaN is rescanned by the rule as
// written. This file picks the kernel and instantiates each at its lanes' target.
// The 8- and 16-lane helpers have internal linkage and are reached only from this file's avx2 and
// avx512 entry points, so clang's warning about passing their vectors across an ABI boundary does
// not apply.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

#include "engine/max_across_planes.h"
#include "engine/max_kernels.h"
#include "engine/max_separable.h"
#include "engine/max_short_rows.h"
#include "engine/planes.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {
namespace {

template <int Width>
[[gnu::always_inline]] inline void max_planes_lanes(const geometry& g, const float* input,
                                                    float* output, std::int64_t* indices,
                                                    std::int64_t first, std::int64_t end,
                                                    max_kernel kernel) {
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
      return max_planes_lanes<8>(g, input, output, indices, first, end, kernel);
  }
  switch (kernel) {
    case max_kernel::across_planes:
      return max_across_planes<Width>(g, input, output, indices, first, end);
    case max_kernel::separable:
      return max_separable<Width>(g, input, output, indices, first, end);
    default:
      return max_windows<Width>(g, input, output, indices, first, end);
  }
}

[[gnu::target("avx2")]] void max_planes_avx2(const geometry& g, const float* input, float* output,
                                             std::int64_t* indices, std::int64_t first,
                                             std::int64_t end, max_kernel kernel) {
  max_planes_lanes<8>(g, input, output, indices, first, end, kernel);
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void max_planes_avx512(
    const geometry& g, const float* input, float* output, std::int64_t* indices, std::int64_t first,
    std::int64_t end, max_kernel kernel) {
  if ((kernel == max_kernel::automatic || kernel == max_kernel::short_rows) && short_rows(g))
    return max_short_rows(g, input, output, indices, first, end);
  if (kernel == max_kernel::short_rows) kernel = max_kernel::automatic;
  max_planes_lanes<16>(g, input, output, indices, first, end, kernel);
}

void max_planes_baseline(const geometry& g, const float* input, float* output,
                         std::int64_t* indices, std::int64_t first, std::int64_t end,
                         max_kernel kernel) {
  max_planes_lanes<4>(g, input, output, indices, first, end, kernel);
}

}  // namespace

void max_planes_binary32(const geometry& g, const float* input, float* output,
                         std::int64_t* indices, std::int64_t first, std::int64_t end,
                         max_kernel kernel, simd_level ceiling) {
  POOLPROOF_CHECK(g.in_plane < (std::int64_t{1} << 31));
  if (kernel == max_kernel::short_rows && usable_simd_level(ceiling) != simd_level::avx512)
    kernel = max_kernel::automatic;
  switch (usable_simd_level(ceiling)) {
    case simd_level::avx512:
      return max_planes_avx512(g, input, output, indices, first, end, kernel);
    case simd_level::avx2:
      return max_planes_avx2(g, input, output, indices, first, end, kernel);
    default:
      return max_planes_baseline(g, input, output, indices, first, end, kernel);
  }
}

}  // namespace poolproof::engine::detail
// max_rows_binary64 (planes.h). Why sliding scans: 1-D binary64 planes of short windows went
// window by window through the general scan (a box's loops and a branch per value, 19 ns a
// window here). A run of rows is contiguous, so PyTorch's rule applied from every position at
// once, eight positions a vector, gives each window's winner at its start: the scan of the
// `length` values from position k is the vector's lane k after `length` steps (positions past a
// row's end feed lanes that are never read, and past the run's end read as nothing).
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <optional>

#include "engine/planes.h"
#include "engine/simd.h"
#include "engine/split_lanes.h"

namespace poolproof::engine::detail {
namespace {

// Values a run of rows holds, and the longest window the scans take.
constexpr std::int64_t run_values = 256;
constexpr std::int64_t longest_window = 16;

// The winners' positions (within the run) of the scans of the shorter windows' length (the
// windows' least) and of the longer ones' (one more, whether or not a window has it) from each
// position, per thread.
struct run_scratch {
  alignas(64) std::array<std::int64_t, run_values + 8> shorter_at, longer_at;
};

run_scratch& scratch() {
  thread_local run_scratch kept;
  return kept;
}

// PyTorch's scan from every position below `count`: a NaN always wins (so the last one does),
// otherwise only a strictly greater value; the first value starts the scan (as -inf followed
// by it would: it beats -inf unless it is -inf, and the winner's place is the first either way).
// Vectors whose scans stay below `count` load without masks (all but the last one or two).
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void sliding_winners(const double* values,
                                                                           std::int64_t count,
                                                                           std::int64_t shorter,
                                                                           std::int64_t longer,
                                                                           run_scratch& run) {
  const __m512i one = _mm512_set1_epi64(1);
  for (std::int64_t k = 0; k < count; k += 8) {
    const bool whole = k + 8 + longer - 1 <= count;
    __m512i at = _mm512_add_epi64(_mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7), _mm512_set1_epi64(k));
    __m512d best = _mm512_maskz_loadu_pd(lanes_below(count, k), values + k);
    __m512i best_at = at;
    const auto first = static_cast<std::size_t>(k);
    for (std::int64_t j = 1; j < longer; ++j) {
      if (j == shorter) _mm512_store_si512(run.shorter_at.data() + first, best_at);
      const __mmask8 lanes = whole ? 0xFF : lanes_below(count, k + j);
      const __m512d x = _mm512_maskz_loadu_pd(lanes, values + k + j);
      at = _mm512_add_epi64(at, one);
      const auto take = static_cast<__mmask8>(lanes & (_mm512_cmp_pd_mask(x, best, _CMP_GT_OQ) |
                                                       _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q)));
      best = _mm512_mask_mov_pd(best, take, x);
      best_at = _mm512_mask_mov_epi64(best_at, take, at);
    }
    _mm512_store_si512(run.longer_at.data() + first, best_at);
  }
}

}  // namespace

bool max_rows_binary64(const geometry& g, const double* input, double* output,
                       std::int64_t* indices, std::int64_t first, std::int64_t end,
                       simd_level ceiling) {
  const std::int64_t width = g.in[2], outputs = g.out[2];
  const auto& windows = g.windows[2];
  const std::optional<std::int64_t> lengths = shorter_of_two_lengths(windows);
  if (usable_simd_level(ceiling) != simd_level::avx512 || !planes_are_rows(g) ||
      width > run_values || !lengths || *lengths >= longest_window)
    return false;
  const std::int64_t shorter = *lengths;
  const std::int64_t longer = shorter + 1;
  const std::int64_t rows_per_run = run_values / width;
  run_scratch& run = scratch();
  for (std::int64_t p = first; p < end; p += rows_per_run) {
    const std::int64_t rows = std::min(rows_per_run, end - p);
    const double* values = input + p * width;
    sliding_winners(values, rows * width, shorter, longer, run);
    double* out = output + p * outputs;
    std::int64_t* chosen = indices + p * outputs;
    const std::int64_t* shorter_at = run.shorter_at.data();
    const std::int64_t* longer_at = run.longer_at.data();
    for (std::int64_t row = 0; row < rows * width; row += width) {
      for (const reference::window& w : windows) {
        const std::int64_t start = row + w.begin;
        const std::int64_t at = w.length() == shorter ? shorter_at[start] : longer_at[start];
        *out++ = values[at];
        *chosen++ = at - row;
      }
    }
  }
  return true;
}

}  // namespace poolproof::engine::detail

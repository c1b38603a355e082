// The max-forward short-rows kernel (AVX-512): a plane's one row of at most 64 inputs in
// registers (16-bit patterns widened as they are loaded), 16 windows per chunk scanned
// in the lanes by permutes.
#include "engine/max_short_rows.h"

#include <immintrin.h>

#include <algorithm>
#include <limits>
#include <type_traits>
#include <vector>

#include "engine/planes.h"
#include "engine/simd.h"

// The 16-lane helpers have internal linkage and are reached only from this file's avx512 entry
// point, so clang's warning about passing their vectors across an ABI boundary does not apply.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

namespace poolproof::engine::detail {
namespace {

constexpr float minus_infinity = -std::numeric_limits<float>::infinity();

// Lane k of the result is row[at[k]] for a row of at most 64 inputs held in `table`; `high`
// flags the lanes whose offset is 32 or more (rows of at most 32 inputs, !Wide, have none).
template <bool Wide>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline __m512 fetch(
    const __m512 (&table)[4], __m512i at, __mmask16 high) {
  const __m512 low = _mm512_permutex2var_ps(table[0], at, table[1]);
  if constexpr (!Wide) return low;
  return _mm512_mask_mov_ps(low, high, _mm512_permutex2var_ps(table[2], at, table[3]));
}

// The winners of 16 windows by PyTorch's scan rule in the lanes, over `longest` steps: step j
// fetches each window's j-th element (its last again past its end, which the rule ignores: it
// neither beats itself nor moves the last NaN). A NaN never compares greater, so when the row
// may hold one (Nan) the last NaN is kept apart and wins.
template <bool Wide, bool Nan>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline __m512i
chunk_winners(const __m512 (&table)[4], const std::int32_t* steps, const std::uint16_t* high,
              std::int64_t longest) {
  __m512 best = _mm512_set1_ps(minus_infinity);
  __m512i best_at = _mm512_loadu_si512(steps);  // step 0: each window's first element
  __m512i nan_at = _mm512_set1_epi32(-1);
  for (std::int64_t j = 0; j < longest; ++j) {
    const __m512i at = _mm512_loadu_si512(steps + j * 16);
    const __m512 x = fetch<Wide>(table, at, high[j]);
    const __mmask16 greater = _mm512_cmp_ps_mask(x, best, _CMP_GT_OQ);
    best = _mm512_mask_mov_ps(best, greater, x);
    best_at = _mm512_mask_mov_epi32(best_at, greater, at);
    if constexpr (Nan) {
      nan_at = _mm512_mask_mov_epi32(nan_at, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), at);
    }
  }
  if constexpr (!Nan) return best_at;
  return _mm512_mask_mov_epi32(best_at, _mm512_cmpge_epi32_mask(nan_at, _mm512_setzero_si512()),
                               nan_at);
}

// The short-rows kernel's step tables, kept per thread while the windows repeat: offsets of
// step j of chunk c (windows 16c to 16c + 15, the last window repeated past the row's end) at
// (c * longest + j) * 16, and which of them are 32 or more.
struct short_row_steps {
  std::vector<reference::window> windows;
  std::int64_t longest = 0;
  std::vector<std::int32_t> offsets;
  std::vector<std::uint16_t> high;
};

const short_row_steps& remembered_steps(const geometry& g) {
  thread_local short_row_steps steps;
  if (steps.windows == g.windows[2]) return steps;  // one row: the windows fix the rest
  const std::int64_t m = g.out[2], chunks = (m + 15) / 16;
  steps = {g.windows[2], g.largest_window, {}, {}};
  steps.offsets.resize(static_cast<std::size_t>(chunks * steps.longest * 16));
  steps.high.resize(static_cast<std::size_t>(chunks * steps.longest));
  for (std::int64_t c = 0; c < chunks; ++c) {
    for (std::int64_t j = 0; j < steps.longest; ++j) {
      const auto step = static_cast<std::size_t>(c * steps.longest + j);
      for (std::int64_t k = 0; k < 16; ++k) {
        const reference::window& w =
            g.windows[2][static_cast<std::size_t>(std::min(c * 16 + k, m - 1))];
        const std::int64_t at = std::min(w.begin + j, w.end - 1);
        steps.offsets[step * 16 + static_cast<std::size_t>(k)] = static_cast<std::int32_t>(at);
        if (at >= 32) steps.high[step] = static_cast<std::uint16_t>(steps.high[step] | 1u << k);
      }
    }
  }
  return steps;
}

// A row of binary32 values (Format) or of binary16 or bfloat16 patterns, as stored.
template <reference::float_format Format>
using row_storage =
    std::conditional_t<Format == reference::float_format::binary32, float, std::uint16_t>;

// One row of at most 64 elements in registers, as binary32 values (16-bit patterns widened: by
// the hardware for binary16, which is exact but quiets a signalling NaN; these values decide the
// winner, and a NaN stays a NaN).
template <reference::float_format Format>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline void load_row(
    const row_storage<Format>* row, std::int64_t n, __m512 (&table)[4]) {
  for (std::int64_t t = 0; t < 4; ++t) {
    const std::int64_t left = std::clamp<std::int64_t>(n - 16 * t, 0, 16);
    const auto mask = static_cast<__mmask16>((1u << left) - 1);
    if constexpr (Format == reference::float_format::binary32) {
      table[t] = left > 0 ? _mm512_maskz_loadu_ps(mask, row + 16 * t) : _mm512_setzero_ps();
    } else {
      const __m256i narrow =
          left > 0 ? _mm256_maskz_loadu_epi16(mask, row + 16 * t) : _mm256_setzero_si256();
      if constexpr (Format == reference::float_format::binary16) {
        table[t] = _mm512_maskz_cvtph_ps(0xFFFF, narrow);
      } else {
        table[t] = _mm512_castsi512_ps(
            _mm512_maskz_slli_epi32(0xFFFF, _mm512_maskz_cvtepu16_epi32(0xFFFF, narrow), 16));
      }
    }
  }
}

// Writes the first lanes (`mask`) of the winners: their values fetched from the table, narrowed
// back to their patterns (bfloat16 exactly, binary16 exactly unless a NaN, whose payload the
// hardware widening may have changed: a row holding one reads the winners' patterns from `row`).
template <reference::float_format Format>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline void store_row(
    row_storage<Format>* to, __mmask16 mask, __m512 values, const row_storage<Format>* row,
    __m512i winner, bool nan) {
  if constexpr (Format == reference::float_format::binary32) {
    _mm512_mask_storeu_ps(to, mask, values);
  } else if constexpr (Format == reference::float_format::bfloat16) {
    _mm512_mask_cvtepi32_storeu_epi16(
        to, mask, _mm512_maskz_srli_epi32(0xFFFF, _mm512_castps_si512(values), 16));
  } else if (!nan) {
    _mm256_mask_storeu_epi16(to, mask,
                             _mm512_maskz_cvtps_ph(0xFFFF, values, _MM_FROUND_TO_NEAREST_INT));
  } else {
    alignas(64) std::int32_t at[16];
    _mm512_store_si512(at, winner);
    for (unsigned k = 0; k < 16; ++k) {
      if (((static_cast<unsigned>(mask) >> k) & 1u) != 0) to[k] = row[at[k]];
    }
  }
}

// The winners' offsets of one chunk of windows (`lanes` of them, from `at`), widened to int64.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline void store_offsets(
    std::int64_t* to, std::int64_t lanes, __m512i winner) {
  const auto mask = static_cast<__mmask16>((1u << lanes) - 1);
  // The maskz forms: GCC 12's plain ones start from an "undefined" vector it then warns of.
  const auto low = static_cast<__mmask8>(mask), upper = static_cast<__mmask8>(mask >> 8);
  const __m256i first_half = _mm512_maskz_extracti64x4_epi64(0xF, winner, 0);
  _mm512_mask_storeu_epi64(to, low, _mm512_maskz_cvtepi32_epi64(low, first_half));
  if (lanes > 8) {
    const __m256i second_half = _mm512_maskz_extracti64x4_epi64(0xF, winner, 1);
    _mm512_mask_storeu_epi64(to + 8, upper, _mm512_maskz_cvtepi32_epi64(upper, second_half));
  }
}

// The short-rows kernel (AVX-512 only) on rows of at most 32 inputs (!Wide) or 64: the plane's
// row sits in registers, each chunk of 16 windows is scanned in the lanes (chunk_winners), and
// the winners' own patterns are fetched back. A row without a NaN skips the NaN bookkeeping.
template <bool Wide, reference::float_format Format>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline void
short_rows_planes(const geometry& g, const short_row_steps& steps, const row_storage<Format>* input,
                  row_storage<Format>* output, std::int64_t* indices, std::int64_t first,
                  std::int64_t end) {
  const std::int64_t n = g.in[2], m = g.out[2], chunks = (m + 15) / 16;
  for (std::int64_t p = first; p < end; ++p) {
    const row_storage<Format>* row = input + p * n;
    __m512 table[4];
    load_row<Format>(row, n, table);
    const bool nan = (_mm512_cmp_ps_mask(table[0], table[1], _CMP_UNORD_Q) |
                      _mm512_cmp_ps_mask(table[2], table[3], _CMP_UNORD_Q)) != 0;
    for (std::int64_t c = 0; c < chunks; ++c) {
      const std::int32_t* offsets = steps.offsets.data() + c * steps.longest * 16;
      const std::uint16_t* high = steps.high.data() + c * steps.longest;
      const __m512i winner = nan ? chunk_winners<Wide, true>(table, offsets, high, steps.longest)
                                 : chunk_winners<Wide, false>(table, offsets, high, steps.longest);
      const std::int64_t lanes = std::min<std::int64_t>(16, m - c * 16);
      const auto mask = static_cast<__mmask16>((1u << lanes) - 1);
      const std::int64_t at = p * m + c * 16;
      const __mmask16 winner_high = _mm512_cmpge_epi32_mask(winner, _mm512_set1_epi32(32));
      store_row<Format>(output + at, mask, fetch<Wide>(table, winner, winner_high), row, winner,
                        nan);
      store_offsets(indices + at, lanes, winner);
    }
  }
}

template <reference::float_format Format>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void short_rows_format(
    const geometry& g, const row_storage<Format>* input, row_storage<Format>* output,
    std::int64_t* indices, std::int64_t first, std::int64_t end) {
  const short_row_steps& steps = remembered_steps(g);
  if (g.in[2] > 32)
    return short_rows_planes<true, Format>(g, steps, input, output, indices, first, end);
  short_rows_planes<false, Format>(g, steps, input, output, indices, first, end);
}

}  // namespace

bool short_rows(const geometry& g) {
  return g.in_plane == g.in[2] && g.out_plane == g.out[2] && g.in[2] <= 64 &&
         g.largest_window <= 16 && g.out[2] <= 1024;
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void max_short_rows(
    const geometry& g, const float* input, float* output, std::int64_t* indices, std::int64_t first,
    std::int64_t end) {
  short_rows_format<reference::float_format::binary32>(g, input, output, indices, first, end);
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void max_short_rows(
    const geometry& g, reference::float_format format, const std::uint16_t* input,
    std::uint16_t* output, std::int64_t* indices, std::int64_t first, std::int64_t end) {
  if (format == reference::float_format::binary16) {
    return short_rows_format<reference::float_format::binary16>(g, input, output, indices, first,
                                                                end);
  }
  POOLPROOF_CHECK(format == reference::float_format::bfloat16);
  short_rows_format<reference::float_format::bfloat16>(g, input, output, indices, first, end);
}

}  // namespace poolproof::engine::detail

// binary32_cell_rows.h. Why lanes: a binary32 1-D row's cells went one by one through a scalar
// multiplication by the reciprocal and its guard (double_cells_row), after a scalar scan of the
// row; a run's gradients are contiguous, so each step takes eight of them whatever the row: their
// one-window quotients and their pairs with the next gradient (across a row's end too, where
// the tables' zero weights give a zero never read). A division's quotient q = RN53(x) rounds to
// binary32 as x does unless q is a binary32 midpoint that x is not, or q is subnormal there
// (round_quotient_binary32's argument, lane by lane).
#include "engine/binary32_cell_rows.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <bit>

#include "engine/double_sums.h"
#include "engine/float_bits.h"

namespace poolproof::engine::detail {
namespace {

constexpr auto run_outputs = static_cast<std::size_t>(binary32_cell_rows::most_outputs);

// A run's cell values (the one-window cells', then the pairs') and the lanes of each vector of
// eight whose quotient the exact path must decide, per thread.
struct run_scratch {
  alignas(64) std::array<float, 2 * run_outputs> values;
  std::array<__mmask8, run_outputs / 8> single_declined, pair_declined;
};

run_scratch& scratch() {
  thread_local run_scratch kept;
  return kept;
}

// The range of `count` binary32 patterns (magnitude_range's inputs in 16 lanes: the least
// magnitude - 1, so zeros wrap past the rest, and the greatest; lanes past the end read zeros).
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] exponent_range run_range(const float* grads,
                                                                               std::int64_t count) {
  const __m512i magnitude_mask = _mm512_set1_epi32(0x7FFFFFFF), one = _mm512_set1_epi32(1);
  __m512i least = _mm512_set1_epi32(-1), greatest = _mm512_setzero_si512();
  for (std::int64_t i = 0; i < count; i += 16) {
    const auto lanes = static_cast<__mmask16>(count - i >= 16 ? 0xFFFF : (1U << (count - i)) - 1);
    const __m512i magnitude =
        _mm512_and_si512(_mm512_maskz_loadu_epi32(lanes, grads + i), magnitude_mask);
    least = _mm512_maskz_min_epu32(0xFFFF, least, _mm512_sub_epi32(magnitude, one));
    greatest = _mm512_maskz_max_epu32(0xFFFF, greatest, magnitude);
  }
  // Through memory: GCC 12's reduction intrinsics read an undefined vector (-Wuninitialized), as
  // do the unmasked forms of the others (so their maskz forms).
  alignas(64) std::array<std::uint32_t, 16> least_lanes{}, greatest_lanes{};
  _mm512_store_si512(least_lanes.data(), least);
  _mm512_store_si512(greatest_lanes.data(), greatest);
  return magnitude_range<binary32_traits>(std::ranges::min(least_lanes),
                                          std::ranges::max(greatest_lanes));
}

// The binary32 values of eight exact quotients sum / divisor (sum + 0: an exact zero is +0),
// and the lanes round_quotient_binary32 would decline.
struct eight_cells {
  __m256 values;
  __mmask8 declined;
};

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,fma")]] eight_cells rounded_cells(
    __m512d sum, __m512d divisor) {
  const __m512d q = _mm512_div_pd(_mm512_add_pd(sum, _mm512_setzero_pd()), divisor);
  const __m512i bits = _mm512_castpd_si512(q);
  const __m512i magnitude = _mm512_and_si512(bits, _mm512_set1_epi64(0x7FFFFFFFFFFFFFFF));
  const __mmask8 subnormal =
      _mm512_test_epi64_mask(magnitude, magnitude) &
      _mm512_cmplt_epi64_mask(magnitude, _mm512_set1_epi64(std::int64_t{1023 - 126} << 52));
  const __mmask8 midpoint = _mm512_cmpeq_epi64_mask(
      _mm512_and_si512(bits, _mm512_set1_epi64((std::int64_t{1} << 29) - 1)),
      _mm512_set1_epi64(std::int64_t{1} << 28));
  // The fused residual of a normal quotient is zero exactly when the quotient is exact.
  const __mmask8 inexact =
      _mm512_cmp_pd_mask(_mm512_fmsub_pd(q, divisor, sum), _mm512_setzero_pd(), _CMP_NEQ_UQ);
  return {_mm512_maskz_cvtpd_ps(0xFF, q), static_cast<__mmask8>(subnormal | (midpoint & inexact))};
}

// Each gradient's one-window cell and pair cell with the next gradient, rounded where the double
// quotient vouches for it.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,fma")]] void divide_cells(
    const float* grads, std::int64_t count, const row_cell_tables& tables, run_scratch& run) {
  for (std::int64_t i = 0; i < count; i += 8) {
    const auto lanes = static_cast<__mmask8>(count - i >= 8 ? 0xFF : (1U << (count - i)) - 1);
    const std::int64_t after = count - i - 1;  // gradients after the vector's first
    const auto next_lanes = static_cast<__mmask8>(after >= 8 ? 0xFF : (1U << after) - 1);
    const __m512d g = _mm512_maskz_cvtps_pd(0xFF, _mm256_maskz_loadu_ps(lanes, grads + i));
    const __m512d next =
        _mm512_maskz_cvtps_pd(0xFF, _mm256_maskz_loadu_ps(next_lanes, grads + i + 1));
    const auto at = static_cast<std::size_t>(i);
    const eight_cells single =
        rounded_cells(g, _mm512_loadu_pd(tables.single_divisors.data() + at));
    const __m512d pair_sum =
        _mm512_add_pd(_mm512_mul_pd(g, _mm512_loadu_pd(tables.pair_weights_a.data() + at)),
                      _mm512_mul_pd(next, _mm512_loadu_pd(tables.pair_weights_b.data() + at)));
    const eight_cells pair = rounded_cells(
        pair_sum, _mm512_cvtepu64_pd(_mm512_loadu_si512(tables.pair_divisors.data() + at)));
    _mm256_storeu_ps(run.values.data() + at, single.values);
    _mm256_storeu_ps(run.values.data() + run_outputs + at, pair.values);
    run.single_declined[at / 8] = static_cast<__mmask8>(single.declined & lanes);
    run.pair_declined[at / 8] = static_cast<__mmask8>(pair.declined & lanes);
  }
}

// round_to(binary32, sum / divisor) for an exact sum of multiples of 2^unit below 2^(unit + 53)
// (an exact zero is +0).
float from_exact_sum(double sum, int unit, std::uint64_t divisor) {
  return std::bit_cast<float>(
      static_cast<std::uint32_t>(round_double_sum<binary32_traits>(sum + 0.0, unit, divisor)));
}

}  // namespace

binary32_cell_rows::binary32_cell_rows(const geometry& g, const cell_plan& plan, simd_level ceiling)
    : width_(g.in[2]),
      outputs_(g.out[2]),
      covers_(static_cast<std::uint64_t>(plan.bounds.covers)),
      denominator_(static_cast<std::uint64_t>(plan.bounds.denominator)),
      tables_(make_row_cell_tables(g, plan, most_outputs, most_inputs)) {
  usable_ = usable_simd_level(ceiling) == simd_level::avx512 && tables_.usable && denominator_ != 0;
}

bool binary32_cell_rows::cells(const float* grads, std::int64_t rows, float* grad_input) const {
  if (!usable_) return false;
  const std::int64_t count = rows * outputs_;
  // avg_backward_plane's test: every cell's exact sum is a multiple of 2^unit below
  // 2^(unit + 53).
  const exponent_range range = run_range(grads, count);
  if (range.special || range.sum_bits<binary32_traits>(covers_) + bit_length(denominator_) > 53)
    return false;
  const int unit = range.unit_exponent<binary32_traits>();
  run_scratch& run = scratch();
  divide_cells(grads, count, tables_, run);
  // What the lanes declined, from the same exact sums in fixed point.
  for (std::int64_t first = 0; first < count; first += 8) {
    const auto vector = static_cast<std::size_t>(first / 8);
    for (unsigned lanes = run.single_declined[vector]; lanes != 0; lanes &= lanes - 1) {
      const auto k = static_cast<std::size_t>(first + std::countr_zero(lanes));
      run.values[k] = from_exact_sum(static_cast<double>(grads[k]), unit,
                                     static_cast<std::uint64_t>(tables_.single_divisors[k]));
    }
    for (unsigned lanes = run.pair_declined[vector]; lanes != 0; lanes &= lanes - 1) {
      const auto k = static_cast<std::size_t>(first + std::countr_zero(lanes));
      const double next =
          static_cast<std::int64_t>(k) + 1 < count ? static_cast<double>(grads[k + 1]) : 0.0;
      const double sum = static_cast<double>(grads[k]) * tables_.pair_weights_a[k] +
                         next * tables_.pair_weights_b[k];
      run.values[run_outputs + k] = from_exact_sum(sum, unit, tables_.pair_divisors[k]);
    }
  }
  for (std::int64_t row = 0; row < rows; ++row) {
    const float* values = run.values.data() + row * outputs_;
    float* inputs = grad_input + row * width_;
    for (std::int64_t i = 0; i < width_; ++i)
      inputs[i] = values[tables_.value_of_input[static_cast<std::size_t>(i)]];
  }
  return true;
}

}  // namespace poolproof::engine::detail

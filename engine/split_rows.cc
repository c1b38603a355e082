// split_rows.h. Why sliding sums: a run's rows are contiguous, so the sums of the `length` parts
// from every position, rows' ends crossed or not, are a few vector additions per eight values;
// the windows' sums are among them (each the sum of its own values' parts, so exact on the split
// in any order, like any partial sum of a window), and the rest are never read. One scalar load
// per part and window picks them out. Splitting a row's windows one by one split each value
// again for every window holding it, with two scalar chains per window.
#include "engine/split_rows.h"

#include <immintrin.h>

#include <algorithm>
#include <optional>

#include "engine/split_lanes.h"

namespace poolproof::engine::detail {
namespace {

// The longest window the kernels are made for.
constexpr std::int64_t longest_window = 8;

// A run's sliding sums, per thread: the shorter windows' sums, then the longer ones' (room for a
// last vector past the values in each).
struct run_scratch {
  static constexpr std::size_t size = split_rows_summer::most_values + 8;
  alignas(64) std::array<double, 2 * size> high, low;
};

run_scratch& scratch() {
  thread_local run_scratch kept;
  return kept;
}

// The sum of the `Count` lanes from lane First on of current then next, for every lane: a tree
// of additions (their latency, not their count, bounds a vector), the shifted lanes one valignq
// each.
template <int First, int Count>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq"), gnu::always_inline]] inline __m512d lanes_sum(
    __m512d current, __m512d next) {
  if constexpr (Count == 1) {
    return _mm512_castsi512_pd(_mm512_maskz_alignr_epi64(0xFF, _mm512_castpd_si512(next),
                                                         _mm512_castpd_si512(current), First));
  } else {
    return _mm512_add_pd(lanes_sum<First, Count / 2>(current, next),
                         lanes_sum<First + Count / 2, Count - Count / 2>(current, next));
  }
}

// Splits `count` values and stores, from every position below `count`, the sums of Shorter
// parts and of Shorter + 1 (at half the scratch); false when a value lies outside
// [lower, upper) in magnitude without being zero. Each vector's parts and the next one's stay
// in registers.
template <int Shorter>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] bool split_sliding_sums(
    const double* values, std::int64_t count, double c, std::int64_t lower, std::int64_t upper,
    run_scratch& run) {
  const __m512d grid = _mm512_set1_pd(c);
  const __m512i least = _mm512_set1_epi64(lower), past = _mm512_set1_epi64(upper);
  split_vector current = split_at(values, 0, count, grid, least, past);
  __mmask8 outside = current.outside;
  constexpr std::size_t longer = run_scratch::size;
  for (std::int64_t i = 0; i < count; i += 8) {
    const split_vector next = split_at(values, i + 8, count, grid, least, past);
    outside |= next.outside;
    const __m512d high = lanes_sum<0, Shorter>(current.high, next.high);
    const __m512d low = lanes_sum<0, Shorter>(current.low, next.low);
    const auto at = static_cast<std::size_t>(i);
    _mm512_store_pd(run.high.data() + at, high);
    _mm512_store_pd(run.low.data() + at, low);
    _mm512_store_pd(run.high.data() + longer + at,
                    _mm512_add_pd(high, lanes_sum<Shorter, 1>(current.high, next.high)));
    _mm512_store_pd(run.low.data() + longer + at,
                    _mm512_add_pd(low, lanes_sum<Shorter, 1>(current.low, next.low)));
    current = next;
  }
  return outside == 0;
}

using run_kernel = bool (*)(const double*, std::int64_t, double, std::int64_t, std::int64_t,
                            run_scratch&);

// The kernel for each shorter length 1 to longest_window - 1.
constexpr std::array<run_kernel, longest_window - 1> kernels{
    &split_sliding_sums<1>, &split_sliding_sums<2>, &split_sliding_sums<3>, &split_sliding_sums<4>,
    &split_sliding_sums<5>, &split_sliding_sums<6>, &split_sliding_sums<7>};

}  // namespace

split_rows_summer::split_rows_summer(const geometry& g, simd_level ceiling)
    : width_(g.in[2]), outputs_(g.out[2]) {
  const auto& windows = g.windows[2];
  const std::optional<std::int64_t> shorter = shorter_of_two_lengths(windows);
  shorter_ = shorter.value_or(0);
  usable_ = usable_simd_level(ceiling) == simd_level::avx512 && planes_are_rows(g) &&
            width_ <= most_values && outputs_ <= most_outputs && shorter &&
            *shorter < longest_window;
  if (!usable_) return;
  rows_per_run_ = std::min(most_values / width_, most_outputs / outputs_);
  for (std::size_t k = 0; k < windows.size(); ++k) {
    offsets_[k] =
        windows[k].begin +
        (windows[k].length() == shorter_ ? 0 : static_cast<std::int64_t>(run_scratch::size));
  }
}

bool split_rows_summer::sums(const double* values, std::int64_t rows, const binary64_split& split,
                             const exponent_range& covered, std::span<split_parts> parts) const {
  const auto bounds = within_bounds(covered);
  if (!usable_ || !bounds) return false;
  run_scratch& run = scratch();
  const std::int64_t count = rows * width_;
  const run_kernel kernel = kernels.at(static_cast<std::size_t>(shorter_ - 1));
  if (!kernel(values, count, split.c, bounds->lower, bounds->upper, run)) return false;
  auto part = parts.begin();
  for (std::int64_t row = 0; row < count; row += width_) {
    for (std::int64_t k = 0; k < outputs_; ++k) {
      const auto at = static_cast<std::size_t>(row + offsets_[static_cast<std::size_t>(k)]);
      *part++ = split_parts{run.high[at], run.low[at]};
    }
  }
  return true;
}

}  // namespace poolproof::engine::detail

// split_cell_rows.h. Why runs: a 1-D row has a few gradients, so one row's cells leave vector
// lanes idle and pay a scalar division per one-window cell (split_cells' add_row_cells: a
// third of the pass). A run's gradients are contiguous, so each step covers eight of them
// whatever the row: the one-window quotients of every gradient (read only where a cell is under
// one window), and the pair parts of every gradient with the next (across a row's end too, where
// the tables' zero weights and filler give a decided mean of 1, never read).
#include "engine/split_cell_rows.h"

#include <immintrin.h>

#include <array>
#include <limits>

#include "engine/split_lanes.h"

namespace poolproof::engine::detail {
namespace {

constexpr auto run_outputs = static_cast<std::size_t>(split_cell_rows::most_outputs);

// A run's parts and cell values, per thread: the parts padded by a vector of zeros (each pair
// reads the next gradient's), the values the one-window cells' then the pair cells'.
struct run_scratch {
  alignas(64) std::array<double, run_outputs + 8> high, low;
  alignas(64) std::array<split_parts, run_outputs> pair_parts;
  alignas(64) std::array<double, 2 * run_outputs + 2> values;  // 16 bytes past for expand_cells
};

run_scratch& scratch() {
  thread_local run_scratch kept;
  return kept;
}

// Splits `count` gradients into the scratch and divides each by its one-window divisor; false
// when one lies outside [lower, upper) in magnitude without being zero. A zero's quotient is
// +0, as round_to has it (the gradient plus +0: -0 becomes +0).
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] bool split_and_divide(
    const double* grads, std::int64_t count, double c, std::int64_t lower, std::int64_t upper,
    const row_cell_tables& tables, run_scratch& run) {
  const __m512d grid = _mm512_set1_pd(c);
  const __m512i least = _mm512_set1_epi64(lower), past = _mm512_set1_epi64(upper);
  __mmask8 outside = 0;
  std::int64_t i = 0;
  for (; i < count; i += 8) {
    const split_vector v = split_at(grads, i, count, grid, least, past);
    outside |= v.outside;
    const auto at = static_cast<std::size_t>(i);
    _mm512_store_pd(run.high.data() + at, v.high);
    _mm512_store_pd(run.low.data() + at, v.low);
    const __m512d positive_zero = _mm512_add_pd(v.value, _mm512_setzero_pd());
    _mm512_store_pd(
        run.values.data() + at,
        _mm512_div_pd(positive_zero, _mm512_loadu_pd(tables.single_divisors.data() + i)));
  }
  _mm512_store_pd(run.high.data() + i, _mm512_setzero_pd());
  _mm512_store_pd(run.low.data() + i, _mm512_setzero_pd());
  return outside == 0;
}

// Each gradient's pair parts with the next one's, as {high, low} pairs.
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq")]] void pair_parts(std::int64_t count,
                                                                      const row_cell_tables& tables,
                                                                      run_scratch& run) {
  const __m512i first_pairs = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
  const __m512i second_pairs = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
  auto* pairs = reinterpret_cast<double*>(run.pair_parts.data());
  for (std::int64_t i = 0; i < count; i += 8) {
    const auto at = static_cast<std::size_t>(i);
    const __m512d weight_a = _mm512_loadu_pd(tables.pair_weights_a.data() + i);
    const __m512d weight_b = _mm512_loadu_pd(tables.pair_weights_b.data() + i);
    const __m512d high = _mm512_add_pd(
        _mm512_add_pd(_mm512_mul_pd(_mm512_load_pd(run.high.data() + at), weight_a),
                      _mm512_mul_pd(_mm512_loadu_pd(run.high.data() + at + 1), weight_b)),
        _mm512_loadu_pd(tables.pair_fillers.data() + i));
    const __m512d low =
        _mm512_add_pd(_mm512_mul_pd(_mm512_load_pd(run.low.data() + at), weight_a),
                      _mm512_mul_pd(_mm512_loadu_pd(run.low.data() + at + 1), weight_b));
    _mm512_storeu_pd(pairs + 2 * at, _mm512_permutex2var_pd(high, first_pairs, low));
    _mm512_storeu_pd(pairs + 2 * at + 8, _mm512_permutex2var_pd(high, second_pairs, low));
  }
}

}  // namespace

split_cell_rows::split_cell_rows(const geometry& g, const cell_plan& plan, simd_level ceiling)
    : tables_(make_row_cell_tables(g, plan, most_outputs, most_inputs, sizeof(double))) {
  usable_ = usable_simd_level(ceiling) == simd_level::avx512 && tables_.usable;
}

bool split_cell_rows::cells(const double* grads, std::int64_t rows, const binary64_split& split,
                            const exponent_range& covered, double* grad_input) const {
  const auto bounds = within_bounds(covered);
  if (!usable_ || !bounds) return false;
  run_scratch& run = scratch();
  const std::int64_t count = rows * tables_.outputs;
  if (!split_and_divide(grads, count, split.c, bounds->lower, bounds->upper, tables_, run))
    return false;
  pair_parts(count, tables_, run);
  const auto cells = static_cast<std::size_t>(count);
  split_means(
      std::span(run.pair_parts).first(cells), std::span(tables_.pair_divisors).first(cells),
      [&](std::size_t /*k*/) { return split.unit; },
      std::span(run.values).subspan(run_outputs, cells));
  expand_cells(tables_, run.values.data(), rows, grad_input);
  return true;
}

}  // namespace poolproof::engine::detail

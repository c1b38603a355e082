// double_cell_rows.h. Why runs: a 1-D row has a few gradients, so one row's cells went one by
// one through a scalar division and its guard (binary32), or joined a batch a plane at a time
// after a scan and a widening of their own (16-bit). A run's gradients are contiguous: one scan,
// one widening, and every gradient's pair sum with the next gradient (across a row's end too,
// where the tables' zero weights give a zero never read), then two batches of means over the
// whole run: the one-window cells' divide the widened gradients in binary32 lanes
// (float_quotients.h), the pairs' their double sums.
#include "engine/double_cell_rows.h"

#include <algorithm>
#include <array>
#include <concepts>
#include <span>

#include "engine/double_sums.h"
#include "engine/float_quotients.h"
#include "engine/narrowed_means.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {
namespace {

constexpr auto run_outputs =
    static_cast<std::size_t>(double_cell_rows<binary32_traits>::most_outputs);

// A run's widened gradients (a zero past the last), cell sums, and cell values (the one-window
// cells', then the pairs'), per thread and format.
template <typename F>
struct run_scratch {
  std::array<float, run_outputs + 1> wide;
  std::array<double, run_outputs> pair_sums;
  std::array<int, run_outputs> units;
  // 16 bytes past the values for expand_cells.
  std::array<typename F::storage, 2 * run_outputs + 16 / sizeof(typename F::storage)> values;
};

template <typename F>
run_scratch<F>& scratch() {
  thread_local run_scratch<F> kept;
  return kept;
}

}  // namespace

template <typename F>
double_cell_rows<F>::double_cell_rows(const geometry& g, const cell_plan& plan)
    : covers_(static_cast<std::uint64_t>(plan.bounds.covers)),
      denominator_(static_cast<std::uint64_t>(plan.bounds.denominator)),
      tables_(
          make_row_cell_tables(g, plan, most_outputs, most_inputs, sizeof(typename F::storage))) {
  usable_ = tables_.usable && denominator_ != 0;
}

template <typename F>
bool double_cell_rows<F>::cells(const typename F::storage* grads, std::int64_t rows,
                                typename F::storage* grad_input) const {
  if (!usable_) return false;
  const std::int64_t count = rows * tables_.outputs;
  const auto cells = static_cast<std::size_t>(count);
  // avg_backward_plane's test: every cell's exact sum is a multiple of 2^unit below
  // 2^(unit + 53).
  exponent_range range;
  if constexpr (std::same_as<F, binary32_traits>) {
    range = sum_and_scan_row(grads, 0, count).range;
  } else {
    range = pattern_range<F>(grads, count);
  }
  if (range.special || range.sum_bits<F>(covers_) + bit_length(denominator_) > 53) return false;
  run_scratch<F>& run = scratch<F>();
  if constexpr (std::same_as<F, binary32_traits>) {
    std::copy(grads, grads + count, run.wide.begin());
  } else {
    widen_to_binary32(F::format, grads, run.wide.data(), count);
  }
  run.wide[cells] = 0;
  for (std::size_t k = 0; k < cells; ++k) {
    // Plus +0: an exact zero cell is +0 (round_to's), where -0 gradients would sum to -0.
    run.pair_sums[k] = (static_cast<double>(run.wide[k]) * tables_.pair_weights_a[k] +
                        static_cast<double>(run.wide[k + 1]) * tables_.pair_weights_b[k]) +
                       0.0;
  }
  const auto widened = std::span<const float>(run.wide).first(cells);
  const auto single_divisors = std::span(tables_.single_binary32_divisors).first(cells);
  const auto single_values = std::span(run.values).first(cells);
  const auto pair_values = std::span(run.values).subspan(run_outputs, cells);
  if constexpr (std::same_as<F, binary32_traits>) {
    std::fill_n(run.units.begin(), cells, range.unit_exponent<F>());
    binary32_quotients(widened, single_divisors, single_values);
    binary32_means(std::span(run.pair_sums).first(cells),
                   std::span(tables_.pair_divisors).first(cells), std::span(run.units).first(cells),
                   pair_values);
  } else {
    narrowed_quotients(F::format, widened, single_divisors, single_values);
    narrowed_means(F::format, std::span(run.pair_sums).first(cells),
                   std::span(tables_.pair_divisors).first(cells), pair_values);
  }
  expand_cells(tables_, run.values.data(), rows, grad_input);
  return true;
}

template class double_cell_rows<binary32_traits>;
template class double_cell_rows<binary16_traits>;
template class double_cell_rows<bfloat16_traits>;

}  // namespace poolproof::engine::detail

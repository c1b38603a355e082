// binary64 avg backward cells of runs of consecutive 1-D rows in AVX-512 lanes (not a public
// interface): split_cells_planes' runs of planes whose gradients all lie within a kept split's
// range.
#pragma once

#include <cstdint>

#include "engine/avg_backward_plan.h"
#include "engine/double_sums.h"
#include "engine/planes.h"
#include "engine/row_cells.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {

/// The input gradients of runs of g's 1-D rows (planes of one row; the plan's pair covers along
/// axis 2): a cell under one window a is g_a / D, one IEEE division, eight an instruction over
/// the run's gradients; a cell under windows a and a + 1 is (g_a wa + g_(a+1) wb) / D from the
/// gradients' split parts (exact on the split, as in split_cells_planes), rounded by
/// split_means over the run; each input then takes its cell's value.
class split_cell_rows {
 public:
  /// Gradients and inputs a run may hold.
  static constexpr std::int64_t most_outputs = 256;
  static constexpr std::int64_t most_inputs = 1024;

  /// For g's rows and their plan, on lanes up to `ceiling` (tests pass baseline to see usable()
  /// refuse). Precondition: split_cells_fit(plan).
  split_cell_rows(const geometry& g, const cell_plan& plan,
                  simd_level ceiling = simd_level::avx512);

  /// Whether runs go through the lanes: the CPU runs AVX-512, planes are rows, and a row's
  /// gradients and inputs each fit a run. Otherwise the caller takes its planes one by one.
  [[nodiscard]] bool usable() const { return usable_; }

  /// How many rows a run holds (at least one when usable()).
  [[nodiscard]] std::int64_t rows_per_run() const { return tables_.rows_per_run; }

  /// When usable() and every one of the rows * g.out[2] gradients from `grads` lies within
  /// `covered` (values_within's test): writes the rows * g.in[2] input gradients from
  /// `grad_input`, each round_to(binary64, its exact value), and returns true. Returns false,
  /// writing nothing, otherwise. Preconditions: 1 <= rows <= rows_per_run(); `split` is exact
  /// for any largest-cell-weight values within `covered` (split_cells_planes' kept split).
  [[nodiscard]] bool cells(const double* grads, std::int64_t rows, const binary64_split& split,
                           const exponent_range& covered, double* grad_input) const;

 private:
  bool usable_ = false;
  row_cell_tables tables_;
};

}  // namespace poolproof::engine::detail

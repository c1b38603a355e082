// binary32 avg backward cells of runs of consecutive 1-D rows in AVX-512 lanes (not a public
// interface): avg_backward_planes' runs of planes whose gradients' range keeps every cell's sum
// exact in doubles.
#pragma once

#include <cstdint>

#include "engine/avg_backward_plan.h"
#include "engine/planes.h"
#include "engine/row_cells.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {

/// The input gradients of runs of g's 1-D binary32 rows (row_cell_tables): each cell's exact
/// sum in doubles (the run's exponent range proves it, as avg_backward_plane's double path
/// does), divided in eight lanes an instruction and rounded to binary32 through the double
/// quotient as round_quotient_binary32 vouches; a lane it cannot vouch for takes the exact
/// quotient (round_double_sum). Each input then takes its cell's value.
class binary32_cell_rows {
 public:
  /// Gradients and inputs a run may hold.
  static constexpr std::int64_t most_outputs = 256;
  static constexpr std::int64_t most_inputs = 1024;

  /// For g's rows and their plan, on lanes up to `ceiling` (tests pass baseline to see usable()
  /// refuse).
  binary32_cell_rows(const geometry& g, const cell_plan& plan,
                     simd_level ceiling = simd_level::avx512);

  /// Whether runs go through the lanes: the CPU runs AVX-512 and the cells fit the tables.
  [[nodiscard]] bool usable() const { return usable_; }

  /// How many rows a run holds (at least one when usable()).
  [[nodiscard]] std::int64_t rows_per_run() const { return tables_.rows_per_run; }

  /// When usable() and the rows * g.out[2] gradients from `grads` are finite with a range whose
  /// cell sums doubles hold exactly: writes the rows * g.in[2] input gradients from
  /// `grad_input`, each round_to(binary32, its exact value), and returns true. Returns false,
  /// writing nothing, otherwise. Precondition: 1 <= rows <= rows_per_run().
  [[nodiscard]] bool cells(const float* grads, std::int64_t rows, float* grad_input) const;

 private:
  std::int64_t width_ = 0;    // inputs per row
  std::int64_t outputs_ = 0;  // gradients per row
  bool usable_ = false;
  std::uint64_t covers_ = 0;       // the most windows over a cell (plan.bounds.covers)
  std::uint64_t denominator_ = 0;  // the largest cell denominator (plan.bounds.denominator)
  row_cell_tables tables_;
};

}  // namespace poolproof::engine::detail

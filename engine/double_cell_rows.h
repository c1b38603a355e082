// binary32, binary16 and bfloat16 avg backward cells of runs of consecutive 1-D rows in doubles
// (not a public interface): avg_backward_planes' runs of planes whose gradients' range keeps
// every cell's sum exact in doubles.
#pragma once

#include <cstdint>

#include "engine/avg_backward_plan.h"
#include "engine/planes.h"
#include "engine/row_cells.h"

namespace poolproof::engine::detail {

/// The input gradients of runs of g's 1-D rows (row_cell_tables) for F binary32, binary16 or
/// bfloat16: each pair cell's exact sum in doubles over the whole run (the run's exponent range
/// proves it, as avg_backward_plane's double path does), then all of the run's cells rounded
/// in two batches (the one-window cells' by binary32_quotients or narrowed_quotients, the
/// pairs' by binary32_means or narrowed_means), and each input given its cell's value.
template <typename F>
class double_cell_rows {
 public:
  /// Gradients and inputs a run may hold.
  static constexpr std::int64_t most_outputs = 256;
  static constexpr std::int64_t most_inputs = 1024;

  double_cell_rows(const geometry& g, const cell_plan& plan);

  /// Whether runs go through the batch: the cells fit the tables, and no lcm passed 2^62.
  [[nodiscard]] bool usable() const { return usable_; }

  /// How many rows a run holds (at least one when usable()).
  [[nodiscard]] std::int64_t rows_per_run() const { return tables_.rows_per_run; }

  /// When usable() and the rows * g.out[2] gradients from `grads` are finite with a range whose
  /// cell sums doubles hold exactly: writes the rows * g.in[2] input gradients from
  /// `grad_input`, each round_to(F, its exact value), and returns true. Returns false, writing
  /// nothing, otherwise. Precondition: 1 <= rows <= rows_per_run().
  [[nodiscard]] bool cells(const typename F::storage* grads, std::int64_t rows,
                           typename F::storage* grad_input) const;

 private:
  bool usable_ = false;
  std::uint64_t covers_ = 0;       // the most windows over a cell (plan.bounds.covers)
  std::uint64_t denominator_ = 0;  // the largest cell denominator (plan.bounds.denominator)
  row_cell_tables tables_;
};

}  // namespace poolproof::engine::detail

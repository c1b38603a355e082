// row_cells.h. Each window has at most one cell of each kind: a one-window cell's inputs are the
// window's own, a pair's those it shares with the next window.
#include "engine/row_cells.h"

#include <algorithm>

namespace poolproof::engine::detail {

row_cell_tables make_row_cell_tables(const geometry& g, const cell_plan& plan,
                                     std::int64_t most_outputs, std::int64_t most_inputs) {
  row_cell_tables tables;
  const std::int64_t width = g.in[2], outputs = g.out[2];
  const bool rows = planes_are_rows(g) && plan.one_row_blocks;
  tables.usable = rows && !plan.covers.empty() && outputs <= most_outputs && width <= most_inputs;
  if (!tables.usable) return tables;
  tables.rows_per_run = std::min(most_outputs / outputs, most_inputs / width);
  const auto size = static_cast<std::size_t>(most_outputs + 8);
  tables.single_divisors.assign(size, 1.0);
  tables.pair_weights_a.assign(size, 0.0);
  tables.pair_weights_b.assign(size, 0.0);
  tables.pair_fillers.assign(size, 1.0);
  tables.single_counts.assign(static_cast<std::size_t>(most_outputs), 1);
  tables.pair_divisors.assign(static_cast<std::size_t>(most_outputs), 1);
  tables.value_of_input.assign(static_cast<std::size_t>(width), 0);
  for (const pair_cover& pc : plan.covers) {
    const bool pair = pc.wb != 0;
    tables.usable &= pair ? pc.b == pc.a + 1 : pc.wa == 1;
    for (std::int64_t i = pc.begin; i < pc.end; ++i)
      tables.value_of_input[static_cast<std::size_t>(i)] =
          static_cast<std::int32_t>(pc.a + (pair ? most_outputs : 0));
    for (std::int64_t at = pc.a; at < tables.rows_per_run * outputs; at += outputs) {
      const auto k = static_cast<std::size_t>(at);
      if (!pair) {
        tables.single_divisors[k] = static_cast<double>(pc.denominator);
        tables.single_counts[k] = static_cast<std::uint64_t>(pc.denominator);
        continue;
      }
      tables.pair_weights_a[k] = static_cast<double>(pc.wa);
      tables.pair_weights_b[k] = static_cast<double>(pc.wb);
      tables.pair_fillers[k] = 0.0;
      tables.pair_divisors[k] = static_cast<std::uint64_t>(pc.denominator);
    }
  }
  return tables;
}

}  // namespace poolproof::engine::detail

// The avg backward cells of 1-D rows laid out for runs of rows in vector lanes (not a public
// interface): what split_cell_rows (binary64) and double_cell_rows (the other formats) share.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "engine/avg_backward_plan.h"
#include "engine/planes.h"
#include "engine/simd.h"

namespace poolproof::engine::detail {

/// 16 bytes of a run's input gradients (16 / value_bytes inputs): a shuffle of the 16 bytes at
/// byte offset `single` from the start of the run's values (among the one-window cells'), or'd
/// with one of the 16 at byte offset `pair` (among the pairs', most_outputs values in); mask
/// bytes of 0x80 take nothing from that side.
struct expansion_chunk {
  std::int32_t single = 0, pair = 0;
  std::array<std::uint8_t, 16> single_bytes{}, pair_bytes{};
};

/// A 1-D row's cells as tables over a run of rows: a cell under one window a is g_a / D, one
/// under windows a and a + 1 is (g_a wa + g_(a+1) wb) / D (the plan's pair covers), so a run's
/// cells are every gradient's one-window quotient and pair with the next, from tables indexed
/// like the run's gradients (the row's pattern repeated), of which each input reads one.
struct row_cell_tables {
  /// Whether the plan's cells fit: planes are rows with pair covers of consecutive windows, a
  /// row's gradients and inputs each fit a run (at most `most_outputs` and `most_inputs`).
  bool usable = false;
  std::int64_t rows_per_run = 0;  ///< at least one when usable
  /// Per gradient of a run, most_outputs + 8 of them (a vector past the last): the divisor of
  /// its window's one-window cell (1 where there is none), the weights of the pair it starts (0
  /// where there is none) and a filler (1 where there is none, else 0: the parts of a decided
  /// mean of 1, never read). The pairs' divisors (1 where there is none), most_outputs of them.
  std::vector<double> single_divisors, pair_weights_a, pair_weights_b, pair_fillers;
  /// The pairs' divisors as integers and the one-window ones as binary32 numbers (exact: below
  /// 2^24, a window's size), most_outputs of each.
  std::vector<std::uint64_t> pair_divisors;
  std::vector<float> single_binary32_divisors;
  /// Per input of a row: where its cell's value lies among the run row's values, the one-window
  /// cells' first (at the gradient's index) then the pairs' (most_outputs past them).
  std::vector<std::int32_t> value_of_input;
  std::int64_t width = 0, outputs = 0, most_outputs = 0;  ///< inputs and gradients per row
  /// value_of_input in 16-byte chunks of values `value_bytes` long: the chunks of one period of
  /// a run's inputs (lcm(width, 16 / value_bytes) of them, or the run's full chunks when that is
  /// fewer), the next period's being the same `period_shift` bytes further into the values; empty
  /// when a chunk's values of one kind spread past 16 bytes.
  int value_bytes = 0;
  std::vector<expansion_chunk> chunks;
  std::int32_t period_shift = 0;
};

/// The tables of g's 1-D rows under `plan` (usable false when they do not fit), their chunks for
/// values `value_bytes` long (2, 4 or 8).
[[nodiscard]] row_cell_tables make_row_cell_tables(const geometry& g, const cell_plan& plan,
                                                   std::int64_t most_outputs,
                                                   std::int64_t most_inputs, int value_bytes);

/// Each of a run's rows * tables.width inputs given its cell's value: inputs[row * width + i] =
/// values[value_of_input[i] + row * outputs]. In chunks (AVX2 and up, below `ceiling`), else one
/// by one. Preconditions: tables usable, sizeof(T) == tables.value_bytes, 1 <= rows <=
/// rows_per_run, and `values` holds 2 * most_outputs values and 16 readable bytes past them.
template <typename T>
void expand_cells(const row_cell_tables& tables, const T* values, std::int64_t rows, T* inputs,
                  simd_level ceiling = simd_level::avx512);

}  // namespace poolproof::engine::detail

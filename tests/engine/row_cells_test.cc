// A run of 1-D rows' inputs given their cells' values (expand_cells) in chunks of 16 bytes and one
// by one, on every SIMD level and value size, against the tables' index.
#include "engine/row_cells.h"

#include <gtest/gtest.h>
#include <poolproof/reference/float_format.h>

#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "engine/avg_backward_plan.h"
#include "engine/planes.h"
#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using reference::float_format;
using testing::all_simd_levels;

// expand_cells of a run of rows of T against the index: each input's value is the one its
// tables name, on every level, for full runs, a run of one row and runs in between. False when
// the tables do not take the geometry.
template <typename T>
bool expect_expansion_follows_the_index(std::int64_t width, std::int64_t outputs) {
  const std::vector<std::int64_t> shape{600, width}, out{outputs};
  const detail::geometry g = detail::checked_geometry<float>(
      float_format::binary32, shape, out, static_cast<std::size_t>(600 * width),
      static_cast<std::size_t>(600 * outputs));
  const detail::cell_plan& plan = detail::remembered_plan(g);
  constexpr std::int64_t most_outputs = 256;
  const detail::row_cell_tables tables =
      detail::make_row_cell_tables(g, plan, most_outputs, 1024, sizeof(T));
  if (!tables.usable) return false;
  std::vector<T> values(2 * most_outputs + 16 / sizeof(T));
  for (std::size_t k = 0; k < values.size(); ++k) values[k] = static_cast<T>(k + 1);
  for (std::int64_t rows : {std::int64_t{1}, (tables.rows_per_run + 1) / 2, tables.rows_per_run}) {
    for (const detail::simd_level level : all_simd_levels) {
      std::vector<T> inputs(static_cast<std::size_t>(rows * width) + 1, T{0});
      detail::expand_cells(tables, values.data(), rows, inputs.data(), level);
      for (std::int64_t row = 0; row < rows; ++row) {
        for (std::int64_t i = 0; i < width; ++i) {
          const T expected = values[static_cast<std::size_t>(
              tables.value_of_input[static_cast<std::size_t>(i)] + row * outputs)];
          if (inputs[static_cast<std::size_t>(row * width + i)] != expected) {
            ADD_FAILURE() << width << " -> " << outputs << ", " << sizeof(T) << "-byte values, row "
                          << row << " input " << i << ", level " << static_cast<int>(level);
            return true;
          }
        }
      }
      EXPECT_EQ(inputs.back(), T{0}) << "written past the run";
    }
  }
  return true;
}

TEST(ExpandCells, InputsTakeTheirCellsValuesInChunksAndOneByOne) {
  const std::vector<std::pair<std::int64_t, std::int64_t>> geometries{
      {33, 10}, {12, 4}, {6, 8}, {1, 2}, {1000, 256}, {64, 3}, {64, 7}, {5, 9}, {17, 16}, {7, 5}};
  int usable = 0;
  for (const auto& [width, outputs] : geometries) {
    usable += static_cast<int>(expect_expansion_follows_the_index<std::uint16_t>(width, outputs));
    usable += static_cast<int>(expect_expansion_follows_the_index<float>(width, outputs));
    usable += static_cast<int>(expect_expansion_follows_the_index<double>(width, outputs));
  }
  // Every geometry but 5 -> 9 (three windows over an input), for each value size.
  EXPECT_EQ(usable, 27);
}

// The chunks of one period of a run: lcm(width, lanes) inputs, width / gcd(width, lanes) chunks.
std::size_t chunks_of(std::int64_t width, std::int64_t outputs, int value_bytes) {
  const std::vector<std::int64_t> shape{600, width}, out{outputs};
  const detail::geometry g = detail::checked_geometry<float>(
      float_format::binary32, shape, out, static_cast<std::size_t>(600 * width),
      static_cast<std::size_t>(600 * outputs));
  const detail::row_cell_tables tables =
      detail::make_row_cell_tables(g, detail::remembered_plan(g), 256, 1024, value_bytes);
  EXPECT_TRUE(tables.usable) << width << " -> " << outputs;
  return tables.chunks.size();
}

TEST(ExpandCells, TheLanesTakeTheCommonRows) {
  for (int value_bytes : {2, 4, 8}) {
    // Two kinds of cells (33 -> 10), one (12 -> 4), long rows (1000 -> 256): chunks whatever the
    // lanes, a period's worth.
    EXPECT_EQ(chunks_of(33, 10, value_bytes), 33U) << value_bytes;
    EXPECT_EQ(chunks_of(12, 4, value_bytes),
              12U / static_cast<std::size_t>(std::gcd(12, 16 / value_bytes)))
        << value_bytes;
    EXPECT_EQ(chunks_of(1000, 256, value_bytes),
              1000U / static_cast<std::size_t>(std::gcd(1000, 16 / value_bytes)))
        << value_bytes;
  }
}

}  // namespace
}  // namespace poolproof::engine

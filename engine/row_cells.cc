// row_cells.h. Each window has at most one cell of each kind: a one-window cell's inputs are the
// window's own, a pair's those it shares with the next window. Why chunks: inputs given their
// values one by one cost a load of the index, a load and a store each, a quarter of a 16-bit 1-D
// avg backward; consecutive inputs read consecutive cells, so a chunk's values of each kind lie
// within one 16-byte load and two byte shuffles place them.
#include "engine/row_cells.h"

#include <immintrin.h>
#include <poolproof/common/error.h>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>

namespace poolproof::engine::detail {
namespace {

// The chunk of the run's inputs [first, first + lanes), or false when the values of one kind
// spread over more than `lanes`.
bool make_chunk(const row_cell_tables& tables, std::int64_t first, std::int64_t lanes,
                expansion_chunk& chunk) {
  std::array<std::int64_t, 16> index{};
  std::array<bool, 16> pair{};
  std::int64_t lowest[2] = {std::numeric_limits<std::int64_t>::max(),
                            std::numeric_limits<std::int64_t>::max()};
  std::int64_t row = first / tables.width, i = first % tables.width;
  for (std::size_t lane = 0; lane < static_cast<std::size_t>(lanes); ++lane) {
    const std::int64_t v = tables.value_of_input[static_cast<std::size_t>(i)];
    pair[lane] = v >= tables.most_outputs;
    index[lane] = v - (pair[lane] ? tables.most_outputs : 0) + row * tables.outputs;
    lowest[pair[lane]] = std::min(lowest[pair[lane]], index[lane]);
    if (++i == tables.width) {
      i = 0;
      ++row;
    }
  }
  chunk.single_bytes.fill(0x80);
  chunk.pair_bytes.fill(0x80);
  for (std::size_t lane = 0; lane < static_cast<std::size_t>(lanes); ++lane) {
    const std::int64_t offset = index[lane] - lowest[pair[lane]];
    if (offset >= lanes) return false;
    auto& bytes = pair[lane] ? chunk.pair_bytes : chunk.single_bytes;
    for (int b = 0; b < tables.value_bytes; ++b)
      bytes[lane * static_cast<std::size_t>(tables.value_bytes) + static_cast<std::size_t>(b)] =
          static_cast<std::uint8_t>(offset * tables.value_bytes + b);
  }
  // A kind no lane reads loads from value 0 (its mask takes nothing).
  for (std::int64_t& least : lowest)
    if (least == std::numeric_limits<std::int64_t>::max()) least = 0;
  chunk.single = static_cast<std::int32_t>(lowest[0] * tables.value_bytes);
  chunk.pair = static_cast<std::int32_t>((lowest[1] + tables.most_outputs) * tables.value_bytes);
  return true;
}

// The chunks of one period of the run's inputs: chunks repeat every lcm(width, lanes) inputs
// (width / gcd of them), each time the same number of rows on, so a call builds at most a row's
// worth of chunks rather than a run's (a run's took longer than a small pass).
void make_chunks(row_cell_tables& tables) {
  const std::int64_t lanes = 16 / tables.value_bytes;
  const std::int64_t run_inputs = tables.rows_per_run * tables.width;
  const std::int64_t period = std::lcm(tables.width, lanes);
  const std::int64_t inputs = std::min(period, run_inputs);
  tables.period_shift =
      static_cast<std::int32_t>(period / tables.width * tables.outputs * tables.value_bytes);
  tables.chunks.resize(static_cast<std::size_t>(inputs / lanes));
  for (std::size_t c = 0; c < tables.chunks.size(); ++c) {
    if (!make_chunk(tables, static_cast<std::int64_t>(c) * lanes, lanes, tables.chunks[c])) {
      tables.chunks.clear();
      return;
    }
  }
}

// The chunks' 16 bytes each, one after another.
[[gnu::target("avx2")]] void expand_chunks_avx2(std::span<const expansion_chunk> chunks,
                                                const std::byte* values, std::byte* inputs) {
  for (const expansion_chunk& chunk : chunks) {
    const __m128i singles = _mm_shuffle_epi8(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(values + chunk.single)),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk.single_bytes.data())));
    const __m128i pairs = _mm_shuffle_epi8(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(values + chunk.pair)),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk.pair_bytes.data())));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(inputs), _mm_or_si128(singles, pairs));
    inputs += 16;
  }
}

}  // namespace

row_cell_tables make_row_cell_tables(const geometry& g, const cell_plan& plan,
                                     std::int64_t most_outputs, std::int64_t most_inputs,
                                     int value_bytes) {
  row_cell_tables tables;
  const std::int64_t width = g.in[2], outputs = g.out[2];
  tables.width = width;
  tables.outputs = outputs;
  tables.most_outputs = most_outputs;
  tables.value_bytes = value_bytes;
  const bool rows = planes_are_rows(g) && plan.one_row_blocks;
  tables.usable = rows && !plan.covers.empty() && outputs <= most_outputs && width <= most_inputs;
  if (!tables.usable) return tables;
  tables.rows_per_run = std::min(most_outputs / outputs, most_inputs / width);
  const auto size = static_cast<std::size_t>(most_outputs + 8);
  tables.single_divisors.assign(size, 1.0);
  tables.pair_weights_a.assign(size, 0.0);
  tables.pair_weights_b.assign(size, 0.0);
  tables.pair_fillers.assign(size, 1.0);
  tables.single_binary32_divisors.assign(static_cast<std::size_t>(most_outputs), 1.0f);
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
        tables.single_binary32_divisors[k] = static_cast<float>(pc.denominator);
        continue;
      }
      tables.pair_weights_a[k] = static_cast<double>(pc.wa);
      tables.pair_weights_b[k] = static_cast<double>(pc.wb);
      tables.pair_fillers[k] = 0.0;
      tables.pair_divisors[k] = static_cast<std::uint64_t>(pc.denominator);
    }
  }
  if (tables.usable) make_chunks(tables);
  return tables;
}

template <typename T>
void expand_cells(const row_cell_tables& tables, const T* values, std::int64_t rows, T* inputs,
                  simd_level ceiling) {
  POOLPROOF_CHECK(static_cast<int>(sizeof(T)) == tables.value_bytes);
  const std::int64_t count = rows * tables.width;
  std::int64_t done = 0;
  if (!tables.chunks.empty() && usable_simd_level(ceiling) != simd_level::baseline) {
    constexpr std::int64_t lanes = 16 / sizeof(T);
    const auto chunks = static_cast<std::size_t>(count / lanes);
    const auto* from = reinterpret_cast<const std::byte*>(values);
    auto* to = reinterpret_cast<std::byte*>(inputs);
    // Period after period, each period_shift bytes further into the values.
    for (std::size_t written = 0; written < chunks; from += tables.period_shift) {
      const std::size_t now = std::min(tables.chunks.size(), chunks - written);
      expand_chunks_avx2(std::span(tables.chunks).first(now), from, to + written * 16);
      written += now;
    }
    done = static_cast<std::int64_t>(chunks) * lanes;
  }
  for (std::int64_t k = done; k < count;) {
    const T* row_values = values + k / tables.width * tables.outputs;
    for (std::int64_t i = k % tables.width; i < tables.width; ++i, ++k)
      inputs[k] = row_values[tables.value_of_input[static_cast<std::size_t>(i)]];
  }
}

template void expand_cells(const row_cell_tables&, const std::uint16_t*, std::int64_t,
                           std::uint16_t*, simd_level);
template void expand_cells(const row_cell_tables&, const float*, std::int64_t, float*, simd_level);
template void expand_cells(const row_cell_tables&, const double*, std::int64_t, double*,
                           simd_level);

}  // namespace poolproof::engine::detail

// avg_rows_16 (avg_rows_16.h). A row of a few dozen 16-bit values has about ten windows: rounding
// each window's mean apart (round_mean_16) cost most of the pass, so the sums of many rows are
// rounded together by narrowed_means, eight divisions an instruction (batched_row_means).
#include "engine/avg_rows_16.h"

#include <vector>

#include "engine/double_sums.h"
#include "engine/narrowed_means.h"
#include "engine/row_batches.h"

namespace poolproof::engine::detail {

template <typename F>
void avg_rows_16(const geometry& g, const std::uint16_t* input, std::uint16_t* output,
                 std::int64_t first, std::int64_t end,
                 const std::function<void(std::int64_t)>& other_row) {
  // Every 16-bit value is a multiple of its format's least subnormal, so the means need no unit.
  const auto row_unit = [&](std::int64_t p) {
    return sums_fit_doubles<F>(input + p * g.in_plane, g.in[2], g.largest_window);
  };
  const auto means = [](std::span<const double> sums, std::span<const std::uint64_t> counts,
                        std::span<std::uint16_t> out) {
    narrowed_means(F::format, sums, counts, out);
  };
  // Each row is widened in lanes first: widening value by value (binary16's subnormals scaled)
  // cost most of the pass.
  std::vector<float> wide(static_cast<std::size_t>(g.in[2]));
  const auto row_values = [&](std::int64_t p) {
    widen_to_binary32(F::format, input + p * g.in_plane, wide.data(), g.in[2]);
    return wide.data();
  };
  batched_row_means(g, output, first, end, row_values, row_unit, means, other_row);
}

template void avg_rows_16<binary16_traits>(const geometry&, const std::uint16_t*, std::uint16_t*,
                                           std::int64_t, std::int64_t,
                                           const std::function<void(std::int64_t)>&);
template void avg_rows_16<bfloat16_traits>(const geometry&, const std::uint16_t*, std::uint16_t*,
                                           std::int64_t, std::int64_t,
                                           const std::function<void(std::int64_t)>&);

}  // namespace poolproof::engine::detail

// avg_rows_16 (avg_rows_16.h). A row of a few dozen 16-bit values has about ten windows: rounding
// each window's mean apart (round_mean_16) cost most of the pass, so the sums of many rows are
// rounded together by narrowed_means, eight divisions an instruction. Consecutive rows' outputs
// are contiguous, so a batch writes one span; a row left to other_row ends the batch first.
#include "engine/avg_rows_16.h"

#include <array>

#include "engine/double_sums.h"
#include "engine/narrowed_means.h"

namespace poolproof::engine::detail {
namespace {

// One window's sum in two chains (exact under sums_fit_doubles, in any order).
template <typename F>
double window_sum(const std::uint16_t* row, const reference::window& w) {
  double sums[2] = {0, 0};
  for (std::int64_t i = w.begin; i < w.end; ++i)
    sums[i & 1] += static_cast<double>(widened<F>(row[i]));
  return sums[0] + sums[1];
}

}  // namespace

template <typename F>
void avg_rows_16(const geometry& g, const std::uint16_t* input, std::uint16_t* output,
                 std::int64_t first, std::int64_t end,
                 const std::function<void(std::int64_t)>& other_row) {
  constexpr std::size_t batch = 512;
  std::array<double, batch> sums{};
  std::array<std::uint64_t, batch> counts{};
  std::size_t filled = 0;
  std::uint16_t* batch_out = output + first * g.out_plane;
  const auto flush = [&] {
    narrowed_means(F::format, {sums.data(), filled}, {counts.data(), filled}, {batch_out, filled});
    batch_out += filled;
    filled = 0;
  };
  for (std::int64_t p = first; p < end; ++p) {
    const std::uint16_t* row = input + p * g.in_plane;
    if (!sums_fit_doubles<F>(row, g.in[2], g.largest_window)) {
      flush();
      other_row(p);
      batch_out += g.out_plane;
      continue;
    }
    for (const reference::window& w : g.windows[2]) {
      sums[filled] = window_sum<F>(row, w);
      counts[filled] = static_cast<std::uint64_t>(w.length());
      if (++filled == batch) flush();
    }
  }
  flush();
}

template void avg_rows_16<binary16_traits>(const geometry&, const std::uint16_t*, std::uint16_t*,
                                           std::int64_t, std::int64_t,
                                           const std::function<void(std::int64_t)>&);
template void avg_rows_16<bfloat16_traits>(const geometry&, const std::uint16_t*, std::uint16_t*,
                                           std::int64_t, std::int64_t,
                                           const std::function<void(std::int64_t)>&);

}  // namespace poolproof::engine::detail

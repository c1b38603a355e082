// double_cells_planes (avg_backward_16.h). Under one-row blocks a cell's exact gradient is
// (g_a wa + g_b wb) w01 / D; when the plane's exponent range keeps every such sum below
// 2^(unit + 53) (the spread test of avg_backward_plane), each is one exact double, and only its
// rounding to 16 bits is left: narrowed_means does that for the cells of many planes at once
// (rounding a plane's twenty-odd cells one by one cost most of the pass; a batch of one plane's
// cells would stall on its own stores).
#include "engine/avg_backward_16.h"

#include <algorithm>
#include <vector>

#include "engine/double_cell_rows.h"
#include "engine/double_sums.h"
#include "engine/narrowed_means.h"

namespace poolproof::engine::detail {
namespace {

template <typename F>
class double_cells {
 public:
  double_cells(const geometry& g, const cell_plan& plan) : g_(g), plan_(plan) {
    const std::size_t capacity = std::max<std::size_t>(512, plan.covers.size());
    sums_.resize(capacity);
    denominators_.resize(capacity);
    means_.resize(capacity);
  }

  // Whether the batch took the plane (else the caller computes it); `wide` holds its gradients
  // widened to binary32.
  bool add_plane(const std::uint16_t* grads, const float* wide, std::uint16_t* plane) {
    const exponent_range range = pattern_range<F>(grads, g_.out_plane);
    if (range.special || plan_.bounds.denominator == 0 ||
        range.sum_bits<F>(static_cast<std::uint64_t>(plan_.bounds.covers)) +
                bit_length(static_cast<std::uint64_t>(plan_.bounds.denominator)) >
            53)
      return false;
    for (const segment& s0 : plan_.segments[0]) {
      for (const segment& s1 : plan_.segments[1]) {
        if (filled_ + plan_.covers.size() > sums_.size()) flush();
        add_block(wide, s0, s1);
        blocks_.push_back({plane, plane + (s0.begin * g_.in[1] + s1.begin) * g_.in[2], &s0, &s1});
      }
    }
    return true;
  }

  // Rounds the batch's cells and writes their blocks.
  void flush() {
    narrowed_means(F::format, {sums_.data(), filled_}, {denominators_.data(), filled_},
                   {means_.data(), filled_});
    for (std::size_t k = 0; k < blocks_.size(); ++k) {
      const block& b = blocks_[k];
      write_cells_row(g_, plan_, means_.data() + k * plan_.covers.size(), b.first_row);
      copy_first_row(g_, *b.s0, *b.s1, b.plane, b.first_row);
    }
    blocks_.clear();
    filled_ = 0;
  }

 private:
  struct block {
    std::uint16_t* plane;
    std::uint16_t* first_row;
    const segment* s0;
    const segment* s1;
  };

  // The exact sums and denominators of block (s0, s1)'s cells, one per pair cover (one output
  // row over the block: its axis-0 and axis-1 windows are lone).
  void add_block(const float* grads, const segment& s0, const segment& s1) {
    const float* row = grads + (s0.first * g_.out[1] + s1.first) * g_.out[2];
    const auto w01 = static_cast<double>(s0.weights[0] * s1.weights[0]);
    const auto d01 = static_cast<std::uint64_t>(s0.denominator * s1.denominator);
    for (const pair_cover& pc : plan_.covers) {
      sums_[filled_] = (static_cast<double>(row[pc.a]) * static_cast<double>(pc.wa) +
                        static_cast<double>(row[pc.b]) * static_cast<double>(pc.wb)) *
                       w01;
      denominators_[filled_++] = d01 * static_cast<std::uint64_t>(pc.denominator);
    }
  }

  const geometry& g_;
  const cell_plan& plan_;
  std::vector<double> sums_;
  std::vector<std::uint64_t> denominators_;
  std::vector<std::uint16_t> means_;
  std::vector<block> blocks_;
  std::size_t filled_ = 0;
};

// Planes [first, end) through the batch, their gradients widened a chunk of planes at a time.
template <typename F>
void planes_of_cells(double_cells<F>& batch, const geometry& g, const std::uint16_t* grad_output,
                     std::uint16_t* grad_input, std::int64_t first, std::int64_t end,
                     const std::function<void(std::int64_t)>& other_plane) {
  // Gradients are widened in lanes for many planes at once: widening value by value (binary16's
  // subnormals scaled) cost a third of the pass.
  const std::int64_t chunk =
      std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(1, g.out_plane));
  std::vector<float> wide(static_cast<std::size_t>(std::min(chunk, end - first) * g.out_plane));
  for (std::int64_t p0 = first; p0 < end; p0 += chunk) {
    const std::int64_t p1 = std::min(end, p0 + chunk);
    widen_to_binary32(F::format, grad_output + p0 * g.out_plane, wide.data(),
                      (p1 - p0) * g.out_plane);
    for (std::int64_t p = p0; p < p1; ++p) {
      if (!batch.add_plane(grad_output + p * g.out_plane, wide.data() + (p - p0) * g.out_plane,
                           grad_input + p * g.in_plane))
        other_plane(p);
    }
  }
}

}  // namespace

template <typename F>
void double_cells_planes(const geometry& g, const cell_plan& plan, const std::uint16_t* grad_output,
                         std::uint16_t* grad_input, std::int64_t first, std::int64_t end,
                         const std::function<void(std::int64_t)>& other_plane) {
  double_cells<F> batch(g, plan);
  // 1-D planes: a run of rows at once when its range keeps the cells exact in doubles; any
  // other run plane by plane (planes_of_cells).
  const double_cell_rows<F> runs(g, plan);
  if (runs.usable()) {
    for (std::int64_t p = first; p < end; p += runs.rows_per_run()) {
      const std::int64_t rows = std::min(runs.rows_per_run(), end - p);
      // A declined run's planes through the batch together (they are widened together).
      if (!runs.cells(grad_output + p * g.out_plane, rows, grad_input + p * g.in_plane))
        planes_of_cells(batch, g, grad_output, grad_input, p, p + rows, other_plane);
    }
    return batch.flush();
  }
  planes_of_cells(batch, g, grad_output, grad_input, first, end, other_plane);
  batch.flush();
}

template void double_cells_planes<binary16_traits>(const geometry&, const cell_plan&,
                                                   const std::uint16_t*, std::uint16_t*,
                                                   std::int64_t, std::int64_t,
                                                   const std::function<void(std::int64_t)>&);
template void double_cells_planes<bfloat16_traits>(const geometry&, const cell_plan&,
                                                   const std::uint16_t*, std::uint16_t*,
                                                   std::int64_t, std::int64_t,
                                                   const std::function<void(std::int64_t)>&);

}  // namespace poolproof::engine::detail

// split_cells_planes (avg_backward_split.h). A cell's exact gradient is sum_o g_o w_o / D with
// integer weights w_o (a weight w counts as w addends of g_o, so the cell is a sum of W =
// sum_o w_o values of the plane's range). On a split grid exact for W values, each gradient is
// split once into high and low parts; each product of a part by a weight, and each sum of
// those, is one of the grid's exact partial sums, so a cell is two exact doubles, rounded by
// means_of_parts: eight divisions an instruction on AVX-512, across the cells of many planes
// (a batch of one plane's few cells would stall on its own stores). What it declines goes
// through the parts in fixed point. A cell under one window of a one-row block is its gradient
// over the window's volume: one hardware division, correctly rounded (with the plane's split
// kept from an earlier plane while the gradients lie within its range, measured 0.80x-0.89x of
// the time before on 1-D planes).
#include "engine/avg_backward_split.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "engine/double_sums.h"
#include "engine/split_cell_rows.h"

namespace poolproof::engine::detail {
namespace {

// The largest total weight of one segment's windows along an axis.
std::int64_t axis_weight(const std::vector<segment>& segments) {
  std::int64_t largest = 0;
  for (const segment& s : segments) {
    std::int64_t total = 0;
    for (std::int64_t w : s.weights) total += w;
    largest = std::max(largest, total);
  }
  return largest;
}

// W: the most addends any cell sums, saturated at 2^62 (no grid is exact for that many).
std::uint64_t largest_cell_weight(const cell_plan& plan) {
  std::int64_t pair = 0;
  for (const pair_cover& pc : plan.covers) pair = std::max(pair, pc.wa + pc.wb);
  const fast_int128 weight =
      fast_int128{axis_weight(plan.segments[0])} * axis_weight(plan.segments[1]) * pair;
  return static_cast<std::uint64_t>(std::min<fast_int128>(weight, too_big));
}

class split_cells {
 public:
  split_cells(const geometry& g, const cell_plan& plan)
      : g_(g), plan_(plan), kept_(largest_cell_weight(plan)) {
    halves_.resize(static_cast<std::size_t>(g.out_plane));
    const std::size_t capacity = std::max<std::size_t>(256, plan.covers.size());
    parts_.resize(capacity);
    denominators_.resize(capacity);
    cell_of_part_.resize(capacity);
    part_means_.resize(capacity);
    means_.resize(capacity);
  }

  // Whether the batch took the plane (else the caller computes it).
  bool add_plane(const double* grads, double* plane) {
    const std::optional<binary64_split> split =
        kept_.for_values({grads, static_cast<std::size_t>(g_.out_plane)}, [&] {
          exponent_range range;
          for (std::int64_t o = 0; o < g_.out_plane; ++o)
            widen<binary64_traits>(range, std::bit_cast<std::uint64_t>(grads[o]));
          return range;
        });
    if (!split) return false;
    for (std::size_t o = 0; o < halves_.size(); ++o) {
      const double hi = (grads[o] + split->c) - split->c;
      halves_[o] = {hi, grads[o] - hi};
    }
    for (const segment& s0 : plan_.segments[0]) {
      for (const segment& s1 : plan_.segments[1]) {
        if (filled_ + plan_.covers.size() > parts_.size()) flush();
        add_block(s0, s1);
        blocks_.push_back(
            {plane, plane + (s0.begin * g_.in[1] + s1.begin) * g_.in[2], &s0, &s1, split->unit});
      }
    }
    return true;
  }

  // The split kept from the planes before, for the gradients within its range.
  [[nodiscard]] const kept_split& kept() const { return kept_; }

  // Rounds the batch's cells and writes their blocks.
  void flush() {
    const std::size_t cells = plan_.covers.size();
    split_means({parts_.data(), from_parts_}, {denominators_.data(), from_parts_},
                [&](std::size_t k) { return blocks_[cell_of_part_[k] / cells].unit; },
                {part_means_.data(), from_parts_});
    for (std::size_t k = 0; k < from_parts_; ++k) means_[cell_of_part_[k]] = part_means_[k];
    for (std::size_t k = 0; k < blocks_.size(); ++k) {
      const block& b = blocks_[k];
      const double* means = means_.data() + k * cells;
      write_cells_row(g_, plan_, means, b.first_row);
      copy_first_row(g_, *b.s0, *b.s1, b.plane, b.first_row);
    }
    blocks_.clear();
    filled_ = 0;
    from_parts_ = 0;
  }

 private:
  struct block {
    double* plane;
    double* first_row;
    const segment* s0;
    const segment* s1;
    int unit;
  };

  // The parts and denominators of the cells of block (s0, s1), one per pair cover.
  void add_block(const segment& s0, const segment& s1) {
    const auto d01 = static_cast<std::uint64_t>(s0.denominator * s1.denominator);
    if (s0.first == s0.last && s1.first == s1.last) {
      // One output row over the block (1-D pooling, and blocks under one window per axis): its
      // weights along axes 0 and 1 are 1 (a lone window's lcm is its own length).
      return add_row_cells(halves_.data() + (s0.first * g_.out[1] + s1.first) * g_.out[2], d01);
    }
    for (const pair_cover& pc : plan_.covers) {
      const auto wa = static_cast<double>(pc.wa), wb = static_cast<double>(pc.wb);
      double high = 0, low = 0;
      for (std::int64_t o0 = s0.first; o0 <= s0.last; ++o0) {
        const std::int64_t w0 = s0.weights[static_cast<std::size_t>(o0 - s0.first)];
        for (std::int64_t o1 = s1.first; o1 <= s1.last; ++o1) {
          const auto w =
              static_cast<double>(w0 * s1.weights[static_cast<std::size_t>(o1 - s1.first)]);
          const split_parts* row = halves_.data() + (o0 * g_.out[1] + o1) * g_.out[2];
          const split_parts& a = row[pc.a];
          const split_parts& b = row[pc.b];
          high += (a.high * wa + b.high * wb) * w;
          low += (a.low * wa + b.low * wb) * w;
        }
      }
      add_parts({high, low}, d01 * static_cast<std::uint64_t>(pc.denominator));
    }
  }

  // The cells of a block under one output row `row`, d01 the block's axis-0 and axis-1
  // denominator. (Counters and arrays in locals: through the members they went to memory.)
  void add_row_cells(const split_parts* row, std::uint64_t d01) {
    std::size_t filled = filled_, parted = from_parts_;
    double* means = means_.data();
    split_parts* parts = parts_.data();
    std::uint64_t* denominators = denominators_.data();
    std::size_t* cell_of_part = cell_of_part_.data();
    for (const pair_cover& pc : plan_.covers) {
      const std::uint64_t denominator = d01 * static_cast<std::uint64_t>(pc.denominator);
      if (pc.wb == 0) {
        // A cell under one window (so wa = 1: a lone window's lcm is its length): its gradient over
        // the window's volume D < 2^53 (exact as a double), one IEEE division, correctly rounded
        // (subnormal quotients too: the pass holds the default environment). The parts' sum is the
        // gradient itself, a zero as +0 as the reference has it.
        means[filled++] = (row[pc.a].high + row[pc.a].low) / static_cast<double>(denominator);
        continue;
      }
      const auto wa = static_cast<double>(pc.wa), wb = static_cast<double>(pc.wb);
      parts[parted] = {row[pc.a].high * wa + row[pc.b].high * wb,
                       row[pc.a].low * wa + row[pc.b].low * wb};
      denominators[parted] = denominator;
      cell_of_part[parted++] = filled++;
    }
    filled_ = filled;
    from_parts_ = parted;
  }

  // The next cell, rounded from its parts at the flush.
  void add_parts(const split_parts& parts, std::uint64_t denominator) {
    parts_[from_parts_] = parts;
    denominators_[from_parts_] = denominator;
    cell_of_part_[from_parts_++] = filled_++;
  }

  const geometry& g_;
  const cell_plan& plan_;
  kept_split kept_;  // for cells of at most W addends (largest_cell_weight)
  std::vector<split_parts> halves_, parts_;
  std::vector<std::uint64_t> denominators_;
  std::vector<std::size_t> cell_of_part_;   // the cell (index into means_) of each parts_ entry
  std::vector<double> part_means_, means_;  // the parts' means; every cell's value
  std::vector<block> blocks_;
  std::size_t filled_ = 0;      // cells in the batch
  std::size_t from_parts_ = 0;  // of which rounded from parts
};

}  // namespace

bool split_cells_fit(const cell_plan& plan) {
  const std::int64_t largest = plan.bounds.denominator;
  return !plan.covers.empty() && largest != 0 && largest < (std::int64_t{1} << 53);
}

void split_cells_planes(const geometry& g, const cell_plan& plan, const double* grad_output,
                        double* grad_input, std::int64_t first, std::int64_t end,
                        const std::function<void(std::int64_t)>& other_plane) {
  split_cells batch(g, plan);
  const auto one_plane = [&](std::int64_t p) {
    if (!batch.add_plane(grad_output + p * g.out_plane, grad_input + p * g.in_plane))
      other_plane(p);
  };
  const split_cell_rows runs(g, plan);
  if (!runs.usable()) {
    for (std::int64_t p = first; p < end; ++p) one_plane(p);
    return batch.flush();
  }
  // 1-D planes: a run of rows within the kept split's range at once, in lanes; the rest (and
  // the first rows, before a split is kept) plane by plane.
  const auto run = [&](std::int64_t p, std::int64_t rows) {
    const std::optional<binary64_split>& split = batch.kept().split();
    return split && runs.cells(grad_output + p * g.out_plane, rows, *split, batch.kept().covered(),
                               grad_input + p * g.in_plane);
  };
  runs_of_planes(first, end, runs.rows_per_run(), run, one_plane);
  batch.flush();
}

}  // namespace poolproof::engine::detail

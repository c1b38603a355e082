#include <poolproof/properties/brute_force.h>
#include <poolproof/properties/window_properties.h>
#include <poolproof/reference/exact_number.h>
#include <rapidcheck.h>

namespace poolproof::properties {
namespace {

reference::integer big(std::int64_t value) { return reference::integer(value); }

std::int64_t ceil_ratio(std::int64_t a, std::int64_t b) { return a / b + (a % b != 0 ? 1 : 0); }

// Number of integers j with low < j*m < high, for 0 <= low < high: floor((high-1)/m) -
// floor(low/m).
reference::integer multiples_strictly_between(const reference::integer& low,
                                              const reference::integer& high, std::int64_t m) {
  const reference::integer divisor = big(m);
  return reference::integer((high - 1) / divisor) - reference::integer(low / divisor);
}

}  // namespace

void window_bounds_match_the_formula(const size_pair& sizes) {
  const std::int64_t n = sizes.in_size, m = sizes.out_size;
  for (std::int64_t i : *gen_probe_indices(m)) {
    const reference::window w = reference::adaptive_window(n, m, i);
    const reference::integer first = big(i) * n, past = big(i + 1) * n;
    RC_ASSERT(big(w.begin) * m <= first);
    RC_ASSERT(first < big(w.begin + 1) * m);
    RC_ASSERT(big(w.end - 1) * m < past);
    RC_ASSERT(past <= big(w.end) * m);
  }
}

void windows_cover_the_input(const size_pair& sizes) {
  const std::int64_t n = sizes.in_size, m = sizes.out_size;
  RC_ASSERT(reference::adaptive_window(n, m, 0).begin == 0);
  RC_ASSERT(reference::adaptive_window(n, m, m - 1).end == n);
  for (std::int64_t i : *gen_probe_indices(m - 1)) {
    RC_ASSERT(reference::adaptive_window(n, m, i + 1).begin <=
              reference::adaptive_window(n, m, i).end);
  }
}

void windows_are_monotone(const size_pair& sizes) {
  const std::int64_t n = sizes.in_size, m = sizes.out_size;
  for (std::int64_t i : *gen_probe_indices(m - 1)) {
    const reference::window here = reference::adaptive_window(n, m, i),
                            next = reference::adaptive_window(n, m, i + 1);
    RC_ASSERT(here.begin <= next.begin);
    RC_ASSERT(here.end <= next.end);
  }
}

void consecutive_windows_overlap_by_at_most_one(const size_pair& sizes) {
  const std::int64_t n = sizes.in_size, m = sizes.out_size;
  for (std::int64_t i : *gen_probe_indices(m - 1)) {
    const std::int64_t overlap =
        reference::adaptive_window(n, m, i).end - reference::adaptive_window(n, m, i + 1).begin;
    const bool divides = reference::integer(big(i + 1) * n % m) == 0;
    RC_ASSERT(overlap == (divides ? 0 : 1));
  }
}

void window_lengths_lie_in_the_ceil_band(const size_pair& sizes) {
  const std::int64_t n = sizes.in_size, m = sizes.out_size;
  const std::int64_t least = ceil_ratio(n, m);
  for (std::int64_t i : *gen_probe_indices(m)) {
    const reference::window w = reference::adaptive_window(n, m, i);
    RC_ASSERT(w.length() >= least);
    RC_ASSERT(w.length() <= least + 1);
    const reference::integer first = big(i) * n, past = big(i + 1) * n;
    RC_ASSERT(big(w.length()) == 1 + multiples_strictly_between(first, past, m));
    if (m > n) RC_ASSERT((w.length() == 2) == (big(w.begin + 1) * m < past));
  }
}

void windows_are_mirror_symmetric(const size_pair& sizes) {
  const std::int64_t n = sizes.in_size, m = sizes.out_size;
  for (std::int64_t i : *gen_probe_indices(m)) {
    RC_ASSERT(reference::adaptive_window(n, m, m - 1 - i).begin ==
              n - reference::adaptive_window(n, m, i).end);
  }
}

void equal_sizes_give_the_identity(std::int64_t size) {
  for (std::int64_t i : *gen_probe_indices(size)) {
    RC_ASSERT(reference::adaptive_window(size, size, i) == (reference::window{i, i + 1}));
  }
}

void inputs_are_read_by_the_dual_windows(const size_pair& sizes) {
  const std::int64_t n = sizes.in_size, m = sizes.out_size;
  for (std::int64_t j : *gen_probe_indices(n)) {
    const reference::window readers = reference::adaptive_window(m, n, j);
    RC_ASSERT(readers.length() <= ceil_ratio(m, n) + 1);
    const reference::window first = reference::adaptive_window(n, m, readers.begin);
    const reference::window last = reference::adaptive_window(n, m, readers.end - 1);
    RC_ASSERT(first.begin <= j && j < first.end);
    RC_ASSERT(last.begin <= j && j < last.end);
    if (readers.begin > 0) RC_ASSERT(reference::adaptive_window(n, m, readers.begin - 1).end <= j);
    if (readers.end < m) RC_ASSERT(reference::adaptive_window(n, m, readers.end).begin > j);
  }
}

void each_input_lies_in_at_most_ceil_ratio_plus_one_windows(const size_pair& sizes) {
  const std::int64_t n = sizes.in_size, m = sizes.out_size;
  std::vector<std::int64_t> readers(static_cast<std::size_t>(n), 0);
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j : window_indices(reference::adaptive_window(n, m, i)))
      ++readers[static_cast<std::size_t>(j)];
  }
  for (std::int64_t j = 0; j < n; ++j) {
    RC_ASSERT(readers[static_cast<std::size_t>(j)] <= ceil_ratio(m, n) + 1);
    RC_ASSERT(readers[static_cast<std::size_t>(j)] == reference::adaptive_window(m, n, j).length());
  }
}

void window_list_matches_single_windows(const size_pair& sizes) {
  const std::vector<reference::window> windows =
      reference::adaptive_windows(sizes.in_size, sizes.out_size);
  RC_ASSERT(std::ssize(windows) == sizes.out_size);
  for (std::int64_t i = 0; i < sizes.out_size; ++i) {
    RC_ASSERT(windows[static_cast<std::size_t>(i)] ==
              reference::adaptive_window(sizes.in_size, sizes.out_size, i));
  }
}

void nd_windows_are_products(const std::vector<size_pair>& axes) {
  std::vector<std::int64_t> in_sizes, out_sizes, out_index;
  for (const size_pair& axis : axes) {
    in_sizes.push_back(axis.in_size);
    out_sizes.push_back(axis.out_size);
    out_index.push_back(*rc::gen::inRange<std::int64_t>(0, axis.out_size));
  }
  const reference::window_box box = reference::adaptive_box(in_sizes, out_sizes, out_index);
  RC_ASSERT(box.size() == axes.size());
  std::vector<std::vector<std::int64_t>> per_axis;
  for (std::size_t axis = 0; axis < axes.size(); ++axis) {
    const reference::window expected =
        reference::adaptive_window(in_sizes[axis], out_sizes[axis], out_index[axis]);
    RC_ASSERT(box[axis] == expected);
    per_axis.push_back(window_indices(expected));
  }
  RC_ASSERT(reference::box_flat_indices(box, in_sizes) == product_members(per_axis, in_sizes));
}

}  // namespace poolproof::properties

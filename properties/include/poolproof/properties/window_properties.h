// Properties of the adaptive window rule on one axis and N-D, for sizes up to 2^62.
#pragma once

#include <poolproof/properties/generators.h>

#include <cstdint>
#include <vector>

namespace poolproof::properties {

/// begin = floor(i*n/m) and end = ceil((i+1)*n/m) checked in exact integers:
/// begin*m <= i*n < (begin+1)*m and (end-1)*m < (i+1)*n <= end*m, at probed outputs i.
void window_bounds_match_the_formula(const size_pair& sizes);

/// The windows cover [0, n) with no gap: window 0 begins at 0, window m-1 ends at n, and each
/// window begins at or before the previous one's end.
void windows_cover_the_input(const size_pair& sizes);

/// Begins and ends are non-decreasing in i.
void windows_are_monotone(const size_pair& sizes);

/// Consecutive windows overlap by end(i) - begin(i+1) = 1 if m does not divide (i+1)*n, else 0:
/// so by at most one element, for every n and m (for m > n windows may coincide entirely).
void consecutive_windows_overlap_by_at_most_one(const size_pair& sizes);

/// length(i) = 1 + #{j : i*n < j*m < (i+1)*n}, which lies in [ceil(n/m), ceil(n/m)+1]; for
/// m > n that band is {1, 2}, and the length is 2 exactly when (begin+1)*m < (i+1)*n.
void window_lengths_lie_in_the_ceil_band(const size_pair& sizes);

/// begin(m-1-i) = n - end(i): the rule reads the same from either end.
void windows_are_mirror_symmetric(const size_pair& sizes);

/// n = m gives the identity: window i is [i, i+1).
void equal_sizes_give_the_identity(std::int64_t size);

/// The outputs whose windows hold input j are exactly the dual adaptive window m -> n at j, so
/// there are at most ceil(m/n)+1 of them; checked at probed inputs j for sizes up to 2^62.
void inputs_are_read_by_the_dual_windows(const size_pair& sizes);

/// For small sizes, counting every window that holds input j gives the dual window's length,
/// which is at most ceil(m/n)+1.
void each_input_lies_in_at_most_ceil_ratio_plus_one_windows(const size_pair& sizes);

/// adaptive_windows lists adaptive_window(n, m, i) for i = 0..m-1.
void window_list_matches_single_windows(const size_pair& sizes);

/// The N-D window is the product of 1-D windows: adaptive_box is the per-axis windows and
/// box_flat_indices lists their product in row-major order.
void nd_windows_are_products(const std::vector<size_pair>& axes);

}  // namespace poolproof::properties

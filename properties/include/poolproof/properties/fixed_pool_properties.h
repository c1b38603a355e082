// Properties of fixed pooling: the reference's model of PyTorch's layers and the seed's naive rule.
#pragma once

#include <poolproof/properties/generators.h>

#include <cstdint>

namespace poolproof::properties {

/// The seed's rule for n >= m: stride = n//m, kernel = n-(m-1)*stride, padding 0, PyTorch defaults.
[[nodiscard]] reference::fixed_pool_params naive_fixed_params(std::int64_t in_size,
                                                              std::int64_t out_size);

/// The naive rule reproduces adaptive pooling (avg and max) exactly when n mod m <= 1 (for m | n
/// and for n = q*m + 1 alike); otherwise fixed_pool_mismatch names output 0, which reads
/// [0, q + r) where adaptive reads [0, q + 1) (n = q*m + r).
void naive_rule_matches_exactly_when_remainder_is_below_two(const size_pair& sizes);

/// For m > n the naive stride n//m is 0, which PyTorch (and require_valid_params) refuses.
void naive_rule_is_invalid_when_output_exceeds_input(const size_pair& sizes);

/// When every output size divides its input size, fixed pooling with the naive rule on each axis,
/// evaluated tap by tap, gives exactly adaptive pooling's values (avg), and values and argmax
/// indices (max), on every tensor including NaN, infinities and -0.
void divisible_fixed_pooling_gives_adaptive_values(const pooling_case& c);

/// fixed_pool_indices lists exactly the taps o*s - p + j*d inside [0, n), for every output.
void fixed_indices_match_the_taps(const fixed_pool_case& c);

/// fixed_pool_output_size, clamped at 0, is the size of PyTorch's output set (see
/// fixed_output_count_by_search).
void fixed_output_size_matches_the_search(const fixed_pool_case& c);

/// fixed_avg_divisor counts the kernel positions inside the padded extent [-p, n+p) (or the
/// real inputs without count_include_pad, or returns divisor_override).
void fixed_avg_divisor_counts_the_padded_extent(const fixed_pool_case& c);

/// fixed_pool_mismatch reports a difference exactly when the tap-by-tap comparison finds one,
/// and names the same first output ("output o ...") or the output count.
void fixed_pool_mismatch_agrees_with_the_taps(const fixed_pool_case& c, std::int64_t out_size);

}  // namespace poolproof::properties

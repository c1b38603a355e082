// Properties of adaptive pooling's forward values: averages, maxima, argmax indices, N-D.
#pragma once

#include <poolproof/properties/generators.h>

namespace poolproof::properties {

/// On finite inputs each average lies within [min, max] of its window.
void avg_lies_between_window_extremes(const pooling_case& c);

/// On finite inputs x, y and rationals a, b: avg(a*x + b*y) = a*avg(x) + b*avg(y), exactly.
void avg_is_linear(const pooling_case& c, const reference::exact_tensor& y,
                   const reference::rational& a, const reference::rational& b);

/// A constant input v pools to v everywhere (NaN, +-inf, finite), except that -0 pools to +0.
void avg_preserves_constants(const pooling_case& c, const reference::extended_rational& constant);

/// Each average follows IEEE's rules for its window: NaN if the window holds a NaN or both
/// infinities; else the infinity it holds; else the exact mean, a zero mean being +0.
void avg_follows_ieee_special_rules(const pooling_case& c);

/// When every output size divides its input size (finite inputs), each plane's output mean
/// equals its input mean.
void divisible_avg_preserves_the_mean(const pooling_case& c);

/// Each maximum is the input element at its reported index (bit for bit, -0 included), that
/// index lies in the window, and without NaN in the window no member is greater.
void max_is_an_element_at_the_reported_index(const pooling_case& c);

/// The argmax index is the last NaN of the window in row-major scan order if there is one, else
/// the first element that no other element exceeds (ties and an all -inf window: the first).
void max_index_follows_the_tie_and_nan_rule(const pooling_case& c);

/// 2-D pooling is 1-D pooling along the last axis, then along the other: avg values, max
/// values and max indices (composed from both stages) agree exactly, specials included.
void pooling_is_separable(const pooling_case& c);

}  // namespace poolproof::properties

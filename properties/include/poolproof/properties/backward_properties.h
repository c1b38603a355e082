// Properties of adaptive pooling's backward passes: sums, adjointness, where gradients land.
#pragma once

#include <poolproof/properties/generators.h>

namespace poolproof::properties {

/// The shape of adaptive pooling's output for a pooling case: leading axes, then out_size.
[[nodiscard]] std::vector<std::int64_t> pooled_shape_of(const pooling_case& c);

/// On a finite output gradient g, the avg input gradient sums to the sum of g, per plane.
void avg_backward_preserves_the_sum(const pooling_case& c,
                                    const reference::exact_tensor& grad_output);

/// On finite x and y: <avg(x), y> = <x, avg_backward(y)> in exact rationals.
void avg_backward_is_the_adjoint(const pooling_case& c, const reference::exact_tensor& grad_output);

/// On a finite y, avg_backward(y) at input p is the sum of y_o / |W_o| over the windows W_o
/// that hold p (the transpose, built window by window).
void avg_backward_is_the_transpose(const pooling_case& c,
                                   const reference::exact_tensor& grad_output);

/// On a finite y, max_backward(y) at input p is the sum of y_o over the outputs whose argmax is p:
/// non-zero only at argmax positions, and +0 exactly at positions no output chose.
void max_gradient_lies_on_the_argmax(const pooling_case& c,
                                     const reference::exact_tensor& grad_output);

/// On finite x and y: <max(x), y> = <x, max_backward(y)>, max being the argmax selection.
void max_backward_is_the_adjoint_of_selection(const pooling_case& c,
                                              const reference::exact_tensor& grad_output);

}  // namespace poolproof::properties

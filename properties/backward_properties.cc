#include <poolproof/properties/backward_properties.h>
#include <poolproof/properties/brute_force.h>
#include <poolproof/reference/adaptive_pool.h>

#include <algorithm>

namespace poolproof::properties {
namespace {

bool all_finite(const reference::exact_tensor& tensor) {
  return std::all_of(tensor.values.begin(), tensor.values.end(),
                     [](const auto& x) { return x.is_finite(); });
}

reference::rational dot(const reference::exact_tensor& a, const reference::exact_tensor& b) {
  reference::rational sum = 0;
  for (std::size_t i = 0; i < a.values.size(); ++i) sum += a.values[i].value * b.values[i].value;
  return sum;
}

reference::rational total(const reference::exact_tensor& tensor) {
  reference::rational sum = 0;
  for (const reference::extended_rational& x : tensor.values) sum += x.value;
  return sum;
}

void require_finite_pair(const pooling_case& c, const reference::exact_tensor& grad_output) {
  RC_PRE(all_finite(c.input));
  RC_PRE(all_finite(grad_output));
  RC_PRE(grad_output.shape == pooled_shape_of(c));
}

// For each input position, the output positions whose argmax it is.
std::vector<std::vector<std::size_t>> choosers(const pooling_case& c,
                                               const reference::max_pool_result& forward) {
  std::vector<std::vector<std::size_t>> chosen_by(c.input.values.size());
  for_each_adaptive_window(c.input.shape, c.out_size, [&](const pooled_window& w) {
    const auto at =
        std::find(w.spatial_inputs.begin(), w.spatial_inputs.end(), forward.indices[w.output]);
    RC_ASSERT(at != w.spatial_inputs.end());
    chosen_by[w.inputs[static_cast<std::size_t>(at - w.spatial_inputs.begin())]].push_back(
        w.output);
  });
  return chosen_by;
}

}  // namespace

std::vector<std::int64_t> pooled_shape_of(const pooling_case& c) {
  return reference::adaptive_output_shape(c.input.shape, c.out_size);
}

void avg_backward_preserves_the_sum(const pooling_case& c,
                                    const reference::exact_tensor& grad_output) {
  require_finite_pair(c, grad_output);
  const reference::exact_tensor grad_input =
      reference::adaptive_avg_pool_backward(grad_output, c.input.shape, c.spatial_dims());
  RC_ASSERT(grad_input.shape == c.input.shape);
  RC_ASSERT(total(grad_input) == total(grad_output));
}

void avg_backward_is_the_adjoint(const pooling_case& c,
                                 const reference::exact_tensor& grad_output) {
  require_finite_pair(c, grad_output);
  const reference::exact_tensor pooled = reference::adaptive_avg_pool(c.input, c.out_size);
  const reference::exact_tensor grad_input =
      reference::adaptive_avg_pool_backward(grad_output, c.input.shape, c.spatial_dims());
  RC_ASSERT(dot(pooled, grad_output) == dot(c.input, grad_input));
}

void avg_backward_is_the_transpose(const pooling_case& c,
                                   const reference::exact_tensor& grad_output) {
  require_finite_pair(c, grad_output);
  std::vector<reference::rational> expected(c.input.values.size());
  for_each_adaptive_window(c.input.shape, c.out_size, [&](const pooled_window& w) {
    const reference::rational share =
        grad_output.values[w.output].value / static_cast<long>(w.inputs.size());
    for (std::size_t position : w.inputs) expected[position] += share;
  });
  const reference::exact_tensor grad_input =
      reference::adaptive_avg_pool_backward(grad_output, c.input.shape, c.spatial_dims());
  for (std::size_t p = 0; p < expected.size(); ++p) {
    RC_ASSERT(grad_input.values[p].is_finite());
    RC_ASSERT(grad_input.values[p].value == expected[p]);
  }
}

void max_gradient_lies_on_the_argmax(const pooling_case& c,
                                     const reference::exact_tensor& grad_output) {
  RC_PRE(all_finite(grad_output));
  RC_PRE(grad_output.shape == pooled_shape_of(c));
  const reference::max_pool_result forward = reference::adaptive_max_pool(c.input, c.out_size);
  const reference::exact_tensor grad_input = reference::adaptive_max_pool_backward(
      grad_output, forward.indices, c.input.shape, c.spatial_dims());
  const auto chosen_by = choosers(c, forward);
  for (std::size_t p = 0; p < chosen_by.size(); ++p) {
    const reference::extended_rational& gradient = grad_input.values[p];
    RC_ASSERT(gradient.is_finite());
    if (chosen_by[p].empty()) {
      RC_ASSERT(gradient == reference::extended_rational::finite(0));
      continue;
    }
    reference::rational expected = 0;
    for (std::size_t o : chosen_by[p]) expected += grad_output.values[o].value;
    RC_ASSERT(gradient.value == expected);
  }
}

void max_backward_is_the_adjoint_of_selection(const pooling_case& c,
                                              const reference::exact_tensor& grad_output) {
  require_finite_pair(c, grad_output);
  const reference::max_pool_result forward = reference::adaptive_max_pool(c.input, c.out_size);
  const reference::exact_tensor grad_input = reference::adaptive_max_pool_backward(
      grad_output, forward.indices, c.input.shape, c.spatial_dims());
  RC_ASSERT(dot(forward.values, grad_output) == dot(c.input, grad_input));
}

}  // namespace poolproof::properties

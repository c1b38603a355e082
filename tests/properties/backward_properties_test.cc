// RapidCheck runs of the backward properties: sums, adjointness, argmax placement.
#include <gtest/gtest.h>
#include <poolproof/properties/backward_properties.h>
#include <rapidcheck/gtest.h>

namespace poolproof::properties {
namespace {

// A finite output gradient for pooling case `c`, in the same format as its input.
reference::exact_tensor gradient_for(const pooling_case& c) {
  return *gen_tensor(pooled_shape_of(c), c.format, value_mix::finite);
}

RC_GTEST_PROP(BackwardProperties, AvgBackwardPreservesTheSum, ()) {
  const pooling_case c = *gen_pooling_case(value_mix::finite);
  avg_backward_preserves_the_sum(c, gradient_for(c));
}

RC_GTEST_PROP(BackwardProperties, AvgBackwardIsTheAdjoint, ()) {
  const pooling_case c = *gen_pooling_case(value_mix::finite);
  avg_backward_is_the_adjoint(c, gradient_for(c));
}

RC_GTEST_PROP(BackwardProperties, AvgBackwardIsTheTranspose, ()) {
  const pooling_case c = *gen_pooling_case(value_mix::finite);
  avg_backward_is_the_transpose(c, gradient_for(c));
}

RC_GTEST_PROP(BackwardProperties, MaxGradientLiesOnTheArgmax, ()) {
  const value_mix mix = *rc::gen::element(value_mix::specials, value_mix::ties);
  const pooling_case c = *gen_pooling_case(mix);
  max_gradient_lies_on_the_argmax(c, gradient_for(c));
}

RC_GTEST_PROP(BackwardProperties, MaxBackwardIsTheAdjointOfSelection, ()) {
  const pooling_case c = *gen_pooling_case(value_mix::finite);
  max_backward_is_the_adjoint_of_selection(c, gradient_for(c));
}

}  // namespace
}  // namespace poolproof::properties

// RapidCheck runs of the forward value properties on exact tensors of float bit patterns.
#include <gtest/gtest.h>
#include <poolproof/properties/value_properties.h>
#include <rapidcheck/gtest.h>

namespace poolproof::properties {
namespace {

RC_GTEST_PROP(ValueProperties, AvgLiesBetweenWindowExtremes, ()) {
  avg_lies_between_window_extremes(*gen_pooling_case(value_mix::finite));
}

RC_GTEST_PROP(ValueProperties, AvgIsLinear, ()) {
  const pooling_case c = *gen_pooling_case(value_mix::finite);
  const reference::exact_tensor y = *gen_tensor(c.input.shape, c.format, value_mix::finite);
  avg_is_linear(c, y, *gen_small_rational(), *gen_small_rational());
}

RC_GTEST_PROP(ValueProperties, AvgPreservesConstants, ()) {
  const pooling_case c = *gen_pooling_case(value_mix::finite);
  avg_preserves_constants(c, *gen_value(c.format, value_mix::specials));
}

RC_GTEST_PROP(ValueProperties, AvgFollowsIeeeSpecialRules, ()) {
  const value_mix mix = *rc::gen::element(value_mix::specials, value_mix::ties);
  avg_follows_ieee_special_rules(*gen_pooling_case(mix));
}

RC_GTEST_PROP(ValueProperties, DivisibleAvgPreservesTheMean, ()) {
  divisible_avg_preserves_the_mean(*gen_divisible_pooling_case(value_mix::finite));
}

RC_GTEST_PROP(ValueProperties, MaxIsAnElementAtTheReportedIndex, ()) {
  max_is_an_element_at_the_reported_index(*gen_pooling_case(value_mix::specials));
}

RC_GTEST_PROP(ValueProperties, MaxIndexFollowsTheTieAndNanRule, ()) {
  const value_mix mix = *rc::gen::element(value_mix::specials, value_mix::ties);
  max_index_follows_the_tie_and_nan_rule(*gen_pooling_case(mix));
}

RC_GTEST_PROP(ValueProperties, PoolingIsSeparable, ()) {
  const value_mix mix = *rc::gen::element(value_mix::specials, value_mix::ties);
  pooling_is_separable(*gen_pooling_case(mix, 2));
}

}  // namespace
}  // namespace poolproof::properties

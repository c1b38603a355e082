// RapidCheck runs of the fixed pooling properties, the seed's naive rule among them.
#include <gtest/gtest.h>
#include <poolproof/properties/fixed_pool_properties.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

namespace poolproof::properties {
namespace {

RC_GTEST_PROP(FixedPoolProperties, NaiveRuleMatchesExactlyWhenRemainderIsBelowTwo, ()) {
  naive_rule_matches_exactly_when_remainder_is_below_two(*gen_few_outputs_pair());
}

RC_GTEST_PROP(FixedPoolProperties, NaiveRuleIsInvalidWhenOutputExceedsInput, ()) {
  const std::int64_t n = *gen_size();
  const std::int64_t extra = *gen_size();
  naive_rule_is_invalid_when_output_exceeds_input({n, std::min(n + extra, reference::max_size)});
}

RC_GTEST_PROP(FixedPoolProperties, DivisibleFixedPoolingGivesAdaptiveValues, ()) {
  const value_mix mix = *rc::gen::element(value_mix::specials, value_mix::ties);
  divisible_fixed_pooling_gives_adaptive_values(*gen_divisible_pooling_case(mix));
}

RC_GTEST_PROP(FixedPoolProperties, FixedIndicesMatchTheTaps, (const fixed_pool_case& c)) {
  fixed_indices_match_the_taps(c);
}

RC_GTEST_PROP(FixedPoolProperties, FixedOutputSizeMatchesTheSearch, (const fixed_pool_case& c)) {
  fixed_output_size_matches_the_search(c);
}

RC_GTEST_PROP(FixedPoolProperties, FixedAvgDivisorCountsThePaddedExtent,
              (const fixed_pool_case& c)) {
  fixed_avg_divisor_counts_the_padded_extent(c);
}

RC_GTEST_PROP(FixedPoolProperties, FixedPoolMismatchAgreesWithTheTaps, (const fixed_pool_case& c)) {
  const std::int64_t count =
      std::max<std::int64_t>(reference::fixed_pool_output_size(c.in_size, c.params), 1);
  const std::int64_t out_size = *rc::gen::weightedOneOf<std::int64_t>(
      {{3, rc::gen::just(count)}, {1, rc::gen::inRange<std::int64_t>(1, 2 * c.in_size + 2)}});
  fixed_pool_mismatch_agrees_with_the_taps(c, out_size);
}

}  // namespace
}  // namespace poolproof::properties

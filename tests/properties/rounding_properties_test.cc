// Exhaustive and RapidCheck runs of the rounding properties in all four formats.
#include <gtest/gtest.h>
#include <poolproof/properties/rounding_properties.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace poolproof::properties {
namespace {

std::string first_failures(const std::vector<std::uint64_t>& failures) {
  std::string text = std::to_string(failures.size()) + " failing patterns, first:";
  for (std::size_t i = 0; i < failures.size() && i < 8; ++i)
    text += " " + std::to_string(failures[i]);
  return text;
}

TEST(RoundingProperties, Binary16RoundTripsExhaustively) {
  const auto failures = round_trip_failures(reference::float_format::binary16, 0, 0xFFFF);
  EXPECT_TRUE(failures.empty()) << first_failures(failures);
}

TEST(RoundingProperties, Bfloat16RoundTripsExhaustively) {
  const auto failures = round_trip_failures(reference::float_format::bfloat16, 0, 0xFFFF);
  EXPECT_TRUE(failures.empty()) << first_failures(failures);
}

RC_GTEST_PROP(RoundingProperties, Binary32PatternsRoundTrip, ()) {
  const reference::float_format format = reference::float_format::binary32;
  pattern_round_trips(
      format, *rc::gen::oneOf(gen_any_bits(format), gen_float_bits(format, value_mix::specials)));
}

RC_GTEST_PROP(RoundingProperties, Binary64PatternsRoundTrip, ()) {
  const reference::float_format format = reference::float_format::binary64;
  pattern_round_trips(
      format, *rc::gen::oneOf(gen_any_bits(format), gen_float_bits(format, value_mix::specials)));
}

RC_GTEST_PROP(RoundingProperties, RoundingMatchesHardwareDivision, ()) {
  const reference::float_format format =
      *rc::gen::element(reference::float_format::binary32, reference::float_format::binary64);
  const auto operand =
      rc::gen::oneOf(gen_any_bits(format), gen_float_bits(format, value_mix::finite));
  rounding_matches_hardware_division(format, *operand, *operand);
}

RC_GTEST_PROP(RoundingProperties, RoundingMatchesHardwareNarrowing, ()) {
  const reference::float_format format = reference::float_format::binary64;
  rounding_matches_hardware_narrowing(
      *rc::gen::oneOf(gen_any_bits(format), gen_float_bits(format, value_mix::specials)));
}

RC_GTEST_PROP(RoundingProperties, RoundingIsMonotone, (reference::float_format format)) {
  const reference::rational x = *gen_rational_near(format);
  const reference::rational y =
      *rc::gen::oneOf(gen_rational_near(format),
                      rc::gen::map(gen_small_rational(), [x](const reference::rational& t) {
                        return reference::rational(x + t * x / 64);
                      }));
  rounding_is_monotone(format, x, y);
}

RC_GTEST_PROP(RoundingProperties, TiesRoundToEven,
              (reference::float_format format, bool negative)) {
  ties_round_to_even(format, *gen_finite_magnitude_bits(format), negative);
}

RC_GTEST_PROP(RoundingProperties, RoundingIsNearest, (reference::float_format format)) {
  rounding_is_nearest(format, *gen_rational_near(format));
}

}  // namespace
}  // namespace poolproof::properties

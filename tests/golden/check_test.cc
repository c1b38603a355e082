// The in-memory checker (poolproof::golden's C++ API) on the committed suite.
#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/check.h>

#include "simulated_engine.h"

namespace poolproof::golden {
namespace {

loaded_case load(const std::string& name) { return load_case(POOLPROOF_GOLDEN_SUITE, name); }

candidate_result correct(const loaded_case& g) { return test::run_engine(g, {}); }

TEST(Check, TheExpectedFilesPassStrictly) {
  const loaded_case g = load("avg_2d_nd_float16");
  const candidate_result r{g.expected.shape, g.expected_bits, {}};
  const case_report report = check_result(g, r, {true, tie_rule::first});
  EXPECT_TRUE(report.passed) << report.message;
  EXPECT_EQ(report.elements, static_cast<std::int64_t>(g.expected_bits.size()));
}

TEST(Check, InMemoryFloatsFromAKernel) {
  const loaded_case g = load("seed_5_3_ramp_avg");
  const std::vector<float> good = {0.5F, 2.0F, 3.5F}, bad = {0.5F, 2.0F, 3.0F};
  EXPECT_TRUE(check_result(g, candidate_from_floats(good, g.expected.shape)).passed);
  const case_report report = check_result(g, candidate_from_floats(bad, g.expected.shape));
  EXPECT_FALSE(report.passed);
  ASSERT_TRUE(report.worst);
  EXPECT_EQ(report.worst->index, 2);
  EXPECT_EQ(report.worst->exact, "7/2");
  EXPECT_EQ(report.worst->candidate, "3");
}

// The largest float inside exact + bound passes, the next one up fails: the bound decides.
TEST(Check, TheBoundIsTheEdge) {
  const loaded_case g = load("avg_1d_nd_bfloat16");
  const std::size_t k = 5;
  const reference::rational edge = g.expected.elements[k].value.value + *g.expected.bounds[k].bound;
  std::uint64_t bits = g.expected_bits[k];
  const auto value = [&](std::uint64_t b) { return decode(g.problem.dtype, b); };
  const int step = value(bits).negative ? -1 : 1;  // walk towards larger values
  while (value(bits + static_cast<std::uint64_t>(step)).value <= edge)
    bits += static_cast<std::uint64_t>(step);
  candidate_result r = correct(g);
  r.bits[k] = bits;
  EXPECT_TRUE(check_result(g, r).passed);
  r.bits[k] = bits + static_cast<std::uint64_t>(step);
  const case_report report = check_result(g, r);
  EXPECT_FALSE(report.passed);
  EXPECT_EQ(report.failed_elements, 1);
  ASSERT_TRUE(report.worst && report.worst->bound_ulps);
  EXPECT_GT(*report.worst->error_ulps, *report.worst->bound_ulps - 1);
}

TEST(Check, MaxValuesAndIndicesAreExact) {
  const loaded_case g = load("max_3d_nd_float64");
  candidate_result r = correct(g);
  EXPECT_TRUE(check_result(g, r).passed);
  r.bits[3] += 1;
  EXPECT_FALSE(check_result(g, r).passed);
  r = correct(g);
  r.indices[0] += 1;
  const case_report report = check_result(g, r);
  EXPECT_FALSE(report.passed);
  EXPECT_EQ(report.worst->what, "index");
}

TEST(Check, NanAndInfinitiesMustMatch) {
  const loaded_case g = load("special_avg_1d_float32");
  candidate_result r = correct(g);
  ASSERT_TRUE(check_result(g, r).passed);
  ASSERT_TRUE(g.expected.elements[0].value.is_nan());
  r.bits[0] = 0x3f800000;  // 1.0 where NaN is due
  EXPECT_FALSE(check_result(g, r).passed);
  r = correct(g);
  ASSERT_TRUE(g.expected.elements[1].value.is_infinite());
  r.bits[1] = 0xff800000;  // -inf where +inf is due
  EXPECT_FALSE(check_result(g, r).passed);
}

TEST(Check, TiesAnyAcceptsOnlyMaximalIndices) {
  const loaded_case g = load("special_max_ties_2d_float64");
  candidate_result r =
      test::run_engine(g, {test::window_rule::adaptive, test::summation::exact, false, true});
  EXPECT_FALSE(check_result(g, r).passed);
  EXPECT_TRUE(check_result(g, r, {false, tie_rule::any}).passed);
  // An index outside the window is never maximal.
  r.indices[0] = 35;
  EXPECT_FALSE(check_result(g, r, {false, tie_rule::any}).passed);
}

TEST(Check, WrongShapesAreMalformedInput) {
  const loaded_case g = load("avg_backward_2d_up_float32");
  candidate_result r = correct(g);
  r.shape.back() += 1;
  EXPECT_THROW((void)check_result(g, r), common::input_error);
  r = correct(g);
  r.bits.pop_back();
  EXPECT_THROW((void)check_result(g, r), common::input_error);
}

TEST(Check, UnknownCaseIsMalformedInput) {
  EXPECT_THROW((void)load("no_such_case"), common::input_error);
}

}  // namespace
}  // namespace poolproof::golden

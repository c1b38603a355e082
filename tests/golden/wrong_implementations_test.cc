// The checker against candidates from deliberately wrong (and right) engines, on the committed
// suite: every wrong one must fail the cases that expose it, every right one must pass.
#include <gtest/gtest.h>
#include <poolproof/golden/check.h>

#include "sample.h"
#include "simulated_engine.h"

namespace poolproof::golden::test {
namespace {

const golden_manifest& manifest() {
  static const golden_manifest m = load_manifest(POOLPROOF_GOLDEN_SUITE);
  return m;
}

case_report run(const std::string& name, const engine_config& config,
                const check_options& options = {}) {
  const loaded_case golden = load_case(POOLPROOF_GOLDEN_SUITE, name);
  return check_result(golden, run_engine(golden, config), options);
}

// Every core case whose name contains `part` and is of dtype `dtype`.
std::vector<std::string> core_cases(const std::string& part, reference::float_format dtype) {
  std::vector<std::string> names;
  for (const golden_case& c : manifest().cases)
    if (c.tier == "core" && c.dtype == dtype && c.name.find(part) != std::string::npos)
      names.push_back(c.name);
  return names;
}

TEST(WrongImplementations, Float32IndexArithmeticFailsOnTheLargeAxis) {
  const engine_config wrong{window_rule::float32_index, summation::sequential, false, false};
  for (const char* name : {"large_avg_1d_100003_997_float32", "large_max_1d_100003_997_float32"}) {
    const case_report report = run(name, wrong);
    EXPECT_FALSE(report.passed) << name;
    EXPECT_GE(report.failed_elements, 1) << name;
  }
  // The same engine with integer windows passes: the failure is the index arithmetic.
  EXPECT_TRUE(run("large_avg_1d_100003_997_float32",
                  {window_rule::adaptive, summation::sequential, false, false})
                  .passed);
}

TEST(WrongImplementations, FloorForTheEndIndexFails) {
  for (const char* name : {"avg_1d_nd_float32", "max_2d_nd_bfloat16", "avg_backward_3d_nd_float16",
                           "max_backward_1d_up_float64", "seed_5_3_onehot_max"}) {
    EXPECT_FALSE(run(name, {window_rule::floor_end}).passed) << name;
  }
}

TEST(WrongImplementations, NaiveStrideRuleFailsWhereMDoesNotDivideN) {
  for (const char* name : {"seed_5_3_ramp_avg", "seed_10_4_ramp_max", "avg_2d_nd_float16",
                           "max_backward_3d_up_float32", "avg_1d_up_bfloat16"}) {
    EXPECT_FALSE(run(name, {window_rule::naive_stride}).passed) << name;
  }
  // m divides n: the naive rule is the adaptive one, and passes.
  for (const char* name : {"seed_6_3_ramp_avg", "avg_1d_div_float32", "max_2d_div_float64"})
    EXPECT_TRUE(run(name, {window_rule::naive_stride}).passed) << name;
}

TEST(WrongImplementations, LastElementTieRuleFailsUnlessAnyTieIsAccepted) {
  const engine_config last{window_rule::adaptive, summation::exact, false, true};
  for (const char* name : {"special_max_ties_2d_float32", "special_max_1d_bfloat16"}) {
    const case_report report = run(name, last);
    EXPECT_FALSE(report.passed) << name;
    ASSERT_TRUE(report.worst) << name;
    EXPECT_EQ(report.worst->what, "index") << name;
    EXPECT_TRUE(run(name, last, {false, tie_rule::any}).passed) << name;
  }
}

TEST(WrongImplementations, PairwiseFloat16AccumulationPasses) {
  const engine_config pairwise{window_rule::adaptive, summation::pairwise, false, false};
  const auto names = core_cases("avg", reference::float_format::binary16);
  ASSERT_GE(names.size(), 20U);
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (!in_sample(k)) continue;
    const std::string& name = names[k];
    const case_report report = run(name, pairwise);
    EXPECT_TRUE(report.passed) << name << ": " << report.message;
  }
}

TEST(RightImplementations, EverySummationOrderAndDivisionPassesTheCoreAvgCases) {
  for (reference::float_format dtype : reference::all_formats) {
    for (summation sum : {summation::sequential, summation::reversed, summation::pairwise,
                          summation::float32_accumulator}) {
      for (bool reciprocal : {false, true}) {
        for (const std::string& name : core_cases("avg", dtype)) {
          // time: the long cases once (bug_classes_test.cc runs every order on the bug classes')
          const bool long_case = name.starts_with("large") || name.starts_with("i32products") ||
                                 name.starts_with("f32bounds");
          if (long_case && sum != summation::sequential) continue;
          const case_report report = run(name, {window_rule::adaptive, sum, reciprocal, false});
          EXPECT_TRUE(report.passed) << name << ": " << report.message;
        }
      }
    }
  }
}

TEST(RightImplementations, TheCorrectlyRoundedEnginePassesEveryCaseStrictly) {
  for (std::size_t k = 0; k < manifest().cases.size(); ++k) {
    if (!in_sample(k)) continue;
    const golden_case& c = manifest().cases[k];
    const case_report report = run(c.name, {}, {true, tie_rule::first});
    EXPECT_TRUE(report.passed) << c.name << ": " << report.message;
  }
}

TEST(RightImplementations, RoundingEveryAdditionFailsStrictModeSomewhere) {
  // --strict demands 0 ulp: a correct but not correctly rounded float16 engine must fail it.
  // One failing case proves it; the loop stops there.
  bool failed = false;
  for (const std::string& name : core_cases("avg_", reference::float_format::binary16)) {
    failed = !run(name, {window_rule::adaptive, summation::sequential, false, false},
                  {true, tie_rule::first})
                  .passed;
    if (failed) break;
  }
  EXPECT_TRUE(failed);
}

}  // namespace
}  // namespace poolproof::golden::test

#include <gtest/gtest.h>
#include <poolproof/golden/cases.h>
#include <poolproof/golden/discrimination.h>

#include <map>
#include <set>

#include "sample.h"

namespace poolproof::golden {
namespace {

const case_spec& find(const std::vector<case_spec>& cases, const std::string& name) {
  for (const case_spec& c : cases)
    if (c.name == name) return c;
  throw std::runtime_error("no case " + name);
}

TEST(Cases, SuiteCoversDtypesRanksOpsAndTiers) {
  const std::vector<case_spec> cases = suite_cases();
  std::set<std::string> names;
  std::map<std::string, int> per_key;
  for (const case_spec& c : cases) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
    ++per_key[std::string(reference::format_name(c.dtype)) + "/" +
              std::to_string(c.spatial_dims()) + "/" + std::string(golden_op_name(c.op)) + "/" +
              c.tier];
  }
  for (reference::float_format f : reference::all_formats) {
    for (int dims = 1; dims <= 3; ++dims) {
      for (golden_op op : all_golden_ops) {
        EXPECT_GE((per_key[std::string(reference::format_name(f)) + "/" + std::to_string(dims) +
                           "/" + std::string(golden_op_name(op)) + "/core"]),
                  4);
      }
    }
    EXPECT_GE(per_key[std::string(reference::format_name(f)) + "/1/adaptive_max_pool/special"], 1);
  }
}

TEST(Cases, DrawingIsDeterministicAndSeeded) {
  const case_spec spec = find(suite_cases(), "avg_2d_nd_bfloat16");
  const pooling_problem a = draw_problem(spec, default_seed);
  const pooling_problem b = draw_problem(spec, default_seed);
  const pooling_problem c = draw_problem(spec, default_seed + 1);
  EXPECT_EQ(a.input.values, b.input.values);
  EXPECT_NE(a.input.values, c.input.values);
  EXPECT_EQ(a.input.shape, (std::vector<std::int64_t>{2, 2, 5, 7}));
}

TEST(Cases, TheSeedCaseGivesTheSeedAnswer) {
  const pooling_problem p = draw_problem(find(suite_cases(), "seed_5_3_ramp_avg"), default_seed);
  const expectation e = expect(p);
  ASSERT_EQ(e.elements.size(), 3U);
  EXPECT_EQ(to_string(e.elements[0].value), "1/2");
  EXPECT_EQ(to_string(e.elements[1].value), "2");
  EXPECT_EQ(to_string(e.elements[2].value), "7/2");
}

TEST(Discrimination, EveryCoreCaseDiscriminates) {
  std::size_t core = 0;
  for (const case_spec& spec : suite_cases()) {
    if (spec.tier != "core" || spec.name.starts_with("large") || !test::in_sample(core++)) continue;
    const pooling_problem p = draw_problem(spec, default_seed);
    const auto shift = find_undetected_shift(p, expect(p));
    EXPECT_FALSE(shift.has_value()) << spec.name << ": " << (shift ? describe(*shift) : "");
  }
}

TEST(Discrimination, ConstantInputsHideWindowBugs) {
  pooling_problem p = draw_problem(find(suite_cases(), "avg_1d_nd_float32"), default_seed);
  for (auto& x : p.input.values) x = reference::extended_rational::finite(3);
  const auto shift = find_undetected_shift(p, expect(p));
  ASSERT_TRUE(shift.has_value());
  EXPECT_EQ(describe(*shift), "axis 0 window 0 [0,3) -> [1,3)");
}

TEST(Discrimination, AnIncreasingInputAloneHidesMaxStarts) {
  pooling_problem p = draw_problem(find(suite_cases(), "seed_10_4_ramp_max"), default_seed);
  p.input.shape = {1, 10};
  p.input.values.resize(10);  // plane 0 only: the increasing ramp
  const auto shift = find_undetected_shift(p, expect(p));
  ASSERT_TRUE(shift.has_value());
  EXPECT_EQ(shift->shifted.end, shift->original.end);  // only a start shift goes unnoticed
}

TEST(Discrimination, LongBfloat16WindowsCannotDiscriminate) {
  // 64 -> 1 in bfloat16: the any-order bound of a 64-term sum is wider than one term's effect.
  case_spec spec{"long",
                 golden_op::adaptive_avg_pool,
                 "core",
                 {2, 64},
                 {1},
                 reference::float_format::bfloat16,
                 input_pattern::alternating};
  const pooling_problem p = draw_problem(spec, default_seed);
  EXPECT_TRUE(find_undetected_shift(p, expect(p)).has_value());
}

TEST(Discrimination, BackwardShiftsAreSeenThroughTheGradient) {
  pooling_problem p = draw_problem(find(suite_cases(), "avg_backward_1d_nd_float64"), default_seed);
  EXPECT_FALSE(find_undetected_shift(p, expect(p)).has_value());
  for (auto& g : p.grad_output.values) g = reference::extended_rational::finite(0);
  EXPECT_TRUE(find_undetected_shift(p, expect(p)).has_value());
}

}  // namespace
}  // namespace poolproof::golden

#include <gtest/gtest.h>
#include <poolproof/solver/report.h>

#include <nlohmann/json.hpp>

namespace poolproof::solver {
namespace {

equivalence_report report_for(std::vector<std::int64_t> in, std::vector<std::int64_t> out) {
  equivalence_report report{in, out, {}, {}};
  report.avg = prove_equivalence_nd(in, out, reference::pool_kind::avg, {});
  report.max = prove_equivalence_nd(in, out, reference::pool_kind::max, {});
  return report;
}

TEST(JsonReport, FiveToThreeCarriesBothWitnesses) {
  const auto json = nlohmann::json::parse(json_report(report_for({5}, {3})));
  EXPECT_EQ(json["avg"]["equivalent"], true);
  EXPECT_EQ(json["avg"]["witness"]["kernel"], 3);
  EXPECT_EQ(json["avg"]["witness"]["stride"], 2);
  EXPECT_EQ(json["avg"]["witness"]["padding"], 1);
  EXPECT_EQ(json["avg"]["witness"]["ceil_mode"], false);
  EXPECT_EQ(json["avg"]["witness"]["count_include_pad"], false);
  EXPECT_FALSE(json["avg"]["witness"].contains("dilation"));
  EXPECT_EQ(json["max"]["witness"]["dilation"], 1);
  EXPECT_FALSE(json["max"]["witness"].contains("count_include_pad"));
  EXPECT_EQ(json["exit_code"], 0);
}

TEST(JsonReport, RefutedSizesHaveNoWitness) {
  const equivalence_report report = report_for({10}, {4});
  const auto json = nlohmann::json::parse(json_report(report));
  EXPECT_EQ(json["avg"]["equivalent"], false);
  EXPECT_FALSE(json["avg"].contains("witness"));
  EXPECT_EQ(exit_code(report), 1);
}

TEST(JsonReport, NdWitnessListsOneValuePerAxis) {
  const auto json = nlohmann::json::parse(json_report(report_for({224, 224}, {7, 7})));
  EXPECT_EQ(json["avg"]["witness"]["kernel"], nlohmann::json::array({32, 32}));
  EXPECT_EQ(json["avg"]["axes"].size(), 2U);
}

TEST(JsonReport, UnknownIsNullWithExitThree) {
  equivalence_report report{{5}, {3}, {}, {}};
  solver_options starved;
  starved.resource_limit = 1;
  report.avg =
      prove_equivalence_nd(report.in_size, report.out_size, reference::pool_kind::avg, starved);
  report.max = prove_equivalence_nd(report.in_size, report.out_size, reference::pool_kind::max, {});
  const auto json = nlohmann::json::parse(json_report(report));
  EXPECT_TRUE(json["avg"]["equivalent"].is_null());
  EXPECT_EQ(exit_code(report), 3);
}

TEST(HumanReport, ShowsNaiveAndWitnessWindowsSideBySide) {
  const std::string text = human_report(report_for({5}, {3}), 16);
  EXPECT_NE(text.find("naive k=3 s=1 p=0"), std::string::npos) << text;
  EXPECT_NE(text.find("[0,3) /3 *"), std::string::npos) << text;  // naive window 0 differs
  EXPECT_NE(text.find("[0,2) /2"), std::string::npos) << text;
  EXPECT_NE(text.find("avg: EQUIVALENT  AvgPool1d(kernel_size=3, stride=2, padding=1, "
                      "ceil_mode=False, count_include_pad=False)"),
            std::string::npos)
      << text;
}

TEST(HumanReport, ElidesWindowsPastMaxRows) {
  const std::string text = human_report(report_for({4096}, {64}), 8);
  EXPECT_NE(text.find("(56 more windows)"), std::string::npos) << text;
  EXPECT_NE(text.find("    63  "), std::string::npos) << text;
}

}  // namespace
}  // namespace poolproof::solver

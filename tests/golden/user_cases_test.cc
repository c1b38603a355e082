// Cases at a user's own shapes (golden generate --case): parsing, bounded building, and that the
// checker fails wrong windows on them while right summation orders pass.
#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/check.h>
#include <poolproof/golden/user_cases.h>

#include <vector>

#include "io_test_util.h"
#include "sample.h"
#include "simulated_engine.h"

namespace poolproof::golden {
namespace {

TEST(UserCases, SpecGrammar) {
  const case_spec spec = parse_case_spec("adaptive_max_pool_backward:bfloat16:64x7x7:3x3");
  EXPECT_EQ(spec.name, "max_backward_bfloat16_64x7x7_3x3");
  EXPECT_EQ(spec.op, golden_op::adaptive_max_pool_backward);
  EXPECT_EQ(spec.dtype, reference::float_format::bfloat16);
  EXPECT_EQ(spec.input_shape, (std::vector<std::int64_t>{64, 7, 7}));
  EXPECT_EQ(spec.output_size, (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(spec.tier, "core");
  for (const char* bad :
       {"adaptive_avg_pool:float16:2x3x300x300", "avg:float16:2x3:7",
        "adaptive_avg_pool:float8:2x3:7", "adaptive_avg_pool:float16:2x0:7",
        "adaptive_avg_pool:float16:2x3:7x7",  // rank too small for 2-D
        "adaptive_avg_pool:float16:2x3:7:1", "adaptive_avg_pool:float16:2x3:-7"}) {
    io_test::expect_input_error([&] { (void)parse_case_spec(bad); }, "bad case spec");
  }
}

// Builds the case into a suite directory and loads it back as `golden check` would.
loaded_case built(const io_test::scratch_dir& dir, const std::string& text,
                  const user_case_options& options = {}) {
  const case_spec spec = parse_case_spec(text);
  (void)write_suite(dir.path() / "suite", 7, {spec},
                    [&](const case_spec& s) { return build_user_case(s, 7, options); });
  return load_case(dir.path() / "suite", spec.name);
}

// Every wrong window rule fails and every right summation order passes, on cases whose windows
// are long for their dtype (float16 windows of 43 x 43 = 1849 terms, where the suite's own
// patterns cannot discriminate) and in every op.
TEST(UserCases, WrongWindowsFailAndRightSumsPass) {
  using test::summation;
  using test::window_rule;
  const io_test::scratch_dir dir;
  const std::vector<const char*> texts = {"adaptive_avg_pool:float16:2x3x300x300:7x7",
                                          "adaptive_max_pool:float16:2x3x300x300:7x7",
                                          "adaptive_avg_pool_backward:bfloat16:2x64x37:5",
                                          "adaptive_max_pool_backward:bfloat16:4x37x5:5x3",
                                          "adaptive_avg_pool:bfloat16:2x20x20x20:3x3x3",
                                          "adaptive_avg_pool:float32:1x10:13"};
  const std::vector<summation> sums = {summation::exact, summation::sequential, summation::pairwise,
                                       summation::float32_accumulator};
  for (std::size_t t = 0; t < texts.size(); ++t) {
    const char* text = texts[t];
    const loaded_case golden = built(dir, text);
    for (window_rule wrong : {window_rule::floor_end, window_rule::naive_stride}) {
      EXPECT_FALSE(check_result(golden, test::run_engine(golden, {wrong})).passed) << text;
    }
    for (std::size_t s = 0; s < sums.size(); ++s) {
      // A sample takes a different order at each case (t + s), not always the first one.
      if (!test::in_sample(t + s)) continue;
      const summation sum = sums[s];
      const case_report report =
          check_result(golden, test::run_engine(golden, {window_rule::adaptive, sum}));
      EXPECT_TRUE(report.passed) << text << ": " << report.message;
    }
  }
}

TEST(UserCases, HugeResultsOmitTheExactFile) {
  const io_test::scratch_dir dir;
  user_case_options options;
  options.max_exact_elements = 100;
  std::vector<std::string> lines;
  options.progress = [&](std::string_view line) { lines.emplace_back(line); };
  const loaded_case golden = built(dir, "adaptive_avg_pool_backward:float32:3x40:7", options);
  EXPECT_FALSE(golden.entry.files.contains("exact"));  // 120 result elements > 100
  EXPECT_TRUE(check_result(golden, test::run_engine(golden, {})).passed);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "case avg_backward_float32_3x40_7: verified");
  EXPECT_TRUE(built(dir, "adaptive_avg_pool:float32:3x40:7").entry.files.contains("exact"));
}

TEST(UserCases, MaxNeedsTwoPlanes) {
  const io_test::scratch_dir dir;
  try {
    (void)built(dir, "adaptive_max_pool:float32:1x10:4");
    ADD_FAILURE() << "a one-plane max case cannot expose both window starts and ends";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("with N*C >= 2 planes"), std::string::npos);
  }
}

TEST(UserCases, TooManyLevelsForTheFormat) {
  const io_test::scratch_dir dir;
  // bfloat16 holds 32512 patterns from 1.0 up; 30000 -> 9000 needs about 4 levels per window.
  io_test::expect_input_error([&] { (void)built(dir, "adaptive_max_pool:bfloat16:2x30000:9000"); },
                              "distinct values needed");
}

}  // namespace
}  // namespace poolproof::golden

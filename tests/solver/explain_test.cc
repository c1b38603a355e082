#include <gtest/gtest.h>
#include <poolproof/solver/explain.h>

namespace poolproof::solver {
namespace {

not_equivalent refute(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                      const solver_options& options = {}) {
  return std::get<not_equivalent>(prove_equivalence(n, m, kind, options));
}

TEST(Explain, TenToFourNeedsNegativePadding) {
  const std::string why = explain_not_equivalent(10, 4, reference::pool_kind::avg,
                                                 refute(10, 4, reference::pool_kind::avg), {});
  EXPECT_NE(why.find("window 2 reads [5,8): 2*s - p = 5 and 2*s - p + k = 8"), std::string::npos)
      << why;
  EXPECT_NE(why.find("so stride = 2 and padding = -1, below 0"), std::string::npos) << why;
}

TEST(Explain, MaxMentionsTheDilatedBranchWhenItTakesPart) {
  const std::string why = explain_not_equivalent(10, 4, reference::pool_kind::max,
                                                 refute(10, 4, reference::pool_kind::max), {});
  EXPECT_NE(why.find("dilation >= 2"), std::string::npos) << why;
}

TEST(Explain, HugeSizesExplainFromTheRefinementWindows) {
  solver_options options;
  const not_equivalent refuted = refute(1'000'000'007, 999, reference::pool_kind::avg, options);
  const std::string why =
      explain_not_equivalent(1'000'000'007, 999, reference::pool_kind::avg, refuted, options);
  EXPECT_NE(why.find("not a whole number"), std::string::npos) << why;
}

TEST(Explain, StarvedSolverSaysSo) {
  solver_options starved;
  starved.resource_limit = 1;
  const std::string why = explain_not_equivalent(10, 4, reference::pool_kind::avg,
                                                 refute(10, 4, reference::pool_kind::avg), starved);
  EXPECT_NE(why.find("could not extract"), std::string::npos) << why;
}

}  // namespace
}  // namespace poolproof::solver

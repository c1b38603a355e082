#include <gtest/gtest.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/solver/equivalence.h>
#include <poolproof/solver/smt2_script.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace poolproof::solver {
namespace {

// Runs the packaged cvc5 binary on a script; returns (label, answer) per query, so its answers
// re-check Z3's with a second solver.
std::vector<std::pair<std::string, std::string>> cvc5_answers(const std::string& script) {
  // One file per test: ctest runs the tests of this binary in parallel processes.
  const std::string path = testing::TempDir() + "poolproof_cvc5_" +
                           testing::UnitTest::GetInstance()->current_test_info()->name() + ".smt2";
  std::ofstream(path) << script;
  FILE* pipe = popen(("cvc5 --incremental " + path + " 2>&1").c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::vector<std::pair<std::string, std::string>> answers;
  std::string label;
  std::array<char, 512> line{};
  while (pipe != nullptr && fgets(line.data(), line.size(), pipe) != nullptr) {
    std::string text(line.data());
    while (!text.empty() && (text.back() == '\n' || text.back() == '"')) text.pop_back();
    if (!text.empty() && text.front() == '"') label = text.substr(1);
    if (text == "sat" || text == "unsat" || text == "unknown") answers.emplace_back(label, text);
    if (text.find("error") != std::string::npos) ADD_FAILURE() << "cvc5: " << text;
  }
  if (pipe != nullptr) {
    EXPECT_EQ(pclose(pipe), 0);
  }
  return answers;
}

// Every query's cvc5 answer must be the one its label says certifies the verdict.
int expect_cvc5_certifies(std::int64_t n, std::int64_t m, const solver_options& options) {
  const std::vector<std::int64_t> in{n}, out{m};
  const std::vector<verdict> avg{prove_equivalence(n, m, reference::pool_kind::avg, options)};
  const std::vector<verdict> max{prove_equivalence(n, m, reference::pool_kind::max, options)};
  const auto answers = cvc5_answers(equivalence_script(in, out, avg, max, options));
  EXPECT_EQ(answers.size(), 2U) << n << " -> " << m;
  for (const auto& [label, answer] : answers) {
    EXPECT_NE(label.find("expect " + answer), std::string::npos)
        << label << ": cvc5 says " << answer;
    EXPECT_EQ(label.find("expect unknown"), std::string::npos) << label;
  }
  return static_cast<int>(answers.size());
}

// A sample of sat and unsat pairs, including m > n and divisible ones (where the dilated
// branch of the max query is live), through both the unrolled and the refinement path.
TEST(Smt2Script, Cvc5AgreesWithZ3OnASample) {
  const std::vector<std::pair<std::int64_t, std::int64_t>> pairs = {
      {5, 3}, {6, 3}, {10, 4}, {1, 3}, {3, 6}, {8, 32}, {7, 8}, {17, 9}, {29, 7}, {30, 4}, {1, 2}};
  solver_options refining;
  refining.max_unrolled_outputs = 0;
  int checked = 0;
  for (const auto& [n, m] : pairs) {
    checked += expect_cvc5_certifies(n, m, {});
    checked += expect_cvc5_certifies(n, m, refining);
  }
  EXPECT_EQ(checked, 44);
}

// The same per export family: each family's queries, sat and unsat, unrolled and refined.
TEST(Smt2Script, Cvc5AgreesWithZ3PerFamily) {
  const std::vector<std::pair<std::int64_t, std::int64_t>> pairs = {{5, 3}, {10, 4}, {1, 4},
                                                                    {3, 4}, {29, 7}, {6, 3}};
  solver_options refining;
  refining.max_unrolled_outputs = 0;
  int checked = 0;
  for (pool_family family : {pool_family::onnx, pool_family::tflite}) {
    for (const auto& [n, m] : pairs) {
      for (const solver_options& options : {solver_options{}, refining}) {
        const std::vector<std::int64_t> in{n}, out{m};
        const std::vector<verdict> avg{
            prove_equivalence(n, m, reference::pool_kind::avg, options, {}, family)};
        const std::vector<verdict> max{
            prove_equivalence(n, m, reference::pool_kind::max, options, {}, family)};
        const auto answers = cvc5_answers(equivalence_script(in, out, avg, max, options, family));
        EXPECT_EQ(answers.size(), 2U) << n << " -> " << m;
        for (const auto& [label, answer] : answers) {
          EXPECT_NE(label.find(pool_family_name(family)), std::string::npos) << label;
          EXPECT_NE(label.find("expect " + answer), std::string::npos)
              << label << ": cvc5 says " << answer;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 48);
}

TEST(Smt2Script, Cvc5CertifiesHugeSizes) {
  EXPECT_EQ(expect_cvc5_certifies(reference::max_size, reference::max_size - 1, {}), 2);
  EXPECT_EQ(expect_cvc5_certifies(1'000'000'007, 999, {}), 2);
  EXPECT_EQ(expect_cvc5_certifies(reference::max_size - 2, 3, {}), 2);
}

TEST(Smt2Script, LabelsEveryQuery) {
  const std::vector<std::int64_t> in{5, 6}, out{3, 3};
  const nd_verdict avg = prove_equivalence_nd(in, out, reference::pool_kind::avg, {});
  const nd_verdict max = prove_equivalence_nd(in, out, reference::pool_kind::max, {});
  const std::string script = equivalence_script(in, out, avg.axes, max.axes, {});
  EXPECT_EQ(script.find("(set-logic ALL)"), script.rfind("(set-logic"));
  EXPECT_NE(script.find("(echo \"axis 1 max: 6 -> 3, expect sat\")"), std::string::npos);
}

}  // namespace
}  // namespace poolproof::solver

#include "solver/smt2_script.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "solver/equivalence.h"

namespace poolproof {
namespace {

// Runs the packaged cvc5 binary on a script; its answers re-check Z3's with a second solver.
std::vector<std::string> cvc5_answers(const std::string& script) {
  const std::string path = testing::TempDir() + "poolproof_cvc5_query.smt2";
  std::ofstream(path) << script;
  FILE* pipe = popen(("cvc5 --incremental " + path + " 2>&1").c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::vector<std::string> answers;
  std::array<char, 512> line{};
  while (pipe != nullptr && fgets(line.data(), line.size(), pipe) != nullptr) {
    std::string text(line.data());
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (text == "sat" || text == "unsat" || text == "unknown") answers.push_back(text);
    if (text.find("error") != std::string::npos) ADD_FAILURE() << "cvc5: " << text;
  }
  if (pipe != nullptr) {
    EXPECT_EQ(pclose(pipe), 0);
  }
  return answers;
}

std::string as_smt2_answer(const verdict& v) {
  if (std::holds_alternative<equivalent>(v)) return "sat";
  return std::holds_alternative<not_equivalent>(v) ? "unsat" : "unknown";
}

// A sample of sat and unsat pairs, including m > n and divisible ones (where the dilated
// branch of the max query is live).
TEST(Smt2Script, Cvc5AgreesWithZ3OnASample) {
  const std::vector<std::pair<std::int64_t, std::int64_t>> pairs = {
      {5, 3}, {6, 3}, {10, 4}, {1, 3}, {3, 6}, {8, 32}, {7, 8}, {17, 9}, {29, 7}, {30, 4}, {1, 2}};
  int checked = 0;
  for (const auto& [n, m] : pairs) {
    const std::vector<std::int64_t> in{n}, out{m};
    const std::vector<std::string> answers = cvc5_answers(equivalence_script(in, out));
    ASSERT_EQ(answers.size(), 2U) << n << " -> " << m;
    EXPECT_EQ(answers[0], as_smt2_answer(prove_equivalence(n, m, pool_kind::avg, {})))
        << n << " -> " << m;
    EXPECT_EQ(answers[1], as_smt2_answer(prove_equivalence(n, m, pool_kind::max, {})))
        << n << " -> " << m;
    checked += 2;
  }
  EXPECT_EQ(checked, 22);
}

TEST(Smt2Script, LabelsEveryQuery) {
  const std::vector<std::int64_t> in{5, 6}, out{3, 3};
  const std::string script = equivalence_script(in, out);
  EXPECT_EQ(script.find("(set-logic ALL)"), script.rfind("(set-logic"));
  EXPECT_NE(script.find("(echo \"axis 1 max: 6 -> 3\")"), std::string::npos);
}

}  // namespace
}  // namespace poolproof

#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/solver/equivalence.h>
#include <poolproof/solver/smt2_script.h>

namespace poolproof::solver {
namespace {

// Each query carries its own (set-logic ...) line for standalone use; a multi-query script may
// state the logic once only, so the per-query line gives way to a shared ALL.
std::string without_logic_line(const std::string& query) {
  POOLPROOF_CHECK(query.rfind("(set-logic", 0) == 0);
  return query.substr(query.find('\n') + 1);
}

}  // namespace

std::string equivalence_script(std::span<const std::int64_t> in_sizes,
                               std::span<const std::int64_t> out_sizes,
                               std::span<const verdict> avg, std::span<const verdict> max,
                               const solver_options& options, pool_family family) {
  // An empty list is a kind that was not asked (--kind).
  POOLPROOF_CHECK(in_sizes.size() == out_sizes.size() &&
                  (avg.empty() || avg.size() == in_sizes.size()) &&
                  (max.empty() || max.size() == in_sizes.size()));
  std::string script =
      "; poolproof: the query behind each verdict of one prove_equivalence call.\n"
      "; Each block says which answer certifies the verdict: sat (a witness exists), unsat (no "
      "layer\n"
      "; fits these windows, or the witness differs from no window).\n"
      "(set-logic ALL)\n";
  for (std::size_t axis = 0; axis < in_sizes.size(); ++axis) {
    for (reference::pool_kind kind : {reference::pool_kind::avg, reference::pool_kind::max}) {
      const std::span<const verdict> answers = kind == reference::pool_kind::avg ? avg : max;
      if (answers.empty()) continue;
      const verdict& answer = answers[axis];
      const smt2_query query =
          equivalence_smt2(in_sizes[axis], out_sizes[axis], kind, answer, options, family);
      const std::string label =
          family == default_family
              ? reference::pool_kind_name(kind)
              : fmt::format("{} {}", pool_family_name(family), reference::pool_kind_name(kind));
      script += fmt::format("(echo \"axis {} {}: {} -> {}, expect {}\")\n(push 1)\n{}(pop 1)\n",
                            axis, label, in_sizes[axis], out_sizes[axis], query.expected,
                            without_logic_line(query.script));
    }
  }
  return script;
}

}  // namespace poolproof::solver

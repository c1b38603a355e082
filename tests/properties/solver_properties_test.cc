// RapidCheck runs of the solver properties, kept to small sizes (each solver call costs ms).
#include <gtest/gtest.h>
#include <poolproof/properties/solver_properties.h>
#include <rapidcheck/gtest.h>

namespace poolproof::properties {
namespace {

rc::Gen<reference::pool_kind> gen_kind() {
  return rc::gen::element(reference::pool_kind::avg, reference::pool_kind::max);
}

RC_GTEST_PROP(SolverProperties, WitnessReproducesTheWindows, ()) {
  solver_witness_reproduces_the_windows(*gen_small_size_pair(40), *gen_kind());
}

RC_GTEST_PROP(SolverProperties, AgreesWithTheBruteForceSearch, ()) {
  solver_agrees_with_the_brute_force_search(*gen_small_size_pair(12), *gen_kind());
}

RC_GTEST_PROP(SolverProperties, AcceptsWheneverTheNaiveRuleWorks, ()) {
  const std::int64_t m = *rc::gen::inRange<std::int64_t>(1, 21);
  const std::int64_t q = *rc::gen::inRange<std::int64_t>(1, 4);
  const std::int64_t r = *rc::gen::element<std::int64_t>(0, 1 % m);
  solver_accepts_whenever_the_naive_rule_works({q * m + r, m}, *gen_kind());
}

RC_GTEST_PROP(SolverProperties, ClosedFormWitnessReproducesTheWindows, ()) {
  closed_form_witness_reproduces_the_windows(*gen_few_outputs_pair(), *gen_kind());
}

RC_GTEST_PROP(SolverProperties, ClosedFormAgreesWithTheSolver, ()) {
  closed_form_agrees_with_the_solver(*gen_small_size_pair(40), *gen_kind());
}

// Sizes up to 2^62: Z3 (by refinement past 64 outputs) proves the theorem's answer and finds its
// witness as the least one.
RC_GTEST_PROP(SolverProperties, ClosedFormAgreesWithTheSolverAtAnySize, ()) {
  closed_form_agrees_with_the_solver(*gen_size_pair(), *gen_kind());
}

RC_GTEST_PROP(SolverProperties, ClosedFormIsTheLeastLayerInTheBox, ()) {
  closed_form_is_the_least_layer_in_the_box(*gen_small_size_pair(24), *gen_kind());
}

}  // namespace
}  // namespace poolproof::properties

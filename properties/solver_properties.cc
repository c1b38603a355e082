#include <poolproof/properties/brute_force.h>
#include <poolproof/properties/fixed_pool_properties.h>
#include <poolproof/properties/solver_properties.h>

#include <tuple>
#include <variant>

namespace poolproof::properties {
namespace {

// The witness of an equivalent verdict; the property fails on any other verdict.
reference::fixed_pool_params checked_witness(const solver::verdict& v, std::int64_t n,
                                             std::int64_t m, reference::pool_kind kind) {
  const auto* found = std::get_if<solver::equivalent>(&v);
  RC_ASSERT(found != nullptr);
  const auto& witness = std::get<reference::fixed_pool_params>(found->witness);
  reference::require_valid_params(witness, kind);
  RC_ASSERT(!reference::fixed_pool_mismatch(n, m, witness, kind).has_value());
  RC_ASSERT(!first_fixed_difference(n, m, witness, kind).has_value());
  return witness;
}

bool is_minimal(const solver::verdict& v) {
  const auto* found = std::get_if<solver::equivalent>(&v);
  return found != nullptr && found->minimal;
}

auto kernel_stride_padding(const reference::fixed_pool_params& params) {
  return std::tie(params.kernel, params.stride, params.padding);
}

}  // namespace

solver::solver_options property_solver_options() {
  solver::solver_options options;
  options.timeout_ms = 5000;
  return options;
}

void solver_witness_reproduces_the_windows(const size_pair& sizes, reference::pool_kind kind) {
  const solver::verdict v =
      solver::prove_equivalence(sizes.in_size, sizes.out_size, kind, property_solver_options());
  RC_ASSERT(solver::status_of(v) != solver::verdict_status::unknown);
  if (solver::status_of(v) == solver::verdict_status::equivalent)
    (void)checked_witness(v, sizes.in_size, sizes.out_size, kind);
}

void solver_agrees_with_the_brute_force_search(const size_pair& sizes, reference::pool_kind kind) {
  RC_PRE(sizes.in_size <= 12);
  const solver::verdict v =
      solver::prove_equivalence(sizes.in_size, sizes.out_size, kind, property_solver_options());
  const std::optional<reference::fixed_pool_params> least =
      least_witness_in_box(sizes.in_size, sizes.out_size, kind);
  RC_ASSERT(solver::status_of(v) ==
            (least ? solver::verdict_status::equivalent : solver::verdict_status::not_equivalent));
  if (!least) return;
  const reference::fixed_pool_params witness =
      checked_witness(v, sizes.in_size, sizes.out_size, kind);
  if (is_minimal(v)) {
    RC_ASSERT(kernel_stride_padding(witness) <= kernel_stride_padding(*least));
  }
}

void solver_accepts_whenever_the_naive_rule_works(const size_pair& sizes,
                                                  reference::pool_kind kind) {
  const std::int64_t n = sizes.in_size, m = sizes.out_size;
  RC_PRE(n >= m && n % m <= 1);
  const solver::verdict v = solver::prove_equivalence(n, m, kind, property_solver_options());
  const reference::fixed_pool_params witness = checked_witness(v, n, m, kind);
  if (is_minimal(v)) RC_ASSERT(witness.kernel <= naive_fixed_params(n, m).kernel);
}

void closed_form_witness_reproduces_the_windows(const size_pair& sizes, reference::pool_kind kind) {
  const solver::closed_form_answer answer =
      solver::closed_form(sizes.in_size, sizes.out_size, kind);
  RC_ASSERT(answer.witness.has_value() == (answer.branch != solver::closed_form_branch::none));
  if (!answer.witness) return;
  const auto& witness = std::get<reference::fixed_pool_params>(*answer.witness);
  reference::require_valid_params(witness, kind);
  const auto mismatch =
      reference::fixed_pool_mismatch(sizes.in_size, sizes.out_size, witness, kind);
  RC_ASSERT(!mismatch.has_value());
}

void closed_form_agrees_with_the_solver(const size_pair& sizes, reference::pool_kind kind) {
  const solver::closed_form_answer answer =
      solver::closed_form(sizes.in_size, sizes.out_size, kind);
  const solver::verdict v =
      solver::prove_equivalence(sizes.in_size, sizes.out_size, kind, property_solver_options());
  RC_ASSERT(solver::status_of(v) != solver::verdict_status::unknown);
  RC_ASSERT(answer.witness.has_value() ==
            (solver::status_of(v) == solver::verdict_status::equivalent));
  if (is_minimal(v)) RC_ASSERT(std::get<solver::equivalent>(v).witness == *answer.witness);
}

void closed_form_is_the_least_layer_in_the_box(const size_pair& sizes, reference::pool_kind kind) {
  RC_PRE(sizes.in_size <= 24);
  const solver::closed_form_answer answer =
      solver::closed_form(sizes.in_size, sizes.out_size, kind);
  const std::optional<reference::fixed_pool_params> least =
      least_witness_in_box(sizes.in_size, sizes.out_size, kind);
  RC_ASSERT(answer.witness.has_value() == least.has_value());
  if (least) {
    RC_ASSERT(kernel_stride_padding(std::get<reference::fixed_pool_params>(*answer.witness)) ==
              kernel_stride_padding(*least));
  }
}

}  // namespace poolproof::properties

#include "properties/solver_properties.h"

#include <tuple>
#include <variant>

#include "properties/brute_force.h"
#include "properties/fixed_pool_properties.h"

namespace poolproof {
namespace {

// The witness of an equivalent verdict; the property fails on any other verdict.
fixed_pool_params checked_witness(const verdict& v, std::int64_t n, std::int64_t m,
                                  pool_kind kind) {
  const auto* found = std::get_if<equivalent>(&v);
  RC_ASSERT(found != nullptr);
  require_valid_params(found->witness, kind);
  RC_ASSERT(!fixed_pool_mismatch(n, m, found->witness, kind).has_value());
  RC_ASSERT(!first_fixed_difference(n, m, found->witness, kind).has_value());
  return found->witness;
}

bool is_minimal(const verdict& v) {
  const auto* found = std::get_if<equivalent>(&v);
  return found != nullptr && found->minimal;
}

auto kernel_stride_padding(const fixed_pool_params& params) {
  return std::tie(params.kernel, params.stride, params.padding);
}

}  // namespace

solver_options property_solver_options() {
  solver_options options;
  options.timeout_ms = 5000;
  return options;
}

void solver_witness_reproduces_the_windows(const size_pair& sizes, pool_kind kind) {
  const verdict v =
      prove_equivalence(sizes.in_size, sizes.out_size, kind, property_solver_options());
  RC_ASSERT(status_of(v) != verdict_status::unknown);
  if (status_of(v) == verdict_status::equivalent)
    (void)checked_witness(v, sizes.in_size, sizes.out_size, kind);
}

void solver_agrees_with_the_brute_force_search(const size_pair& sizes, pool_kind kind) {
  RC_PRE(sizes.in_size <= 12);
  const verdict v =
      prove_equivalence(sizes.in_size, sizes.out_size, kind, property_solver_options());
  const std::optional<fixed_pool_params> least =
      least_witness_in_box(sizes.in_size, sizes.out_size, kind);
  RC_ASSERT(status_of(v) == (least ? verdict_status::equivalent : verdict_status::not_equivalent));
  if (!least) return;
  const fixed_pool_params witness = checked_witness(v, sizes.in_size, sizes.out_size, kind);
  if (is_minimal(v)) {
    RC_ASSERT(kernel_stride_padding(witness) <= kernel_stride_padding(*least));
  }
}

void solver_accepts_whenever_the_naive_rule_works(const size_pair& sizes, pool_kind kind) {
  const std::int64_t n = sizes.in_size, m = sizes.out_size;
  RC_PRE(n >= m && n % m <= 1);
  const verdict v = prove_equivalence(n, m, kind, property_solver_options());
  const fixed_pool_params witness = checked_witness(v, n, m, kind);
  if (is_minimal(v)) RC_ASSERT(witness.kernel <= naive_fixed_params(n, m).kernel);
}

void closed_form_witness_reproduces_the_windows(const size_pair& sizes, pool_kind kind) {
  const closed_form_answer answer = closed_form(sizes.in_size, sizes.out_size, kind);
  RC_ASSERT(answer.witness.has_value() == (answer.branch != closed_form_branch::none));
  if (!answer.witness) return;
  require_valid_params(*answer.witness, kind);
  const auto mismatch = fixed_pool_mismatch(sizes.in_size, sizes.out_size, *answer.witness, kind);
  RC_ASSERT(!mismatch.has_value());
}

void closed_form_agrees_with_the_solver(const size_pair& sizes, pool_kind kind) {
  const closed_form_answer answer = closed_form(sizes.in_size, sizes.out_size, kind);
  const verdict v =
      prove_equivalence(sizes.in_size, sizes.out_size, kind, property_solver_options());
  RC_ASSERT(status_of(v) != verdict_status::unknown);
  RC_ASSERT(answer.witness.has_value() == (status_of(v) == verdict_status::equivalent));
  if (is_minimal(v)) RC_ASSERT(std::get<equivalent>(v).witness == *answer.witness);
}

void closed_form_is_the_least_layer_in_the_box(const size_pair& sizes, pool_kind kind) {
  RC_PRE(sizes.in_size <= 24);
  const closed_form_answer answer = closed_form(sizes.in_size, sizes.out_size, kind);
  const std::optional<fixed_pool_params> least =
      least_witness_in_box(sizes.in_size, sizes.out_size, kind);
  RC_ASSERT(answer.witness.has_value() == least.has_value());
  if (least) RC_ASSERT(kernel_stride_padding(*answer.witness) == kernel_stride_padding(*least));
}

}  // namespace poolproof

// Properties of the Z3 equivalence prover, checked against the reference and a brute-force search.
#pragma once

#include <poolproof/properties/generators.h>
#include <poolproof/solver/closed_form.h>
#include <poolproof/solver/equivalence.h>

#include <cstdint>

namespace poolproof::properties {

/// Cheap solver budgets for the small sizes the properties use (each call takes 5-30 ms).
[[nodiscard]] solver::solver_options property_solver_options();

/// For small n, m the solver decides (never unknown), and an equivalent verdict's witness is a
/// valid layer that reproduces every window (and for avg every divisor) of n -> m, by the
/// reference's fixed_pool_mismatch and by tap-by-tap comparison.
void solver_witness_reproduces_the_windows(const size_pair& sizes, reference::pool_kind kind);

/// For n <= 12: the solver is equivalent exactly when least_witness_in_box finds a layer, and a
/// minimal witness is lexicographically no larger in (kernel, stride, padding) than that layer.
void solver_agrees_with_the_brute_force_search(const size_pair& sizes, reference::pool_kind kind);

/// When n >= m and n mod m <= 1 the naive rule works, so the solver reports equivalent with a
/// minimal witness whose kernel is at most the naive kernel n-(m-1)*(n//m).
void solver_accepts_whenever_the_naive_rule_works(const size_pair& sizes,
                                                  reference::pool_kind kind);

/// The closed form's witness, when it gives one, is a valid layer that reproduces adaptive pooling
/// n -> m by the reference; checked for few outputs and inputs up to 2^62.
void closed_form_witness_reproduces_the_windows(const size_pair& sizes, reference::pool_kind kind);

/// For small n, m the closed form and Z3 agree: a witness exactly when Z3 proves equivalent,
/// and then the same layer as Z3's minimal witness.
void closed_form_agrees_with_the_solver(const size_pair& sizes, reference::pool_kind kind);

/// For n <= 24 the closed form gives a witness exactly when least_witness_in_box finds a layer,
/// with the same (kernel, stride, padding).
void closed_form_is_the_least_layer_in_the_box(const size_pair& sizes, reference::pool_kind kind);

}  // namespace poolproof::properties

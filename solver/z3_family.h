// Private to solver/: what each export family adds to the Z3 encoding. A family supplies its
// unknowns, its parameter ranges and output count (with derived pads), and its preference
// order; the windows and divisors are encoded once, in z3_encoding.cc, from pad_begin/pad_end.
#pragma once

#include <poolproof/solver/equivalence.h>
#include <z3++.h>

#include <cstdint>
#include <vector>

namespace poolproof::solver::detail {

/// One axis's parameters as Z3 terms. Int, not BitVec: sizes reach 2^62 and products such as
/// m*s must not wrap. Window i's first tap is i*stride - pad_begin; the padded extent ends at
/// n + pad_end. auto_pad holds onnx_auto_pad's index (TFLite: same_upper is SAME, valid VALID).
struct unknowns {
  z3::expr kernel, stride, pad_begin, pad_end, dilation, ceil_mode, count_include_pad, auto_pad;
  pool_family family;
  reference::pool_kind kind;
};

/// Fresh unknowns of the family; what the family lacks is a constant (PyTorch: pad_end is
/// pad_begin; TFLite: dilation 1, no ceil_mode, no count_include_pad).
[[nodiscard]] unknowns declare(z3::context& ctx, pool_family family, reference::pool_kind kind);

/// The family's parameter ranges alone (kernel, stride, dilation, explicit pads).
[[nodiscard]] z3::expr layer_ranges(const unknowns& u);

/// The family's parameter ranges, shared flags, derived pads and "the layer has m outputs".
[[nodiscard]] z3::expr layer_is(const unknowns& u, std::int64_t n, std::int64_t m,
                                const shared_flags& flags);

/// layer_is without the ranges: the output count, auto_pad's domain and its derived pads.
[[nodiscard]] z3::expr layer_count_is(const unknowns& u, std::int64_t n, std::int64_t m);

/// An objective of the preference order and its least value.
struct objective {
  z3::expr value;
  std::int64_t least;
};

/// The family's preference order: kernel, stride, pads, then its defaults first.
[[nodiscard]] std::vector<objective> preference_order(const unknowns& u);

/// The same objectives' values for a concrete layer of the family on input size n (the bound of
/// a query); a kernel past 2^62 stands for "above every layer".
[[nodiscard]] std::vector<std::int64_t> preference_values(const family_params& layer,
                                                          reference::pool_kind kind,
                                                          std::int64_t in_size);

/// The layer a model assigns, in the family's own parameters.
[[nodiscard]] family_params read_layer(const z3::model& model, const unknowns& u);

}  // namespace poolproof::solver::detail

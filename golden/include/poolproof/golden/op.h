// The golden ops, each described once (describe): kind x pass, names, file roles and shapes.
// Every other golden file asks this description instead of re-deriving it from the enumerator.
#pragma once

#include <poolproof/reference/fixed_pool.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace poolproof::golden {

/// The ops. Adding one: its enumerator, its entry in describe and in all_golden_ops; the compiler
/// then names each switch over ops that still needs it (the reference call, the bound).
enum class golden_op {
  adaptive_avg_pool,
  adaptive_max_pool,
  adaptive_avg_pool_backward,
  adaptive_max_pool_backward
};

enum class op_pass { forward, backward };

/// Names of the file roles of a case in the manifest (golden/FORMAT.md, "Roles").
namespace role {
inline constexpr std::string_view input = "input";
inline constexpr std::string_view expected = "expected";
inline constexpr std::string_view indices = "indices";
inline constexpr std::string_view grad_output = "grad_output";
inline constexpr std::string_view expected_grad_input = "expected_grad_input";
inline constexpr std::string_view exact = "exact";
}  // namespace role

/// Every role a manifest may name.
inline constexpr std::array<std::string_view, 6> all_roles = {
    role::input, role::expected, role::indices, role::grad_output, role::expected_grad_input,
    role::exact};

/// One op: what it computes and which files describe it.
struct op_description {
  golden_op op;
  std::string_view name;        ///< in the manifest: "adaptive_avg_pool", ...
  std::string_view short_name;  ///< in case names: "avg", "max", "avg_backward", "max_backward"
  reference::pool_kind kind;
  op_pass pass;

  [[nodiscard]] constexpr bool avg() const { return kind == reference::pool_kind::avg; }
  [[nodiscard]] constexpr bool max() const { return kind == reference::pool_kind::max; }
  [[nodiscard]] constexpr bool backward() const { return pass == op_pass::backward; }
  /// Max forward: values and indices are exact (no rounding anywhere).
  [[nodiscard]] constexpr bool exact_result() const { return max() && !backward(); }
  /// The argmax of every forward output is part of the result (candidate file "indices").
  [[nodiscard]] constexpr bool returns_indices() const { return exact_result(); }
  /// The suite may store the argmax (role "indices"): every max op, forward and backward.
  [[nodiscard]] constexpr bool stores_indices() const { return max(); }

  /// The tensors the op reads: "input", plus "grad_output" for backward.
  [[nodiscard]] std::vector<std::string_view> input_roles() const;
  /// The correctly rounded result: "expected" (forward output) or "expected_grad_input".
  [[nodiscard]] constexpr std::string_view result_role() const {
    return backward() ? role::expected_grad_input : role::expected;
  }
  /// The roles every case of the op must have: input_roles() and result_role().
  [[nodiscard]] std::vector<std::string_view> required_roles() const;
  /// The candidate's files, as suffixes of "<case>.<suffix>.npy": "output" (+ "indices" for max
  /// forward) or "grad_input". The first holds the values, the second the int64 argmax.
  [[nodiscard]] std::vector<std::string_view> candidate_suffixes() const;
};

/// The table, as an exhaustive switch; nullopt for a value outside the enumeration.
[[nodiscard]] constexpr std::optional<op_description> find_description(golden_op op) {
  using enum golden_op;
  using reference::pool_kind;
  switch (op) {
    case adaptive_avg_pool:
      return op_description{op, "adaptive_avg_pool", "avg", pool_kind::avg, op_pass::forward};
    case adaptive_max_pool:
      return op_description{op, "adaptive_max_pool", "max", pool_kind::max, op_pass::forward};
    case adaptive_avg_pool_backward:
      return op_description{op, "adaptive_avg_pool_backward", "avg_backward", pool_kind::avg,
                            op_pass::backward};
    case adaptive_max_pool_backward:
      return op_description{op, "adaptive_max_pool_backward", "max_backward", pool_kind::max,
                            op_pass::backward};
  }
  return std::nullopt;
}

/// Every op, in enumeration order.
inline constexpr std::array<golden_op, 4> all_golden_ops = {
    golden_op::adaptive_avg_pool, golden_op::adaptive_max_pool,
    golden_op::adaptive_avg_pool_backward, golden_op::adaptive_max_pool_backward};

namespace detail {
[[nodiscard]] consteval bool all_golden_ops_is_the_enumeration() {
  for (std::size_t k = 0; k < all_golden_ops.size(); ++k) {
    if (static_cast<std::size_t>(all_golden_ops[k]) != k || !find_description(all_golden_ops[k]))
      return false;
  }
  return !find_description(static_cast<golden_op>(all_golden_ops.size())).has_value();
}
}  // namespace detail
static_assert(detail::all_golden_ops_is_the_enumeration(),
              "all_golden_ops must list every golden_op of find_description, in order");

/// The description of an op (precondition: a valid enumerator).
[[nodiscard]] constexpr op_description describe(golden_op op) { return *find_description(op); }

/// "adaptive_avg_pool", ... as written in the manifest.
[[nodiscard]] constexpr std::string_view golden_op_name(golden_op op) { return describe(op).name; }

/// The op named by golden_op_name, or nullopt.
[[nodiscard]] constexpr std::optional<golden_op> parse_golden_op(std::string_view name) {
  for (golden_op op : all_golden_ops) {
    if (golden_op_name(op) == name) return op;
  }
  return std::nullopt;
}

/// [N, C, *output_size] or [C, *output_size]: input_shape with its trailing output_size.size()
/// sizes replaced (the forward output's and grad_output's shape). Precondition: input_shape has
/// at least as many axes.
[[nodiscard]] std::vector<std::int64_t> forward_output_shape(
    std::span<const std::int64_t> input_shape, std::span<const std::int64_t> output_size);

/// The shape of the op's result (result_role and the candidate's values): the forward output
/// shape, or input_shape for backward ops.
[[nodiscard]] std::vector<std::int64_t> result_shape(golden_op op,
                                                     std::span<const std::int64_t> input_shape,
                                                     std::span<const std::int64_t> output_size);

}  // namespace poolproof::golden

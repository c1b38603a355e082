// Private to solver/: one export family (PyTorch, ONNX, TFLite, ...) behind one interface. Every
// place that needs something family-specific asks the family's unit (unit_of) for it; adding a
// family is one new unit plus one registration line (docs/adding_a_family.md).
#pragma once

#include <poolproof/reference/export_pool.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/closed_form.h>
#include <poolproof/solver/equivalence.h>
#include <poolproof/solver/family.h>
#include <z3++.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace poolproof::solver::detail {

/// One axis's parameters as Z3 terms. Int, not BitVec: sizes reach 2^62 and products such as
/// m*s must not wrap. Window i's first tap is i*stride - pad_begin; the padded extent ends at
/// n + pad_end. auto_pad holds onnx_auto_pad's index (TFLite: same_upper is SAME, valid VALID).
/// What a family lacks is a constant (PyTorch: pad_end is pad_begin; TFLite: dilation 1).
struct unknowns {
  z3::expr kernel, stride, pad_begin, pad_end, dilation, ceil_mode, count_include_pad, auto_pad;
  pool_family family;
  reference::pool_kind kind;
};

/// An objective of a family's preference order and its least value.
struct objective {
  z3::expr value;
  std::int64_t least;
};

/// Everything the solver, the reports and the CLI know about one family. The windows and
/// divisors themselves are encoded once (z3_encoding.cc) from the unknowns' pads; the family's
/// reference model (reference/fixed_pool.h, reference/export_pool.h) stays the specification
/// that every witness is re-checked against.
class family_unit {
 public:
  family_unit() = default;
  family_unit(const family_unit&) = delete;
  family_unit& operator=(const family_unit&) = delete;
  virtual ~family_unit() = default;

  // ---- names ----
  [[nodiscard]] virtual pool_family id() const = 0;
  /// The --target name and the JSON "target": "pytorch".
  [[nodiscard]] virtual const char* target_name() const = 0;
  /// The family in a headline: "PyTorch".
  [[nodiscard]] virtual const char* title() const = 0;
  /// The layers searched, with their ranges, as a refutation names them:
  /// "PyTorch AvgPool (kernel >= 1, ...)".
  [[nodiscard]] virtual std::string searched_layers(reference::pool_kind kind) const = 0;
  /// The ranges in the words of --explain's window demands (k, s, p).
  [[nodiscard]] virtual const char* explained_ranges() const = 0;
  /// What fixes the output count, as --explain names it.
  [[nodiscard]] virtual const char* output_count_rule() const = 0;

  // ---- parameters and the reference model ----
  /// Throws input_error where the layer lies outside the family.
  virtual void require_valid(const family_params& params, reference::pool_kind kind) const = 0;
  /// The layer's windows resolved by the family's reference model.
  [[nodiscard]] virtual reference::pool_geometry geometry(std::int64_t in_size,
                                                          const family_params& params,
                                                          reference::pool_kind kind) const = 0;
  /// The reference's first difference from adaptive n -> m (every window when `outputs` is
  /// empty, else the count and those outputs).
  [[nodiscard]] virtual std::optional<std::string> mismatch(
      std::int64_t in_size, std::int64_t out_size, const family_params& params,
      reference::pool_kind kind, std::span<const std::int64_t> outputs) const = 0;
  /// A bound above every layer of the family in its preference order (kernel past 2^62).
  [[nodiscard]] virtual family_params above_every_layer() const = 0;
  /// The shared-flag choices an N-D layer tries, the family's defaults first.
  [[nodiscard]] virtual std::vector<shared_flags> flag_choices(reference::pool_kind kind) const = 0;
  /// The rule people assume instead (PyTorch: stride n//m, kernel n-(m-1)*stride), shown beside
  /// the witness; `has_naive_rule` false leaves the column out.
  [[nodiscard]] virtual bool has_naive_rule() const { return false; }
  [[nodiscard]] virtual std::optional<family_params> naive_layer(std::int64_t /*in_size*/,
                                                                 std::int64_t /*out_size*/) const {
    return std::nullopt;
  }

  /// Layers whose windows on a gathered axis are back-to-back blocks of `kernel` (stride kernel,
  /// no overlap), the first / last block one shorter and read through one padded cell where
  /// `short_first` / `short_last` (avg divides by the inputs read). Candidates in the family's
  /// preference order; decompose() keeps the first that its reference model confirms.
  [[nodiscard]] virtual std::vector<family_params> block_layers(
      std::int64_t kernel, bool short_first, bool short_last, reference::pool_kind kind) const = 0;
  /// `active` with kernel 1, stride 1 and no pads: an axis a layer leaves alone, keeping the
  /// flags one layer shares across its axes.
  [[nodiscard]] virtual family_params untouched_axis(const family_params& active) const = 0;

  /// The framework's static data movement, as a decomposition's text names it: gather, concat,
  /// the keyword for the axis, and the tensor axis of spatial axis `d` (NCHW: d + 2; TF's NHWC:
  /// d + 1).
  struct data_movement {
    const char* gather;
    const char* concat;
    const char* axis_keyword;
    std::size_t first_spatial_axis;
  };
  [[nodiscard]] virtual data_movement movement() const = 0;

  // ---- the theorem (docs/theorem.md) ----
  [[nodiscard]] virtual closed_form_answer closed_form(std::int64_t in_size, std::int64_t out_size,
                                                       reference::pool_kind kind) const = 0;
  /// The branches the family's theorem has besides `none`, in the order a sweep counts them.
  [[nodiscard]] virtual std::span<const closed_form_branch> branches() const = 0;

  // ---- witness text ----
  /// One layer (one params per axis, sharing the family's flags) as that framework's own code.
  [[nodiscard]] virtual std::string layer_text(const std::vector<family_params>& axes,
                                               reference::pool_kind kind) const = 0;
  /// The same layer as JSON: per-axis numbers bare for 1-D, arrays for N-D.
  [[nodiscard]] virtual nlohmann::json layer_json(const std::vector<family_params>& axes,
                                                  reference::pool_kind kind) const = 0;
  /// The layer as the framework's own keyword arguments (nn.AvgPool2d(**call),
  /// onnx.helper.make_node(op, ..., **call), tf.nn.avg_pool(x, **call)).
  [[nodiscard]] virtual nlohmann::json call_json(const std::vector<family_params>& axes,
                                                 reference::pool_kind kind) const = 0;
  /// One axis's layer in one line for a picture: "kernel=3 stride=2 padding=1 ...".
  [[nodiscard]] virtual std::string axis_summary(const family_params& params,
                                                 reference::pool_kind kind) const = 0;

  // ---- the Z3 encoding ----
  /// Fresh unknowns, declared in the order kernel, stride, pads, ... (Z3's unsat cores depend
  /// on it).
  [[nodiscard]] virtual unknowns declare(z3::context& ctx, reference::pool_kind kind) const = 0;
  /// The parameter ranges alone (kernel, stride, dilation, explicit pads).
  [[nodiscard]] virtual z3::expr ranges(const unknowns& u) const = 0;
  /// The output count, with whatever the family derives from it (auto_pad's pads).
  [[nodiscard]] virtual z3::expr count_is(const unknowns& u, std::int64_t in_size,
                                          std::int64_t out_size) const = 0;
  /// The preference order: kernel, stride, pads, then the family's defaults first.
  [[nodiscard]] virtual std::vector<objective> preference_order(const unknowns& u) const = 0;
  /// The same objectives' values for a concrete layer on input size n; a kernel past 2^62
  /// stands for "above every layer".
  [[nodiscard]] virtual std::vector<std::int64_t> preference_values(const family_params& layer,
                                                                    reference::pool_kind kind,
                                                                    std::int64_t in_size) const = 0;
  /// The layer a model assigns, in the family's own parameters.
  [[nodiscard]] virtual family_params read_layer(const z3::model& model,
                                                 const unknowns& u) const = 0;
};

/// A family whose layers are `Params`, registered as `Id`: the variant's alternative `Id` must
/// be `Params` (a compile error otherwise).
template <typename Params, pool_family Id>
class typed_family_unit : public family_unit {
  static_assert(
      std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(Id), family_params>,
                     Params>,
      "family_params' alternative at the family's index must be its params type");

 public:
  [[nodiscard]] pool_family id() const final { return Id; }

 protected:
  static const Params& typed(const family_params& params) { return std::get<Params>(params); }
  static std::vector<Params> typed(const std::vector<family_params>& axes) {
    std::vector<Params> out;
    out.reserve(axes.size());
    for (const family_params& axis : axes) out.push_back(std::get<Params>(axis));
    return out;
  }
};

/// The unit of a family (solver/families/registry.cc).
[[nodiscard]] const family_unit& unit_of(pool_family family);

/// The unit of the family a layer belongs to.
[[nodiscard]] inline const family_unit& unit_of(const family_params& params) {
  return unit_of(family_of(params));
}

/// Every registered unit, in pool_family order.
[[nodiscard]] std::span<const family_unit* const> all_units();

}  // namespace poolproof::solver::detail

// The PyTorch family: torch.nn.AvgPool{1,2,3}d / MaxPool{1,2,3}d (reference/fixed_pool.h).
#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/fixed_pool.h>

#include <array>

#include "solver/families/axis_values.h"
#include "solver/families/family_unit.h"
#include "solver/families/z3_pool_terms.h"

namespace poolproof::solver::detail {
namespace {

using reference::fixed_pool_params;
using reference::pool_kind;

const char* python_bool(bool value) { return value ? "True" : "False"; }

fixed_pool_params layer(std::int64_t kernel, std::int64_t stride, std::int64_t padding,
                        bool count_include_pad) {
  fixed_pool_params params;
  params.kernel = kernel;
  params.stride = stride;
  params.padding = padding;
  params.count_include_pad = count_include_pad;
  return params;
}

// The theorem's three branches (docs/theorem.md), each with the least witness.
closed_form_answer pytorch_theorem(std::int64_t n, std::int64_t m, pool_kind kind) {
  if (n % m == 0) {
    // With one output the stride is never used, so the least one, 1, is the witness's.
    const std::int64_t stride = m == 1 ? 1 : n / m;
    return {closed_form_branch::divisible, layer(n / m, stride, 0, true)};
  }
  if (n > m && n % m == 1) {
    return {closed_form_branch::remainder_one, layer(n / m + 1, n / m, 0, true)};
  }
  if (n % m == m - 1) {
    // Both end windows lose one padded tap, so avg must not count the padding.
    const std::int64_t stride = n / m + 1;
    return {closed_form_branch::remainder_minus,
            layer(stride + 1, stride, 1, kind == pool_kind::max)};
  }
  return {};
}

class pytorch_unit final : public typed_family_unit<fixed_pool_params, pool_family::pytorch> {
 public:
  [[nodiscard]] const char* target_name() const override { return "pytorch"; }
  [[nodiscard]] const char* title() const override { return "PyTorch"; }

  [[nodiscard]] std::string searched_layers(pool_kind kind) const override {
    return kind == pool_kind::avg
               ? "PyTorch AvgPool (kernel >= 1, stride >= 1, 0 <= padding <= kernel/2, any "
                 "ceil_mode and count_include_pad)"
               : "PyTorch MaxPool (kernel >= 1, stride >= 1, 0 <= padding <= kernel/2, "
                 "dilation >= 1, any ceil_mode)";
  }
  [[nodiscard]] const char* explained_ranges() const override {
    return "kernel k >= 1, stride s >= 1, padding 0 <= p <= k/2";
  }
  [[nodiscard]] const char* output_count_rule() const override {
    return "PyTorch's pooling_output_shape";
  }

  void require_valid(const family_params& params, pool_kind kind) const override {
    reference::require_valid_params(typed(params), kind);
  }
  [[nodiscard]] reference::pool_geometry geometry(std::int64_t n, const family_params& params,
                                                  pool_kind kind) const override {
    const fixed_pool_params& p = typed(params);
    POOLPROOF_CHECK(!p.divisor_override);
    reference::pool_geometry g = reference::fixed_pool_geometry(n, p);
    g.divide_by_padded = kind == pool_kind::avg && p.count_include_pad;
    return g;
  }
  [[nodiscard]] std::optional<std::string> mismatch(
      std::int64_t n, std::int64_t m, const family_params& params, pool_kind kind,
      std::span<const std::int64_t> outputs) const override {
    return outputs.empty() ? reference::fixed_pool_mismatch(n, m, typed(params), kind)
                           : reference::fixed_pool_mismatch_at(n, m, typed(params), kind, outputs);
  }
  [[nodiscard]] family_params above_every_layer() const override {
    fixed_pool_params bound;
    bound.kernel = reference::max_size + 1;
    return bound;
  }
  [[nodiscard]] std::vector<shared_flags> flag_choices(pool_kind kind) const override {
    std::vector<shared_flags> choices;
    for (bool ceil_mode : {false, true}) {
      if (kind == pool_kind::max) {
        choices.push_back({ceil_mode, std::nullopt, std::nullopt});
        continue;
      }
      for (bool count_include_pad : {true, false})
        choices.push_back({ceil_mode, count_include_pad, std::nullopt});
    }
    return choices;
  }
  [[nodiscard]] bool has_naive_rule() const override { return true; }
  // stride = n//m, kernel = n-(m-1)*stride, padding 0: undefined for m > n.
  [[nodiscard]] std::optional<family_params> naive_layer(std::int64_t n,
                                                         std::int64_t m) const override {
    if (n / m == 0) return std::nullopt;
    fixed_pool_params params;
    params.stride = n / m;
    params.kernel = n - (m - 1) * params.stride;
    return params;
  }

  // PyTorch pads both sides alike: one padded cell each side serves a shorter first block (the
  // last block then ends at the input's end) or both.
  [[nodiscard]] std::vector<family_params> block_layers(std::int64_t kernel, bool short_first,
                                                        bool short_last,
                                                        pool_kind kind) const override {
    fixed_pool_params p = layer(kernel, kernel, short_first || short_last ? 1 : 0, false);
    p.count_include_pad = kind == pool_kind::max;
    return {p};
  }
  [[nodiscard]] data_movement movement() const override {
    return {"torch.index_select", "torch.cat", "dim", 2};
  }
  [[nodiscard]] family_params untouched_axis(const family_params& active) const override {
    fixed_pool_params p = typed(active);
    p.kernel = p.stride = p.dilation = 1;
    p.padding = 0;
    return p;
  }

  [[nodiscard]] closed_form_answer closed_form(std::int64_t n, std::int64_t m,
                                               pool_kind kind) const override {
    return pytorch_theorem(n, m, kind);
  }
  [[nodiscard]] std::span<const closed_form_branch> branches() const override {
    static constexpr std::array kBranches{closed_form_branch::divisible,
                                          closed_form_branch::remainder_one,
                                          closed_form_branch::remainder_minus};
    return kBranches;
  }

  // The layer as PyTorch code, ready to paste; ceil_mode and count_include_pad are one per layer.
  [[nodiscard]] std::string layer_text(const std::vector<family_params>& layer_axes,
                                       pool_kind kind) const override {
    const std::vector<fixed_pool_params> axes = typed(layer_axes);
    const fixed_pool_params& shared = axes.front();
    if (kind == pool_kind::avg) {
      return fmt::format(
          "AvgPool{}d(kernel_size={}, stride={}, padding={}, ceil_mode={}, count_include_pad={})",
          axes.size(), axis_tuple(axes, &fixed_pool_params::kernel),
          axis_tuple(axes, &fixed_pool_params::stride),
          axis_tuple(axes, &fixed_pool_params::padding), python_bool(shared.ceil_mode),
          python_bool(shared.count_include_pad));
    }
    return fmt::format(
        "MaxPool{}d(kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={})", axes.size(),
        axis_tuple(axes, &fixed_pool_params::kernel), axis_tuple(axes, &fixed_pool_params::stride),
        axis_tuple(axes, &fixed_pool_params::padding),
        axis_tuple(axes, &fixed_pool_params::dilation), python_bool(shared.ceil_mode));
  }
  [[nodiscard]] nlohmann::json layer_json(const std::vector<family_params>& layer_axes,
                                          pool_kind kind) const override {
    const std::vector<fixed_pool_params> axes = typed(layer_axes);
    nlohmann::json w = {{"kernel", axis_json(axes, &fixed_pool_params::kernel)},
                        {"stride", axis_json(axes, &fixed_pool_params::stride)},
                        {"padding", axis_json(axes, &fixed_pool_params::padding)},
                        {"ceil_mode", axes.front().ceil_mode}};
    if (kind == pool_kind::avg) w["count_include_pad"] = axes.front().count_include_pad;
    if (kind == pool_kind::max) w["dilation"] = axis_json(axes, &fixed_pool_params::dilation);
    return w;
  }
  [[nodiscard]] nlohmann::json call_json(const std::vector<family_params>& layer_axes,
                                         pool_kind kind) const override {
    const std::vector<fixed_pool_params> axes = typed(layer_axes);
    nlohmann::json call = {{"kernel_size", axis_json(axes, &fixed_pool_params::kernel)},
                           {"stride", axis_json(axes, &fixed_pool_params::stride)},
                           {"padding", axis_json(axes, &fixed_pool_params::padding)},
                           {"ceil_mode", axes.front().ceil_mode}};
    if (kind == pool_kind::avg) call["count_include_pad"] = axes.front().count_include_pad;
    if (kind == pool_kind::max) call["dilation"] = axis_json(axes, &fixed_pool_params::dilation);
    return call;
  }
  [[nodiscard]] std::string axis_summary(const family_params& params,
                                         pool_kind kind) const override {
    const fixed_pool_params& p = typed(params);
    if (kind == pool_kind::max) {
      return fmt::format("kernel={} stride={} padding={} dilation={} ceil_mode={}", p.kernel,
                         p.stride, p.padding, p.dilation, python_bool(p.ceil_mode));
    }
    return fmt::format("kernel={} stride={} padding={} ceil_mode={} count_include_pad={}", p.kernel,
                       p.stride, p.padding, python_bool(p.ceil_mode),
                       python_bool(p.count_include_pad));
  }

  [[nodiscard]] unknowns declare(z3::context& ctx, pool_kind kind) const override {
    // Declared in this order (kernel, stride, padding, ...): Z3's unsat cores depend on it.
    const z3::expr kernel = ctx.int_const("kernel");
    const z3::expr stride = ctx.int_const("stride");
    const z3::expr padding = ctx.int_const("padding");
    const z3::expr dilation = kind == pool_kind::max ? ctx.int_const("dilation") : ctx.int_val(1);
    const z3::expr ceil_mode = ctx.bool_const("ceil_mode");
    const z3::expr count_include_pad = ctx.bool_const("count_include_pad");
    return {kernel,
            stride,
            padding,
            padding,
            dilation,
            ceil_mode,
            count_include_pad,
            ctx.int_val(notset_index),
            pool_family::pytorch,
            kind};
  }
  [[nodiscard]] z3::expr ranges(const unknowns& u) const override {
    const z3::expr top = constant(u.kernel.ctx(), reference::max_size);
    // This order of terms keeps Z3's unsat cores (--explain) as they were before families.
    return u.kernel >= 1 && u.kernel <= top && u.stride >= 1 && u.stride <= top &&
           u.pad_begin >= 0 && 2 * u.pad_begin <= u.kernel && u.dilation >= 1 && u.dilation <= top;
  }
  [[nodiscard]] z3::expr count_is(const unknowns& u, std::int64_t n,
                                  std::int64_t m) const override {
    return explicit_count_is(u, n, m, true);
  }
  [[nodiscard]] std::vector<objective> preference_order(const unknowns& u) const override {
    std::vector<objective> order{{u.kernel, 1}, {u.stride, 1}};
    order.push_back({u.pad_begin, 0});
    order.push_back({flag(u.ceil_mode), 0});
    if (u.kind == pool_kind::max) {
      order.push_back({u.dilation, 1});
    } else {
      // PyTorch's default counts the padding: count_include_pad=True first.
      order.push_back({flag(!u.count_include_pad), 0});
    }
    return order;
  }
  [[nodiscard]] std::vector<std::int64_t> preference_values(const family_params& layer,
                                                            pool_kind kind,
                                                            std::int64_t /*n*/) const override {
    const fixed_pool_params& p = typed(layer);
    return {p.kernel, p.stride, p.padding, p.ceil_mode ? 1 : 0,
            kind == pool_kind::max ? p.dilation : (p.count_include_pad ? 0 : 1)};
  }
  [[nodiscard]] family_params read_layer(const z3::model& model, const unknowns& u) const override {
    const auto value = [&](const z3::expr& e) { return model.eval(e, true).get_numeral_int64(); };
    const auto truth = [&](const z3::expr& e) { return model.eval(e, true).is_true(); };
    // Max has no count_include_pad: report PyTorch's default.
    return fixed_pool_params{
        value(u.kernel),    value(u.stride),
        value(u.pad_begin), value(u.dilation),
        truth(u.ceil_mode), u.kind != pool_kind::avg || truth(u.count_include_pad),
        std::nullopt};
  }
};

}  // namespace

const family_unit& pytorch_family() {
  static const pytorch_unit unit;
  return unit;
}

}  // namespace poolproof::solver::detail

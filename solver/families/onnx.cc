// The ONNX family: AveragePool / MaxPool as the operator spec defines them (export_pool.h).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/export_pool.h>

#include <array>

#include "solver/families/axis_values.h"
#include "solver/families/family_unit.h"
#include "solver/families/z3_pool_terms.h"

namespace poolproof::solver::detail {
namespace {

using reference::onnx_auto_pad;
using reference::onnx_pool_params;
using reference::pool_kind;

onnx_pool_params onnx_layer(std::int64_t kernel, std::int64_t stride, std::int64_t pad_begin,
                            std::int64_t pad_end, bool ceil_mode) {
  onnx_pool_params params;
  params.kernel = kernel;
  params.stride = stride;
  params.pad_begin = pad_begin;
  params.pad_end = pad_end;
  params.ceil_mode = ceil_mode;
  return params;
}

// ONNX lists every axis's begin pad, then every axis's end pad.
std::vector<std::int64_t> onnx_pads(const std::vector<onnx_pool_params>& axes) {
  std::vector<std::int64_t> pads = axis_values(axes, &onnx_pool_params::pad_begin);
  for (const onnx_pool_params& axis : axes) pads.push_back(axis.pad_end);
  return pads;
}

class onnx_unit final : public typed_family_unit<onnx_pool_params, pool_family::onnx> {
 public:
  [[nodiscard]] const char* target_name() const override { return "onnx"; }
  [[nodiscard]] const char* title() const override { return "ONNX"; }

  [[nodiscard]] std::string searched_layers(pool_kind kind) const override {
    const bool avg = kind == pool_kind::avg;
    return std::string(avg ? "ONNX AveragePool" : "ONNX MaxPool") +
           " (kernel >= 1, stride >= 1, pads 0 <= begin, end < kernel" +
           (avg ? "" : ", dilation >= 1") + ", any ceil_mode" +
           (avg ? " and count_include_pad" : "") + "; or auto_pad SAME_UPPER, SAME_LOWER, VALID)";
  }
  [[nodiscard]] const char* explained_ranges() const override {
    return "kernel k >= 1, stride s >= 1, pads 0 <= p, q < k (or derived by auto_pad)";
  }
  [[nodiscard]] const char* output_count_rule() const override {
    return "the family's output size rule";
  }

  void require_valid(const family_params& params, pool_kind kind) const override {
    reference::require_valid_onnx_params(typed(params), kind);
  }
  [[nodiscard]] reference::pool_geometry geometry(std::int64_t n, const family_params& params,
                                                  pool_kind kind) const override {
    return reference::onnx_pool_geometry(n, typed(params), kind);
  }
  [[nodiscard]] std::optional<std::string> mismatch(
      std::int64_t n, std::int64_t m, const family_params& params, pool_kind kind,
      std::span<const std::int64_t> outputs) const override {
    return reference::onnx_pool_mismatch(n, m, typed(params), kind, outputs);
  }
  [[nodiscard]] family_params above_every_layer() const override {
    onnx_pool_params bound;
    bound.kernel = reference::max_size + 1;
    return bound;
  }
  [[nodiscard]] std::vector<shared_flags> flag_choices(pool_kind kind) const override {
    using enum onnx_auto_pad;
    std::vector<shared_flags> choices;
    for (onnx_auto_pad auto_pad : {notset, same_upper, same_lower, valid}) {
      for (bool ceil_mode : {false, true}) {
        if (ceil_mode && auto_pad != notset) continue;
        for (bool count_include_pad : {false, true}) {
          if (kind == pool_kind::max && count_include_pad) continue;
          choices.push_back({ceil_mode, count_include_pad, auto_pad});
        }
      }
    }
    return choices;
  }

  [[nodiscard]] std::vector<family_params> block_layers(std::int64_t kernel, bool short_first,
                                                        bool short_last,
                                                        pool_kind /*kind*/) const override {
    return {onnx_layer(kernel, kernel, short_first ? 1 : 0, short_last ? 1 : 0, false)};
  }
  [[nodiscard]] data_movement movement() const override { return {"Gather", "Concat", "axis", 2}; }
  [[nodiscard]] family_params untouched_axis(const family_params& active) const override {
    onnx_pool_params p = typed(active);
    p.kernel = p.stride = p.dilation = 1;
    p.pad_begin = p.pad_end = 0;
    return p;
  }

  // PyTorch's branches with pads (begin, end) and the n = 1 branch; never counting padding.
  [[nodiscard]] closed_form_answer closed_form(std::int64_t n, std::int64_t m,
                                               pool_kind kind) const override {
    const closed_form_answer pytorch = unit_of(pool_family::pytorch).closed_form(n, m, kind);
    if (pytorch.branch == closed_form_branch::none) {
      if (n != 1) return {};
      return {closed_form_branch::input_one, onnx_layer(m, 1, m - 1, m - 1, false)};
    }
    const auto& p = std::get<reference::fixed_pool_params>(*pytorch.witness);
    if (pytorch.branch != closed_form_branch::remainder_minus) {
      return {pytorch.branch, onnx_layer(p.kernel, p.stride, 0, 0, false)};
    }
    // n = q*m - 1: with q >= 2 the last window's raw end n + 1 is one past n, so pads (1, 0)
    // reach m outputs only by ceil_mode; with q = 1 (m = n + 1) the end pad is needed.
    const bool q_is_one = p.stride == 1;
    return {pytorch.branch, onnx_layer(p.kernel, p.stride, 1, q_is_one ? 1 : 0, !q_is_one)};
  }
  [[nodiscard]] std::span<const closed_form_branch> branches() const override {
    static constexpr std::array kBranches{
        closed_form_branch::divisible, closed_form_branch::remainder_one,
        closed_form_branch::remainder_minus, closed_form_branch::input_one};
    return kBranches;
  }

  [[nodiscard]] std::string layer_text(const std::vector<family_params>& layer_axes,
                                       pool_kind kind) const override {
    const std::vector<onnx_pool_params> axes = typed(layer_axes);
    const onnx_pool_params& shared = axes.front();
    std::string text = fmt::format(
        "{}(kernel_shape={}, strides={}", kind == pool_kind::avg ? "AveragePool" : "MaxPool",
        axis_list(axes, &onnx_pool_params::kernel), axis_list(axes, &onnx_pool_params::stride));
    if (shared.auto_pad == onnx_auto_pad::notset) {
      text += fmt::format(", pads=[{}], ceil_mode={}", fmt::join(onnx_pads(axes), ", "),
                          shared.ceil_mode ? 1 : 0);
    } else {
      text += fmt::format(", auto_pad={}", reference::onnx_auto_pad_name(shared.auto_pad));
    }
    if (kind == pool_kind::avg) {
      return text + fmt::format(", count_include_pad={})", shared.count_include_pad ? 1 : 0);
    }
    return text + fmt::format(", dilations={})", axis_list(axes, &onnx_pool_params::dilation));
  }
  [[nodiscard]] nlohmann::json layer_json(const std::vector<family_params>& layer_axes,
                                          pool_kind kind) const override {
    const std::vector<onnx_pool_params> axes = typed(layer_axes);
    const onnx_pool_params& shared = axes.front();
    nlohmann::json w = {{"kernel", axis_json(axes, &onnx_pool_params::kernel)},
                        {"stride", axis_json(axes, &onnx_pool_params::stride)},
                        {"pads", onnx_pads(axes)},
                        {"auto_pad", reference::onnx_auto_pad_name(shared.auto_pad)},
                        {"ceil_mode", shared.ceil_mode}};
    if (kind == pool_kind::avg) {
      w["count_include_pad"] = shared.count_include_pad;
    } else {
      w["dilation"] = axis_json(axes, &onnx_pool_params::dilation);
    }
    return w;
  }
  [[nodiscard]] nlohmann::json call_json(const std::vector<family_params>& layer_axes,
                                         pool_kind kind) const override {
    const std::vector<onnx_pool_params> axes = typed(layer_axes);
    const onnx_pool_params& shared = axes.front();
    nlohmann::json call = {{"kernel_shape", axis_values(axes, &onnx_pool_params::kernel)},
                           {"strides", axis_values(axes, &onnx_pool_params::stride)}};
    if (shared.auto_pad == onnx_auto_pad::notset) {
      call["pads"] = onnx_pads(axes);
      call["ceil_mode"] = shared.ceil_mode ? 1 : 0;
    } else {
      call["auto_pad"] = reference::onnx_auto_pad_name(shared.auto_pad);
    }
    if (kind == pool_kind::avg) {
      call["count_include_pad"] = shared.count_include_pad ? 1 : 0;
    } else {
      call["dilations"] = axis_values(axes, &onnx_pool_params::dilation);
    }
    return call;
  }
  [[nodiscard]] std::string axis_summary(const family_params& params,
                                         pool_kind kind) const override {
    const onnx_pool_params& p = typed(params);
    std::string text = fmt::format("kernel_shape={} strides={}", p.kernel, p.stride);
    text += p.auto_pad == onnx_auto_pad::notset
                ? fmt::format(" pads=({}, {}) ceil_mode={}", p.pad_begin, p.pad_end,
                              p.ceil_mode ? 1 : 0)
                : fmt::format(" auto_pad={}", reference::onnx_auto_pad_name(p.auto_pad));
    return text + (kind == pool_kind::avg
                       ? fmt::format(" count_include_pad={}", p.count_include_pad ? 1 : 0)
                       : fmt::format(" dilations={}", p.dilation));
  }

  [[nodiscard]] unknowns declare(z3::context& ctx, pool_kind kind) const override {
    // Declared in this order (kernel, stride, pads, ...): Z3's unsat cores depend on it.
    const z3::expr kernel = ctx.int_const("kernel");
    const z3::expr stride = ctx.int_const("stride");
    const z3::expr pad_begin = ctx.int_const("pad_begin");
    const z3::expr pad_end = ctx.int_const("pad_end");
    const z3::expr dilation = kind == pool_kind::max ? ctx.int_const("dilation") : ctx.int_val(1);
    const z3::expr ceil_mode = ctx.bool_const("ceil_mode");
    const z3::expr count_include_pad = ctx.bool_const("count_include_pad");
    const z3::expr auto_pad = ctx.int_const("auto_pad");
    return {kernel,
            stride,
            pad_begin,
            pad_end,
            dilation,
            ceil_mode,
            count_include_pad,
            auto_pad,
            pool_family::onnx,
            kind};
  }
  [[nodiscard]] z3::expr ranges(const unknowns& u) const override { return export_ranges(u); }
  [[nodiscard]] z3::expr count_is(const unknowns& u, std::int64_t n,
                                  std::int64_t m) const override {
    return u.auto_pad >= notset_index && u.auto_pad <= valid_index &&
           auto_pad_layer(u, n, m, false);
  }
  [[nodiscard]] std::vector<objective> preference_order(const unknowns& u) const override {
    std::vector<objective> order{{u.kernel, 1}, {u.stride, 1}};
    order.push_back({u.pad_begin, 0});
    order.push_back({u.pad_end, 0});
    order.push_back({flag(u.ceil_mode), 0});
    order.push_back({u.auto_pad, 0});
    if (u.kind == pool_kind::max) {
      order.push_back({u.dilation, 1});
    } else {
      // ONNX's default does not count the padding: count_include_pad=0 first.
      order.push_back({flag(u.count_include_pad), 0});
    }
    return order;
  }
  [[nodiscard]] std::vector<std::int64_t> preference_values(const family_params& layer,
                                                            pool_kind kind,
                                                            std::int64_t n) const override {
    const onnx_pool_params& o = typed(layer);
    // The bound's pads as its geometry has them (auto_pad derives them from n); a kernel past
    // 2^62 marks "above every layer" and has no geometry.
    const bool real = o.kernel <= reference::max_size;
    const reference::pool_geometry g =
        real ? reference::onnx_pool_geometry(n, o, kind) : reference::pool_geometry{};
    return {o.kernel,
            o.stride,
            real ? g.pad_begin : 0,
            real ? g.pad_end : 0,
            o.ceil_mode ? 1 : 0,
            static_cast<std::int64_t>(o.auto_pad),
            kind == pool_kind::max ? o.dilation : (o.count_include_pad ? 1 : 0)};
  }
  [[nodiscard]] family_params read_layer(const z3::model& model, const unknowns& u) const override {
    const auto value = [&](const z3::expr& e) { return model.eval(e, true).get_numeral_int64(); };
    const auto truth = [&](const z3::expr& e) { return model.eval(e, true).is_true(); };
    const auto auto_pad = static_cast<onnx_auto_pad>(value(u.auto_pad));
    const bool explicit_pads = auto_pad == onnx_auto_pad::notset;
    return onnx_pool_params{value(u.kernel),
                            value(u.stride),
                            explicit_pads ? value(u.pad_begin) : 0,
                            explicit_pads ? value(u.pad_end) : 0,
                            value(u.dilation),
                            auto_pad,
                            truth(u.ceil_mode),
                            u.kind == pool_kind::avg && truth(u.count_include_pad)};
  }
};

}  // namespace

const family_unit& onnx_family() {
  static const onnx_unit unit;
  return unit;
}

}  // namespace poolproof::solver::detail

// The TFLite family: AVERAGE_POOL_2D / MAX_POOL_2D (tf.nn.avg_pool / max_pool) with SAME or VALID
// padding (export_pool.h).
#include <fmt/format.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/export_pool.h>

#include <array>

#include "solver/families/axis_values.h"
#include "solver/families/family_unit.h"
#include "solver/families/z3_pool_terms.h"

namespace poolproof::solver::detail {
namespace {

using reference::pool_kind;
using reference::tflite_padding;
using reference::tflite_pool_params;

class tflite_unit final : public typed_family_unit<tflite_pool_params, pool_family::tflite> {
 public:
  [[nodiscard]] const char* target_name() const override { return "tflite"; }
  [[nodiscard]] const char* title() const override { return "TFLite"; }

  [[nodiscard]] std::string searched_layers(pool_kind kind) const override {
    return std::string(kind == pool_kind::avg ? "TFLite AVERAGE_POOL_2D" : "TFLite MAX_POOL_2D") +
           " (kernel >= 1, stride >= 1, padding SAME or VALID)";
  }
  [[nodiscard]] const char* explained_ranges() const override {
    return "kernel k >= 1, stride s >= 1, p the SAME padding before (0 for VALID)";
  }
  [[nodiscard]] const char* output_count_rule() const override {
    return "the family's output size rule";
  }

  void require_valid(const family_params& params, pool_kind /*kind*/) const override {
    reference::require_valid_tflite_params(typed(params));
  }
  [[nodiscard]] reference::pool_geometry geometry(std::int64_t n, const family_params& params,
                                                  pool_kind /*kind*/) const override {
    return reference::tflite_pool_geometry(n, typed(params));
  }
  [[nodiscard]] std::optional<std::string> mismatch(
      std::int64_t n, std::int64_t m, const family_params& params, pool_kind kind,
      std::span<const std::int64_t> outputs) const override {
    return reference::tflite_pool_mismatch(n, m, typed(params), kind, outputs);
  }
  [[nodiscard]] family_params above_every_layer() const override {
    tflite_pool_params bound;
    bound.kernel = reference::max_size + 1;
    return bound;
  }
  // SAME rides on shared_flags' auto_pad as same_upper, VALID as valid; TF's default first.
  [[nodiscard]] std::vector<shared_flags> flag_choices(pool_kind /*kind*/) const override {
    return {{false, false, reference::onnx_auto_pad::valid},
            {false, false, reference::onnx_auto_pad::same_upper}};
  }

  // SAME puts floor(P/2) padded cells before and the rest after: P = 2 shortens both ends, P = 1
  // only the last; VALID pads nothing.
  [[nodiscard]] std::vector<family_params> block_layers(std::int64_t kernel, bool short_first,
                                                        bool short_last,
                                                        pool_kind /*kind*/) const override {
    const bool same = short_first || short_last;
    return {
        tflite_pool_params{kernel, kernel, same ? tflite_padding::same : tflite_padding::valid}};
  }
  [[nodiscard]] data_movement movement() const override {
    return {"tf.gather", "tf.concat", "axis", 1};
  }
  [[nodiscard]] family_params untouched_axis(const family_params& active) const override {
    tflite_pool_params p = typed(active);
    p.kernel = p.stride = 1;
    return p;
  }

  // At most n outputs, so PyTorch's branches with m <= n: VALID, and SAME for n=-1 mod m.
  [[nodiscard]] closed_form_answer closed_form(std::int64_t n, std::int64_t m,
                                               pool_kind kind) const override {
    const closed_form_answer pytorch = unit_of(pool_family::pytorch).closed_form(n, m, kind);
    if (pytorch.branch == closed_form_branch::none || m > n) return {};
    const auto& p = std::get<reference::fixed_pool_params>(*pytorch.witness);
    const bool same = pytorch.branch == closed_form_branch::remainder_minus;
    return {pytorch.branch,
            tflite_pool_params{p.kernel, p.stride,
                               same ? tflite_padding::same : tflite_padding::valid}};
  }
  [[nodiscard]] std::span<const closed_form_branch> branches() const override {
    static constexpr std::array kBranches{closed_form_branch::divisible,
                                          closed_form_branch::remainder_one,
                                          closed_form_branch::remainder_minus};
    return kBranches;
  }

  [[nodiscard]] std::string layer_text(const std::vector<family_params>& layer_axes,
                                       pool_kind kind) const override {
    const std::vector<tflite_pool_params> axes = typed(layer_axes);
    return fmt::format("tf.nn.{}(ksize={}, strides={}, padding='{}')",
                       kind == pool_kind::avg ? "avg_pool" : "max_pool",
                       axis_list(axes, &tflite_pool_params::kernel),
                       axis_list(axes, &tflite_pool_params::stride),
                       reference::tflite_padding_name(axes.front().padding));
  }
  [[nodiscard]] nlohmann::json layer_json(const std::vector<family_params>& layer_axes,
                                          pool_kind /*kind*/) const override {
    const std::vector<tflite_pool_params> axes = typed(layer_axes);
    return {{"kernel", axis_json(axes, &tflite_pool_params::kernel)},
            {"stride", axis_json(axes, &tflite_pool_params::stride)},
            {"padding", reference::tflite_padding_name(axes.front().padding)}};
  }
  [[nodiscard]] nlohmann::json call_json(const std::vector<family_params>& layer_axes,
                                         pool_kind /*kind*/) const override {
    const std::vector<tflite_pool_params> axes = typed(layer_axes);
    return {{"ksize", axis_values(axes, &tflite_pool_params::kernel)},
            {"strides", axis_values(axes, &tflite_pool_params::stride)},
            {"padding", reference::tflite_padding_name(axes.front().padding)}};
  }
  [[nodiscard]] std::string axis_summary(const family_params& params,
                                         pool_kind /*kind*/) const override {
    const tflite_pool_params& p = typed(params);
    return fmt::format("ksize={} strides={} padding='{}'", p.kernel, p.stride,
                       reference::tflite_padding_name(p.padding));
  }

  [[nodiscard]] unknowns declare(z3::context& ctx, pool_kind kind) const override {
    // Declared in this order (kernel, stride, pads, ...): Z3's unsat cores depend on it.
    const z3::expr kernel = ctx.int_const("kernel");
    const z3::expr stride = ctx.int_const("stride");
    const z3::expr pad_begin = ctx.int_const("pad_begin");
    const z3::expr pad_end = ctx.int_const("pad_end");
    const z3::expr dilation = ctx.int_val(1);
    const z3::expr ceil_mode = ctx.bool_val(false);
    const z3::expr count_include_pad = ctx.bool_val(false);
    const z3::expr auto_pad = ctx.int_const("auto_pad");
    return {kernel,
            stride,
            pad_begin,
            pad_end,
            dilation,
            ceil_mode,
            count_include_pad,
            auto_pad,
            pool_family::tflite,
            kind};
  }
  [[nodiscard]] z3::expr ranges(const unknowns& u) const override { return export_ranges(u); }
  [[nodiscard]] z3::expr count_is(const unknowns& u, std::int64_t n,
                                  std::int64_t m) const override {
    return (u.auto_pad == same_upper_index || u.auto_pad == valid_index) &&
           auto_pad_layer(u, n, m, true);
  }
  [[nodiscard]] std::vector<objective> preference_order(const unknowns& u) const override {
    std::vector<objective> order{{u.kernel, 1}, {u.stride, 1}};
    order.push_back({flag(u.auto_pad == same_upper_index), 0});  // VALID, TF's default, first
    return order;
  }
  [[nodiscard]] std::vector<std::int64_t> preference_values(const family_params& layer,
                                                            pool_kind /*kind*/,
                                                            std::int64_t /*n*/) const override {
    const tflite_pool_params& t = typed(layer);
    return {t.kernel, t.stride, t.padding == tflite_padding::same ? 1 : 0};
  }
  [[nodiscard]] family_params read_layer(const z3::model& model, const unknowns& u) const override {
    const auto value = [&](const z3::expr& e) { return model.eval(e, true).get_numeral_int64(); };
    const bool same = value(u.auto_pad) == same_upper_index;
    return tflite_pool_params{value(u.kernel), value(u.stride),
                              same ? tflite_padding::same : tflite_padding::valid};
  }
};

}  // namespace

const family_unit& tflite_family() {
  static const tflite_unit unit;
  return unit;
}

}  // namespace poolproof::solver::detail

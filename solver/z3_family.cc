#include "solver/z3_family.h"

#include <poolproof/reference/adaptive_window.h>

namespace poolproof::solver::detail {
namespace {

constexpr int notset = static_cast<int>(reference::onnx_auto_pad::notset);
constexpr int same_upper = static_cast<int>(reference::onnx_auto_pad::same_upper);
constexpr int same_lower = static_cast<int>(reference::onnx_auto_pad::same_lower);
constexpr int valid = static_cast<int>(reference::onnx_auto_pad::valid);

z3::expr constant(z3::context& ctx, std::int64_t value) { return ctx.int_val(value); }

z3::expr flag(const z3::expr& b) { return z3::ite(b, b.ctx().int_val(1), b.ctx().int_val(0)); }

// floor(numerator / s) == q for s >= 1; linear because q is a constant.
z3::expr floor_div_is(const z3::expr& numerator, const z3::expr& s, std::int64_t q) {
  z3::context& ctx = s.ctx();
  return constant(ctx, q) * s <= numerator && numerator < constant(ctx, q) * s + s;
}

// Explicit pads: floor or ceil of (n + pads - d*(k-1) - 1)/s + 1 = m, where ceil_mode drops a last
// window starting at or past n + pad_begin (PyTorch's pooling_output_shape; ONNX's "windows that
// would start in the right padded region are ignored").
z3::expr explicit_count_is(const unknowns& u, std::int64_t n, std::int64_t m) {
  z3::context& ctx = u.kernel.ctx();
  // PyTorch's 2*p as one term, as before families (Z3's unsat cores depend on the terms).
  const z3::expr padded = u.family == pool_family::pytorch
                              ? constant(ctx, n) + 2 * u.pad_begin
                              : constant(ctx, n) + u.pad_begin + u.pad_end;
  const z3::expr span = padded - (u.kernel - 1) * u.dilation - 1;
  const z3::expr left_reach = constant(ctx, n) + u.pad_begin;
  const z3::expr floor_mode = floor_div_is(span, u.stride, m - 1);
  const z3::expr rounded_up = span + u.stride - 1;
  const z3::expr ceil_mode =
      (floor_div_is(rounded_up, u.stride, m - 1) && constant(ctx, m - 1) * u.stride < left_reach) ||
      (floor_div_is(rounded_up, u.stride, m) && constant(ctx, m) * u.stride >= left_reach);
  return z3::ite(u.ceil_mode, ceil_mode, floor_mode);
}

// SAME: m = ceil(n/s) and P = (m-1)*s + k - n split floor(P/2) | ceil(P/2) before; ONNX refuses
// P < 0, TFLite clamps it to 0 (export_pool.h).
z3::expr same_is(const unknowns& u, std::int64_t n, std::int64_t m, bool extra_before) {
  z3::context& ctx = u.kernel.ctx();
  const z3::expr count_ok = constant(ctx, m - 1) * u.stride < constant(ctx, n) &&
                            constant(ctx, n) <= constant(ctx, m) * u.stride;
  const z3::expr raw = constant(ctx, m - 1) * u.stride + u.kernel - constant(ctx, n);
  const bool clamp = u.family == pool_family::tflite;
  const z3::expr total = clamp ? z3::ite(raw >= 0, raw, ctx.int_val(0)) : raw;
  const z3::expr split = extra_before ? 2 * u.pad_begin - 1 <= total && total <= 2 * u.pad_begin
                                      : 2 * u.pad_begin <= total && total <= 2 * u.pad_begin + 1;
  return count_ok && total >= 0 && split && u.pad_end == total - u.pad_begin;
}

z3::expr valid_is(const unknowns& u, std::int64_t n, std::int64_t m) {
  const z3::expr zero = u.kernel.ctx().int_val(0);
  return u.pad_begin == zero && u.pad_end == zero &&
         floor_div_is(constant(u.kernel.ctx(), n) - u.kernel, u.stride, m - 1);
}

// ONNX and TFLite: explicit pads (ranges in layer_ranges), or an auto_pad with ceil_mode 0 and
// dilation 1, whose pads are derived (export_pool.h).
z3::expr export_layer(const unknowns& u, std::int64_t n, std::int64_t m) {
  const z3::expr automatic = !u.ceil_mode && u.dilation == 1;
  return z3::ite(u.auto_pad == notset, explicit_count_is(u, n, m),
                 automatic && z3::ite(u.auto_pad == same_upper, same_is(u, n, m, false),
                                      z3::ite(u.auto_pad == same_lower, same_is(u, n, m, true),
                                              valid_is(u, n, m))));
}

}  // namespace

unknowns declare(z3::context& ctx, pool_family family, reference::pool_kind kind) {
  const bool tflite = family == pool_family::tflite;
  // Declared in this order (kernel, stride, padding, ...): Z3's unsat cores depend on it.
  const z3::expr kernel = ctx.int_const("kernel");
  const z3::expr stride = ctx.int_const("stride");
  const z3::expr pad_begin =
      ctx.int_const(family == pool_family::pytorch ? "padding" : "pad_begin");
  return {kernel,
          stride,
          pad_begin,
          family == pool_family::pytorch ? pad_begin : ctx.int_const("pad_end"),
          kind == reference::pool_kind::max && !tflite ? ctx.int_const("dilation") : ctx.int_val(1),
          tflite ? ctx.bool_val(false) : ctx.bool_const("ceil_mode"),
          tflite ? ctx.bool_val(false) : ctx.bool_const("count_include_pad"),
          family == pool_family::pytorch ? ctx.int_val(notset) : ctx.int_const("auto_pad"),
          family,
          kind};
}

z3::expr layer_ranges(const unknowns& u) {
  const z3::expr top = constant(u.kernel.ctx(), reference::max_size);
  if (u.family == pool_family::pytorch) {
    // This order of terms keeps Z3's unsat cores (--explain) as they were before families.
    return u.kernel >= 1 && u.kernel <= top && u.stride >= 1 && u.stride <= top &&
           u.pad_begin >= 0 && 2 * u.pad_begin <= u.kernel && u.dilation >= 1 && u.dilation <= top;
  }
  const z3::expr ranges = u.kernel >= 1 && u.kernel <= top && u.stride >= 1 && u.stride <= top &&
                          u.dilation >= 1 && u.dilation <= top;
  const z3::expr explicit_pads =
      u.pad_begin >= 0 && u.pad_begin < u.kernel && u.pad_end >= 0 && u.pad_end < u.kernel;
  return ranges && z3::implies(u.auto_pad == notset, explicit_pads);
}

z3::expr layer_is(const unknowns& u, std::int64_t n, std::int64_t m, const shared_flags& flags) {
  z3::context& ctx = u.kernel.ctx();
  z3::expr ranges = layer_ranges(u);
  if (flags.ceil_mode) ranges = ranges && u.ceil_mode == ctx.bool_val(*flags.ceil_mode);
  if (flags.count_include_pad) {
    ranges = ranges && u.count_include_pad == ctx.bool_val(*flags.count_include_pad);
  }
  if (flags.auto_pad) ranges = ranges && u.auto_pad == static_cast<int>(*flags.auto_pad);
  return ranges && layer_count_is(u, n, m);
}

z3::expr layer_count_is(const unknowns& u, std::int64_t n, std::int64_t m) {
  switch (u.family) {
    case pool_family::pytorch:
      return explicit_count_is(u, n, m);
    case pool_family::onnx:
      return u.auto_pad >= notset && u.auto_pad <= valid && export_layer(u, n, m);
    case pool_family::tflite:
      break;
  }
  return (u.auto_pad == same_upper || u.auto_pad == valid) && export_layer(u, n, m);
}

std::vector<objective> preference_order(const unknowns& u) {
  std::vector<objective> order{{u.kernel, 1}, {u.stride, 1}};
  if (u.family == pool_family::tflite) {
    order.push_back({flag(u.auto_pad == same_upper), 0});  // VALID, TF's default, first
    return order;
  }
  order.push_back({u.pad_begin, 0});
  if (u.family == pool_family::onnx) order.push_back({u.pad_end, 0});
  order.push_back({flag(u.ceil_mode), 0});
  if (u.family == pool_family::onnx) order.push_back({u.auto_pad, 0});
  if (u.kind == reference::pool_kind::max) {
    order.push_back({u.dilation, 1});
  } else {
    // Each framework's default first: PyTorch counts the padding, ONNX does not.
    const bool pytorch = u.family == pool_family::pytorch;
    order.push_back({pytorch ? flag(!u.count_include_pad) : flag(u.count_include_pad), 0});
  }
  return order;
}

std::vector<std::int64_t> preference_values(const family_params& layer, reference::pool_kind kind,
                                            std::int64_t n) {
  if (const auto* t = std::get_if<reference::tflite_pool_params>(&layer)) {
    return {t->kernel, t->stride, t->padding == reference::tflite_padding::same ? 1 : 0};
  }
  const bool max = kind == reference::pool_kind::max;
  if (const auto* p = std::get_if<reference::fixed_pool_params>(&layer)) {
    return {p->kernel, p->stride, p->padding, p->ceil_mode ? 1 : 0,
            max ? p->dilation : (p->count_include_pad ? 0 : 1)};
  }
  const auto& o = std::get<reference::onnx_pool_params>(layer);
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
          max ? o.dilation : (o.count_include_pad ? 1 : 0)};
}

family_params read_layer(const z3::model& model, const unknowns& u) {
  const auto value = [&](const z3::expr& e) { return model.eval(e, true).get_numeral_int64(); };
  const auto truth = [&](const z3::expr& e) { return model.eval(e, true).is_true(); };
  const bool avg = u.kind == reference::pool_kind::avg;
  const auto auto_pad = static_cast<reference::onnx_auto_pad>(value(u.auto_pad));
  switch (u.family) {
    case pool_family::pytorch:
      // Max has no count_include_pad: report PyTorch's default.
      return reference::fixed_pool_params{value(u.kernel),    value(u.stride),
                                          value(u.pad_begin), value(u.dilation),
                                          truth(u.ceil_mode), !avg || truth(u.count_include_pad),
                                          std::nullopt};
    case pool_family::onnx: {
      const bool explicit_pads = auto_pad == reference::onnx_auto_pad::notset;
      return reference::onnx_pool_params{value(u.kernel),
                                         value(u.stride),
                                         explicit_pads ? value(u.pad_begin) : 0,
                                         explicit_pads ? value(u.pad_end) : 0,
                                         value(u.dilation),
                                         auto_pad,
                                         truth(u.ceil_mode),
                                         avg && truth(u.count_include_pad)};
    }
    case pool_family::tflite:
      break;
  }
  return reference::tflite_pool_params{value(u.kernel), value(u.stride),
                                       auto_pad == reference::onnx_auto_pad::same_upper
                                           ? reference::tflite_padding::same
                                           : reference::tflite_padding::valid};
}

}  // namespace poolproof::solver::detail

#include "solver/families/z3_pool_terms.h"

#include <poolproof/reference/adaptive_window.h>

namespace poolproof::solver::detail {
namespace {

// floor(numerator / s) == q for s >= 1; linear because q is a constant.
z3::expr floor_div_is(const z3::expr& numerator, const z3::expr& s, std::int64_t q) {
  z3::context& ctx = s.ctx();
  return constant(ctx, q) * s <= numerator && numerator < constant(ctx, q) * s + s;
}

// SAME: m = ceil(n/s) and P = (m-1)*s + k - n split floor(P/2) | ceil(P/2) before; ONNX refuses
// P < 0, TFLite clamps it to 0 (export_pool.h).
z3::expr same_is(const unknowns& u, std::int64_t n, std::int64_t m, bool extra_before, bool clamp) {
  z3::context& ctx = u.kernel.ctx();
  const z3::expr count_ok = constant(ctx, m - 1) * u.stride < constant(ctx, n) &&
                            constant(ctx, n) <= constant(ctx, m) * u.stride;
  const z3::expr raw = constant(ctx, m - 1) * u.stride + u.kernel - constant(ctx, n);
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

}  // namespace

z3::expr constant(z3::context& ctx, std::int64_t value) { return ctx.int_val(value); }

z3::expr flag(const z3::expr& b) { return z3::ite(b, b.ctx().int_val(1), b.ctx().int_val(0)); }

z3::expr explicit_count_is(const unknowns& u, std::int64_t n, std::int64_t m, bool symmetric) {
  z3::context& ctx = u.kernel.ctx();
  // PyTorch's 2*p as one term, as before families (Z3's unsat cores depend on the terms).
  const z3::expr padded =
      symmetric ? constant(ctx, n) + 2 * u.pad_begin : constant(ctx, n) + u.pad_begin + u.pad_end;
  const z3::expr span = padded - (u.kernel - 1) * u.dilation - 1;
  const z3::expr left_reach = constant(ctx, n) + u.pad_begin;
  const z3::expr floor_mode = floor_div_is(span, u.stride, m - 1);
  const z3::expr rounded_up = span + u.stride - 1;
  const z3::expr ceil_mode =
      (floor_div_is(rounded_up, u.stride, m - 1) && constant(ctx, m - 1) * u.stride < left_reach) ||
      (floor_div_is(rounded_up, u.stride, m) && constant(ctx, m) * u.stride >= left_reach);
  return z3::ite(u.ceil_mode, ceil_mode, floor_mode);
}

z3::expr export_ranges(const unknowns& u) {
  const z3::expr top = constant(u.kernel.ctx(), reference::max_size);
  const z3::expr ranges = u.kernel >= 1 && u.kernel <= top && u.stride >= 1 && u.stride <= top &&
                          u.dilation >= 1 && u.dilation <= top;
  const z3::expr explicit_pads =
      u.pad_begin >= 0 && u.pad_begin < u.kernel && u.pad_end >= 0 && u.pad_end < u.kernel;
  return ranges && z3::implies(u.auto_pad == notset_index, explicit_pads);
}

z3::expr auto_pad_layer(const unknowns& u, std::int64_t n, std::int64_t m, bool clamp_same) {
  const z3::expr automatic = !u.ceil_mode && u.dilation == 1;
  return z3::ite(
      u.auto_pad == notset_index, explicit_count_is(u, n, m, false),
      automatic && z3::ite(u.auto_pad == same_upper_index, same_is(u, n, m, false, clamp_same),
                           z3::ite(u.auto_pad == same_lower_index,
                                   same_is(u, n, m, true, clamp_same), valid_is(u, n, m))));
}

}  // namespace poolproof::solver::detail

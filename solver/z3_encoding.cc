#include "solver/z3_encoding.h"

#include <z3++.h>

#include <algorithm>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "reference/adaptive_window.h"
#include "reference/error.h"
#include "reference/fixed_pool.h"

namespace poolproof::detail {
namespace {

// The parameters of one axis as Z3 unknowns. Int, not BitVec: sizes reach 2^62 and products
// such as m*s must not wrap.
struct unknowns {
  z3::expr kernel, stride, padding, dilation, ceil_mode, count_include_pad;
};

unknowns declare(z3::context& ctx, pool_kind kind) {
  return {ctx.int_const("kernel"),
          ctx.int_const("stride"),
          ctx.int_const("padding"),
          kind == pool_kind::max ? ctx.int_const("dilation") : ctx.int_val(1),
          ctx.bool_const("ceil_mode"),
          ctx.bool_const("count_include_pad")};
}

z3::expr constant(z3::context& ctx, std::int64_t value) { return ctx.int_val(value); }

// floor(numerator / s) == q for s >= 1; linear because q is a constant.
z3::expr floor_div_is(const z3::expr& numerator, const z3::expr& s, std::int64_t q) {
  z3::context& ctx = s.ctx();
  return constant(ctx, q) * s <= numerator && numerator < constant(ctx, q) * s + s;
}

z3::expr parameter_ranges(const unknowns& u, const shared_flags& flags) {
  z3::context& ctx = u.kernel.ctx();
  const z3::expr top = constant(ctx, max_size);
  z3::expr ranges = u.kernel >= 1 && u.kernel <= top && u.stride >= 1 && u.stride <= top &&
                    u.padding >= 0 && 2 * u.padding <= u.kernel && u.dilation >= 1 &&
                    u.dilation <= top;
  if (flags.ceil_mode) ranges = ranges && u.ceil_mode == ctx.bool_val(*flags.ceil_mode);
  if (flags.count_include_pad) {
    ranges = ranges && u.count_include_pad == ctx.bool_val(*flags.count_include_pad);
  }
  return ranges;
}

// PyTorch's pooling_output_shape equals m, with ceil_mode's "last window starts inside" rule.
z3::expr output_count_is(const unknowns& u, std::int64_t n, std::int64_t m) {
  z3::context& ctx = u.kernel.ctx();
  const z3::expr padded = constant(ctx, n) + 2 * u.padding;
  const z3::expr span = padded - (u.kernel - 1) * u.dilation - 1;
  const z3::expr left_reach = constant(ctx, n) + u.padding;
  const z3::expr floor_mode = floor_div_is(span, u.stride, m - 1);
  const z3::expr rounded_up = span + u.stride - 1;
  const z3::expr ceil_mode =
      (floor_div_is(rounded_up, u.stride, m - 1) && constant(ctx, m - 1) * u.stride < left_reach) ||
      (floor_div_is(rounded_up, u.stride, m) && constant(ctx, m) * u.stride >= left_reach);
  return z3::ite(u.ceil_mode, ceil_mode, floor_mode);
}

// With dilation 1 the taps clip to [max(x0, 0), min(x0 + k, n)).
z3::expr interval_matches(const unknowns& u, const z3::expr& x0, std::int64_t n, const window& w) {
  z3::context& ctx = u.kernel.ctx();
  const z3::expr begin_ok =
      z3::ite(x0 >= 0, x0 == constant(ctx, w.begin), ctx.bool_val(w.begin == 0));
  const z3::expr end = x0 + u.kernel;
  const z3::expr end_ok =
      z3::ite(end <= constant(ctx, n), end == constant(ctx, w.end), ctx.bool_val(w.end == n));
  return begin_ok && end_ok;
}

// With dilation >= 2 the taps are never adjacent, so every window must be one element a_i: the
// tap t_i of window i lands on a_i, the tap before lies left of 0 and the tap after at or past n.
// Rather than one product t_i*d per window, the taps are chained: x0 grows by s per window, so
// t_{i+1} - t_i is fixed by the gap g = a_{i+1} - a_i (step_g * d = g - s). That leaves one product
// per distinct gap and one per run of consecutive outputs, which Z3's non-linear core decides in
// milliseconds where one product per window took seconds.
z3::expr dilated_singletons_match(const unknowns& u, std::int64_t n, std::int64_t m,
                                  std::span<const std::int64_t> outputs) {
  z3::context& ctx = u.kernel.ctx();
  z3::expr all = ctx.bool_val(true);
  std::map<std::int64_t, z3::expr> steps;
  z3::expr tap = ctx.int_val(0);
  std::int64_t previous = -2, previous_begin = 0;
  for (std::int64_t i : outputs) {
    const window w = adaptive_window(n, m, i);
    if (w.length() != 1) return ctx.bool_val(false);
    if (i != previous + 1) {
      tap = ctx.int_const(("tap_" + std::to_string(i)).c_str());
      all = all &&
            tap * u.dilation == constant(ctx, w.begin) - constant(ctx, i) * u.stride + u.padding;
    } else {
      const std::int64_t gap = w.begin - previous_begin;
      auto step = steps.find(gap);
      if (step == steps.end()) {
        const z3::expr fresh = ctx.int_const(("tap_step_" + std::to_string(gap)).c_str());
        step = steps.emplace(gap, fresh).first;
        all = all && fresh * u.dilation == constant(ctx, gap) - u.stride;
      }
      tap = tap + step->second;
    }
    const z3::expr element = constant(ctx, w.begin);
    all = all && tap >= 0 && tap < u.kernel && (tap == 0 || element - u.dilation < 0) &&
          (tap == u.kernel - 1 || element + u.dilation >= constant(ctx, n));
    previous = i;
    previous_begin = w.begin;
  }
  return all;
}

// PyTorch's AvgPool divisor: with count_include_pad the window clipped to [-p, n + p).
z3::expr divisor_matches(const unknowns& u, const z3::expr& x0, std::int64_t n, const window& w) {
  z3::context& ctx = u.kernel.ctx();
  const z3::expr padded_end = constant(ctx, n) + u.padding;
  const z3::expr padded_length = z3::ite(x0 + u.kernel <= padded_end, u.kernel, padded_end - x0);
  return z3::implies(u.count_include_pad, padded_length == constant(ctx, w.length()));
}

// Every window with dilation 1 (avg always; its divisor too).
z3::expr intervals_match(const unknowns& u, std::int64_t n, std::int64_t m, pool_kind kind,
                         std::span<const std::int64_t> outputs) {
  z3::context& ctx = u.kernel.ctx();
  z3::expr all = ctx.bool_val(true);
  for (std::int64_t i : outputs) {
    const window w = adaptive_window(n, m, i);
    const z3::expr x0 = constant(ctx, i) * u.stride - u.padding;
    all = all && interval_matches(u, x0, n, w);
    if (kind == pool_kind::avg) all = all && divisor_matches(u, x0, n, w);
  }
  return all;
}

// The query: the family's ranges, the output count, and the windows of `outputs` (increasing);
// with every output it is exact, with fewer a relaxation whose unsat still refutes. The index
// rule comes from the reference, never re-derived here.
z3::expr_vector feasibility(const unknowns& u, std::int64_t n, std::int64_t m, pool_kind kind,
                            const shared_flags& flags, std::span<const std::int64_t> outputs) {
  z3::expr_vector assertions(u.kernel.ctx());
  assertions.push_back(parameter_ranges(u, flags));
  assertions.push_back(output_count_is(u, n, m));
  if (kind == pool_kind::avg) {
    assertions.push_back(intervals_match(u, n, m, kind, outputs));
  } else {
    assertions.push_back(z3::ite(u.dilation == 1, intervals_match(u, n, m, kind, outputs),
                                 dilated_singletons_match(u, n, m, outputs)));
  }
  return assertions;
}

// (kernel, stride, padding, ceil_mode, then !count_include_pad or dilation) is lexicographically
// below the bound's: the solver's preference order, with false before true for ceil_mode and
// true before false for count_include_pad.
z3::expr lexicographically_below(const unknowns& u, const fixed_pool_params& bound,
                                 pool_kind kind) {
  z3::context& ctx = u.kernel.ctx();
  z3::expr tail = ctx.bool_val(false);
  if (kind == pool_kind::avg) tail = u.count_include_pad && ctx.bool_val(!bound.count_include_pad);
  if (kind == pool_kind::max) tail = u.dilation < constant(ctx, bound.dilation);
  const z3::expr ceil_bound = ctx.bool_val(bound.ceil_mode);
  tail = (!u.ceil_mode && ceil_bound) || (u.ceil_mode == ceil_bound && tail);
  tail = u.padding < constant(ctx, bound.padding) ||
         (u.padding == constant(ctx, bound.padding) && tail);
  tail =
      u.stride < constant(ctx, bound.stride) || (u.stride == constant(ctx, bound.stride) && tail);
  return u.kernel < constant(ctx, bound.kernel) ||
         (u.kernel == constant(ctx, bound.kernel) && tail);
}

// Some output i of a dilation-1 layer with constant parameters reads other inputs than adaptive
// window i, or (avg) divides by another number. i is a variable, and a_i, b_i are pinned by
// a*m <= i*n < (a+1)*m and (b-1)*m < (i+1)*n <= b*m: linear because n and m are constants, so
// the query has the same size for every m.
z3::expr some_window_differs(z3::context& ctx, std::int64_t n, std::int64_t m, pool_kind kind,
                             const fixed_pool_params& layer) {
  const z3::expr i = ctx.int_const("output"), a = ctx.int_const("adaptive_begin"),
                 b = ctx.int_const("adaptive_end");
  const z3::expr n_ = constant(ctx, n), m_ = constant(ctx, m), k = constant(ctx, layer.kernel),
                 p = constant(ctx, layer.padding);
  const z3::expr x0 = i * constant(ctx, layer.stride) - p;
  const z3::expr begin = z3::ite(x0 >= 0, x0, ctx.int_val(0));
  const z3::expr end = z3::ite(x0 + k <= n_, x0 + k, n_);
  z3::expr differs = begin != a || end != b;
  if (kind == pool_kind::avg) {
    const z3::expr padded = z3::ite(x0 + k <= n_ + p, k, n_ + p - x0);
    const z3::expr divisor = layer.divisor_override    ? constant(ctx, *layer.divisor_override)
                             : layer.count_include_pad ? padded
                                                       : end - begin;
    differs = differs || divisor != b - a;
  }
  return i >= 0 && i < m_ && a * m_ <= i * n_ && i * n_ < a * m_ + m_ &&
         (b - 1) * m_ < (i + 1) * n_ && (i + 1) * n_ <= b * m_ && differs;
}

std::int64_t int_value(const z3::model& model, const z3::expr& e) {
  return model.eval(e, true).get_numeral_int64();
}

fixed_pool_params read_params(const z3::model& model, const unknowns& u, pool_kind kind) {
  fixed_pool_params params;
  params.kernel = int_value(model, u.kernel);
  params.stride = int_value(model, u.stride);
  params.padding = int_value(model, u.padding);
  params.dilation = int_value(model, u.dilation);
  params.ceil_mode = model.eval(u.ceil_mode, true).is_true();
  params.count_include_pad =
      kind == pool_kind::avg && model.eval(u.count_include_pad, true).is_true();
  return params;
}

// Lexicographic minimisation by bisection with the plain solver, one objective at a time (Z3's
// optimizer returned models that missed its own optimum with several objectives).
class minimiser {
 public:
  minimiser(z3::solver& solver, const unknowns& u, pool_kind kind, solve_outcome& outcome)
      : solver_(solver), u_(u), kind_(kind), outcome_(outcome) {}

  void minimise(const z3::expr& objective, std::int64_t least, std::int64_t current) {
    std::int64_t low = least, high = current;
    while (outcome_.minimal && low < high) {
      const std::int64_t middle = low + (high - low) / 2;
      const z3::check_result result = check_with(objective <= constant(solver_.ctx(), middle));
      if (result == z3::sat) high = int_value(last_model_, objective);
      if (result == z3::unsat) low = middle + 1;
    }
    solver_.add(objective == constant(solver_.ctx(), high));
  }

  void prefer(const z3::expr& choice) {
    if (!outcome_.minimal) return;
    const z3::check_result result = check_with(choice);
    solver_.add(result == z3::unsat ? !choice : choice);
  }

  // Runs one query under an extra assumption; keeps the model of every sat answer.
  z3::check_result check_with(const z3::expr& assumption) {
    solver_.push();
    solver_.add(assumption);
    const z3::check_result result = solver_.check();
    if (result == z3::sat) {
      last_model_ = solver_.get_model();
      outcome_.params = read_params(last_model_, u_, kind_);
    }
    if (result == z3::unknown) outcome_.minimal = false;
    solver_.pop();
    return result;
  }

  void set_model(const z3::model& model) {
    last_model_ = model;
    outcome_.params = read_params(model, u_, kind_);
  }

 private:
  z3::solver& solver_;
  const unknowns& u_;
  pool_kind kind_;
  solve_outcome& outcome_;
  z3::model last_model_{solver_.ctx()};
};

// Runs the solver: its answer as a status, and Z3's reason when it gave up.
solve_status run_check(z3::solver& solver, std::string& reason) {
  const z3::check_result result = solver.check();
  if (result == z3::unknown) reason = solver.reason_unknown();
  if (result == z3::sat) return solve_status::sat;
  return result == z3::unsat ? solve_status::unsat : solve_status::unknown;
}

void configure(z3::solver& solver, const solver_options& options) {
  // Z3 keeps its memory ceiling as a process-wide parameter, not a per-solver one.
  if (options.memory_mb != 0)
    z3::set_param("memory_max_size", std::to_string(options.memory_mb).c_str());
  z3::params params(solver.ctx());
  // Z3 otherwise installs its own SIGINT handler during check(), swallowing the Ctrl-C that
  // should stop a sweep.
  params.set("ctrl_c", false);
  params.set("timeout", options.timeout_ms);
  params.set("rlimit", options.resource_limit);
  solver.set(params);
}

solve_outcome solve_or_throw(std::int64_t n, std::int64_t m, pool_kind kind,
                             const shared_flags& flags, const solver_options& options,
                             std::span<const std::int64_t> outputs) {
  z3::context ctx;
  z3::solver solver(ctx);
  configure(solver, options);
  const unknowns u = declare(ctx, kind);
  // An opening scope puts Z3 4.8.12 on its incremental core: on the max queries (non-linear in
  // dilation) the one-shot tactic pipeline took 3.8 s where the incremental core takes 0.03 s.
  solver.push();
  solver.add(feasibility(u, n, m, kind, flags, outputs));
  solve_outcome outcome;
  outcome.status = run_check(solver, outcome.reason);
  if (outcome.status != solve_status::sat) return outcome;
  minimiser steps(solver, u, kind, outcome);
  steps.set_model(solver.get_model());
  steps.minimise(u.kernel, 1, outcome.params.kernel);
  steps.minimise(u.stride, 1, outcome.params.stride);
  steps.minimise(u.padding, 0, outcome.params.padding);
  steps.prefer(!u.ceil_mode);
  if (kind == pool_kind::avg) steps.prefer(u.count_include_pad);
  if (kind == pool_kind::max) steps.minimise(u.dilation, 1, outcome.params.dilation);
  return outcome;
}

solve_status check_below(std::int64_t n, std::int64_t m, pool_kind kind,
                         const fixed_pool_params& bound, const solver_options& options,
                         std::span<const std::int64_t> outputs, std::string& reason) {
  z3::context ctx;
  z3::solver solver(ctx);
  configure(solver, options);
  const unknowns u = declare(ctx, kind);
  solver.push();
  solver.add(feasibility(u, n, m, kind, {}, outputs));
  solver.add(lexicographically_below(u, bound, kind));
  return run_check(solver, reason);
}

}  // namespace

std::vector<std::int64_t> every_output(std::int64_t m) {
  std::vector<std::int64_t> outputs(static_cast<std::size_t>(m));
  for (std::int64_t i = 0; i < m; ++i) outputs[static_cast<std::size_t>(i)] = i;
  return outputs;
}

// The outputs where refutations live: both ends (clipping, padding), the middle (the stride),
// and the first window past m/n (the first two-element window when m > n). Increasing.
std::vector<std::int64_t> telling_outputs(std::int64_t n, std::int64_t m) {
  std::set<std::int64_t> picked;
  const std::int64_t middle = m / 2, past = m / n;
  for (std::int64_t offset = 0; offset < 4; ++offset) {
    for (std::int64_t i : {offset, m - 1 - offset, middle - 2 + offset, past - 1 + offset}) {
      if (i >= 0 && i < m) picked.insert(i);
    }
  }
  return {picked.begin(), picked.end()};
}

mismatch_search find_mismatch(std::int64_t n, std::int64_t m, pool_kind kind,
                              const fixed_pool_params& layer, const solver_options& options) {
  POOLPROOF_CHECK(layer.dilation == 1 || layer.kernel == 1);
  try {
    z3::context ctx;
    z3::solver solver(ctx);
    configure(solver, options);
    solver.add(some_window_differs(ctx, n, m, kind, layer));
    mismatch_search search;
    search.status = run_check(solver, search.reason);
    if (search.status == solve_status::sat) {
      search.output = solver.get_model().eval(ctx.int_const("output"), true).get_numeral_int64();
    }
    return search;
  } catch (const z3::exception& e) {
    return {solve_status::unknown, -1, std::string("Z3 error: ") + e.msg()};
  }
}

std::string mismatch_smt2(std::int64_t n, std::int64_t m, pool_kind kind,
                          const fixed_pool_params& layer) {
  z3::context ctx;
  z3::solver solver(ctx);
  solver.add(some_window_differs(ctx, n, m, kind, layer));
  return "(set-logic QF_LIA)\n" + solver.to_smt2();
}

solve_status witness_below_exists(std::int64_t n, std::int64_t m, pool_kind kind,
                                  const fixed_pool_params& bound, const solver_options& options,
                                  std::string& reason) {
  try {
    // A few telling windows usually refute already (unsat of a relaxation is unsat of the
    // whole); only when they do not is every window encoded.
    const std::vector<std::int64_t> telling = telling_outputs(n, m);
    if (telling.size() < static_cast<std::size_t>(m)) {
      const solve_status relaxed = check_below(n, m, kind, bound, options, telling, reason);
      if (relaxed != solve_status::sat) return relaxed;
    }
    return check_below(n, m, kind, bound, options, every_output(m), reason);
  } catch (const z3::exception& e) {
    reason = std::string("Z3 error: ") + e.msg();
    return solve_status::unknown;
  }
}

solve_outcome solve_minimal(std::int64_t n, std::int64_t m, pool_kind kind,
                            const shared_flags& flags, const solver_options& options,
                            std::span<const std::int64_t> outputs) {
  try {
    return solve_or_throw(n, m, kind, flags, options, outputs);
  } catch (const z3::exception& e) {
    // Z3 reports exhausted memory and similar failures by exception: that is an unknown.
    return {solve_status::unknown, {}, false, std::string("Z3 error: ") + e.msg()};
  }
}

std::string feasibility_smt2(std::int64_t n, std::int64_t m, pool_kind kind,
                             const shared_flags& flags, std::span<const std::int64_t> outputs) {
  z3::context ctx;
  z3::solver solver(ctx);
  solver.add(feasibility(declare(ctx, kind), n, m, kind, flags, outputs));
  return "(set-logic " + std::string(kind == pool_kind::avg ? "QF_LIA" : "QF_NIA") + ")\n" +
         solver.to_smt2();
}

refutation_core minimal_refutation_core(std::int64_t n, std::int64_t m, pool_kind kind,
                                        std::span<const std::int64_t> outputs,
                                        const solver_options& options) {
  try {
    z3::context ctx;
    z3::solver solver(ctx);
    configure(solver, options);
    z3::params minimise_core(ctx);
    minimise_core.set("core.minimize", true);
    solver.set(minimise_core);
    const unknowns u = declare(ctx, kind);
    solver.add(parameter_ranges(u, {}));
    // Tracked one window at a time, so the core names windows; for max, each window's interval
    // constraint holds under dilation 1 and the dilated branch is one tracked block.
    solver.add(output_count_is(u, n, m), "output_count");
    for (std::int64_t i : outputs) {
      const std::int64_t one[] = {i};
      const z3::expr window = intervals_match(u, n, m, kind, one);
      solver.add(kind == pool_kind::avg ? window : z3::implies(u.dilation == 1, window),
                 ("window_" + std::to_string(i)).c_str());
    }
    if (kind == pool_kind::max) {
      solver.add(z3::implies(u.dilation != 1, dilated_singletons_match(u, n, m, outputs)),
                 "dilated");
    }
    refutation_core core;
    core.status = run_check(solver, core.reason);
    if (core.status != solve_status::unsat) return core;
    const z3::expr_vector names = solver.unsat_core();
    for (unsigned index = 0; index < names.size(); ++index) {
      const std::string name = names[static_cast<int>(index)].to_string();
      if (name == "output_count") core.needs_output_count = true;
      if (name == "dilated") core.needs_dilated_branch = true;
      if (name.rfind("window_", 0) == 0) core.windows.push_back(std::stoll(name.substr(7)));
    }
    std::sort(core.windows.begin(), core.windows.end());
    return core;
  } catch (const z3::exception& e) {
    return {solve_status::unknown, {}, false, false, std::string("Z3 error: ") + e.msg()};
  }
}

}  // namespace poolproof::detail

#include "solver/z3_encoding.h"

#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/fixed_pool.h>
#include <z3++.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "solver/families/family_unit.h"
#include "solver/families/z3_pool_terms.h"

namespace poolproof::solver::detail {
namespace {

// The family's parameter ranges, the shared flags fixed for an N-D layer, and its output count.
z3::expr layer_is(const unknowns& u, std::int64_t n, std::int64_t m, const shared_flags& flags) {
  z3::context& ctx = u.kernel.ctx();
  z3::expr ranges = unit_of(u.family).ranges(u);
  if (flags.ceil_mode) ranges = ranges && u.ceil_mode == ctx.bool_val(*flags.ceil_mode);
  if (flags.count_include_pad) {
    ranges = ranges && u.count_include_pad == ctx.bool_val(*flags.count_include_pad);
  }
  if (flags.auto_pad) ranges = ranges && u.auto_pad == static_cast<int>(*flags.auto_pad);
  return ranges && unit_of(u.family).count_is(u, n, m);
}

// With dilation 1 the taps clip to [max(x0, 0), min(x0 + k, n)).
z3::expr interval_matches(const unknowns& u, const z3::expr& x0, std::int64_t n,
                          const reference::window& w) {
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
    const reference::window w = reference::adaptive_window(n, m, i);
    if (w.length() != 1) return ctx.bool_val(false);
    if (i != previous + 1) {
      tap = ctx.int_const(("tap_" + std::to_string(i)).c_str());
      all = all &&
            tap * u.dilation == constant(ctx, w.begin) - constant(ctx, i) * u.stride + u.pad_begin;
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

// The avg divisor: with count_include_pad the window clipped to [-pad_begin, n + pad_end).
z3::expr divisor_matches(const unknowns& u, const z3::expr& x0, std::int64_t n,
                         const reference::window& w) {
  z3::context& ctx = u.kernel.ctx();
  const z3::expr padded_end = constant(ctx, n) + u.pad_end;
  const z3::expr padded_length = z3::ite(x0 + u.kernel <= padded_end, u.kernel, padded_end - x0);
  return z3::implies(u.count_include_pad, padded_length == constant(ctx, w.length()));
}

// Every window with dilation 1 (avg always; its divisor too).
z3::expr intervals_match(const unknowns& u, std::int64_t n, std::int64_t m,
                         reference::pool_kind kind, std::span<const std::int64_t> outputs) {
  z3::context& ctx = u.kernel.ctx();
  z3::expr all = ctx.bool_val(true);
  for (std::int64_t i : outputs) {
    const reference::window w = reference::adaptive_window(n, m, i);
    const z3::expr x0 = constant(ctx, i) * u.stride - u.pad_begin;
    all = all && interval_matches(u, x0, n, w);
    if (kind == reference::pool_kind::avg) all = all && divisor_matches(u, x0, n, w);
  }
  return all;
}

// The query: the family's ranges and output count, and the windows of `outputs` (increasing);
// with every output it is exact, with fewer a relaxation whose unsat still refutes. The index
// rule comes from the reference, never re-derived here.
z3::expr_vector feasibility(const unknowns& u, std::int64_t n, std::int64_t m,
                            const shared_flags& flags, std::span<const std::int64_t> outputs) {
  const reference::pool_kind kind = u.kind;
  z3::expr_vector assertions(u.kernel.ctx());
  assertions.push_back(layer_is(u, n, m, flags));
  if (kind == reference::pool_kind::avg) {
    assertions.push_back(intervals_match(u, n, m, kind, outputs));
  } else {
    assertions.push_back(z3::ite(u.dilation == 1, intervals_match(u, n, m, kind, outputs),
                                 dilated_singletons_match(u, n, m, outputs)));
  }
  return assertions;
}

// The layer comes lexicographically before `bound` in the family's preference order.
z3::expr lexicographically_below(const unknowns& u, const family_params& bound, std::int64_t n) {
  z3::context& ctx = u.kernel.ctx();
  const family_unit& unit = unit_of(u.family);
  const std::vector<objective> order = unit.preference_order(u);
  const std::vector<std::int64_t> values = unit.preference_values(bound, u.kind, n);
  POOLPROOF_CHECK(order.size() == values.size());
  z3::expr tail = ctx.bool_val(false);
  for (std::size_t j = order.size(); j-- > 0;) {
    const z3::expr value = constant(ctx, values[j]);
    tail = order[j].value < value || (order[j].value == value && tail);
  }
  return tail;
}

// Some output i of a dilation-1 layer with constant geometry reads other inputs than adaptive
// window i, or (avg) divides by another number. i is a variable, and a_i, b_i are pinned by
// a*m <= i*n < (a+1)*m and (b-1)*m < (i+1)*n <= b*m: linear because n and m are constants, so
// the query has the same size for every m.
z3::expr some_window_differs(z3::context& ctx, std::int64_t n, std::int64_t m,
                             reference::pool_kind kind, const reference::pool_geometry& g) {
  const z3::expr i = ctx.int_const("output"), a = ctx.int_const("adaptive_begin"),
                 b = ctx.int_const("adaptive_end");
  const z3::expr n_ = constant(ctx, n), m_ = constant(ctx, m), k = constant(ctx, g.kernel),
                 padded_end = constant(ctx, n) + constant(ctx, g.pad_end);
  const z3::expr x0 = i * constant(ctx, g.stride) - constant(ctx, g.pad_begin);
  const z3::expr begin = z3::ite(x0 >= 0, x0, ctx.int_val(0));
  const z3::expr end = z3::ite(x0 + k <= n_, x0 + k, n_);
  z3::expr differs = begin != a || end != b;
  if (kind == reference::pool_kind::avg) {
    const z3::expr padded = z3::ite(x0 + k <= padded_end, k, padded_end - x0);
    differs = differs || (g.divide_by_padded ? padded : end - begin) != b - a;
  }
  return i >= 0 && i < m_ && a * m_ <= i * n_ && i * n_ < a * m_ + m_ &&
         (b - 1) * m_ < (i + 1) * n_ && (i + 1) * n_ <= b * m_ && differs;
}

// Lexicographic minimisation by bisection with the plain solver, one objective at a time (Z3's
// optimizer returned models that missed its own optimum with several objectives).
class minimiser {
 public:
  minimiser(z3::solver& solver, const unknowns& u, solve_outcome& outcome)
      : solver_(solver), u_(u), outcome_(outcome) {}

  // Bisects `objective` down from its value in the last model, then fixes it there.
  void minimise(const objective& goal) {
    std::int64_t low = goal.least, high = int_value(last_model_, goal.value);
    while (outcome_.minimal && low < high) {
      const std::int64_t middle = low + (high - low) / 2;
      const z3::check_result result = check_with(goal.value <= constant(solver_.ctx(), middle));
      if (result == z3::sat) high = int_value(last_model_, goal.value);
      if (result == z3::unsat) low = middle + 1;
    }
    solver_.add(goal.value == constant(solver_.ctx(), high));
  }

  // Runs one query under an extra assumption; keeps the model of every sat answer.
  z3::check_result check_with(const z3::expr& assumption) {
    solver_.push();
    solver_.add(assumption);
    const z3::check_result result = solver_.check();
    if (result == z3::sat) set_model(solver_.get_model());
    if (result == z3::unknown) outcome_.minimal = false;
    solver_.pop();
    return result;
  }

  void set_model(const z3::model& model) {
    last_model_ = model;
    outcome_.params = unit_of(u_.family).read_layer(model, u_);
  }

 private:
  static std::int64_t int_value(const z3::model& model, const z3::expr& e) {
    return model.eval(e, true).get_numeral_int64();
  }

  z3::solver& solver_;
  const unknowns& u_;
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
    z3::set_param("memory_high_watermark", std::to_string(options.memory_mb).c_str());
  z3::params params(solver.ctx());
  // Z3 otherwise installs its own SIGINT handler during check(), swallowing the Ctrl-C that
  // should stop a sweep.
  params.set("ctrl_c", false);
  params.set("timeout", options.timeout_ms);
  params.set("rlimit", options.resource_limit);
  solver.set(params);
}

solve_outcome solve_or_throw(std::int64_t n, std::int64_t m, pool_family family,
                             reference::pool_kind kind, const shared_flags& flags,
                             const solver_options& options, std::span<const std::int64_t> outputs) {
  z3::context ctx;
  z3::solver solver(ctx);
  configure(solver, options);
  const family_unit& unit = unit_of(family);
  const unknowns u = unit.declare(ctx, kind);
  // An opening scope puts Z3 4.8.12 on its incremental core: on the max queries (non-linear in
  // dilation) the one-shot tactic pipeline took 3.8 s where the incremental core takes 0.03 s.
  solver.push();
  solver.add(feasibility(u, n, m, flags, outputs));
  solve_outcome outcome;
  outcome.status = run_check(solver, outcome.reason);
  if (outcome.status != solve_status::sat) return outcome;
  minimiser steps(solver, u, outcome);
  steps.set_model(solver.get_model());
  for (const objective& goal : unit.preference_order(u)) steps.minimise(goal);
  return outcome;
}

// A sweep asks tens of thousands of small queries, and a fresh context and solver cost more than
// most of them take to solve (Z3 builds its SMT kernel on the first check: ~5 ms). So each thread
// keeps one configured solver and scopes every query in push/pop, which keeps it on the
// incremental core as before. Whether a query is sat does not depend on what the solver learnt
// in earlier scopes; only the search path may, hence only these status-only queries share it.
struct reused_solver {
  explicit reused_solver(const solver_options& budget) : options(budget) {
    configure(solver, options);
  }
  z3::context ctx;
  z3::solver solver{ctx};
  solver_options options;
  int queries = 0;
};

// Rebuilt after this many queries: Z3 keeps some state across scopes, and a never-rebuilt solver
// grew a small-n sweep to 240 MB (41 MB with fresh ones, 49 MB rebuilt every 250 queries).
constexpr int queries_per_solver = 250;

thread_local std::unique_ptr<reused_solver> thread_solver;

bool same_budget(const solver_options& a, const solver_options& b) {
  return a.timeout_ms == b.timeout_ms && a.resource_limit == b.resource_limit &&
         a.memory_mb == b.memory_mb;
}

reused_solver& solver_for(const solver_options& options) {
  if (!thread_solver || !same_budget(thread_solver->options, options) ||
      thread_solver->queries >= queries_per_solver) {
    thread_solver.reset();
    thread_solver = std::make_unique<reused_solver>(options);
  }
  ++thread_solver->queries;
  return *thread_solver;
}

// On sat, `found` (when given) receives the model's layer.
solve_status check_below(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                         const family_params& bound, const solver_options& options,
                         std::span<const std::int64_t> outputs, std::string& reason,
                         family_params* found = nullptr) {
  reused_solver& reused = solver_for(options);
  z3::solver& solver = reused.solver;
  const family_unit& unit = unit_of(bound);
  const unknowns u = unit.declare(reused.ctx, kind);
  solver.push();
  solver.add(feasibility(u, n, m, {}, outputs));
  solver.add(lexicographically_below(u, bound, n));
  const solve_status status = run_check(solver, reason);
  if (status == solve_status::sat && found != nullptr)
    *found = unit.read_layer(solver.get_model(), u);
  solver.pop();
  return status;
}

// Past max_unrolled_outputs no query can hold every window (m reaches 2^62): a layer below the
// bound that fits the windows so far either fits them all (find_mismatch's unsat certifies it:
// sat) or differs at a window that joins the set. Unsat of any relaxation is unsat of the whole.
solve_status below_by_refinement(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                                 const family_params& bound, const solver_options& options,
                                 std::vector<std::int64_t> outputs, std::string& reason) {
  for (int round = 0; round < options.max_refinements; ++round) {
    family_params candidate = bound;
    const solve_status relaxed =
        check_below(n, m, kind, bound, options, outputs, reason, &candidate);
    if (relaxed != solve_status::sat) return relaxed;
    const reference::pool_geometry g = unit_of(candidate).geometry(n, candidate, kind);
    if (g.dilation != 1 && g.kernel != 1) {
      reason = "refinement met a dilated candidate, which its window query cannot check";
      return solve_status::unknown;
    }
    const mismatch_search search = find_mismatch(n, m, kind, candidate, options);
    if (search.status != solve_status::sat) {
      reason = search.reason;
      return search.status == solve_status::unsat ? solve_status::sat : solve_status::unknown;
    }
    outputs.insert(std::upper_bound(outputs.begin(), outputs.end(), search.output), search.output);
  }
  reason = "no decision after " + std::to_string(options.max_refinements) + " refinement rounds";
  return solve_status::unknown;
}

solve_status below_exists_or_throw(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                                   const family_params& bound, const solver_options& options,
                                   std::string& reason) {
  // A few telling windows usually refute already (unsat of a relaxation is unsat of the
  // whole); only when they do not is every window encoded.
  const std::vector<std::int64_t> telling = telling_outputs(n, m);
  if (m > options.max_unrolled_outputs) {
    return below_by_refinement(n, m, kind, bound, options, telling, reason);
  }
  if (telling.size() < static_cast<std::size_t>(m)) {
    const solve_status relaxed = check_below(n, m, kind, bound, options, telling, reason);
    if (relaxed != solve_status::sat) return relaxed;
  }
  return check_below(n, m, kind, bound, options, every_output(m), reason);
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

mismatch_search find_mismatch(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                              const family_params& layer, const solver_options& options) {
  const reference::pool_geometry g = family_geometry(n, layer, kind);
  POOLPROOF_CHECK(g.dilation == 1 || g.kernel == 1);
  try {
    z3::context ctx;
    z3::solver solver(ctx);
    configure(solver, options);
    solver.add(some_window_differs(ctx, n, m, kind, g));
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

std::string mismatch_smt2(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                          const family_params& layer) {
  z3::context ctx;
  z3::solver solver(ctx);
  solver.add(some_window_differs(ctx, n, m, kind, family_geometry(n, layer, kind)));
  return "(set-logic QF_LIA)\n" + solver.to_smt2();
}

solve_status witness_below_exists(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                                  const family_params& bound, const solver_options& options,
                                  std::string& reason) {
  try {
    const solve_status status = below_exists_or_throw(n, m, kind, bound, options, reason);
    // A solver that gave up (cancelled, out of budget) is not trusted with the next query.
    if (status == solve_status::unknown) thread_solver.reset();
    return status;
  } catch (const z3::exception& e) {
    // Thrown inside a scope, it may have left one open.
    thread_solver.reset();
    reason = std::string("Z3 error: ") + e.msg();
    return solve_status::unknown;
  }
}

solve_outcome solve_minimal(std::int64_t n, std::int64_t m, pool_family family,
                            reference::pool_kind kind, const shared_flags& flags,
                            const solver_options& options, std::span<const std::int64_t> outputs) {
  try {
    return solve_or_throw(n, m, family, kind, flags, options, outputs);
  } catch (const z3::exception& e) {
    // Z3 reports exhausted memory and similar failures by exception: that is an unknown.
    return {solve_status::unknown, {}, false, std::string("Z3 error: ") + e.msg()};
  }
}

std::string feasibility_smt2(std::int64_t n, std::int64_t m, pool_family family,
                             reference::pool_kind kind, const shared_flags& flags,
                             std::span<const std::int64_t> outputs) {
  z3::context ctx;
  z3::solver solver(ctx);
  solver.add(feasibility(unit_of(family).declare(ctx, kind), n, m, flags, outputs));
  return "(set-logic " + std::string(kind == reference::pool_kind::avg ? "QF_LIA" : "QF_NIA") +
         ")\n" + solver.to_smt2();
}

refutation_core minimal_refutation_core(std::int64_t n, std::int64_t m, pool_family family,
                                        reference::pool_kind kind,
                                        std::span<const std::int64_t> outputs,
                                        const solver_options& options) {
  try {
    z3::context ctx;
    z3::solver solver(ctx);
    configure(solver, options);
    z3::params minimise_core(ctx);
    minimise_core.set("core.minimize", true);
    solver.set(minimise_core);
    const family_unit& unit = unit_of(family);
    const unknowns u = unit.declare(ctx, kind);
    solver.add(unit.ranges(u));
    // Tracked one window at a time, so the core names windows; for max, each window's interval
    // constraint holds under dilation 1 and the dilated branch is one tracked block. The
    // family's output count (with its derived pads) is one more block.
    solver.add(unit.count_is(u, n, m), "output_count");
    for (std::int64_t i : outputs) {
      const std::int64_t one[] = {i};
      const z3::expr window = intervals_match(u, n, m, kind, one);
      solver.add(kind == reference::pool_kind::avg ? window : z3::implies(u.dilation == 1, window),
                 ("window_" + std::to_string(i)).c_str());
    }
    if (kind == reference::pool_kind::max) {
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

}  // namespace poolproof::solver::detail

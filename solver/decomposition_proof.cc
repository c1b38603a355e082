// Why some axes need two pooling ops: Z3's unsat of a relaxation of "one pool yields them all".
#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <z3++.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "solver/decomposition_detail.h"

namespace poolproof::solver::detail {
namespace {

// One pool with kernel K on a gathered copy of length N reads, at output o, the cells
// [x, x+K) clipped to [0, N). Relaxed: any x (not only o*s - pad), no output count, no divisor.
// Each adaptive window needs an output whose clipped read spans its length, and distinct
// windows need distinct cells (an output is one value). unsat: no one pool yields them.
z3::check_result one_pool_relaxation(z3::solver& solver, const window_classes& c) {
  z3::context& ctx = solver.ctx();
  const z3::expr kernel = ctx.int_const("kernel"), size = ctx.int_const("gathered_size");
  solver.add(kernel >= 1 && size >= 1);
  std::vector<z3::expr> begins, ends;
  std::vector<std::int64_t> lengths;
  for (std::int64_t i = 0; i < c.m; ++i) {
    const z3::expr x = ctx.int_const(("read_" + std::to_string(i)).c_str());
    const z3::expr begin = z3::ite(x >= 0, x, ctx.int_val(0));
    const z3::expr end = z3::ite(x + kernel <= size, x + kernel, size);
    lengths.push_back(reference::adaptive_window(c.n, c.m, i).length());
    solver.add(end - begin == ctx.int_val(lengths.back()));
    for (std::size_t j = 0; j < begins.size(); ++j) {
      // Windows of different lengths differ already.
      if (lengths[j] == lengths.back()) solver.add(begin != begins[j] || end != ends[j]);
    }
    begins.push_back(begin);
    ends.push_back(end);
  }
  return solver.check();
}

}  // namespace

std::string prove_two_pools(const window_classes& c, const solver_options& options) {
  if (c.m > options.max_unrolled_outputs) {
    return fmt::format(
        "theorem (docs/decomposition.md): one pool yields at most two windows shorter than its "
        "kernel, and {} windows of {} inputs sit beside {} of {}",
        c.shorts, c.short_length, c.longs, c.long_length());
  }
  try {
    z3::context ctx;
    z3::solver solver(ctx);
    z3::params params(ctx);
    params.set("timeout", options.timeout_ms);
    params.set("rlimit", options.resource_limit);
    solver.set(params);
    const z3::check_result result = one_pool_relaxation(solver, c);
    if (result == z3::unknown) return "unproven: Z3 gave up (" + solver.reason_unknown() + ")";
    // Z3 finding one pool would contradict the theorem the plan rests on.
    POOLPROOF_CHECK(result == z3::unsat);
    return fmt::format(
        "Z3: unsat, no one pool on any gathered copy yields these {} windows "
        "(docs/decomposition.md)",
        c.m);
  } catch (const z3::exception& e) {
    return std::string("unproven: Z3 error: ") + e.msg();
  }
}

std::string two_pools_needed(const window_classes& c, const solver_options& options) {
  // The query depends on n and m alone, not on the family or kind: answer each pair once.
  static std::mutex guard;
  static std::map<std::pair<std::int64_t, std::int64_t>, std::string> proven;
  {
    const std::lock_guard lock(guard);
    if (auto found = proven.find({c.n, c.m}); found != proven.end()) return found->second;
  }
  std::string why = prove_two_pools(c, options);
  if (why.rfind("Z3: unsat", 0) == 0) {
    const std::lock_guard lock(guard);
    proven.emplace(std::pair{c.n, c.m}, why);
  }
  return why;
}

}  // namespace poolproof::solver::detail

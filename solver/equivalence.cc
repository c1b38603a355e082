#include <poolproof/common/error.h>
#include <poolproof/solver/equivalence.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "solver/families/family_unit.h"
#include "solver/z3_encoding.h"

namespace poolproof::solver {
namespace {

std::string flags_text(const shared_flags& flags) {
  std::string text;
  if (flags.ceil_mode)
    text += std::string(" with ceil_mode=") + (*flags.ceil_mode ? "True" : "False");
  if (flags.count_include_pad) {
    text += std::string(" and count_include_pad=") + (*flags.count_include_pad ? "True" : "False");
  }
  if (flags.auto_pad)
    text += std::string(" and auto_pad=") + reference::onnx_auto_pad_name(*flags.auto_pad);
  return text;
}

// The windows the reference re-checks when m is too large to visit all: the solver's own, an
// even sample, and the last one.
std::vector<std::int64_t> recheck_sample(std::int64_t m,
                                         std::span<const std::int64_t> solver_outputs) {
  std::vector<std::int64_t> sample(solver_outputs.begin(), solver_outputs.end());
  constexpr std::int64_t even_sample = 4096;
  for (std::int64_t step = 0; step < even_sample; ++step)
    sample.push_back(step * (m / even_sample));
  sample.push_back(m - 1);
  return sample;
}

// A witness is only reported after the reference itself agrees: on every window when m is
// within options.max_rechecked_windows, else (the rest being certified by find_mismatch's
// unsat) on a sample.
verdict checked_witness(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                        const detail::solve_outcome& outcome, const solver_options& options,
                        std::span<const std::int64_t> solver_outputs) {
  const family_params& witness = outcome.params;
  require_valid_family_params(witness, kind);
  std::optional<std::string> mismatch;
  std::int64_t rechecked = m;
  if (m <= options.max_rechecked_windows) {
    mismatch = family_mismatch(n, m, witness, kind);
  } else {
    const std::vector<std::int64_t> sample = recheck_sample(m, solver_outputs);
    mismatch = family_mismatch(n, m, witness, kind, sample);
    rechecked = static_cast<std::int64_t>(sample.size());
  }
  if (mismatch) {
    return unknown{"internal error: the solver's witness failed the reference re-check: " +
                   *mismatch};
  }
  return equivalent{witness, outcome.minimal, rechecked};
}

std::string refuted(std::int64_t n, std::int64_t m, pool_family family, reference::pool_kind kind,
                    const shared_flags& flags) {
  return "no " + detail::unit_of(family).searched_layers(kind) + flags_text(flags) +
         " reproduces adaptive pooling " + std::to_string(n) + " -> " + std::to_string(m) +
         " (Z3: unsat)";
}

// Small m: every window at once.
verdict solve_unrolled(std::int64_t n, std::int64_t m, pool_family family,
                       reference::pool_kind kind, const solver_options& options,
                       const shared_flags& flags) {
  const std::vector<std::int64_t> outputs = detail::every_output(m);
  const detail::solve_outcome outcome =
      detail::solve_minimal(n, m, family, kind, flags, options, outputs);
  if (outcome.status == detail::solve_status::sat)
    return checked_witness(n, m, kind, outcome, options, outputs);
  if (outcome.status == detail::solve_status::unsat)
    return not_equivalent{refuted(n, m, family, kind, flags), {}};
  return unknown{"Z3 gave up: " + outcome.reason};
}

// Any m: the least layer fitting some windows either fits all (find_mismatch is unsat, and being
// least for fewer constraints it is least for all) or fails at a window that joins the set.
verdict solve_by_refinement(std::int64_t n, std::int64_t m, pool_family family,
                            reference::pool_kind kind, const solver_options& options,
                            const shared_flags& flags) {
  std::vector<std::int64_t> outputs = detail::telling_outputs(n, m);
  for (int round = 0; round < options.max_refinements; ++round) {
    const detail::solve_outcome outcome =
        detail::solve_minimal(n, m, family, kind, flags, options, outputs);
    if (outcome.status == detail::solve_status::unsat)
      return not_equivalent{refuted(n, m, family, kind, flags), outputs};
    if (outcome.status == detail::solve_status::unknown)
      return unknown{"Z3 gave up: " + outcome.reason};
    const reference::pool_geometry candidate = family_geometry(n, outcome.params, kind);
    if (candidate.dilation != 1 && candidate.kernel != 1) {
      return unknown{"refinement met a dilated candidate, which its window query cannot check"};
    }
    const detail::mismatch_search search =
        detail::find_mismatch(n, m, kind, outcome.params, options);
    if (search.status == detail::solve_status::unknown)
      return unknown{"Z3 gave up: " + search.reason};
    if (search.status == detail::solve_status::unsat)
      return checked_witness(n, m, kind, outcome, options, outputs);
    outputs.insert(std::upper_bound(outputs.begin(), outputs.end(), search.output), search.output);
  }
  return unknown{"no decision after " + std::to_string(options.max_refinements) +
                 " refinement rounds"};
}

// Every axis under one flag choice; the layer status is the weakest axis's.
std::vector<verdict> solve_axes(std::span<const std::int64_t> in_sizes,
                                std::span<const std::int64_t> out_sizes, pool_family family,
                                reference::pool_kind kind, const solver_options& options,
                                const shared_flags& flags) {
  std::vector<verdict> verdicts;
  for (std::size_t axis = 0; axis < in_sizes.size(); ++axis) {
    verdicts.push_back(
        prove_equivalence(in_sizes[axis], out_sizes[axis], kind, options, flags, family));
  }
  return verdicts;
}

verdict_status weakest(const std::vector<verdict>& verdicts) {
  verdict_status status = verdict_status::equivalent;
  for (const verdict& v : verdicts) {
    if (status_of(v) == verdict_status::not_equivalent) return verdict_status::not_equivalent;
    if (status_of(v) == verdict_status::unknown) status = verdict_status::unknown;
  }
  return status;
}

// Whole-layer search: the first flag choice under which every axis is equivalent.
void choose_layer_flags(std::span<const std::int64_t> in_sizes,
                        std::span<const std::int64_t> out_sizes, pool_family family,
                        reference::pool_kind kind, const solver_options& options,
                        nd_verdict& result) {
  bool undecided = false;
  for (const shared_flags& flags : detail::unit_of(family).flag_choices(kind)) {
    std::vector<verdict> verdicts = solve_axes(in_sizes, out_sizes, family, kind, options, flags);
    const verdict_status status = weakest(verdicts);
    if (status == verdict_status::equivalent) {
      result.layer = std::move(verdicts);
      result.status = status;
      return;
    }
    undecided = undecided || status == verdict_status::unknown;
  }
  result.status = undecided ? verdict_status::unknown : verdict_status::not_equivalent;
  result.reason = undecided
                      ? "the solver could not decide a flag choice shared by all axes"
                      : "every axis is equivalent alone, but they need different shared flags "
                        "(ceil_mode, count_include_pad, auto_pad or padding), which one layer "
                        "shares across axes";
}

}  // namespace

verdict_status status_of(const verdict& v) {
  if (std::holds_alternative<equivalent>(v)) return verdict_status::equivalent;
  if (std::holds_alternative<not_equivalent>(v)) return verdict_status::not_equivalent;
  return verdict_status::unknown;
}

verdict prove_equivalence(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                          const solver_options& options, const shared_flags& flags,
                          pool_family family) {
  reference::require_valid_size(n, "input size");
  reference::require_valid_size(m, "output size");
  if (m <= options.max_unrolled_outputs) return solve_unrolled(n, m, family, kind, options, flags);
  return solve_by_refinement(n, m, family, kind, options, flags);
}

nd_verdict prove_equivalence_nd(std::span<const std::int64_t> in_sizes,
                                std::span<const std::int64_t> out_sizes, reference::pool_kind kind,
                                const solver_options& options, pool_family family) {
  POOLPROOF_CHECK(in_sizes.size() == out_sizes.size() && !in_sizes.empty());
  nd_verdict result;
  result.axes = solve_axes(in_sizes, out_sizes, family, kind, options, {});
  result.status = weakest(result.axes);
  if (result.status != verdict_status::equivalent) {
    result.reason = result.status == verdict_status::unknown ? "an axis is undecided"
                                                             : "an axis is not equivalent";
    return result;
  }
  if (in_sizes.size() == 1) {
    result.layer = result.axes;
    return result;
  }
  choose_layer_flags(in_sizes, out_sizes, family, kind, options, result);
  return result;
}

smt2_query equivalence_smt2(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                            const verdict& answer, const solver_options& options,
                            pool_family family) {
  reference::require_valid_size(n, "input size");
  reference::require_valid_size(m, "output size");
  const bool small = m <= options.max_unrolled_outputs;
  if (const auto* no = std::get_if<not_equivalent>(&answer)) {
    const std::vector<std::int64_t> outputs =
        no->refuting_outputs.empty() ? detail::every_output(m) : no->refuting_outputs;
    return {detail::feasibility_smt2(n, m, family, kind, {}, outputs), "unsat"};
  }
  if (const auto* yes = std::get_if<equivalent>(&answer)) {
    if (small) {
      return {detail::feasibility_smt2(n, m, family, kind, {}, detail::every_output(m)), "sat"};
    }
    return {detail::mismatch_smt2(n, m, kind, yes->witness), "unsat"};
  }
  return {detail::feasibility_smt2(n, m, family, kind, {},
                                   small ? detail::every_output(m) : detail::telling_outputs(n, m)),
          "unknown"};
}

}  // namespace poolproof::solver

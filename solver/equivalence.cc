#include "solver/equivalence.h"

#include <algorithm>
#include <string>

#include "reference/error.h"
#include "solver/z3_encoding.h"

namespace poolproof {
namespace {

std::string family_name(pool_kind kind) {
  return kind == pool_kind::avg
             ? "AvgPool (kernel >= 1, stride >= 1, 0 <= padding <= kernel/2, any ceil_mode and "
               "count_include_pad)"
             : "MaxPool (kernel >= 1, stride >= 1, 0 <= padding <= kernel/2, dilation >= 1, any "
               "ceil_mode)";
}

std::string flags_text(const shared_flags& flags) {
  std::string text;
  if (flags.ceil_mode)
    text += std::string(" with ceil_mode=") + (*flags.ceil_mode ? "True" : "False");
  if (flags.count_include_pad) {
    text += std::string(" and count_include_pad=") + (*flags.count_include_pad ? "True" : "False");
  }
  return text;
}

// A witness is only reported after the reference itself agrees it reproduces every window.
verdict checked_witness(std::int64_t n, std::int64_t m, pool_kind kind,
                        const detail::solve_outcome& outcome) {
  fixed_pool_params witness = outcome.params;
  if (kind == pool_kind::max) witness.count_include_pad = true;
  require_valid_params(witness, kind);
  if (auto mismatch = fixed_pool_mismatch(n, m, witness, kind)) {
    return unknown{"internal error: the solver's witness failed the reference re-check: " +
                   *mismatch};
  }
  return equivalent{witness, outcome.minimal};
}

// The flag choices to try for a whole layer, most PyTorch-default first.
std::vector<shared_flags> flag_choices(pool_kind kind) {
  std::vector<shared_flags> choices;
  for (bool ceil_mode : {false, true}) {
    if (kind == pool_kind::max) {
      choices.push_back({ceil_mode, std::nullopt});
      continue;
    }
    for (bool count_include_pad : {true, false}) choices.push_back({ceil_mode, count_include_pad});
  }
  return choices;
}

// Every axis under one flag choice; the layer status is the weakest axis's.
std::vector<verdict> solve_axes(std::span<const std::int64_t> in_sizes,
                                std::span<const std::int64_t> out_sizes, pool_kind kind,
                                const solver_options& options, const shared_flags& flags) {
  std::vector<verdict> verdicts;
  for (std::size_t axis = 0; axis < in_sizes.size(); ++axis) {
    verdicts.push_back(prove_equivalence(in_sizes[axis], out_sizes[axis], kind, options, flags));
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
                        std::span<const std::int64_t> out_sizes, pool_kind kind,
                        const solver_options& options, nd_verdict& result) {
  bool undecided = false;
  for (const shared_flags& flags : flag_choices(kind)) {
    std::vector<verdict> verdicts = solve_axes(in_sizes, out_sizes, kind, options, flags);
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
                      : "every axis is equivalent alone, but they need different ceil_mode or "
                        "count_include_pad, which one PyTorch layer shares across axes";
}

}  // namespace

verdict_status status_of(const verdict& v) {
  if (std::holds_alternative<equivalent>(v)) return verdict_status::equivalent;
  if (std::holds_alternative<not_equivalent>(v)) return verdict_status::not_equivalent;
  return verdict_status::unknown;
}

verdict prove_equivalence(std::int64_t n, std::int64_t m, pool_kind kind,
                          const solver_options& options, const shared_flags& flags) {
  require_valid_size(n, "input size");
  require_valid_size(m, "output size");
  if (m > options.max_unrolled_outputs) {
    return unknown{"output size " + std::to_string(m) + " exceeds the " +
                   std::to_string(options.max_unrolled_outputs) +
                   " windows the per-window encoding unrolls"};
  }
  const detail::solve_outcome outcome = detail::solve_minimal(n, m, kind, flags, options);
  switch (outcome.status) {
    case detail::solve_status::sat:
      return checked_witness(n, m, kind, outcome);
    case detail::solve_status::unsat:
      return not_equivalent{"no PyTorch " + family_name(kind) + flags_text(flags) +
                            " reproduces adaptive pooling " + std::to_string(n) + " -> " +
                            std::to_string(m) + " (Z3: unsat)"};
    case detail::solve_status::unknown:
      break;
  }
  return unknown{"Z3 gave up: " + outcome.reason};
}

nd_verdict prove_equivalence_nd(std::span<const std::int64_t> in_sizes,
                                std::span<const std::int64_t> out_sizes, pool_kind kind,
                                const solver_options& options) {
  POOLPROOF_CHECK(in_sizes.size() == out_sizes.size() && !in_sizes.empty());
  nd_verdict result;
  result.axes = solve_axes(in_sizes, out_sizes, kind, options, {});
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
  choose_layer_flags(in_sizes, out_sizes, kind, options, result);
  return result;
}

std::string equivalence_smt2(std::int64_t n, std::int64_t m, pool_kind kind,
                             const shared_flags& flags) {
  require_valid_size(n, "input size");
  require_valid_size(m, "output size");
  return detail::feasibility_smt2(n, m, kind, flags);
}

}  // namespace poolproof

// Whether a fixed PyTorch pooling layer reproduces adaptive pooling: verdicts as values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "reference/fixed_pool.h"

namespace poolproof {

/// Budgets for one solver query. Z3 4.8.12 can ignore `timeout` on hard queries, so the
/// deterministic resource limit is the main budget and the timeout a backstop.
struct solver_options {
  unsigned timeout_ms = 10000;
  unsigned resource_limit = 50'000'000;
  /// The encoding has one constraint group per output window; larger m is refused as unknown.
  std::int64_t max_unrolled_outputs = 100'000;
};

/// Flags PyTorch shares across all axes of one N-D layer, fixed while solving one axis.
struct shared_flags {
  std::optional<bool> ceil_mode;
  std::optional<bool> count_include_pad;
};

/// A fixed pooling proven to reproduce adaptive pooling; it was re-checked against the
/// reference windows. `minimal` is false when the solver ran out of budget while minimising
/// (kernel, then stride, then padding, then PyTorch's defaults).
struct equivalent {
  fixed_pool_params witness;
  bool minimal = true;
};

/// No fixed pooling of the family reproduces adaptive pooling (the solver's unsat).
struct not_equivalent {
  std::string explanation;
};

/// The solver could not decide within its budget, or the query was too large to build.
struct unknown {
  std::string reason;
};

using verdict = std::variant<equivalent, not_equivalent, unknown>;

/// Decides with Z3 whether some PyTorch AvgPool1d (kind avg: kernel >= 1, stride >= 1,
/// 0 <= padding <= kernel/2, ceil_mode, count_include_pad) or MaxPool1d (kind max: also
/// dilation >= 1) has exactly adaptive pooling n -> m's output count and index sets, and for avg
/// its divisors. Preconditions: 1 <= n, m <= 2^62.
[[nodiscard]] verdict prove_equivalence(std::int64_t in_size, std::int64_t out_size, pool_kind kind,
                                        const solver_options& options,
                                        const shared_flags& flags = {});

/// Overall answer of a verdict or of a whole layer.
enum class verdict_status { equivalent, not_equivalent, unknown };

[[nodiscard]] verdict_status status_of(const verdict& v);

/// The verdicts of an N-D layer. `axes` answers each axis alone (its own best flags); `layer`
/// answers each axis under the ceil_mode and count_include_pad that PyTorch makes one layer share
/// across its axes, chosen in PyTorch's default order. `status` is the layer's: equivalent only
/// when a common choice exists; `reason` says why not, when it is not.
struct nd_verdict {
  std::vector<verdict> axes;
  std::vector<verdict> layer;
  verdict_status status = verdict_status::unknown;
  std::string reason;
};

/// prove_equivalence per axis, then a common choice of the shared flags.
/// Preconditions: the same number (1-3) of sizes on both sides, each in [1, 2^62].
[[nodiscard]] nd_verdict prove_equivalence_nd(std::span<const std::int64_t> in_sizes,
                                              std::span<const std::int64_t> out_sizes,
                                              pool_kind kind, const solver_options& options);

/// The feasibility query of prove_equivalence as a self-contained SMT-LIB2 script (QF_NIA; linear
/// for avg), so another solver (cvc5) can re-check a sat or unsat answer.
[[nodiscard]] std::string equivalence_smt2(std::int64_t in_size, std::int64_t out_size,
                                           pool_kind kind, const shared_flags& flags = {});

}  // namespace poolproof

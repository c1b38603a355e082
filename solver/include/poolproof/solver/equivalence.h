// Whether a fixed pooling layer of a family reproduces adaptive pooling: verdicts as values.
#pragma once

#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/family.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace poolproof::solver {

/// Budgets for one solver query. Z3 4.8.12 can ignore `timeout` on hard queries, so the
/// deterministic resource limit is the main budget and the timeout a backstop.
struct solver_options {
  unsigned timeout_ms = 10000;
  unsigned resource_limit = 50'000'000;
  /// Memory Z3 may use, in MiB (0: no limit); running out is an unknown, never a crash.
  unsigned memory_mb = 0;
  /// Up to this many outputs every window is encoded at once; beyond, the solver refines: it
  /// encodes a few telling windows, and a constant-size query either certifies the candidate on
  /// every window or names one more window to add.
  std::int64_t max_unrolled_outputs = 64;
  /// Refinement rounds before giving up as unknown.
  int max_refinements = 64;
  /// Witnesses with at most this many outputs are re-checked by the reference window by window;
  /// beyond, on the solver's windows and an even sample, with the rest certified by Z3.
  std::int64_t max_rechecked_windows = 10'000'000;
};

/// Flags one N-D layer shares across all its axes, fixed while solving one axis: PyTorch's and
/// ONNX's ceil_mode and count_include_pad, ONNX's auto_pad, TFLite's padding (same_upper stands
/// for SAME, valid for VALID).
struct shared_flags {
  std::optional<bool> ceil_mode;
  std::optional<bool> count_include_pad;
  std::optional<reference::onnx_auto_pad> auto_pad;
};

/// A fixed pooling proven to reproduce adaptive pooling; it was re-checked against the family's
/// reference model. `minimal` is false when the solver ran out of budget while minimising
/// (kernel, then stride, then pads, then the family's defaults).
struct equivalent {
  family_params witness;  ///< the layer in its family's own parameters (the alternative held)
  bool minimal = true;
  std::int64_t rechecked_windows = 0;  ///< windows the reference re-checked (m: all of them)
};

/// No fixed pooling of the family reproduces adaptive pooling (the solver's unsat).
struct not_equivalent {
  std::string explanation;
  std::vector<std::int64_t> refuting_outputs;  ///< windows whose constraints are already unsat
};

/// The solver could not decide within its budget, or the query was too large to build.
struct unknown {
  std::string reason;
};

using verdict = std::variant<equivalent, not_equivalent, unknown>;

/// Decides with Z3 whether some PyTorch AvgPool1d (kind avg: kernel >= 1, stride >= 1,
/// 0 <= padding <= kernel/2, ceil_mode, count_include_pad) or MaxPool1d (kind max: also
/// dilation >= 1) has exactly adaptive pooling n -> m's output count and index sets, and for avg
/// its divisors. With `family` onnx or tflite, the same for that family's layers (export_pool.h):
/// ONNX AveragePool/MaxPool with explicit pads in [0, kernel), ceil_mode, count_include_pad,
/// dilations (max) or an auto_pad; TFLite pooling with SAME or VALID padding. The witness is
/// re-checked by the family's own reference model. Preconditions: 1 <= n, m <= 2^62.
[[nodiscard]] verdict prove_equivalence(std::int64_t in_size, std::int64_t out_size,
                                        reference::pool_kind kind, const solver_options& options,
                                        const shared_flags& flags = {},
                                        pool_family family = default_family);

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

/// prove_equivalence per axis, then a common choice of the family's shared flags.
/// Preconditions: the same number (1-3) of sizes on both sides, each in [1, 2^62].
[[nodiscard]] nd_verdict prove_equivalence_nd(std::span<const std::int64_t> in_sizes,
                                              std::span<const std::int64_t> out_sizes,
                                              reference::pool_kind kind,
                                              const solver_options& options,
                                              pool_family family = default_family);

/// The query behind a verdict as a self-contained SMT-LIB2 script, so another solver (cvc5) can
/// re-check it, and the answer that script must give: for not_equivalent the refuting
/// windows' feasibility query (unsat); for equivalent with at most max_unrolled_outputs
/// outputs the whole feasibility query (sat), beyond that the witness's constant-size
/// "some window differs" query (unsat); for unknown the whole query when small, else the
/// telling windows' one ("unknown").
struct smt2_query {
  std::string script;
  std::string expected;  ///< "sat", "unsat" or "unknown"
};

[[nodiscard]] smt2_query equivalence_smt2(std::int64_t in_size, std::int64_t out_size,
                                          reference::pool_kind kind, const verdict& answer,
                                          const solver_options& options,
                                          pool_family family = default_family);

}  // namespace poolproof::solver

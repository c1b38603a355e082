// What prove_equivalence prints: the windows side by side, the verdicts, JSON, and the exit code.
#pragma once

#include <poolproof/solver/equivalence.h>
#include <poolproof/solver/sweep.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace poolproof::solver {

/// Both verdicts of one adaptive pooling layer, in_size -> out_size (1-3 axes), for one family.
struct equivalence_report {
  std::vector<std::int64_t> in_size;
  std::vector<std::int64_t> out_size;
  nd_verdict avg;
  nd_verdict max;
  pool_family family = default_family;
  /// Set: only this kind was asked (--kind); the other one's verdict is left empty and unreported.
  std::optional<reference::pool_kind> only_kind = std::nullopt;

  /// The kinds asked, avg before max.
  [[nodiscard]] std::vector<reference::pool_kind> kinds() const;
};

/// Exit status: 1 when a kind asked is proven not equivalent, else 3 when one is unknown,
/// else 0.
[[nodiscard]] int exit_code(const equivalence_report& report);

/// The same over several families' reports (--target all): the worst of them.
[[nodiscard]] int exit_code(const std::vector<equivalence_report>& reports);

/// For each axis, the adaptive windows beside the naive rule's (stride = n//m,
/// kernel = n-(m-1)*stride, padding 0) and each witness's, differing ones marked; at most
/// `max_rows` windows per axis (the first and last half). Then one verdict line per kind. A
/// family without a naive rule (all but PyTorch) has no naive column; each verdict line starts
/// with the family's name unless the family is default_family (with `name_family`, always).
[[nodiscard]] std::string human_report(const equivalence_report& report, std::int64_t max_rows,
                                       bool name_family = false);

/// One JSON object: for "avg" and "max", "equivalent" (true, false or null for unknown) and,
/// when true, "witness" in the family's parameters (PyTorch: "kernel", "stride", "padding",
/// "ceil_mode", plus "count_include_pad" for avg and "dilation" for max: numbers for 1-D, one per
/// axis for N-D); "axes" per axis.
[[nodiscard]] std::string json_report(const equivalence_report& report);

/// --target all: {"target": "all", "families": {"pytorch": {...}, "onnx": {...},
/// "tflite": {...}}, "exit_code": ...}, each family's object as json_report prints it.
[[nodiscard]] std::string json_report(const std::vector<equivalence_report>& reports);

/// The counts of a sweep, human-readable or as one JSON object.
[[nodiscard]] std::string sweep_report(const sweep_result& result, const sweep_options& options,
                                       bool json);

/// Exit status of a sweep: 1 on a disagreement, 130 when interrupted, 3 with unknowns, else 0.
[[nodiscard]] int sweep_exit_code(const sweep_result& result);

}  // namespace poolproof::solver

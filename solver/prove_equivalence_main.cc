// prove_equivalence IN OUT: can a fixed pooling layer replace adaptive pooling IN -> OUT, and if
// not, what can (--decompose, --emit-onnx, --emit-pytorch)?
#include <fmt/format.h>
#include <poolproof/common/atomic_file.h>
#include <poolproof/common/error.h>
#include <poolproof/common/program.h>
#include <poolproof/exporter/onnx_model.h>
#include <poolproof/exporter/pytorch_module.h>
#include <poolproof/reference/size_text.h>
#include <poolproof/solver/decomposition.h>
#include <poolproof/solver/equivalence.h>
#include <poolproof/solver/explain.h>
#include <poolproof/solver/report.h>
#include <poolproof/solver/smt2_script.h>
#include <poolproof/solver/svg.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>

namespace {

struct arguments {
  std::string in_text, out_text, smt2_path, svg_path, map_path, target = "pytorch";
  std::string kind, emit_onnx_path;
  std::vector<std::string> sweep;
  bool json = false;
  bool explain = false;
  bool decompose = false;
  bool emit_pytorch = false;
  std::int64_t max_rows = 16;
  unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  poolproof::solver::solver_options options;
};

// The families --target names: one, or all three for "all".
std::vector<poolproof::solver::pool_family> targets(const std::string& target) {
  if (target == "all") return poolproof::solver::all_families();
  return {poolproof::solver::parse_pool_family(target)};
}

// "pytorch (default), onnx, tflite": every registered family.
std::string target_help() {
  using namespace poolproof::solver;
  std::string text;
  for (pool_family family : all_families()) {
    text += (text.empty() ? "" : ", ") + std::string(pool_family_name(family)) +
            (family == default_family ? " (default)" : "");
  }
  return text;
}

// Raised by Ctrl-C during a sweep, which then stops and prints its partial counts.
std::atomic<bool> stop_requested{false};

void print_progress(std::int64_t checked, std::int64_t total) {
  static const bool terminal = ::isatty(STDERR_FILENO) != 0;
  const std::int64_t step = std::max<std::int64_t>(1, total / 10);
  if (!terminal && checked % step != 0 && checked != total) return;
  const auto filled = static_cast<std::size_t>(40 * checked / total);
  std::cerr << (terminal ? "\r" : "") << "sweep [" << std::string(filled, '#')
            << std::string(40 - filled, '.') << "] " << checked << "/" << total
            << (terminal && checked < total ? "" : "\n") << std::flush;
}

// Flags that would do nothing are refused rather than ignored, and every output file is checked
// before the work, so a bad path costs nothing.
void require_meaningful_flags(const arguments& args) {
  namespace common = poolproof::common;
  const bool sweeping = !args.sweep.empty();
  for (const auto& [flag, given] :
       {std::pair{"--svg", !args.svg_path.empty()}, std::pair{"--smt2", !args.smt2_path.empty()},
        std::pair{"--explain", args.explain}, std::pair{"--decompose", args.decompose},
        std::pair{"--emit-onnx", !args.emit_onnx_path.empty()},
        std::pair{"--emit-pytorch", args.emit_pytorch}}) {
    if (sweeping && given)
      throw common::input_error(std::string(flag) + " does nothing with --sweep");
  }
  if (!sweeping && !args.map_path.empty()) throw common::input_error("--map needs --sweep");
  for (const std::string& path : {args.smt2_path, args.map_path, args.emit_onnx_path}) {
    if (!path.empty()) common::require_replaceable_file(path);
  }
}

int run_sweep(const arguments& args) {
  using namespace poolproof::solver;
  namespace reference = poolproof::reference;
  namespace common = poolproof::common;
  sweep_options options;
  const auto [in_first, in_last] = reference::parse_range(args.sweep.front(), "sweep range");
  const auto [out_first, out_last] = reference::parse_range(args.sweep.back(), "sweep range");
  options.in = {in_first, in_last};
  options.out = {out_first, out_last};
  options.threads = args.threads;
  options.solver = args.options;
  const std::vector<pool_family> families = targets(args.target);
  if (families.size() != 1) throw common::input_error("--sweep takes one --target, not all");
  options.family = families.front();
  if (!args.map_path.empty() && options.family != pool_family::pytorch)
    throw common::input_error("--map draws the PyTorch theorem only; use --target pytorch");
  const auto on_signal = [](int) { stop_requested = true; };
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto branch_of = [](std::int64_t n, std::int64_t m) {
    return closed_form(n, m, reference::pool_kind::avg).branch;
  };
  if (!args.map_path.empty())
    (void)equivalence_map_svg(options, branch_of);  // refuse a bad map before sweeping
  const sweep_result result = sweep(options, print_progress, stop_requested);
  std::cout << sweep_report(result, options, args.json);
  if (!args.map_path.empty())
    common::write_file_atomically(args.map_path, equivalence_map_svg(options, branch_of));
  return sweep_exit_code(result);
}

// FILE with `suffix` before its extension: "map.svg" -> "map-axis0.svg".
std::string with_suffix(const std::string& path, const std::string& suffix) {
  const std::size_t dot = path.rfind('.');
  const std::size_t cut = dot == std::string::npos || dot < path.rfind('/') + 1 ? path.size() : dot;
  return path.substr(0, cut) + suffix + path.substr(cut);
}

// FILE for one axis; FILE with "-axisK" before its extension for each axis of N-D sizes.
std::string axis_path(const std::string& path, std::size_t axis, std::size_t axes) {
  return axes == 1 ? path : with_suffix(path, "-axis" + std::to_string(axis));
}

// For each refuted axis and kind, why: from a minimal unsat core, in windows and strides.
std::string explanations(const poolproof::solver::equivalence_report& report,
                         const poolproof::solver::solver_options& options) {
  using namespace poolproof::solver;
  namespace reference = poolproof::reference;
  namespace common = poolproof::common;
  std::string text;
  const std::string family =
      report.family == default_family ? "" : std::string(pool_family_name(report.family)) + " ";
  for (reference::pool_kind kind : {reference::pool_kind::avg, reference::pool_kind::max}) {
    const nd_verdict& verdicts = kind == reference::pool_kind::avg ? report.avg : report.max;
    for (std::size_t axis = 0; axis < verdicts.axes.size(); ++axis) {
      const auto* refuted = std::get_if<not_equivalent>(&verdicts.axes[axis]);
      if (refuted == nullptr) continue;
      text += fmt::format("{}{} axis {} ({} -> {}):\n", family, reference::pool_kind_name(kind),
                          axis, report.in_size[axis], report.out_size[axis]);
      text += explain_not_equivalent(report.in_size[axis], report.out_size[axis], kind, *refuted,
                                     options, report.family);
    }
  }
  return text;
}

// --kind: one kind, or (empty) both.
std::optional<poolproof::reference::pool_kind> parse_kind(const std::string& kind) {
  if (kind.empty()) return std::nullopt;
  if (kind == "avg") return poolproof::reference::pool_kind::avg;
  if (kind == "max") return poolproof::reference::pool_kind::max;
  throw poolproof::common::input_error("kind '" + kind + "' is not avg or max");
}

// The kinds' verdicts for one family (both unless --kind names one).
poolproof::solver::equivalence_report solve_family(
    const std::vector<std::int64_t>& in, const std::vector<std::int64_t>& out,
    poolproof::solver::pool_family family, const poolproof::solver::solver_options& options,
    std::optional<poolproof::reference::pool_kind> only_kind) {
  using namespace poolproof::solver;
  equivalence_report report{in, out, {}, {}, family, only_kind};
  for (poolproof::reference::pool_kind kind : report.kinds()) {
    (kind == poolproof::reference::pool_kind::avg ? report.avg : report.max) =
        prove_equivalence_nd(in, out, kind, options, family);
  }
  return report;
}

// --decompose: each family's replacement for each kind asked, as text or one JSON object.
int print_decompositions(const arguments& args, const std::vector<std::int64_t>& in,
                         const std::vector<std::int64_t>& out,
                         const std::vector<poolproof::solver::pool_family>& families) {
  using namespace poolproof::solver;
  std::string json = "[\n";
  bool first = true;
  equivalence_report kinds{in, out, {}, {}, default_family, parse_kind(args.kind)};
  for (pool_family family : families) {
    for (poolproof::reference::pool_kind kind : kinds.kinds()) {
      const decomposition d = decompose(in, out, kind, family, args.options);
      if (args.json) {
        json += (first ? "" : ",\n") + decomposition_json(d);
      } else {
        std::cout << (first ? "" : "\n") << decomposition_text(d);
      }
      first = false;
    }
  }
  if (args.json) std::cout << json << "]\n";
  return 0;
}

// --emit-onnx FILE / --emit-pytorch: the replacement of the layer --kind names, as a model file
// (ONNX family) or as Python source on stdout (PyTorch family).
int emit(const arguments& args, const std::vector<std::int64_t>& in,
         const std::vector<std::int64_t>& out) {
  using namespace poolproof::solver;
  const std::optional<poolproof::reference::pool_kind> kind = parse_kind(args.kind);
  if (!kind)
    throw poolproof::common::input_error("--emit-onnx and --emit-pytorch need --kind avg or max");
  if (!args.emit_onnx_path.empty()) {
    const decomposition d = decompose(in, out, *kind, pool_family::onnx, args.options);
    const poolproof::exporter::onnx_model model = poolproof::exporter::make_onnx_model(d);
    poolproof::common::write_file_atomically(args.emit_onnx_path, model.bytes);
    if (!args.emit_pytorch) {
      std::cout << fmt::format("onnx {}: wrote {} ({} nodes, {} pooling op(s), opset {})\n",
                               args.kind, args.emit_onnx_path, model.nodes, d.pooling_ops(),
                               model.opset);
    }
  }
  if (args.emit_pytorch) {
    const decomposition d = decompose(in, out, *kind, pool_family::pytorch, args.options);
    std::cout << poolproof::exporter::pytorch_module_source(d);
  }
  return 0;
}

// The --smt2 script: each family's queries in turn.
std::string smt2_scripts(const std::vector<poolproof::solver::equivalence_report>& reports,
                         const poolproof::solver::solver_options& options) {
  std::string script;
  for (const poolproof::solver::equivalence_report& r : reports) {
    script += poolproof::solver::equivalence_script(r.in_size, r.out_size, r.avg.axes, r.max.axes,
                                                    options, r.family);
  }
  return script;
}

int run(const arguments& args) {
  using namespace poolproof::solver;
  namespace reference = poolproof::reference;
  namespace common = poolproof::common;
  require_meaningful_flags(args);
  if (!args.sweep.empty()) return run_sweep(args);
  if (args.in_text.empty() || args.out_text.empty())
    throw common::input_error("IN and OUT are required (or --sweep)");
  const std::vector<pool_family> families = targets(args.target);
  const auto in = reference::parse_sizes(args.in_text, "input size");
  const auto out = reference::parse_sizes(args.out_text, "output size");
  if (in.size() != out.size()) {
    throw common::input_error("input size '" + args.in_text + "' and output size '" +
                              args.out_text + "' have different numbers of axes");
  }
  if (!args.emit_onnx_path.empty() || args.emit_pytorch) return emit(args, in, out);
  if (args.decompose) return print_decompositions(args, in, out, families);
  // --target all: one picture per family, FILE-<family>[-axisK].svg; each refused before solving.
  const auto svg_path = [&](pool_family family, std::size_t axis) {
    const std::string path =
        families.size() > 1
            ? with_suffix(args.svg_path, std::string("-") + pool_family_name(family))
            : args.svg_path;
    return axis_path(path, axis, in.size());
  };
  for (std::size_t axis = 0; !args.svg_path.empty() && axis < in.size(); ++axis) {
    for (pool_family family : families) common::require_replaceable_file(svg_path(family, axis));
  }
  std::vector<equivalence_report> reports;
  reports.reserve(families.size());
  for (pool_family family : families)
    reports.push_back(solve_family(in, out, family, args.options, parse_kind(args.kind)));
  for (const equivalence_report& r : reports) {
    for (std::size_t axis = 0; !args.svg_path.empty() && axis < in.size(); ++axis)
      common::write_file_atomically(svg_path(r.family, axis), window_picture_svg(r, axis));
  }
  if (!args.smt2_path.empty())
    common::write_file_atomically(args.smt2_path, smt2_scripts(reports, args.options));
  const bool all = reports.size() > 1;
  if (args.json) std::cout << (all ? json_report(reports) : json_report(reports.front()));
  for (std::size_t i = 0; !args.json && i < reports.size(); ++i) {
    std::cout << (i > 0 ? "\n" : "") << human_report(reports[i], args.max_rows, all);
    if (args.explain) std::cout << explanations(reports[i], args.options);
  }
  return exit_code(reports);
}

// Numbers are plain decimals: "-1" must not wrap to 2^64 - 1, nor "010" be read as octal.
const CLI::Validator decimal(
    [](std::string& text) { return poolproof::common::decimal_problem(text); }, "DECIMAL");

void declare_options(CLI::App& app, arguments& args) {
  app.add_option("IN", args.in_text, "input size: 5, or 224x224 for N-D");
  app.add_option("OUT", args.out_text, "output size, with as many axes as IN");
  app.add_option("--target", args.target, "whose fixed pooling: " + target_help() + ", or all");
  app.add_flag("--json", args.json, "print one JSON object");
  app.add_flag("--explain", args.explain,
               "say why, from a minimal unsat core, where no layer fits");
  app.add_option("--kind", args.kind, "decide one kind only: avg or max (default: both)");
  app.add_flag("--decompose", args.decompose,
               "print an exact replacement built from the family's fixed pooling and static "
               "gathers, concats and slices, for any sizes");
  app.add_option("--emit-onnx", args.emit_onnx_path,
                 "write the replacement of the --kind layer as an ONNX model to FILE");
  app.add_flag("--emit-pytorch", args.emit_pytorch,
               "print the replacement of the --kind layer as a PyTorch nn.Module");
  app.add_option("--timeout-ms", args.options.timeout_ms, "time budget per solver query")
      ->check(decimal)
      ->check(CLI::Range(1U, 3'600'000U));
  app.add_option("--resource-limit", args.options.resource_limit,
                 "Z3 rlimit per solver query (deterministic)")
      ->check(decimal)
      ->check(CLI::Range(1U, 4'000'000'000U));
  app.add_option("--memory-mb", args.options.memory_mb, "memory Z3 may use, in MiB")
      ->check(decimal)
      ->check(CLI::Range(16U, 1'048'576U));
  app.add_option("--max-rows", args.max_rows, "windows shown per axis")
      ->check(decimal)
      ->check(CLI::Range(2, 1'000'000));
  app.add_option("--smt2", args.smt2_path, "write the queries as one SMT-LIB2 script to FILE");
  app.add_option("--svg", args.svg_path,
                 "draw the windows as SVG to FILE (FILE-axisK.svg per axis for N-D)");
  app.add_option("--map", args.map_path,
                 "with --sweep: draw the n x m map of the theorem's branches as SVG");
  app.add_option("--sweep", args.sweep,
                 "check the closed form against Z3 for n, m in 1..N, or N1:N2 M1:M2")
      ->expected(1, 2);
  app.add_option("--threads", args.threads, "sweep worker threads (default: all cores)")
      ->check(decimal)
      ->check(CLI::Range(1U, 256U));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Decide whether a fixed PyTorch AvgPool/MaxPool (or ONNX's, TFLite's: --target)\n"
      "reproduces adaptive pooling IN -> OUT.\n"
      "Exit status: 0 equivalent (sweep: all agree), 1 not equivalent (sweep: a disagreement),\n"
      "2 bad arguments or an output that cannot be written (one line on stderr), 3 unknown,\n"
      "4 out of memory, 5 internal error, 130 interrupted (SIGINT, SIGTERM; a sweep prints its\n"
      "partial counts)."};
  arguments args;
  declare_options(app, args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "prove_equivalence: " << poolproof::common::printable(e.what(), 400)
              << " (see --help)\n";
    return poolproof::common::exit_bad_input;
  }
  return poolproof::common::run_program("prove_equivalence", [&] { return run(args); });
}

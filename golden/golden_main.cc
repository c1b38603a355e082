// golden generate | check: write the golden suite, or check an implementation's files against it.
#include <poolproof/common/atomic_file.h>
#include <poolproof/common/error.h>
#include <poolproof/common/program.h>
#include <poolproof/golden/check.h>
#include <poolproof/golden/generate.h>
#include <poolproof/golden/npy.h>
#include <poolproof/golden/reference_run.h>
#include <poolproof/golden/user_cases.h>
#include <poolproof/reference/size_text.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace {

struct arguments {
  std::string out, golden, candidate, ties = "first", tier, accumulation = "any", missing = "fail";
  std::vector<std::string> expected_failures;
  std::string junit, op, output_size, input, grad_output, dtype;
  unsigned threads = 0;
  bool exact = false;
  std::vector<std::string> cases, ops, dtypes, specs;
  std::uint64_t seed = poolproof::golden::default_seed;
  bool json = false, strict = false;
};

// The names CLI11 accepts for --op and --dtype: the tables' own.
std::vector<std::string> op_names() {
  std::vector<std::string> names;
  names.reserve(poolproof::golden::all_golden_ops.size());
  for (auto op : poolproof::golden::all_golden_ops)
    names.emplace_back(poolproof::golden::golden_op_name(op));
  return names;
}

std::vector<std::string> dtype_names() {
  std::vector<std::string> names;
  names.reserve(poolproof::reference::all_formats.size());
  for (auto format : poolproof::reference::all_formats)
    names.emplace_back(poolproof::reference::format_name(format));
  return names;
}

// Raised by SIGINT or SIGTERM: generate stops between cases and files and removes its
// temporary suite.
std::atomic<bool> stop_requested{false};

int run_generate(const arguments& args) {
  using namespace poolproof::golden;
  const auto on_signal = [](int) { stop_requested = true; };
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  generate_summary summary;
  if (args.specs.empty()) {
    summary = generate_suite(args.out, args.seed, stop_requested);
  } else {
    std::vector<case_spec> specs;
    for (const std::string& text : args.specs) specs.push_back(parse_case_spec(text));
    user_case_options options;
    options.progress = [](std::string_view line) {
      std::cerr << "golden generate: " << line << "\n";
    };
    summary = write_suite(
        args.out, args.seed, specs,
        [&](const case_spec& spec) { return build_user_case(spec, args.seed, options); },
        stop_requested);
  }
  std::cout << "golden generate: wrote " << summary.cases << " cases, " << summary.files
            << " files, " << summary.bytes << " bytes to " << args.out << "\n";
  return 0;
}

int run_reference(const arguments& args) {
  using namespace poolproof;
  golden::reference_files files;
  files.op = *golden::parse_golden_op(args.op);
  files.output_size = reference::parse_sizes(args.output_size, "output size");
  if (!args.dtype.empty()) files.dtype = reference::parse_format(args.dtype);
  files.input = args.input;
  if (!args.grad_output.empty()) files.grad_output = args.grad_output;
  files.out = args.out;
  files.exact = args.exact;
  files.threads = args.threads;
  const golden::reference_written written = golden::write_reference(files);
  std::cout << "golden reference: " << golden::golden_op_name(files.op) << " "
            << reference::format_name(written.dtype) << " -> " << args.out << "/"
            << written.files[0];
  for (std::size_t k = 1; k < written.files.size(); ++k) std::cout << ", " << written.files[k];
  std::cout << "\n";
  return 0;
}

// Numbers are plain decimals: "-1" must not wrap to 2^64 - 1, nor "010" be read as octal.
const CLI::Validator decimal(
    [](std::string& text) { return poolproof::common::decimal_problem(text); }, "DECIMAL");

void declare_reference(CLI::App& app, arguments& args) {
  CLI::App* ref = app.add_subcommand(
      "reference", "the correctly rounded result of an op on your own .npy input");
  ref->add_option("--op", args.op, "the op")->required()->check(CLI::IsMember(op_names()));
  ref->add_option("--output-size", args.output_size, "output size, e.g. 7x7")->required();
  ref->add_option("--input", args.input, "input .npy ([N, C, *spatial] or [C, *spatial])")
      ->required();
  ref->add_option("--grad-output", args.grad_output, "backward ops: grad_output .npy");
  ref->add_option("--dtype", args.dtype, "the values' format (required for bfloat16 '<u2')")
      ->check(CLI::IsMember(dtype_names()));
  ref->add_option("--out", args.out,
                  "directory for output.npy (+ indices.npy for max) or grad_input.npy")
      ->required();
  ref->add_flag("--exact", args.exact, "also write exact.json (exact rationals; memory-hungry)");
  ref->add_option("--threads", args.threads, "engine threads (0: all cores)")->check(decimal);
}

int run_verify(const arguments& args) {
  const std::size_t cases = poolproof::golden::verify_suite(args.golden);
  std::cout << "golden verify: " << cases << " cases intact in " << args.golden << "\n";
  return 0;
}

poolproof::golden::suite_selection selection_of(const arguments& args) {
  using namespace poolproof;
  golden::suite_selection selection{args.tier, args.cases, {}, {}};
  for (const std::string& op : args.ops) selection.ops.push_back(*golden::parse_golden_op(op));
  for (const std::string& dtype : args.dtypes)
    selection.dtypes.push_back(*reference::parse_format(dtype));
  return selection;
}

poolproof::golden::suite_policy policy_of(const arguments& args) {
  using namespace poolproof;
  golden::suite_policy policy;
  policy.skip_missing = args.missing == "skip";
  for (const std::string& file : args.expected_failures) {
    const std::vector<std::byte> bytes =
        golden::read_file_bytes(file, std::size_t{1} << 24, "expected failures");
    const auto entries = golden::parse_expected_failures(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), file);
    policy.expected_failures.insert(policy.expected_failures.end(), entries.begin(), entries.end());
  }
  return policy;
}

int run_check(const arguments& args) {
  using namespace poolproof::golden;
  check_options options;
  options.strict = args.strict;
  options.ties = args.ties == "any" ? tie_rule::any : tie_rule::first;
  options.accumulation = *parse_accumulator(args.accumulation);
  const suite_report report =
      check_suite(args.golden, args.candidate, options, selection_of(args), policy_of(args));
  if (!args.junit.empty())
    poolproof::common::write_file_atomically(args.junit, format_junit(report));
  std::cout << format_report(report, args.json);
  return report.failed == 0 ? 0 : 1;
}

void declare_check(CLI::App& app, arguments& args) {
  CLI::App* check = app.add_subcommand("check", "check candidate .npy files against the suite");
  check->add_option("--golden", args.golden, "golden suite directory")->required();
  check->add_option("--candidate", args.candidate, "directory of <case>.output.npy, ...")
      ->required();
  check->add_flag("--json", args.json, "print one JSON object");
  check->add_flag("--strict", args.strict, "demand correctly rounded values (0 ulp)");
  check->add_option("--ties", args.ties, "max indices: first (PyTorch's) or any maximal one")
      ->check(CLI::IsMember({"first", "any"}));
  check
      ->add_option("--accumulation", args.accumulation,
                   "the bound's summation contract: any (default) or float32 (16-bit formats "
                   "accumulate in float32, PyTorch's opmath)")
      ->check(CLI::IsMember({"any", "float32"}));
  check->add_option("--tier", args.tier, "only this tier")
      ->check(CLI::IsMember({"core", "special"}));
  check->add_option("--case", args.cases, "only cases matching this name or pattern (repeatable)");
  check->add_option("--op", args.ops, "only this op (repeatable)")
      ->check(CLI::IsMember(op_names()));
  check->add_option("--dtype", args.dtypes, "only this dtype (repeatable)")
      ->check(CLI::IsMember(dtype_names()));
  check->add_option("--missing", args.missing, "a case without candidate files: fail or skip")
      ->check(CLI::IsMember({"fail", "skip"}));
  check->add_option("--expected-failures", args.expected_failures,
                    "file of 'PATTERN REASON' lines: cases expected to fail (repeatable)");
  check->add_option("--junit", args.junit, "also write a JUnit XML report to this file");
}

void declare_options(CLI::App& app, arguments& args) {
  app.require_subcommand(1);
  CLI::App* generate = app.add_subcommand("generate", "write the golden suite to DIR");
  generate->add_option("--out", args.out, "suite directory (replaced atomically)")->required();
  generate->add_option("--seed", args.seed, "seed of the drawn inputs")->check(decimal);
  generate->add_option("--case", args.specs,
                       "only this case, OP:DTYPE:SHAPE:OUTPUT_SIZE (repeatable), e.g. "
                       "adaptive_avg_pool:float16:2x3x300x300:7x7");
  declare_check(app, args);
  declare_reference(app, args);
  CLI::App* verify = app.add_subcommand("verify", "check the suite itself: sums, shapes, values");
  verify->add_option("--golden", args.golden, "golden suite directory")->required();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Golden suite for adaptive pooling: generate it, verify it, or check an implementation\n"
      "against it.\n"
      "Exit status: 0 all pass, 1 a case fails (including a malformed or missing candidate, or\n"
      "an expected failure that passes; generate: a case failed its own checks), 2 bad\n"
      "arguments or a malformed suite (one line on stderr), 4 out of memory, 5 internal error,\n"
      "130 interrupted (SIGINT, SIGTERM; generate leaves the old suite)."};
  arguments args;
  declare_options(app, args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "golden: " << poolproof::common::printable(e.what(), 400) << " (see --help)\n";
    return poolproof::common::exit_bad_input;
  }
  // A case that fails its own checks (generate) is exit status 1; the rest is run_program's.
  return poolproof::common::run_program("golden", [&] {
    try {
      if (app.got_subcommand("generate")) return run_generate(args);
      if (app.got_subcommand("reference")) return run_reference(args);
      return app.got_subcommand("verify") ? run_verify(args) : run_check(args);
    } catch (const poolproof::common::input_error&) {
      throw;
    } catch (const poolproof::common::interrupted&) {
      throw;
    } catch (const std::filesystem::filesystem_error&) {
      throw;
    } catch (const std::runtime_error& e) {
      std::cerr << "golden: " << poolproof::common::printable(e.what(), 400) << "\n";
      return 1;
    }
  });
}

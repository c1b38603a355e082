// golden generate | check: write the golden suite, or check an implementation's files against it.
#include <poolproof/common/error.h>
#include <poolproof/common/program.h>
#include <poolproof/golden/check.h>
#include <poolproof/golden/generate.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace {

struct arguments {
  std::string out, golden, candidate, ties = "first", tier;
  std::vector<std::string> cases;
  std::uint64_t seed = poolproof::golden::default_seed;
  bool json = false, strict = false;
};

// Raised by SIGINT or SIGTERM: generate stops between files and removes its temporary suite.
std::atomic<bool> stop_requested{false};

int run_generate(const arguments& args) {
  const auto on_signal = [](int) { stop_requested = true; };
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto summary = poolproof::golden::generate_suite(args.out, args.seed, stop_requested);
  std::cout << "golden generate: wrote " << summary.cases << " cases, " << summary.files
            << " files, " << summary.bytes << " bytes to " << args.out << "\n";
  return 0;
}

int run_verify(const arguments& args) {
  const std::size_t cases = poolproof::golden::verify_suite(args.golden);
  std::cout << "golden verify: " << cases << " cases intact in " << args.golden << "\n";
  return 0;
}

int run_check(const arguments& args) {
  using namespace poolproof::golden;
  check_options options;
  options.strict = args.strict;
  options.ties = args.ties == "any" ? tie_rule::any : tie_rule::first;
  const suite_report report =
      check_suite(args.golden, args.candidate, options, {args.tier, args.cases});
  std::cout << format_report(report, args.json);
  return report.failed == 0 ? 0 : 1;
}

void declare_options(CLI::App& app, arguments& args) {
  app.require_subcommand(1);
  CLI::App* generate = app.add_subcommand("generate", "write the golden suite to DIR");
  generate->add_option("--out", args.out, "suite directory (replaced atomically)")->required();
  generate->add_option("--seed", args.seed, "seed of the drawn inputs");
  CLI::App* check = app.add_subcommand("check", "check candidate .npy files against the suite");
  check->add_option("--golden", args.golden, "golden suite directory")->required();
  check->add_option("--candidate", args.candidate, "directory of <case>.output.npy, ...")
      ->required();
  check->add_flag("--json", args.json, "print one JSON object");
  check->add_flag("--strict", args.strict, "demand correctly rounded values (0 ulp)");
  check->add_option("--ties", args.ties, "max indices: first (PyTorch's) or any maximal one")
      ->check(CLI::IsMember({"first", "any"}));
  check->add_option("--tier", args.tier, "only this tier")
      ->check(CLI::IsMember({"core", "special"}));
  check->add_option("--case", args.cases, "only these cases (repeatable)");
  CLI::App* verify = app.add_subcommand("verify", "check the suite itself: sums, shapes, values");
  verify->add_option("--golden", args.golden, "golden suite directory")->required();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Golden suite for adaptive pooling: generate it, verify it, or check an implementation\n"
      "against it.\n"
      "Exit status: 0 all pass, 1 a case fails (generate: a case failed its own checks),\n"
      "2 bad arguments or malformed input (one line on stderr), 4 out of memory, 5 internal\n"
      "error, 130 interrupted (SIGINT, SIGTERM; generate leaves the old suite)."};
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

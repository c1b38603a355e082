// prove_equivalence IN OUT: can a fixed PyTorch pooling layer replace adaptive pooling IN -> OUT?
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "reference/atomic_file.h"
#include "reference/error.h"
#include "solver/equivalence.h"
#include "solver/report.h"
#include "solver/size_arguments.h"
#include "solver/smt2_script.h"

namespace {

struct arguments {
  std::string in_text, out_text, smt2_path;
  bool json = false;
  std::int64_t max_rows = 16;
  poolproof::solver_options options;
};

int run(const arguments& args) {
  using namespace poolproof;
  equivalence_report report{
      parse_sizes(args.in_text, "input size"), parse_sizes(args.out_text, "output size"), {}, {}};
  if (report.in_size.size() != report.out_size.size()) {
    throw input_error("input size '" + args.in_text + "' and output size '" + args.out_text +
                      "' have different numbers of axes");
  }
  if (!args.smt2_path.empty()) {
    write_file_atomically(args.smt2_path, equivalence_script(report.in_size, report.out_size));
  }
  report.avg = prove_equivalence_nd(report.in_size, report.out_size, pool_kind::avg, args.options);
  report.max = prove_equivalence_nd(report.in_size, report.out_size, pool_kind::max, args.options);
  std::cout << (args.json ? json_report(report) : human_report(report, args.max_rows));
  return exit_code(report);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Decide whether a fixed PyTorch AvgPool/MaxPool reproduces adaptive pooling IN -> OUT.\n"
      "Exit status: 0 equivalent, 1 not equivalent, 2 bad arguments, 3 unknown."};
  arguments args;
  app.add_option("IN", args.in_text, "input size: 5, or 224x224 for N-D")->required();
  app.add_option("OUT", args.out_text, "output size, with as many axes as IN")->required();
  app.add_flag("--json", args.json, "print one JSON object");
  app.add_option("--timeout-ms", args.options.timeout_ms, "time budget per solver query")
      ->check(CLI::Range(1U, 3'600'000U));
  app.add_option("--resource-limit", args.options.resource_limit,
                 "Z3 rlimit per solver query (deterministic)")
      ->check(CLI::Range(1U, 4'000'000'000U));
  app.add_option("--max-rows", args.max_rows, "windows shown per axis")
      ->check(CLI::Range(2, 1'000'000));
  app.add_option("--smt2", args.smt2_path, "write the queries as one SMT-LIB2 script to FILE");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "prove_equivalence: " << e.what() << " (see --help)\n";
    return 2;
  }
  try {
    return run(args);
  } catch (const poolproof::input_error& e) {
    std::cerr << "prove_equivalence: " << e.what() << "\n";
    return 2;
  }
}

// poolproof.prove_equivalence from Python: the solver's verdicts as prove_equivalence --json
// prints them (the Python layer parses the text into dicts and lists).
#include <poolproof/common/error.h>
#include <poolproof/reference/size_text.h>
#include <poolproof/solver/equivalence.h>
#include <poolproof/solver/family.h>
#include <poolproof/solver/report.h>

#include <string>

#include "python/binding.h"

namespace poolproof::python {
namespace {

// The families --target names: one, or every registered family for "all" (as prove_equivalence's
// main).
std::vector<solver::pool_family> targets(std::string_view target) {
  if (target == "all") return solver::all_families();
  return {solver::parse_pool_family(target)};
}

// One family's report for the kinds asked. json_report and exit_code speak of both kinds, so a
// kind not asked for holds a copy of the asked one's verdict (the caller drops its key).
solver::equivalence_report solve(const std::vector<std::int64_t>& in,
                                 const std::vector<std::int64_t>& out, solver::pool_family family,
                                 std::string_view kind, const solver::solver_options& options) {
  solver::equivalence_report report{in, out, {}, {}, family};
  if (kind != "max")
    report.avg = solver::prove_equivalence_nd(in, out, reference::pool_kind::avg, options, family);
  if (kind != "avg")
    report.max = solver::prove_equivalence_nd(in, out, reference::pool_kind::max, options, family);
  if (kind == "avg") report.max = report.avg;
  if (kind == "max") report.avg = report.max;
  return report;
}

std::string prove_json(const std::string& in_text, const std::string& out_text,
                       std::string_view target, std::string_view kind, unsigned timeout_ms,
                       unsigned resource_limit, unsigned memory_mb) {
  if (kind != "" && kind != "avg" && kind != "max")
    throw common::input_error("kind must be 'avg', 'max' or None, got '" + common::printable(kind) +
                              "'");
  const std::vector<solver::pool_family> families = targets(target);
  const std::vector<std::int64_t> in = reference::parse_sizes(in_text, "input size");
  const std::vector<std::int64_t> out = reference::parse_sizes(out_text, "output size");
  if (in.size() != out.size()) {
    throw common::input_error("input size '" + in_text + "' and output size '" + out_text +
                              "' have different numbers of axes");
  }
  solver::solver_options options;
  options.timeout_ms = timeout_ms;
  options.resource_limit = resource_limit;
  options.memory_mb = memory_mb;
  const py::gil_scoped_release unlocked;
  std::vector<solver::equivalence_report> reports;
  reports.reserve(families.size());
  for (solver::pool_family family : families)
    reports.push_back(solve(in, out, family, kind, options));
  return reports.size() > 1 ? solver::json_report(reports) : solver::json_report(reports.front());
}

}  // namespace

void bind_prove(py::module_& module) {
  using namespace pybind11::literals;
  module.def("prove_json", &prove_json, "input_size"_a, "output_size"_a, "target"_a, "kind"_a,
             "timeout_ms"_a, "resource_limit"_a, "memory_mb"_a);
}

}  // namespace poolproof::python

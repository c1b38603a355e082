// check_suite and its report (golden/check.h): candidate files against a golden directory.
#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/check.h>
#include <poolproof/golden/npy.h>

#include <nlohmann/json.hpp>

namespace poolproof::golden {
namespace {

npy_array read_checked(const std::filesystem::path& path, npy_element element,
                       const std::vector<std::int64_t>& shape) {
  npy_array array = read_npy(path);
  if (array.element != element) {
    throw common::input_error("candidate '" + path.string() + "' has dtype " +
                              std::string(npy_descr(array.element)) + ", the case needs " +
                              std::string(npy_descr(element)));
  }
  if (array.shape != shape) {
    throw common::input_error("candidate '" + path.string() + "' has shape " +
                              fmt::format("[{}]", fmt::join(array.shape, ", ")) +
                              ", the case needs " + fmt::format("[{}]", fmt::join(shape, ", ")));
  }
  return array;
}

std::string number(const std::optional<double>& x) {
  return x ? fmt::format("{:.4g}", *x) : std::string("inf");
}

std::string human_line(const case_report& c) {
  std::string line = fmt::format("{} {}", c.passed ? "PASS" : "FAIL", c.name);
  if (!c.passed) line += ": " + c.message;
  if (c.worst && c.worst->what == "value") {
    line += fmt::format("  (worst element {}: {} ulp", c.worst->index, number(c.worst->error_ulps));
    if (c.worst->bound_ulps) line += fmt::format(", bound {} ulp", number(c.worst->bound_ulps));
    line += ")";
  }
  return line + "\n";
}

nlohmann::json optional_number(const std::optional<double>& x) {
  return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
}

nlohmann::json case_json(const case_report& c) {
  nlohmann::json j = {{"name", c.name},
                      {"status", c.passed ? "pass" : "fail"},
                      {"elements", c.elements},
                      {"failed_elements", c.failed_elements},
                      {"message", c.message}};
  if (c.worst) {
    j["worst"] = {{"index", c.worst->index},
                  {"what", c.worst->what},
                  {"candidate", c.worst->candidate},
                  {"exact", c.worst->exact},
                  {"rounded", c.worst->rounded},
                  {"error_ulps", optional_number(c.worst->error_ulps)},
                  {"bound_ulps", optional_number(c.worst->bound_ulps)},
                  {"bound_used", optional_number(c.worst->bound_used)}};
  }
  return j;
}

}  // namespace

std::optional<candidate_result> read_candidate(const std::filesystem::path& dir,
                                               const golden_case& entry) {
  const std::vector<std::string> files = candidate_files(entry);
  for (const std::string& file : files)
    if (!std::filesystem::exists(dir / file)) return std::nullopt;
  candidate_result result;
  result.shape = result_shape(entry.op, entry.input_shape, entry.output_size);
  result.bits = read_checked(dir / files[0], npy_element_for(entry.dtype), result.shape).words;
  if (files.size() == 2) {
    for (std::uint64_t word : read_checked(dir / files[1], npy_element::i8, result.shape).words)
      result.indices.push_back(static_cast<std::int64_t>(word));
  }
  return result;
}

suite_report check_suite(const std::filesystem::path& golden_dir,
                         const std::filesystem::path& candidate_dir, const check_options& options,
                         const suite_selection& selection) {
  if (!std::filesystem::is_directory(candidate_dir))
    throw common::input_error("no candidate directory '" + candidate_dir.string() + "'");
  const golden_manifest manifest = load_manifest(golden_dir);
  suite_report report;
  for (const golden_case& entry : manifest.cases) {
    if (!selection.tier.empty() && entry.tier != selection.tier) continue;
    if (!selection.names.empty() && std::find(selection.names.begin(), selection.names.end(),
                                              entry.name) == selection.names.end())
      continue;
    const loaded_case golden = load_case(golden_dir, entry);
    const std::optional<candidate_result> candidate = read_candidate(candidate_dir, entry);
    case_report c;
    if (candidate) {
      c = check_result(golden, *candidate, options);
    } else {
      c.name = entry.name;
      c.message = "missing candidate file(s): " +
                  fmt::format("{}", fmt::join(candidate_files(entry), ", "));
    }
    (c.passed ? report.passed : report.failed) += 1;
    report.cases.push_back(std::move(c));
  }
  if (report.cases.size() < selection.names.size() || report.cases.empty())
    throw common::input_error("no golden case matches the selection (--tier, --case)");
  return report;
}

std::size_t verify_suite(const std::filesystem::path& golden_dir) {
  const golden_manifest manifest = load_manifest(golden_dir);
  for (const golden_case& entry : manifest.cases) (void)load_case(golden_dir, entry);
  return manifest.cases.size();
}

std::string format_report(const suite_report& report, bool json) {
  if (json) {
    nlohmann::json cases = nlohmann::json::array();
    for (const case_report& c : report.cases) cases.push_back(case_json(c));
    return nlohmann::json{{"cases", cases}, {"passed", report.passed}, {"failed", report.failed}}
               .dump(2) +
           "\n";
  }
  std::string text;
  for (const case_report& c : report.cases) text += human_line(c);
  return text + fmt::format("golden check: {} cases, {} passed, {} failed\n", report.cases.size(),
                            report.passed, report.failed);
}

}  // namespace poolproof::golden

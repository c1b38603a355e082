// The reports of `golden check` (golden/check.h): human text, JSON and JUnit XML.
#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/check.h>

#include <nlohmann/json.hpp>

namespace poolproof::golden {
namespace {

std::string number(const std::optional<double>& x) {
  return x ? fmt::format("{:.4g}", *x) : std::string("inf");
}

// "(worst element 3: 1 ulp, bound 4.5 ulp; largest error 1 ulp, 0.22 of its bound; 2 of 12 off
// the correctly rounded value)" for checked cases; nothing for the others.
std::string figures(const case_report& c) {
  if (!c.worst || c.worst->what != "value") return "";
  std::string text =
      fmt::format("  (worst element {}: {} ulp", c.worst->index, number(c.worst->error_ulps));
  if (c.worst->bound_ulps) text += fmt::format(", bound {} ulp", number(c.worst->bound_ulps));
  if (c.max_error_ulps) text += fmt::format("; largest error {} ulp", number(c.max_error_ulps));
  if (c.max_bound_used) text += fmt::format(", {} of its bound", number(c.max_bound_used));
  return text +
         fmt::format("; {} of {} off the correctly rounded value)", c.off_rounded, c.elements);
}

std::string human_line(const case_report& c) {
  std::string line;
  switch (c.status) {
    case case_status::pass:
      line = "PASS " + c.name;
      break;
    case case_status::fail:
      line = "FAIL " + c.name + ": " + c.message;
      break;
    case case_status::malformed:
      line = "MALFORMED " + c.name + ": " + c.message;
      break;
    case case_status::missing:
      line = "FAIL " + c.name + ": " + c.message;
      break;
    case case_status::skipped:
      line = "SKIP " + c.name + ": " + c.message;
      break;
    case case_status::expected_failure:
      line = "XFAIL " + c.name + ": " + c.message + " (expected: " + c.expected_failure + ")";
      break;
    case case_status::unexpected_pass:
      line = "XPASS " + c.name + ": listed as an expected failure (" + c.expected_failure +
             ") but passes";
      break;
  }
  return line + figures(c) + "\n";
}

nlohmann::json optional_number(const std::optional<double>& x) {
  return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
}

nlohmann::json case_json(const case_report& c) {
  nlohmann::json j = {{"name", c.name},
                      {"status", case_status_name(c.status)},
                      {"elements", c.elements},
                      {"failed_elements", c.failed_elements},
                      {"off_rounded", c.off_rounded},
                      {"max_error_ulps", optional_number(c.max_error_ulps)},
                      {"max_bound_used", optional_number(c.max_bound_used)},
                      {"message", c.message}};
  if (!c.expected_failure.empty()) j["expected_failure"] = c.expected_failure;
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

// Text as XML character data or an attribute value: the five special characters escaped, and
// characters XML 1.0 forbids (controls other than tab and newline) replaced by '?'.
std::string xml_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' ? '?' : c;
    }
  }
  return out;
}

// The child element of a testcase that says what became of it, or "" for a pass.
std::string junit_outcome(const case_report& c) {
  const std::string message = xml_escaped(c.message);
  switch (c.status) {
    case case_status::pass:
      return "";
    case case_status::fail:
      return fmt::format("      <failure type=\"mismatch\" message=\"{}\">{}</failure>\n", message,
                         xml_escaped(human_line(c)));
    case case_status::unexpected_pass:
      return fmt::format(
          "      <failure type=\"unexpected_pass\" message=\"listed as an expected failure but "
          "passes: {}\"/>\n",
          xml_escaped(c.expected_failure));
    case case_status::malformed:
    case case_status::missing:
      return fmt::format("      <error type=\"{}\" message=\"{}\"/>\n", case_status_name(c.status),
                         message);
    case case_status::skipped:
      return fmt::format("      <skipped message=\"{}\"/>\n", message);
    case case_status::expected_failure:
      return fmt::format("      <skipped message=\"expected failure: {}: {}\"/>\n",
                         xml_escaped(c.expected_failure), message);
  }
  POOLPROOF_CHECK(false);
}

}  // namespace

std::string_view case_status_name(case_status status) {
  switch (status) {
    case case_status::pass:
      return "pass";
    case case_status::fail:
      return "fail";
    case case_status::malformed:
      return "malformed";
    case case_status::missing:
      return "missing";
    case case_status::skipped:
      return "skipped";
    case case_status::expected_failure:
      return "xfail";
    case case_status::unexpected_pass:
      return "xpass";
  }
  POOLPROOF_CHECK(false);
}

bool counts_as_failure(case_status status) {
  switch (status) {
    case case_status::pass:
    case case_status::skipped:
    case case_status::expected_failure:
      return false;
    case case_status::fail:
    case case_status::malformed:
    case case_status::missing:
    case case_status::unexpected_pass:
      return true;
  }
  POOLPROOF_CHECK(false);
}

std::string format_report(const suite_report& report, bool json) {
  if (json) {
    nlohmann::json cases = nlohmann::json::array();
    for (const case_report& c : report.cases) cases.push_back(case_json(c));
    return nlohmann::json{{"cases", cases},
                          {"passed", report.passed},
                          {"failed", report.failed},
                          {"skipped", report.skipped}}
               .dump(2) +
           "\n";
  }
  std::string text;
  for (const case_report& c : report.cases) text += human_line(c);
  text += fmt::format("golden check: {} cases, {} passed, {} failed", report.cases.size(),
                      report.passed, report.failed);
  return text + (report.skipped > 0 ? fmt::format(", {} skipped\n", report.skipped) : "\n");
}

std::string format_junit(const suite_report& report) {
  std::int64_t failures = 0, errors = 0, skipped = 0;
  std::string cases;
  for (const case_report& c : report.cases) {
    failures += c.status == case_status::fail || c.status == case_status::unexpected_pass;
    errors += c.status == case_status::malformed || c.status == case_status::missing;
    skipped += c.status == case_status::skipped || c.status == case_status::expected_failure;
    const std::string outcome = junit_outcome(c);
    cases += fmt::format("    <testcase classname=\"golden\" name=\"{}\" time=\"0\"",
                         xml_escaped(c.name));
    cases += outcome.empty() ? "/>\n" : ">\n" + outcome + "    </testcase>\n";
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"golden check\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\" "
      "skipped=\"{3}\">\n"
      "  <testsuite name=\"golden\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\" "
      "skipped=\"{3}\" time=\"0\">\n{4}  </testsuite>\n</testsuites>\n",
      report.cases.size(), failures, errors, skipped, cases);
}

}  // namespace poolproof::golden

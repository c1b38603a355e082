// check_suite (golden/check.h): candidate files against a golden directory, case by case.
#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/check.h>
#include <poolproof/golden/npy.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "golden/avg_check.h"

namespace poolproof::golden {
namespace {

npy_array read_checked(const std::filesystem::path& path, npy_element element,
                       const std::vector<std::int64_t>& shape) {
  // The header first, so a file claiming another shape is refused before its payload is read.
  const npy_array array = read_npy_layout(path);
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
  return read_npy_as(path, element, shape);
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

bool matches_pattern(std::string_view pattern, std::string_view name) {
  // Iterative wildcard matching: on a mismatch, retry from the last '*' one character later.
  std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<expected_failure> parse_expected_failures(std::string_view text,
                                                      std::string_view name) {
  std::vector<expected_failure> entries;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    ++line_number;
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    line = line.substr(first, line.find_last_not_of(" \t\r") + 1 - first);
    const std::size_t gap = line.find_first_of(" \t");
    const std::size_t reason =
        gap == std::string_view::npos ? gap : line.find_first_not_of(" \t", gap);
    if (reason == std::string_view::npos) {
      throw common::input_error("cannot read expected failures '" + std::string(name) + "': line " +
                                std::to_string(line_number) +
                                ": a case pattern needs a reason after it");
    }
    entries.push_back({std::string(line.substr(0, gap)), std::string(line.substr(reason))});
  }
  return entries;
}

namespace {

bool selected(const golden_case& entry, const suite_selection& selection) {
  const auto any_of = [](const auto& list, const auto& predicate) {
    return list.empty() || std::any_of(list.begin(), list.end(), predicate);
  };
  return (selection.tier.empty() || entry.tier == selection.tier) &&
         any_of(selection.names,
                [&](const std::string& pattern) { return matches_pattern(pattern, entry.name); }) &&
         any_of(selection.ops, [&](golden_op op) { return op == entry.op; }) &&
         any_of(selection.dtypes, [&](reference::float_format f) { return f == entry.dtype; });
}

// The loaded case as a checker of candidates. Forward avg cases below binary64 take the check that
// decides most elements in doubles (avg_check.h: the same report); the others load the whole exact
// expectation.
std::function<case_report(const candidate_result&)> case_checker(
    const std::filesystem::path& golden_dir, const golden_case& entry,
    const check_options& options) {
  if (detail::fast_avg_checkable(entry, options)) {
    auto golden =
        std::make_shared<const detail::avg_case>(detail::load_avg_case(golden_dir, entry));
    return [golden, options](const candidate_result& candidate) {
      return detail::check_avg_case(*golden, candidate, options);
    };
  }
  auto golden = std::make_shared<const loaded_case>(load_case(golden_dir, entry));
  return [golden, options](const candidate_result& candidate) {
    return check_result(*golden, candidate, options);
  };
}

// One case against its candidate files: checked, malformed (the reason is the message), or
// missing; then matched against the expected failures.
case_report check_one(const std::filesystem::path& golden_dir,
                      const std::filesystem::path& candidate_dir, const golden_case& entry,
                      const check_options& options, const suite_policy& policy) {
  const auto check = case_checker(golden_dir, entry, options);
  case_report c;
  try {
    const std::optional<candidate_result> candidate = read_candidate(candidate_dir, entry);
    if (candidate) {
      c = check(*candidate);
    } else {
      c.status = policy.skip_missing ? case_status::skipped : case_status::missing;
      c.message = "missing candidate file(s): " +
                  fmt::format("{}", fmt::join(candidate_files(entry), ", "));
    }
  } catch (const common::input_error& error) {
    c = {};
    c.status = case_status::malformed;
    c.message = error.what();
  }
  c.name = entry.name;
  for (const expected_failure& expected : policy.expected_failures) {
    if (!matches_pattern(expected.pattern, entry.name)) continue;
    c.expected_failure = expected.reason;
    if (c.status == case_status::pass) c.status = case_status::unexpected_pass;
    if (counts_as_failure(c.status) && c.status != case_status::unexpected_pass)
      c.status = case_status::expected_failure;
    break;
  }
  return c;
}

}  // namespace

suite_report check_suite(const std::filesystem::path& golden_dir,
                         const std::filesystem::path& candidate_dir, const check_options& options,
                         const suite_selection& selection, const suite_policy& policy) {
  if (!std::filesystem::is_directory(candidate_dir))
    throw common::input_error("no candidate directory '" + candidate_dir.string() + "'");
  const golden_manifest manifest = load_manifest(golden_dir);
  for (const std::string& pattern : selection.names) {
    if (std::none_of(manifest.cases.begin(), manifest.cases.end(),
                     [&](const golden_case& c) { return matches_pattern(pattern, c.name); }))
      throw common::input_error("no golden case matches --case '" + pattern + "'");
  }
  suite_report report;
  for (const golden_case& entry : manifest.cases) {
    if (!selected(entry, selection)) continue;
    case_report c = check_one(golden_dir, candidate_dir, entry, options, policy);
    c.passed = c.status == case_status::pass || c.status == case_status::unexpected_pass;
    report.passed += c.passed ? 1 : 0;
    report.failed += counts_as_failure(c.status) ? 1 : 0;
    report.skipped += c.status == case_status::skipped || c.status == case_status::expected_failure;
    report.cases.push_back(std::move(c));
  }
  if (report.cases.empty())
    throw common::input_error(
        "no golden case matches the selection (--tier, --case, --op, --dtype)");
  return report;
}

std::size_t verify_suite(const std::filesystem::path& golden_dir) {
  const golden_manifest manifest = load_manifest(golden_dir);
  for (const golden_case& entry : manifest.cases)
    (void)load_case(golden_dir, entry, file_digests::every);
  return manifest.cases.size();
}

}  // namespace poolproof::golden

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/report.h>

#include <nlohmann/json.hpp>

#include "solver/families/family_unit.h"
#include "solver/z3_encoding.h"

namespace poolproof::solver {
namespace {

using json = nlohmann::json;

// Where the naive rule first goes wrong: window by window when m is small, else at the output a
// constant-size Z3 query names, described by the reference.
std::string naive_verdict(std::int64_t n, std::int64_t m, const family_params& naive) {
  constexpr std::int64_t visited_windows = 1'000'000;
  std::optional<std::string> mismatch;
  if (m <= visited_windows) {
    mismatch = family_mismatch(n, m, naive, reference::pool_kind::avg);
  } else {
    const detail::mismatch_search search =
        detail::find_mismatch(n, m, reference::pool_kind::avg, naive, {});
    if (search.status == detail::solve_status::unknown) return "undecided (" + search.reason + ")";
    if (search.status == detail::solve_status::sat) {
      const std::int64_t output = search.output;
      mismatch = family_mismatch(n, m, naive, reference::pool_kind::avg, std::span(&output, 1));
    }
  }
  return mismatch ? "differs: " + *mismatch : "reproduces the adaptive windows";
}

std::optional<family_params> witness_of(const nd_verdict& v, std::size_t axis) {
  const std::vector<verdict>& source = v.layer.empty() ? v.axes : v.layer;
  if (axis >= source.size()) return std::nullopt;  // a kind not asked
  const auto* found = std::get_if<equivalent>(&source[axis]);
  if (found == nullptr) return std::nullopt;
  return found->witness;
}

// "naive k=3 s=1 p=0": the naive rule's kernel and stride (it never pads).
std::string naive_header(std::int64_t n, const family_params& naive) {
  const reference::pool_geometry g = family_geometry(n, naive, reference::pool_kind::avg);
  return fmt::format("naive k={} s={} p=0", g.kernel, g.stride);
}

// One cell: the fixed window of output o (the family's reference model), its divisor for avg,
// and a mark where it differs.
std::string fixed_cell(std::int64_t n, std::int64_t o, const family_params& params,
                       reference::pool_kind kind, const reference::window& adaptive) {
  const reference::pool_geometry g = family_geometry(n, params, kind);
  const reference::index_progression indices = reference::geometry_indices(n, g, o);
  std::string cell = to_string(indices);
  bool differs = !same_indices(indices, adaptive);
  if (kind == reference::pool_kind::avg) {
    const std::int64_t divisor = reference::geometry_avg_divisor(n, g, o);
    cell += fmt::format(" /{}", divisor);
    differs = differs || divisor != adaptive.length();
  }
  return differs ? cell + " *" : cell;
}

std::string window_table(const equivalence_report& r, std::size_t axis, std::int64_t max_rows) {
  const std::int64_t n = r.in_size[axis], m = r.out_size[axis];
  // The naive rule is the family's folklore (PyTorch's); families without one leave it out.
  const detail::family_unit& unit = detail::unit_of(r.family);
  const bool has_naive = unit.has_naive_rule();
  const std::optional<family_params> naive = unit.naive_layer(n, m);
  const std::optional<family_params> avg = witness_of(r.avg, axis);
  const std::optional<family_params> max = witness_of(r.max, axis);
  std::string out = fmt::format("{:>6}  {:<22}{:<26}{:<26}{}\n", "out", "adaptive [begin,end)",
                                naive       ? naive_header(n, *naive)
                                : has_naive ? "naive (stride n//m = 0)"
                                            : "",
                                "avg witness /divisor", "max witness");
  const std::int64_t head = std::max<std::int64_t>(1, max_rows / 2);
  for (std::int64_t o = 0; o < m; ++o) {
    if (m > max_rows && o == head) {
      out += fmt::format("{:>6}  ({} more windows)\n", "...", m - 2 * head);
      o = m - head;
    }
    const reference::window w = reference::adaptive_window(n, m, o);
    out += fmt::format("{:>6}  {:<22}{:<26}{:<26}{}\n", o,
                       fmt::format("{} len {}", to_string(w), w.length()),
                       naive       ? fixed_cell(n, o, *naive, reference::pool_kind::avg, w)
                       : has_naive ? "-"
                                   : "",
                       avg ? fixed_cell(n, o, *avg, reference::pool_kind::avg, w) : "-",
                       max ? fixed_cell(n, o, *max, reference::pool_kind::max, w) : "-");
  }
  if (naive) {
    out += fmt::format("        naive rule (count_include_pad=True): {}\n",
                       naive_verdict(n, m, *naive));
  }
  return out;
}

std::string verdict_line(const nd_verdict& v, reference::pool_kind kind, pool_family family,
                         bool name_family) {
  const std::string name =
      name_family || family != default_family
          ? fmt::format("{} {}", pool_family_name(family), reference::pool_kind_name(kind))
          : reference::pool_kind_name(kind);
  if (v.status == verdict_status::equivalent) {
    std::vector<family_params> layers;
    bool minimal = true;
    for (const verdict& axis : v.layer) {
      layers.push_back(std::get<equivalent>(axis).witness);
      minimal = minimal && std::get<equivalent>(axis).minimal;
    }
    return fmt::format(
        "{}: EQUIVALENT  {}{}\n", name, detail::unit_of(family).layer_text(layers, kind),
        minimal ? "" : " (the solver's budget ran out before this was proven minimal)");
  }
  const char* status = v.status == verdict_status::unknown ? "UNKNOWN" : "NOT EQUIVALENT";
  std::vector<std::string> reasons;
  for (std::size_t axis = 0; axis < v.axes.size(); ++axis) {
    const std::string prefix = v.axes.size() > 1 ? fmt::format("axis {}: ", axis) : "";
    if (const auto* no = std::get_if<not_equivalent>(&v.axes[axis]))
      reasons.push_back(prefix + no->explanation);
    if (const auto* open = std::get_if<unknown>(&v.axes[axis]))
      reasons.push_back(prefix + open->reason);
  }
  if (reasons.empty()) reasons.push_back(v.reason);
  // Refuted is not the end of the road: a decomposition always exists.
  if (v.status == verdict_status::not_equivalent)
    reasons.emplace_back("(--decompose gives an exact replacement from this family's pooling)");
  return fmt::format("{}: {}  {}\n", name, status, fmt::join(reasons, "\n    "));
}

// The witness in the solver's vocabulary, with "call": the framework's own argument names.
json witness_json(const std::vector<family_params>& layers, reference::pool_kind kind) {
  const detail::family_unit& unit = detail::unit_of(layers.front());
  json witness = unit.layer_json(layers, kind);
  witness["call"] = unit.call_json(layers, kind);
  return witness;
}

json verdict_json(const verdict& v, reference::pool_kind kind) {
  if (const auto* yes = std::get_if<equivalent>(&v)) {
    return {{"equivalent", true},
            {"witness", witness_json({yes->witness}, kind)},
            {"minimal", yes->minimal},
            {"reference_rechecked_windows", yes->rechecked_windows}};
  }
  if (const auto* no = std::get_if<not_equivalent>(&v))
    return {{"equivalent", false}, {"reason", no->explanation}};
  return {{"equivalent", nullptr}, {"reason", std::get<unknown>(v).reason}};
}

// A layer's witness: per-axis numbers gathered into arrays for N-D, shared flags kept scalar.
json layer_json(const nd_verdict& v, reference::pool_kind kind, const equivalence_report& r) {
  json result;
  if (v.layer.size() == 1) {
    result = verdict_json(v.layer.front(), kind);
  } else if (v.status == verdict_status::equivalent) {
    std::vector<family_params> layers;
    for (const verdict& axis : v.layer) layers.push_back(std::get<equivalent>(axis).witness);
    result = {{"equivalent", true}, {"witness", witness_json(layers, kind)}};
  } else {
    result = {{"equivalent", v.status == verdict_status::unknown ? json(nullptr) : json(false)},
              {"reason", v.reason}};
  }
  result["axes"] = json::array();
  for (std::size_t axis = 0; axis < v.axes.size(); ++axis) {
    json entry = verdict_json(v.axes[axis], kind);
    entry["in_size"] = r.in_size[axis];
    entry["out_size"] = r.out_size[axis];
    result["axes"].push_back(entry);
  }
  return result;
}

}  // namespace

std::vector<reference::pool_kind> equivalence_report::kinds() const {
  if (only_kind) return {*only_kind};
  return {reference::pool_kind::avg, reference::pool_kind::max};
}

int exit_code(const equivalence_report& report) {
  const auto either = [&](verdict_status status) {
    for (reference::pool_kind kind : report.kinds()) {
      if ((kind == reference::pool_kind::avg ? report.avg : report.max).status == status)
        return true;
    }
    return false;
  };
  if (either(verdict_status::not_equivalent)) return 1;
  if (either(verdict_status::unknown)) return 3;
  return 0;
}

namespace {

// --target all on N-D sizes: one row per axis with each kind's witness on that axis.
std::string compact_table(const equivalence_report& r) {
  const detail::family_unit& unit = detail::unit_of(r.family);
  std::string out = fmt::format("target {}: {} -> {}\n", pool_family_name(r.family),
                                fmt::join(r.in_size, "x"), fmt::join(r.out_size, "x"));
  out += fmt::format("  {:>4}  {:<24}{:<46}{}\n", "axis", "adaptive", "avg witness", "max witness");
  const auto cell = [&](const nd_verdict& v, reference::pool_kind kind, std::size_t axis) {
    const std::optional<family_params> w = witness_of(v, axis);
    if (w) return unit.axis_summary(*w, kind);
    const std::vector<verdict>& source = v.layer.empty() ? v.axes : v.layer;
    return std::string(axis < source.size() &&
                               status_of(source[axis]) == verdict_status::not_equivalent
                           ? "no layer"
                           : "-");
  };
  for (std::size_t axis = 0; axis < r.in_size.size(); ++axis) {
    out += fmt::format("  {:>4}  {:<24}{:<46}{}\n", axis,
                       fmt::format("{} -> {}", r.in_size[axis], r.out_size[axis]),
                       cell(r.avg, reference::pool_kind::avg, axis),
                       cell(r.max, reference::pool_kind::max, axis));
  }
  return out;
}

}  // namespace

std::string human_report(const equivalence_report& r, std::int64_t max_rows, bool name_family) {
  std::string out;
  const std::size_t dims = r.in_size.size();
  const std::string target = r.family == default_family && !name_family
                                 ? ""
                                 : fmt::format(", target {}", pool_family_name(r.family));
  if (name_family && dims > 1) {
    out = compact_table(r);
  } else {
    for (std::size_t axis = 0; axis < dims; ++axis) {
      out += fmt::format("{}adaptive pooling {} -> {} (PyTorch semantics){}\n",
                         dims > 1 ? fmt::format("axis {}: ", axis) : "", r.in_size[axis],
                         r.out_size[axis], target);
      out += window_table(r, axis, max_rows);
      out += "        (* = differs from the adaptive window or its divisor)\n\n";
    }
  }
  for (reference::pool_kind kind : r.kinds()) {
    out += verdict_line(kind == reference::pool_kind::avg ? r.avg : r.max, kind, r.family,
                        name_family);
  }
  return out;
}

namespace {

json report_json(const equivalence_report& r) {
  json out = {{"target", pool_family_name(r.family)},
              {"in_size", r.in_size},
              {"out_size", r.out_size},
              {"exit_code", exit_code(r)}};
  for (reference::pool_kind kind : r.kinds()) {
    out[reference::pool_kind_name(kind)] =
        layer_json(kind == reference::pool_kind::avg ? r.avg : r.max, kind, r);
  }
  return out;
}

}  // namespace

std::string json_report(const equivalence_report& r) { return report_json(r).dump(2) + "\n"; }

std::string json_report(const std::vector<equivalence_report>& reports) {
  json families = json::object();
  for (const equivalence_report& r : reports) families[pool_family_name(r.family)] = report_json(r);
  const json out = {{"target", "all"}, {"families", families}, {"exit_code", exit_code(reports)}};
  return out.dump(2) + "\n";
}

int exit_code(const std::vector<equivalence_report>& reports) {
  int worst = 0;
  for (const equivalence_report& r : reports) {
    const int code = exit_code(r);
    if (code == 1 || (code == 3 && worst == 0)) worst = code;
  }
  return worst;
}

std::string sweep_report(const sweep_result& r, const sweep_options& options, bool as_json) {
  const auto branch = [&](closed_form_branch b) {
    return r.per_branch[static_cast<std::size_t>(b)];
  };
  if (as_json) {
    const json out = {{"target", pool_family_name(options.family)},
                      {"in_range", {options.in.first, options.in.last}},
                      {"out_range", {options.out.first, options.out.last}},
                      {"total", r.total},
                      {"checked", r.checked},
                      {"agreed_equivalent", r.agreed_equivalent},
                      {"agreed_not_equivalent", r.agreed_not_equivalent},
                      {"unknown", r.unknown},
                      {"branches",
                       {{"divisible", branch(closed_form_branch::divisible)},
                        {"remainder_one", branch(closed_form_branch::remainder_one)},
                        {"remainder_minus_one", branch(closed_form_branch::remainder_minus)},
                        {"input_one", branch(closed_form_branch::input_one)}}},
                      {"disagreement", r.disagreement ? json(*r.disagreement) : json(nullptr)},
                      {"interrupted", r.interrupted},
                      {"exit_code", sweep_exit_code(r)}};
    return out.dump(2) + "\n";
  }
  // Each branch of the family's theorem with its count: "divisible 238, n=1 mod m 164, ...".
  const detail::family_unit& unit = detail::unit_of(options.family);
  std::vector<std::string> counts;
  for (closed_form_branch b : unit.branches())
    counts.push_back(fmt::format("{} {}", branch_name(b), branch(b)));
  return fmt::format(
      "sweep: closed form vs Z3, {} family, avg and max, n in [{}, {}], m in [{}, {}]\n"
      "checked {} of {} on {} threads{}\n"
      "agreed: {} equivalent ({}), {} not equivalent\n"
      "unknown: {}\ndisagreement: {}\n",
      unit.title(), options.in.first, options.in.last, options.out.first, options.out.last,
      r.checked, r.total, options.threads, r.interrupted ? " (interrupted)" : "",
      r.agreed_equivalent, fmt::join(counts, ", "), r.agreed_not_equivalent, r.unknown,
      r.disagreement.value_or("none"));
}

int sweep_exit_code(const sweep_result& result) {
  if (result.disagreement) return 1;
  if (result.interrupted) return 130;
  return result.unknown > 0 ? 3 : 0;
}

}  // namespace poolproof::solver

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/svg.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "solver/families/family_unit.h"
#include "solver/svg_primitives.h"

namespace poolproof::solver {
namespace {

using namespace svg_detail;

// ---- window picture --------------------------------------------------------------------------

constexpr std::int64_t max_cells = 256;         // inputs drawn one cell each; beyond, a ruler
constexpr std::int64_t max_drawn_outputs = 64;  // beyond, the first and last half
constexpr double axis_width = 960;
constexpr double cell_height = 22;
constexpr double bar_height = 11;
constexpr double row_height = 32;
constexpr std::string_view adaptive_fill = "#0072B2";  // Okabe-Ito blue
constexpr std::string_view same_fill = "#A8A8A8";
constexpr std::string_view differs_fill = "#D55E00";  // Okabe-Ito vermillion

// The fixed layer drawn against the adaptive windows (its avg geometry), with the line that
// describes it.
struct fixed_layer {
  std::string description;
  reference::pool_geometry geometry;
  reference::pool_kind kind = reference::pool_kind::avg;
};

// The kind drawn: avg, unless only max was asked.
reference::pool_kind drawn_kind(const equivalence_report& r) {
  return r.only_kind.value_or(reference::pool_kind::avg);
}

const nd_verdict& drawn_verdict(const equivalence_report& r) {
  return drawn_kind(r) == reference::pool_kind::avg ? r.avg : r.max;
}

std::optional<fixed_layer> drawn_layer(const equivalence_report& r, std::size_t axis) {
  const std::int64_t n = r.in_size[axis], m = r.out_size[axis];
  const reference::pool_kind kind = drawn_kind(r);
  const nd_verdict& v = drawn_verdict(r);
  const std::vector<verdict>& source = v.layer.empty() ? v.axes : v.layer;
  const auto* found = axis < source.size() ? std::get_if<equivalent>(&source[axis]) : nullptr;
  const detail::family_unit& unit = detail::unit_of(r.family);
  if (found) {
    return fixed_layer{fmt::format("fixed windows: {} witness {}", reference::pool_kind_name(kind),
                                   unit.axis_summary(found->witness, kind)),
                       family_geometry(n, found->witness, kind), kind};
  }
  const std::optional<family_params> naive = unit.naive_layer(n, m);
  if (!naive) return std::nullopt;
  const reference::pool_geometry g = family_geometry(n, *naive, reference::pool_kind::avg);
  return fixed_layer{fmt::format("fixed windows: naive rule stride = n//m = {}, kernel = "
                                 "n-(m-1)*stride = {}, padding = 0 (count_include_pad=True)",
                                 g.stride, g.kernel),
                     g};
}

// The inputs [first, last) that one group of drawn outputs reads, across the axis width: one
// cell per input up to 256 (with padding cells where the span meets an end of the input), else
// a ruler. Each group zooms to its own span, so windows stay visible for any n.
struct input_axis {
  std::int64_t n = 0;
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::int64_t pad_left = 0;
  std::int64_t pad_right = 0;
  bool ruler = false;
  bool numbered = false;  // every cell carries its index, as the widest one fits
  double left = 0;        // right of the output labels
  double unit = 0;        // pixels per input

  [[nodiscard]] double x(std::int64_t index) const {
    return left + static_cast<double>(index - first + pad_left) * unit;
  }
  [[nodiscard]] double right() const { return x(last + pad_right); }
};

// The inputs output o's adaptive window and, when there is one, its fixed window read.
reference::window span_of(std::int64_t n, std::int64_t m, std::int64_t o,
                          const std::optional<fixed_layer>& fixed) {
  reference::window span = reference::adaptive_window(n, m, o);
  if (!fixed || o >= fixed->geometry.count) return span;
  const reference::index_progression indices = reference::geometry_indices(n, fixed->geometry, o);
  if (indices.count == 0) return span;
  span.begin = std::min(span.begin, indices.first);
  span.end = std::max(span.end, indices.first + (indices.count - 1) * indices.step + 1);
  return span;
}

input_axis make_axis(std::int64_t n, std::int64_t m, const std::vector<std::int64_t>& outputs,
                     const std::optional<fixed_layer>& fixed) {
  input_axis a{.n = n, .first = n, .last = 0};
  for (const std::int64_t o : outputs) {
    const reference::window span = span_of(n, m, o, fixed);
    a.first = std::min(a.first, span.begin);
    a.last = std::max(a.last, span.end);
  }
  a.ruler = a.last - a.first > max_cells;
  const bool padded = fixed && !a.ruler;
  a.pad_left = padded && a.first == 0 ? std::min(fixed->geometry.pad_begin, n) : 0;
  a.pad_right = padded && a.last == n ? std::min(fixed->geometry.pad_end, n) : 0;
  const auto columns = static_cast<double>(a.last - a.first + a.pad_left + a.pad_right);
  a.unit = a.ruler ? axis_width / columns : std::clamp(axis_width / columns, 3.0, 48.0);
  a.numbered = !a.ruler && a.unit >= std::max(16.0, text_width(std::to_string(a.last - 1), 10) + 4);
  a.left = std::max(76.0, text_width(fmt::format("out {}", m - 1), 11) + 28);
  return a;
}

// The smallest of 1, 2, 5, 10, 20, 50, ... inputs spanning at least `pixels`.
std::int64_t nice_step(double unit, double pixels) {
  std::int64_t step = 1;
  for (int k = 0; static_cast<double>(step) * unit < pixels; ++k) {
    step = k % 3 == 1 ? step / 2 * 5 : step * 2;
  }
  return step;
}

std::string ticks(const input_axis& a, double y) {
  const std::int64_t step = nice_step(a.unit, text_width(std::to_string(a.last), 10) + 14);
  std::string out;
  for (std::int64_t k = (a.first + step - 1) / step; k <= a.last / step; ++k) {
    const double x = a.x(k * step);
    out += fmt::format("<path d=\"M{:.1f},{:.1f}v5\" stroke=\"{}\"/>\n", x, y, grey_ink);
    out += text(x, y + 16, std::to_string(k * step), {.size = 10, .anchor = "middle"});
  }
  return out;
}

// The input row at y: cells (dashed where padding) with their indices, or a ruler with ticks.
std::string input_row(const input_axis& a, double y) {
  if (a.ruler) {
    return rect(a.x(a.first), y, a.right() - a.x(a.first), cell_height, "#F2F2F2",
                R"( class="ruler" stroke="#888888")") +
           text(a.x(a.first) + 6, y + 15,
                fmt::format("inputs {}..{} of {} (scaled)", a.first, a.last - 1, a.n),
                {.size = 11}) +
           ticks(a, y + cell_height);
  }
  std::string out;
  for (std::int64_t i = a.first - a.pad_left; i < a.last + a.pad_right; ++i) {
    const bool pad = i < 0 || i >= a.n;
    out += rect(a.x(i), y, a.unit, cell_height, pad ? "#FFFFFF" : "#F2F2F2",
                pad ? R"( class="pad" stroke="#888888" stroke-dasharray="3,2")"
                    : R"( class="input" stroke="#888888" stroke-width="0.6")");
    if (a.numbered && !pad) {
      out += text(a.x(i) + a.unit / 2, y + 15, std::to_string(i), {.size = 10, .anchor = "middle"});
    }
  }
  return a.numbered ? out : out + ticks(a, y + cell_height);
}

// Faint lines at the cell boundaries, so a bar's ends can be read against the inputs.
std::string cell_guides(const input_axis& a, double top, double bottom) {
  if (a.ruler || a.unit < 8) return {};
  std::string d;
  for (std::int64_t i = a.first - a.pad_left; i <= a.last + a.pad_right; ++i) {
    d += fmt::format("M{:.1f},{:.1f}V{:.1f}", a.x(i), top, bottom);
  }
  return fmt::format("<path d=\"{}\" stroke=\"#E6E6E6\" stroke-width=\"1\"/>\n", d);
}

std::string bar(const input_axis& a, std::int64_t begin, std::int64_t end, double y,
                std::string_view fill, std::string_view attributes) {
  const double inset = a.unit >= 6 ? 1 : 0;
  const double width = std::max(a.x(end) - a.x(begin) - 2 * inset, 1.5);
  return rect(a.x(begin) + inset, y, width, bar_height, fill, attributes);
}

struct drawn_row {
  std::string svg;
  bool differs = false;
};

// Output o: the adaptive bar, the fixed bar under it, and both index sets in the text column.
drawn_row output_row(const input_axis& a, std::int64_t m, std::int64_t o,
                     const std::optional<fixed_layer>& fixed, double y, double text_x) {
  const reference::window w = reference::adaptive_window(a.n, m, o);
  const double fixed_y = y + bar_height + 3;
  drawn_row row;
  row.svg = text(a.left - 8, fixed_y + 2, fmt::format("out {}", o), {.size = 11, .anchor = "end"});
  row.svg += bar(a, w.begin, w.end, y, adaptive_fill,
                 fmt::format(R"( id="adaptive-{}" class="adaptive")", o));
  row.svg += text(text_x, y + bar_height - 1, fmt::format("{} len {}", to_string(w), w.length()),
                  {.size = 11, .family = mono});
  if (!fixed) return row;
  row.differs = o >= fixed->geometry.count;
  if (row.differs) {
    row.svg += text(text_x, fixed_y + bar_height - 1, "no such output  differs",
                    {.size = 11, .fill = differs_fill, .family = mono});
    return row;
  }
  const reference::index_progression indices = reference::geometry_indices(a.n, fixed->geometry, o);
  const std::int64_t divisor = reference::geometry_avg_divisor(a.n, fixed->geometry, o);
  row.differs = !same_indices(indices, w) ||
                (fixed->kind == reference::pool_kind::avg && divisor != w.length());
  if (indices.count > 0) {
    row.svg +=
        bar(a, indices.first, indices.first + (indices.count - 1) * indices.step + 1, fixed_y,
            row.differs ? differs_fill : same_fill,
            fmt::format(R"( id="fixed-{}" class="fixed {}")", o, row.differs ? "differs" : "same"));
  }
  row.svg +=
      text(text_x, fixed_y + bar_height - 1,
           fmt::format("{} /{}{}", to_string(indices), divisor, row.differs ? "  differs" : ""),
           {.size = 11, .fill = row.differs ? differs_fill : ink, .family = mono});
  return row;
}

// The outputs drawn: all of them, or the first and the last half of max_drawn_outputs.
std::vector<std::vector<std::int64_t>> output_groups(std::int64_t m) {
  constexpr std::int64_t half = max_drawn_outputs / 2;
  std::vector<std::vector<std::int64_t>> groups(m > max_drawn_outputs ? 2 : 1);
  for (std::int64_t o = 0; o < std::min(m, max_drawn_outputs); ++o) {
    if (m > max_drawn_outputs && o >= half) {
      groups[1].push_back(m - max_drawn_outputs + o);
    } else {
      groups[0].push_back(o);
    }
  }
  return groups;
}

struct picture_body {
  std::string svg;
  double height = 0;
  double text_x = 0;  // where the column of index sets starts
  bool padding = false;
  std::int64_t drawn = 0;
  std::int64_t differing = 0;
};

// One group at `top`: its input row, then one row per output; returns the y below it.
double group_rows(const input_axis& a, std::int64_t m, const std::vector<std::int64_t>& outputs,
                  const std::optional<fixed_layer>& fixed, double top, picture_body& body) {
  double y = top + cell_height + (a.numbered ? 14 : 32);
  std::string rows;
  for (const std::int64_t o : outputs) {
    const drawn_row row = output_row(a, m, o, fixed, y, body.text_x);
    rows += row.svg;
    body.differing += row.differs ? 1 : 0;
    ++body.drawn;
    y += row_height;
  }
  body.svg += input_row(a, top) +
              cell_guides(a, top + cell_height, y - row_height + 2 * bar_height + 3) + rows;
  body.padding = body.padding || a.pad_left > 0 || a.pad_right > 0;
  return y;
}

picture_body window_rows(std::int64_t n, std::int64_t m, const std::optional<fixed_layer>& fixed) {
  const std::vector<std::vector<std::int64_t>> groups = output_groups(m);
  std::vector<input_axis> axes;
  picture_body body;
  for (const std::vector<std::int64_t>& group : groups) {
    axes.push_back(make_axis(n, m, group, fixed));
    body.text_x = std::max(body.text_x, axes.back().right() + 16);
  }
  double y = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) {
      body.svg += text((axes[0].left + body.text_x) / 2, y + 12,
                       fmt::format("... {} more outputs ...", m - max_drawn_outputs),
                       {.size = 12, .anchor = "middle", .fill = grey_ink});
      y += 36;
    }
    y = group_rows(axes[g], m, groups[g], fixed, y, body);
  }
  body.height = y;
  return body;
}

const char* status_text(verdict_status status) {
  switch (status) {
    case verdict_status::equivalent:
      return "EQUIVALENT";
    case verdict_status::not_equivalent:
      return "NOT EQUIVALENT";
    case verdict_status::unknown:
      break;
  }
  return "UNKNOWN";
}

std::string picture_title(const equivalence_report& r, std::size_t axis) {
  std::string subject =
      fmt::format("{} -> {}", fmt::join(r.in_size, "x"), fmt::join(r.out_size, "x"));
  if (r.in_size.size() > 1) {
    subject += fmt::format(", axis {} ({} -> {})", axis, r.in_size[axis], r.out_size[axis]);
  }
  std::vector<std::string> verdicts;
  for (reference::pool_kind kind : r.kinds()) {
    verdicts.push_back(
        fmt::format("{} {}", reference::pool_kind_name(kind),
                    status_text((kind == reference::pool_kind::avg ? r.avg : r.max).status)));
  }
  return fmt::format("adaptive pooling {}: {}", subject, fmt::join(verdicts, ", "));
}

// Why avg has no witness on this axis, in the solver's words; empty when it has one.
std::string avg_reason(const equivalence_report& r, std::size_t axis) {
  const nd_verdict& v = drawn_verdict(r);
  if (v.status == verdict_status::equivalent) return {};
  if (axis < v.axes.size()) {
    if (const auto* no = std::get_if<not_equivalent>(&v.axes[axis])) return no->explanation;
    if (const auto* open = std::get_if<unknown>(&v.axes[axis])) return open->reason;
  }
  return v.reason;
}

struct legend_entry {
  std::string_view fill;
  std::string_view label;
  std::string_view attributes;
};

// Swatches in one row from x = 20; returns the markup and advances `x` past the last label.
std::string legend_row(const std::vector<legend_entry>& entries, double y, double& x) {
  std::string out;
  for (const legend_entry& entry : entries) {
    out += rect(x, y - 11, 22, 12, entry.fill, entry.attributes);
    out += text(x + 28, y, entry.label, {.size = 11});
    x += 28 + text_width(entry.label, 11) + 22;
  }
  return out;
}

struct picture_header {
  std::string svg;
  double height = 0;
  double width = 0;
};

// The lines under the title, each with its indent: the fixed layer, why avg has none, a count.
std::vector<std::pair<double, std::string>> header_lines(const equivalence_report& r,
                                                         std::size_t axis,
                                                         const std::optional<fixed_layer>& fixed,
                                                         const picture_body& body) {
  std::vector<std::pair<double, std::string>> lines{
      {0, fixed ? fixed->description
                : "fixed windows: none (no avg witness, and the naive stride n//m is 0)"}};
  const std::vector<std::string> reason = wrap(avg_reason(r, axis), 120);
  for (std::size_t k = 0; k < reason.size(); ++k) {
    // SVG collapses spaces, so continuation lines are indented by position.
    lines.emplace_back(k == 0 ? 0 : text_width("why: ", 12), (k == 0 ? "why: " : "") + reason[k]);
  }
  const std::int64_t m = r.out_size[axis];
  lines.emplace_back(
      0, fmt::format("outputs drawn: {} of {}{}; {}", body.drawn, m,
                     m > body.drawn ? " (the first and last 32)" : "",
                     fixed ? fmt::format("fixed windows that differ (red): {}", body.differing)
                           : "no fixed windows to compare"));
  return lines;
}

picture_header header(const equivalence_report& r, std::size_t axis,
                      const std::optional<fixed_layer>& fixed, const picture_body& body) {
  const std::string title = picture_title(r, axis);
  picture_header h{text(20, 28, title, {.size = 16, .bold = true}), 28, text_width(title, 16) + 40};
  for (const auto& [indent, line] : header_lines(r, axis, fixed, body)) {
    h.height += 19;
    h.svg += text(20 + indent, h.height, line, {.size = 12});
    h.width = std::max(h.width, indent + text_width(line, 12) + 40);
  }
  std::vector<legend_entry> entries{{adaptive_fill, "adaptive window", {}}};
  if (fixed) {
    entries.push_back({same_fill, "fixed window, same inputs and divisor", {}});
    entries.push_back({differs_fill, "fixed window that differs", {}});
  }
  if (body.padding) {
    entries.push_back({"#FFFFFF", "padding", R"( stroke="#888888" stroke-dasharray="3,2")"});
  }
  double x = 20;
  h.height += 28;
  h.svg += legend_row(entries, h.height, x);
  h.width = std::max(h.width, x + 20);
  h.height += 22;
  return h;
}

}  // namespace

std::string window_picture_svg(const equivalence_report& report, std::size_t axis) {
  POOLPROOF_CHECK(axis < report.in_size.size() && axis < report.out_size.size());
  const std::int64_t n = report.in_size[axis], m = report.out_size[axis];
  const std::optional<fixed_layer> fixed = drawn_layer(report, axis);
  const picture_body body = window_rows(n, m, fixed);
  const picture_header head = header(report, axis, fixed, body);
  // The index-set column: two bounds of up to 19 digits and a divisor, in 11 px monospace.
  const auto digits = static_cast<double>(std::to_string(n).size());
  const double width = std::max(head.width, body.text_x + (3 * digits + 16) * 0.6 * 11 + 20);
  const std::string svg = head.svg + fmt::format("<g transform=\"translate(0,{:.1f})\">\n{}</g>\n",
                                                 head.height, body.svg);
  return document(width, head.height + body.height + 16, picture_title(report, axis), svg);
}

}  // namespace poolproof::solver

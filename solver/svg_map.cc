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

#include "solver/svg_primitives.h"

namespace poolproof::solver {
namespace {

using namespace svg_detail;

// Okabe-Ito blue, orange, bluish green; light grey for the pairs no fixed pooling reproduces.
constexpr std::array<std::string_view, 4> branch_fill{"#0072B2", "#E69F00", "#009E73", "#E3E3E3"};
constexpr std::array<std::string_view, 4> branch_class{"divisible", "remainder-one",
                                                       "remainder-minus", "none"};
constexpr std::array<std::string_view, 4> branch_rule{
    "m | n: k = s = n/m, p = 0", "n > m: s = (n-1)/m, k = s+1, p = 0",
    "s = (n+1)/m, k = s+1, p = 1, avg count_include_pad=False",
    "no fixed pooling reproduces adaptive pooling"};

using branch_function = std::function<closed_form_branch(std::int64_t, std::int64_t)>;

std::int64_t map_side(const size_range& range, std::string_view what) {
  if (range.first < 1 || range.last < range.first || range.last > reference::max_size) {
    throw common::input_error(fmt::format("map range of {} {}:{} is empty or outside [1, 2^62]",
                                          what, range.first, range.last));
  }
  return range.last - range.first + 1;
}

// Pair (n, m) is the cell at column n - in.first and, m growing upward, row out.last - m.
struct map_grid {
  size_range in;
  size_range out;
  std::int64_t cell = 1;
  std::int64_t left = 90;
  std::int64_t top = 0;

  [[nodiscard]] std::int64_t x(std::int64_t n) const { return left + (n - in.first) * cell; }
  [[nodiscard]] std::int64_t y(std::int64_t m) const { return top + (out.last - m) * cell; }
  [[nodiscard]] std::int64_t right() const { return x(in.last) + cell; }
  [[nodiscard]] std::int64_t bottom() const { return y(out.first) + cell; }
};

struct branch_paths {
  std::array<std::string, 4> d;
  std::array<std::int64_t, 4> count{};
};

// Each row's runs of equal branches become one subpath each, which keeps a 512 x 512 map small.
branch_paths paint(const map_grid& g, const branch_function& branch_of) {
  branch_paths paths;
  const auto run = [&](closed_form_branch branch, std::int64_t first, std::int64_t last,
                       std::int64_t m) {
    const auto k = static_cast<std::size_t>(branch);
    POOLPROOF_CHECK(k < paths.d.size());
    const std::int64_t width = (last - first + 1) * g.cell;
    paths.d[k] += fmt::format("M{},{}h{}v{}h-{}z", g.x(first), g.y(m), width, g.cell, width);
    paths.count[k] += last - first + 1;
  };
  for (std::int64_t m = g.out.first; m <= g.out.last; ++m) {
    std::int64_t start = g.in.first;
    closed_form_branch current = branch_of(start, m);
    for (std::int64_t n = start + 1; n <= g.in.last; ++n) {
      const closed_form_branch next = branch_of(n, m);
      if (next == current) continue;
      run(current, start, n - 1, m);
      start = n;
      current = next;
    }
    run(current, start, g.in.last, m);
  }
  return paths;
}

// The values of [first, last] that get a label: multiples of a power-of-two step that keeps
// labels `pixels` apart, and `first` when it has that much room before the next one.
std::vector<std::int64_t> labelled(std::int64_t first, std::int64_t last, std::int64_t cell,
                                   double pixels) {
  std::int64_t step = 1;
  while (static_cast<double>(step * cell) < pixels) step *= 2;
  std::vector<std::int64_t> values;
  if (first % step != 0 && static_cast<double>((step - first % step) * cell) >= pixels) {
    values.push_back(first);
  }
  for (std::int64_t v = (first + step - 1) / step * step; v <= last; v += step) {
    values.push_back(v);
  }
  return values;
}

std::string map_labels(const map_grid& g) {
  // Wide cells can carry every label; narrow ones get them at least 36 px apart.
  const double pixels =
      std::max(g.cell >= 20 ? 0.0 : 36.0, text_width(std::to_string(g.in.last), 10) + 12);
  const double half = static_cast<double>(g.cell) / 2;
  std::string out;
  for (const std::int64_t n : labelled(g.in.first, g.in.last, g.cell, pixels)) {
    const double x = static_cast<double>(g.x(n)) + half;
    out += fmt::format("<path d=\"M{:.1f},{}v4\" stroke=\"{}\"/>\n", x, g.bottom(), grey_ink);
    out += text(x, static_cast<double>(g.bottom()) + 16, std::to_string(n),
                {.size = 10, .anchor = "middle"});
  }
  for (const std::int64_t m : labelled(g.out.first, g.out.last, g.cell, 24)) {
    const double y = static_cast<double>(g.y(m)) + half;
    out += fmt::format("<path d=\"M{},{:.1f}h-4\" stroke=\"{}\"/>\n", g.left, y, grey_ink);
    out += text(static_cast<double>(g.left) - 7, y + 3.5, std::to_string(m),
                {.size = 10, .anchor = "end"});
  }
  return out;
}

std::string map_axis_titles(const map_grid& g) {
  const double middle_x = static_cast<double>(g.left + g.right()) / 2;
  const double middle_y = static_cast<double>(g.top + g.bottom()) / 2;
  return text(middle_x, static_cast<double>(g.bottom()) + 36, "n (input size)",
              {.size = 12, .anchor = "middle"}) +
         fmt::format(
             R"svg(<text x="0" y="0" font-size="12" text-anchor="middle" )svg"
             R"svg(transform="translate({:.1f},{:.1f}) rotate(-90)">m (output size)</text>)svg"
             "\n",
             static_cast<double>(g.left) - 52, middle_y);
}

// The legend in `columns` (1 or 2) columns of swatches from `top`; widens `width` to fit it.
std::string map_legend(const branch_paths& paths, std::size_t columns, double top, double& width) {
  std::array<std::string, 4> labels;
  double column_width = 0;
  for (std::size_t k = 0; k < labels.size(); ++k) {
    labels[k] = fmt::format("{}: {} ({} pairs)", branch_name(static_cast<closed_form_branch>(k)),
                            branch_rule[k], paths.count[k]);
    column_width = std::max(column_width, text_width(labels[k], 11) + 50);
  }
  std::string out;
  for (std::size_t k = 0; k < labels.size(); ++k) {
    const double x = 20 + static_cast<double>(k % columns) * column_width;
    const std::size_t row = k / columns;
    const double y = top + static_cast<double>(row) * 20;
    out += rect(x, y - 11, 14, 14, branch_fill[k], R"( stroke="#888888" stroke-width="0.5")");
    out += text(x + 20, y, labels[k], {.size = 11});
    width = std::max(width, x + column_width);
  }
  return out;
}

}  // namespace

std::string equivalence_map_svg(const sweep_options& options, const branch_function& branch_of) {
  const std::int64_t columns = map_side(options.in, "n"), rows = map_side(options.out, "m");
  if (columns > max_map_side || rows > max_map_side) {
    throw common::input_error(fmt::format("map of {}x{} pairs is larger than {}x{}", columns, rows,
                                          max_map_side, max_map_side));
  }
  map_grid g{options.in, options.out};
  g.cell = std::clamp<std::int64_t>(1024 / std::max(columns, rows), 1, 24);
  // Two legend columns only where the grid is wide enough to carry them.
  const std::size_t legend_columns = g.cell * columns >= 900 ? 2 : 1;
  g.top = legend_columns == 2 ? 110 : 150;
  const branch_paths paths = paint(g, branch_of);
  const std::string title = fmt::format(
      "adaptive pooling n -> m, n in {}..{}, m in {}..{}: which branch of the theorem holds",
      options.in.first, options.in.last, options.out.first, options.out.last);
  const std::string_view subtitle =
      "one cell per (n, m); k, s, p: kernel, stride, padding of the least reproducing fixed "
      "pooling (docs/theorem.md)";
  double width = std::max({static_cast<double>(g.right()) + 30, text_width(title, 16) + 40,
                           text_width(subtitle, 12) + 40});
  std::string svg = text(20, 28, title, {.size = 16, .bold = true}) +
                    text(20, 48, subtitle, {.size = 12, .fill = grey_ink}) +
                    map_legend(paths, legend_columns, 74, width);
  for (std::size_t k = 0; k < paths.d.size(); ++k) {
    if (paths.d[k].empty()) continue;
    svg += fmt::format("<path class=\"branch {}\" fill=\"{}\" d=\"{}\"/>\n", branch_class[k],
                       branch_fill[k], paths.d[k]);
  }
  svg += rect(static_cast<double>(g.left), static_cast<double>(g.top),
              static_cast<double>(g.right() - g.left), static_cast<double>(g.bottom() - g.top),
              "none", R"( stroke="#444444")");
  svg += map_labels(g) + map_axis_titles(g);
  return document(width, static_cast<double>(g.bottom()) + 50, title, svg);
}

}  // namespace poolproof::solver

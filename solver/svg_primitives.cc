#include "solver/svg_primitives.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace poolproof::solver::svg_detail {

std::string xml_escape(std::string_view text) {
  static constexpr std::array<std::pair<char, std::string_view>, 5> entities{
      {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&apos;"}}};
  std::string out;
  for (const char c : text) {
    const auto* entity =
        std::find_if(entities.begin(), entities.end(), [c](const auto& e) { return e.first == c; });
    if (entity != entities.end()) {
      out += entity->second;
    } else {
      // XML 1.0 forbids most control characters, even escaped.
      out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  }
  return out;
}

// An estimate for laying out, not a measurement: DejaVu Sans averages about 0.55 em over lower
// case and 0.64 em over digits; its monospace sibling is 0.6 em.
double text_width(std::string_view text, double size) {
  return static_cast<double>(text.size()) * 0.6 * size;
}

std::string rect(double x, double y, double width, double height, std::string_view fill,
                 std::string_view attributes) {
  return fmt::format(
      "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"{}/>\n", x, y,
      width, height, fill, attributes);
}

std::string text(double x, double y, std::string_view content, const text_style& style) {
  std::string attributes = fmt::format(R"( font-size="{:g}")", style.size);
  if (style.anchor != "start") attributes += fmt::format(R"( text-anchor="{}")", style.anchor);
  if (style.fill != ink) attributes += fmt::format(R"( fill="{}")", style.fill);
  if (!style.family.empty()) attributes += fmt::format(R"( font-family="{}")", style.family);
  if (style.bold) attributes += R"( font-weight="bold")";
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\"{}>{}</text>\n", x, y, attributes,
                     xml_escape(content));
}

std::string document(double width, double height, std::string_view title, std::string_view body) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" "
      "viewBox=\"0 0 {0:.0f} {1:.0f}\" font-family=\"DejaVu Sans, Arial, sans-serif\" "
      "fill=\"{2}\">\n<title>{3}</title>\n{4}{5}</svg>\n",
      std::ceil(width), std::ceil(height), ink, xml_escape(title),
      rect(0, 0, std::ceil(width), std::ceil(height), "#FFFFFF"), body);
}

// Greedy word wrap, so a long explanation stays within the picture's width.
std::vector<std::string> wrap(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  while (!text.empty()) {
    const std::size_t space = std::min(text.find(' '), text.size());
    const std::string_view word = text.substr(0, space);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
    text.remove_prefix(std::min(space + 1, text.size()));
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace poolproof::solver::svg_detail

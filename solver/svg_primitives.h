// Private to solver/: the SVG building blocks both pictures (windows, theorem map) draw with.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace poolproof::solver::svg_detail {

inline constexpr std::string_view ink = "#222222";
inline constexpr std::string_view grey_ink = "#666666";
inline constexpr std::string_view mono = "DejaVu Sans Mono, monospace";

struct text_style {
  double size = 12;
  std::string_view anchor = "start";
  std::string_view fill = ink;
  std::string_view family = {};  // the document's sans-serif unless set
  bool bold = false;
};

/// The text with &, <, >, " and ' escaped for XML.
[[nodiscard]] std::string xml_escape(std::string_view text);

/// An estimate of the text's width in pixels at `size`, for layout (not a measurement).
[[nodiscard]] double text_width(std::string_view text, double size);

/// A <rect> with the given fill and any extra attributes (each with a leading space).
[[nodiscard]] std::string rect(double x, double y, double width, double height,
                               std::string_view fill, std::string_view attributes = {});

/// A <text> element, content escaped.
[[nodiscard]] std::string text(double x, double y, std::string_view content,
                               const text_style& style);

/// A standalone SVG document of the given size, with a <title> and the body.
[[nodiscard]] std::string document(double width, double height, std::string_view title,
                                   std::string_view body);

/// Greedy word wrap at `width` characters.
[[nodiscard]] std::vector<std::string> wrap(std::string_view text, std::size_t width);

}  // namespace poolproof::solver::svg_detail

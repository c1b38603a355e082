#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/size_text.h>

#include <string>

namespace poolproof::reference {
namespace {

[[noreturn]] void refuse(std::string_view what, std::string_view text, const std::string& why) {
  // The text as typed may hold anything: it is echoed printable, on one line.
  throw common::input_error(std::string(what) + " '" + common::printable(text) + "' " + why);
}

std::int64_t parse_one(std::string_view part, std::string_view what, std::string_view text) {
  if (part.empty()) refuse(what, text, "has an empty size (write sizes like 224 or 224x224)");
  for (char c : part) {
    if (c < '0' || c > '9') {
      refuse(what, text,
             "is not a size: '" + common::printable(std::string_view(&c, 1)) + "' is not a digit");
    }
  }
  std::int64_t value = 0;
  for (char c : part) {
    // value * 10 would pass 2^62 (and could overflow int64): refuse before computing it.
    if (value > max_size / 10) refuse(what, text, "is past 2^62");
    value = value * 10 + (c - '0');
  }
  if (value > max_size) refuse(what, text, "is past 2^62");
  if (value < 1) refuse(what, text, "must be at least 1");
  return value;
}

}  // namespace

std::vector<std::int64_t> parse_sizes(std::string_view text, std::string_view what) {
  std::vector<std::int64_t> sizes;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find('x', begin);
    sizes.push_back(parse_one(text.substr(begin, end - begin), what, text));
    if (end == std::string_view::npos) break;
    begin = end + 1;
    if (sizes.size() == 3) refuse(what, text, "has more than 3 axes");
  }
  return sizes;
}

std::pair<std::int64_t, std::int64_t> parse_range(std::string_view text, std::string_view what) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return {1, parse_one(text, what, text)};
  const std::int64_t first = parse_one(text.substr(0, colon), what, text);
  const std::int64_t last = parse_one(text.substr(colon + 1), what, text);
  if (first > last) refuse(what, text, "is an empty range (write FIRST:LAST with FIRST <= LAST)");
  return {first, last};
}

}  // namespace poolproof::reference

// Streaming JSON checks (golden/json_limits.h): nlohmann's SAX interface, so a hostile file is
// refused before it can grow into a document tree many times its size.
#include "golden/json_limits.h"

#include <poolproof/common/error.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

namespace poolproof::golden::detail {
namespace {

using json = nlohmann::json;
using fail_function = std::function<void(const std::string&)>;

// The tree parser's wording, so a malformed file reads the same whichever pass sees it first.
[[noreturn]] void malformed(const fail_function& fail, std::size_t position,
                            const json::exception& error) {
  // nlohmann reports a number past double's range (1e400) as out_of_range (id 406).
  if (error.id == 406) fail("malformed JSON: a number out of range");
  fail("malformed JSON at byte " + std::to_string(position));
  throw std::logic_error("fail returned");
}

// Counts values and depth, and remembers each open object's keys.
class shape_checker : public json::json_sax_t {
 public:
  shape_checker(std::size_t max_values, int max_depth, const fail_function& fail)
      : max_values_(max_values), max_depth_(max_depth), fail_(fail) {}

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(json::number_integer_t) override { return value(); }
  bool number_unsigned(json::number_unsigned_t) override { return value(); }
  bool number_float(json::number_float_t, const json::string_t&) override { return value(); }
  bool string(json::string_t&) override { return value(); }
  bool binary(json::binary_t&) override { return value(); }
  bool start_object(std::size_t) override {
    open();
    keys_.emplace_back();
    return true;
  }
  bool key(json::string_t& name) override {
    if (!keys_.back().insert(name).second) {
      fail_("repeated member " + common::printable(name, 40));
    }
    return true;
  }
  bool end_object() override {
    keys_.pop_back();
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    open();
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const json::exception& e) override {
    malformed(fail_, position, e);
  }

 private:
  bool value() {
    if (++values_ > max_values_) {
      fail_("more JSON values than " + std::to_string(max_values_) +
            " (one per 16 bytes of text on average at most)");
    }
    return true;
  }
  void open() {
    value();
    if (++depth_ > max_depth_)
      fail_("nested deeper than " + std::to_string(max_depth_) + " levels");
  }

  std::size_t max_values_;
  int max_depth_;
  const fail_function& fail_;
  std::size_t values_ = 0;
  int depth_ = 0;
  std::vector<std::set<std::string>> keys_;
};

// Accepts exactly one array of strings, handing each string on.
class string_array_reader : public json::json_sax_t {
 public:
  string_array_reader(std::size_t max_count,
                      const std::function<void(std::size_t, std::string_view)>& element,
                      const fail_function& fail)
      : max_count_(max_count), element_(element), fail_(fail) {}

  bool null() override { return not_string(); }
  bool boolean(bool) override { return not_string(); }
  bool number_integer(json::number_integer_t) override { return not_string(); }
  bool number_unsigned(json::number_unsigned_t) override { return not_string(); }
  bool number_float(json::number_float_t, const json::string_t&) override { return not_string(); }
  bool binary(json::binary_t&) override { return not_string(); }
  bool string(json::string_t& text) override {
    if (!inside_) fail_("not a JSON array");
    if (count_ == max_count_) fail_(more_than_elements(max_count_));
    element_(count_++, text);
    return true;
  }
  bool start_object(std::size_t) override { return not_string(); }
  bool key(json::string_t&) override { return not_string(); }
  bool end_object() override { return not_string(); }
  bool start_array(std::size_t) override {
    if (inside_ || started_) not_string();
    inside_ = started_ = true;
    return true;
  }
  bool end_array() override {
    inside_ = false;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const json::exception& e) override {
    malformed(fail_, position, e);
  }

 private:
  bool not_string() {
    fail_(inside_ ? "element " + std::to_string(count_) + ": not a string" : "not a JSON array");
    return false;
  }

  std::size_t max_count_;
  const std::function<void(std::size_t, std::string_view)>& element_;
  const fail_function& fail_;
  std::size_t count_ = 0;
  bool inside_ = false, started_ = false;
};

}  // namespace

void check_json_shape(std::string_view text, const json_shape_limits& limits,
                      const fail_function& fail) {
  shape_checker checker(64 + text.size() / limits.bytes_per_value, limits.max_depth, fail);
  json::sax_parse(text, &checker);
}

namespace {

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_space(std::string_view text, std::size_t at) {
  while (at < text.size() && is_json_space(text[at])) ++at;
  return at;
}

// What a byte is inside a plain string: part of it, its closing quote, or a byte no plain string
// holds (a control character, a backslash, anything past ASCII's printable range).
enum class string_byte : std::uint8_t { inside, quote, refused };

constexpr std::array<string_byte, 256> string_bytes = [] {
  std::array<string_byte, 256> table{};
  for (std::size_t c = 0; c < table.size(); ++c) {
    table[c] = c < 0x20 || c > 0x7E || c == '\\' ? string_byte::refused : string_byte::inside;
  }
  table['"'] = string_byte::quote;
  return table;
}();

}  // namespace

// Such a text means the same to any JSON parser, so it is read without one (the SAX parser costs
// tens of nanoseconds a string, about as much as the check of its value); every other text,
// valid or not, goes to the parser.
std::optional<std::vector<std::string_view>> plain_json_strings(std::string_view text,
                                                                std::size_t max_count) {
  std::vector<std::string_view> strings;
  std::size_t at = skip_space(text, 0);
  if (at == text.size() || text[at] != '[') return std::nullopt;
  // One allocation, not a dozen, for exact_values' texts (at least 6 bytes a string: indent,
  // quotes, a digit, a comma and a newline); bounded by the text, whatever max_count is.
  strings.reserve(std::min(max_count, text.size() / 6) + 1);
  at = skip_space(text, at + 1);
  if (at < text.size() && text[at] == ']') {
    if (skip_space(text, at + 1) != text.size()) return std::nullopt;
    return strings;
  }
  while (true) {
    if (at == text.size() || text[at] != '"') return std::nullopt;
    const std::size_t first = ++at;
    string_byte kind = string_byte::refused;
    for (; at < text.size(); ++at) {
      kind = string_bytes[static_cast<unsigned char>(text[at])];
      if (kind != string_byte::inside) break;
    }
    if (kind != string_byte::quote) return std::nullopt;
    strings.push_back(text.substr(first, at - first));
    // One string past max_count is all the parser's reader sees before it fails, too.
    if (strings.size() > max_count) return strings;
    at = skip_space(text, at + 1);
    if (at == text.size()) return std::nullopt;
    if (text[at] == ']') {
      if (skip_space(text, at + 1) != text.size()) return std::nullopt;
      return strings;
    }
    if (text[at] != ',') return std::nullopt;
    at = skip_space(text, at + 1);
  }
}

std::string more_than_elements(std::size_t max_count) {
  return "more than " + std::to_string(max_count) + " elements";
}

void for_each_json_string(std::string_view text, std::size_t max_count,
                          const std::function<void(std::size_t, std::string_view)>& element,
                          const fail_function& fail) {
  const std::optional<std::vector<std::string_view>> plain = plain_json_strings(text, max_count);
  if (!plain) {
    string_array_reader reader(max_count, element, fail);
    json::sax_parse(text, &reader);
    return;
  }
  for (std::size_t k = 0; k < plain->size(); ++k) {
    if (k == max_count) fail(more_than_elements(max_count));
    element(k, (*plain)[k]);
  }
}

}  // namespace poolproof::golden::detail

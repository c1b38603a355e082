// Private to golden/: JSON read within limits, before (or instead of) building a document tree.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace poolproof::golden::detail {

/// What a JSON text may hold before it is parsed into a tree.
struct json_shape_limits {
  int max_depth = 5;                 ///< nesting of arrays and objects
  std::size_t bytes_per_value = 16;  ///< at least this many bytes of text per value on average
};

/// Checks `text` in one streaming pass, allocating nothing in proportion to it: well-formed JSON
/// (the messages of the tree parser: "malformed JSON at byte N", "malformed JSON: a number out
/// of range"), nesting within max_depth, no object with a repeated key, and no more values than
/// 64 + text.size() / bytes_per_value, so the tree built afterwards stays a small multiple of the
/// text (a JSON value costs at most about 100 bytes in nlohmann::json). Calls fail(reason), which
/// must throw, at the first violation.
void check_json_shape(std::string_view text, const json_shape_limits& limits,
                      const std::function<void(const std::string&)>& fail);

/// The strings of `text` (views into it, in order) when it is one JSON array of strings of
/// printable ASCII without escapes and nothing else but whitespace (space, tab, newline,
/// carriage return): the form serialize_exact_values writes. nullopt for any other text, valid
/// JSON or not. Reading stops at the (max_count + 1)th string, the text after it unread: so
/// many strings are too many whatever follows, and at most max_count + 1 views are held.
[[nodiscard]] std::optional<std::vector<std::string_view>> plain_json_strings(
    std::string_view text, std::size_t max_count);

/// for_each_json_string's reason for an array of more than max_count elements.
[[nodiscard]] std::string more_than_elements(std::size_t max_count);

/// Streams a JSON array of strings: calls element(index, text) for each in order (`text` valid
/// during the call), never holding more than one, or for a plain text (plain_json_strings) views
/// of at most max_count + 1. Calls fail(reason), which must throw, on
/// malformed JSON (as above), a document that is not one array of strings, or more than
/// max_count elements. Elements are handed on as they are read, so an element's call may come
/// before the failure of a later part of the text.
void for_each_json_string(std::string_view text, std::size_t max_count,
                          const std::function<void(std::size_t, std::string_view)>& element,
                          const std::function<void(const std::string&)>& fail);

}  // namespace poolproof::golden::detail

// for_each_json_string: texts in the plain form (an array of ASCII strings without escapes, read
// without the parser) and texts just outside it (read by the parser) give the strings, or the
// refusal, that nlohmann's parser gives them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "golden/json_limits.h"

namespace poolproof::golden::detail {
namespace {

// The strings, or nullopt for a refusal.
std::optional<std::vector<std::string>> ours(std::string_view text, std::size_t max_count) {
  std::vector<std::string> strings;
  try {
    for_each_json_string(
        text, max_count,
        [&](std::size_t index, std::string_view value) {
          EXPECT_EQ(index, strings.size());
          strings.emplace_back(value);
        },
        [](const std::string& reason) { throw std::runtime_error(reason); });
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
  return strings;
}

std::optional<std::vector<std::string>> parsers(std::string_view text, std::size_t max_count) {
  const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_array() || document.size() > max_count)
    return std::nullopt;
  std::vector<std::string> strings;
  for (const nlohmann::json& value : document) {
    if (!value.is_string()) return std::nullopt;
    strings.push_back(value.get<std::string>());
  }
  return strings;
}

TEST(JsonStrings, PlainAndNearPlainTextsReadAsTheParserReadsThem) {
  const std::vector<std::string> texts = {
      "[]", " [ ] \n", "[\n \"7/2\",\n \"-3\"\n]\n", "[\"0\"]", "\t\r\n[\"a b\",\"~!#$%&'()*+\"]",
      "[\"\"]", "[\"1\",\"2\",\"3\",\"4\"]",
      // not plain: the parser decides
      "[\"a\\u0041\"]", "[\"\\\"\"]", "[\"\xc3\xa9\"]", "[\"\x7f\"]", "[\"tab\there\"]", "[\"1\",]",
      "[\"1\" \"2\"]", "[\"1\"] x", "[\"1\"]]", "[\"1\"", "[\"1", "[", "", " ", "[,\"1\"]",
      "[\"1\",,\"2\"]", "[1]", "[\"1\", 2]", "{\"a\": \"1\"}", "\"1\"", "[[\"1\"]]",
      "[\"1\"][\"2\"]", "\xef\xbb\xbf[\"1\"]", "[\"1\"\x0c]"};
  for (const std::string& text : texts) {
    for (const std::size_t max_count : {std::size_t{3}, std::size_t{100}})
      EXPECT_EQ(ours(text, max_count), parsers(text, max_count)) << text << " " << max_count;
  }
  // The first seven are plain, and read without the parser; the others are not.
  for (std::size_t k = 0; k < texts.size(); ++k)
    EXPECT_EQ(plain_json_strings(texts[k], 100).has_value(), k < 7) << texts[k];
  // Past max_count strings, reading stops: what follows is not looked at.
  const auto first_four = plain_json_strings("[\"1\", \"2\", \"3\", \"4\", \"5\" , x", 3);
  ASSERT_TRUE(first_four.has_value());
  EXPECT_EQ(*first_four, (std::vector<std::string_view>{"1", "2", "3", "4"}));
  EXPECT_EQ(ours("[\"1\", \"2\", \"3\", \"4\", \"5\" , x", 3), std::nullopt);
}

}  // namespace
}  // namespace poolproof::golden::detail

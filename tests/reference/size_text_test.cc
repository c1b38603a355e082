#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/size_text.h>

#include <string>
#include <vector>

namespace poolproof::reference {
namespace {

using sizes = std::vector<std::int64_t>;

TEST(ParseSizes, AcceptsOneToThreeAxes) {
  EXPECT_EQ(parse_sizes("5", "input size"), sizes{5});
  EXPECT_EQ(parse_sizes("224x224", "input size"), (sizes{224, 224}));
  EXPECT_EQ(parse_sizes("8x16x32", "input size"), (sizes{8, 16, 32}));
  EXPECT_EQ(parse_sizes("4611686018427387904", "input size"), sizes{reference::max_size});
}

std::string message_of(const std::string& text) {
  try {
    (void)parse_sizes(text, "input size");
  } catch (const common::input_error& e) {
    return e.what();
  }
  return "accepted";
}

TEST(ParseSizes, RefusesMalformedSizesWithOneLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0", "must be at least 1"},
      {"-3", "'-' is not a digit"},
      {"abc", "'a' is not a digit"},
      {"5x", "empty size"},
      {"x5", "empty size"},
      {"", "empty size"},
      {"5xx5", "empty size"},
      {"1x2x3x4", "more than 3 axes"},
      {"4611686018427387905", "past 2^62"},
      {"99999999999999999999999", "past 2^62"},
      {"5.0", "'.' is not a digit"},
      {" 5", "' ' is not a digit"},
      {"+5", "'+' is not a digit"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string message = message_of(text);
    EXPECT_NE(message.find(expected), std::string::npos) << text << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_EQ(message.rfind("input size '" + text + "'", 0), 0U) << message;
  }
}

}  // namespace
}  // namespace poolproof::reference

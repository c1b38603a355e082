#include <gtest/gtest.h>
#include <poolproof/golden/exact_values.h>

#include "tests/golden/io_test_util.h"

namespace poolproof::golden {
namespace {

using io_test::expect_input_error;

std::vector<reference::extended_rational> sample_values() {
  return {
      reference::extended_rational::finite(reference::rational(7, 2)),
      reference::extended_rational::finite(-3),
      reference::extended_rational::finite(0),
      reference::extended_rational::negative_zero(),
      reference::extended_rational::infinity(false),
      reference::extended_rational::infinity(true),
      reference::extended_rational::not_a_number(),
      reference::extended_rational::finite(reference::rational(reference::integer(1) << 200, 3))};
}

TEST(ExactValues, SerializesTheDocumentedStrings) {
  const std::string text = serialize_exact_values(sample_values());
  EXPECT_TRUE(
      text.starts_with("[\n \"7/2\",\n \"-3\",\n \"0\",\n \"-0\",\n \"inf\",\n \"-inf\",\n"
                       " \"nan\",\n \"1606938044258990275541962092341162602522202993782792"
                       "835301376/3\"\n]\n"))
      << text;
  EXPECT_EQ(serialize_exact_values({}), "[]\n");
}

TEST(ExactValues, RoundTrips) {
  EXPECT_EQ(parse_exact_values(serialize_exact_values(sample_values()), "e.json"), sample_values());
}

TEST(ExactValues, AcceptsNonReducedAndReducesThem) {
  const auto values = parse_exact_values(R"(["6/4", "-10/5", "-0/7", "010", "0/3"])", "e.json");
  ASSERT_EQ(values.size(), 5u);
  EXPECT_EQ(values[0], reference::extended_rational::finite(reference::rational(3, 2)));
  EXPECT_EQ(values[1], reference::extended_rational::finite(-2));
  EXPECT_EQ(values[2], reference::extended_rational::negative_zero());
  EXPECT_EQ(values[3], reference::extended_rational::finite(10));  // decimal, not octal
  EXPECT_EQ(values[4], reference::extended_rational::finite(0));
}

TEST(ExactValues, Rejections) {
  expect_input_error([] { (void)parse_exact_values(R"(["1/0"])", "e.json"); },
                     "cannot read exact values 'e.json': element 0: zero denominator");
  expect_input_error([] { (void)parse_exact_values(R"(["1", 2])", "e.json"); },
                     "element 1: not a string");
  for (const char* bad : {R"([" 1"])", R"(["1.5"])", R"(["+1"])", R"(["1/"])", R"(["/2"])",
                          R"(["--1"])", R"(["-nan"])", R"(["1/2/3"])", R"([""])", R"(["0x10"])"}) {
    expect_input_error([&] { (void)parse_exact_values(bad, "e.json"); }, "not a number");
  }
  expect_input_error([] { (void)parse_exact_values(R"({"a": "1"})", "e.json"); },
                     "not a JSON array");
  expect_input_error([] { (void)parse_exact_values("[\"1\"", "e.json"); }, "malformed JSON");
  const std::string huge = "[\"" + std::string((std::size_t{1} << 20) + 1, '7') + "\"]";
  expect_input_error([&] { (void)parse_exact_values(huge, "e.json"); }, "past 2^20 digits");
  // A file holding more values than its case has is refused as it streams, not after.
  expect_input_error([] { (void)parse_exact_values(R"(["1", "2", "3", "4"])", "e.json", 3); },
                     "more than 3 elements");
  EXPECT_EQ(parse_exact_values(R"(["1", "2", "3"])", "e.json", 3).size(), 3U);
  expect_input_error([] { (void)parse_exact_values(R"([["1"]])", "e.json"); }, "not a string");
  expect_input_error([] { (void)parse_exact_values(R"("1")", "e.json"); }, "not a JSON array");
}

}  // namespace
}  // namespace poolproof::golden

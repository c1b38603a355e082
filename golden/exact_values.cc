#include <gmp.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/exact_values.h>
#include <poolproof/golden/npy.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "golden/json_limits.h"

namespace poolproof::golden {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_digits = std::size_t{1} << 20;

[[noreturn]] void fail(std::string_view name, const std::string& reason) {
  throw common::input_error("cannot read exact values '" + std::string(name) + "': " + reason);
}

/// A non-empty run of at most 2^20 decimal digits, or nullopt.
std::optional<reference::integer> decimal(std::string_view digits) {
  if (digits.empty() || digits.size() > max_digits ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  reference::integer value;
  // Base 10 explicitly: the string constructor's base 0 would read "010" as octal.
  const std::string text(digits);
  POOLPROOF_CHECK(mpz_set_str(value.backend().data(), text.c_str(), 10) == 0);
  return value;
}

}  // namespace

reference::extended_rational parse_exact_value(std::string_view text, std::size_t index,
                                               std::string_view name) {
  if (text == "nan") return reference::extended_rational::not_a_number();
  if (text == "inf") return reference::extended_rational::infinity(false);
  if (text == "-inf") return reference::extended_rational::infinity(true);
  const std::string where = "element " + std::to_string(index) + ": ";
  const bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  const std::size_t slash = text.find('/');
  const std::string_view numerator_text = text.substr(0, slash);
  const std::string_view denominator_text =
      slash == std::string_view::npos ? std::string_view("1") : text.substr(slash + 1);
  if (numerator_text.size() > max_digits || denominator_text.size() > max_digits) {
    fail(name, where + "a number past 2^20 digits");
  }
  const auto numerator = decimal(numerator_text);
  const auto denominator = decimal(denominator_text);
  if (!numerator || !denominator) fail(name, where + "not a number: " + quote_for_message(text));
  if (*denominator == 0) fail(name, where + "zero denominator");
  if (*numerator == 0) {
    return negative ? reference::extended_rational::negative_zero()
                    : reference::extended_rational::finite(0);
  }
  const reference::rational value(*numerator, *denominator);
  return reference::extended_rational::finite(negative ? reference::rational(-value) : value);
}

std::string serialize_exact_values(const std::vector<reference::extended_rational>& values) {
  json array = json::array();
  for (const reference::extended_rational& value : values) array.push_back(to_string(value));
  return array.dump(1) + "\n";
}

std::vector<reference::extended_rational> parse_exact_values(std::string_view json_text,
                                                             std::string_view name,
                                                             std::size_t max_count) {
  std::vector<reference::extended_rational> values;
  detail::for_each_json_string(
      json_text, max_count,
      [&](std::size_t index, std::string_view text) {
        values.push_back(parse_exact_value(text, index, name));
      },
      [&](const std::string& reason) { fail(name, reason); });
  return values;
}

std::size_t max_exact_values_bytes(std::int64_t count) {
  return 64 + static_cast<std::size_t>(count) * max_exact_value_bytes;
}

}  // namespace poolproof::golden

// The "exact" file of a golden case: every expected element as an exact rational, in JSON.
#pragma once

#include <poolproof/reference/exact_number.h>

#include <string>
#include <string_view>
#include <vector>

namespace poolproof::golden {

/// JSON array of strings, one per element in C order: "7/2", "-3", "0", "-0", "inf", "-inf",
/// "nan" (integers without "/1"; fractions in lowest terms, denominator > 0).
[[nodiscard]] std::string serialize_exact_values(
    const std::vector<reference::extended_rational>& values);

/// Parses serialize_exact_values's format (also accepts non-reduced fractions, rejects a zero
/// denominator, numbers past 2^20 digits, and anything else with input_error
/// "cannot read exact values '<name>': <reason>").
[[nodiscard]] std::vector<reference::extended_rational> parse_exact_values(
    std::string_view json_text, std::string_view name);

}  // namespace poolproof::golden

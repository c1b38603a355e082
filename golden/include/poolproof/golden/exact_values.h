// The "exact" file of a golden case: every expected element as an exact rational, in JSON.
#pragma once

#include <poolproof/reference/exact_number.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace poolproof::golden {

/// JSON array of strings, one per element in C order: "7/2", "-3", "0", "-0", "inf", "-inf",
/// "nan" (integers without "/1"; fractions in lowest terms, denominator > 0).
[[nodiscard]] std::string serialize_exact_values(
    const std::vector<reference::extended_rational>& values);

/// Parses serialize_exact_values's format in one streaming pass (also accepts non-reduced
/// fractions; rejects a zero denominator, numbers past 2^20 digits, more than `max_count`
/// elements, and anything else with input_error "cannot read exact values '<name>': <reason>").
[[nodiscard]] std::vector<reference::extended_rational> parse_exact_values(
    std::string_view json_text, std::string_view name,
    std::size_t max_count = std::numeric_limits<std::size_t>::max());

/// One element's text of that format (`index` and `name` for the message), as parse_exact_values
/// reads it.
[[nodiscard]] reference::extended_rational parse_exact_value(std::string_view text,
                                                             std::size_t index,
                                                             std::string_view name);

/// The most bytes one element's exact value may take in an exact values file: a legitimate one
/// (a mean or gradient of binary64 values, windows of up to 2^62 per axis) takes under 1500.
inline constexpr std::size_t max_exact_value_bytes = 8192;

/// The largest exact values file of `count` elements a reader accepts (golden/FORMAT.md).
[[nodiscard]] std::size_t max_exact_values_bytes(std::int64_t count);

}  // namespace poolproof::golden

// Size arguments such as "5" or "224x224": the boundary where malformed sizes are refused.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace poolproof::reference {

/// Parses 1 to 3 decimal sizes joined by 'x' (N-D sizes, one per spatial axis). Each must be
/// plain digits with a value in [1, 2^62]. Throws input_error naming `what` and the text.
[[nodiscard]] std::vector<std::int64_t> parse_sizes(std::string_view text, std::string_view what);

/// Parses a sweep range: "N" is [1, N], "A:B" is [A, B]; sizes as above with A <= B.
/// Throws input_error naming `what` and the text.
[[nodiscard]] std::pair<std::int64_t, std::int64_t> parse_range(std::string_view text,
                                                                std::string_view what);

}  // namespace poolproof::reference

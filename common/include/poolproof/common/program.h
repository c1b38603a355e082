// What every poolproof program shares at its boundary: exit statuses and one-line errors.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace poolproof::common {

/// Exit statuses the programs share beside their own (0 and 1, and prove_equivalence's 3).
inline constexpr int exit_bad_input = 2;       ///< a bad argument or a malformed file
inline constexpr int exit_out_of_memory = 4;   ///< std::bad_alloc reached main
inline constexpr int exit_internal_error = 5;  ///< any other exception reached main
inline constexpr int exit_interrupted = 130;   ///< SIGINT or SIGTERM stopped the work (128 + 2)

/// Empty when `text` is a plain decimal number (digits only, no sign, no 0x, no leading zeros but
/// "0"), else why not: the programs' numeric options take only these, so "-1" cannot wrap to
/// 2^64 - 1 and "010" cannot be read as octal 8.
[[nodiscard]] std::string decimal_problem(std::string_view text);

/// Runs a program's body and maps what escapes it to one line on stderr, "PROGRAM: message",
/// and an exit status: input_error and std::filesystem errors exit_bad_input, std::bad_alloc
/// "out of memory" and exit_out_of_memory, common::interrupted exit_interrupted, any other
/// exception "internal error: ..." and exit_internal_error. Messages pass through printable() (at
/// most 400 characters).
[[nodiscard]] int run_program(std::string_view program, const std::function<int()>& body);

}  // namespace poolproof::common

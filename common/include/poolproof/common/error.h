// Error channels shared by every poolproof library: bad input throws, broken invariants abort.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace poolproof::common {

/// Bad input at a boundary (an argument, a size, a file). The message is one line that names the
/// offending thing; only a program's `main` catches it and maps it to an exit code.
class input_error : public std::runtime_error {
 public:
  explicit input_error(const std::string& message) : std::runtime_error(message) {}
};

/// The user stopped the work (SIGINT, SIGTERM) before it finished; what it writes is left as it
/// was. Programs map it to exit status 130.
class interrupted : public std::runtime_error {
 public:
  explicit interrupted(const std::string& message) : std::runtime_error(message) {}
};

/// `text` safe to print on one line: bytes outside printable ASCII as \xHH (so a newline in an
/// argument or a file cannot split an error message), cut after `limit` characters with "...".
[[nodiscard]] std::string printable(std::string_view text, std::size_t limit = 200);

/// Aborts with file and line when an invariant is broken. Stays on in every build type, because
/// an oracle that silently continues past a broken invariant would report wrong verdicts.
[[noreturn]] void check_failed(const char* condition, const char* file, int line);

}  // namespace poolproof::common

#define POOLPROOF_CHECK(condition)    \
  ((condition) ? static_cast<void>(0) \
               : ::poolproof::common::check_failed(#condition, __FILE__, __LINE__))

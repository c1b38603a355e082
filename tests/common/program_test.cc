// run_program and printable: every exception reaching main becomes one line and its exit status.
#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/common/program.h>

#include <filesystem>
#include <new>
#include <stdexcept>
#include <string>

namespace poolproof::common {
namespace {

// What run_program prints for `body`, and its status.
std::pair<int, std::string> run(const std::function<int()>& body) {
  ::testing::internal::CaptureStderr();
  const int status = run_program("prog", body);
  return {status, ::testing::internal::GetCapturedStderr()};
}

TEST(Program, MapsEachExceptionToItsExitStatusAndOneLine) {
  EXPECT_EQ(run([] { return 7; }), std::pair(7, std::string()));
  EXPECT_EQ(run([]() -> int { throw input_error("bad size"); }),
            std::pair(exit_bad_input, std::string("prog: bad size\n")));
  EXPECT_EQ(run([]() -> int { throw std::bad_alloc(); }),
            std::pair(exit_out_of_memory, std::string("prog: out of memory\n")));
  EXPECT_EQ(run([]() -> int { throw interrupted("stopped"); }),
            std::pair(exit_interrupted, std::string("prog: stopped\n")));
  EXPECT_EQ(run([]() -> int { throw std::logic_error("oops"); }),
            std::pair(exit_internal_error, std::string("prog: internal error: oops\n")));
  EXPECT_EQ(run([]() -> int { throw 42; }).first, exit_internal_error);
  const auto [status, text] = run([]() -> int {
    throw std::filesystem::filesystem_error("cannot", std::make_error_code(std::errc::io_error));
  });
  EXPECT_EQ(status, exit_bad_input);
  EXPECT_EQ(text.find('\n'), text.size() - 1);
}

TEST(Program, MessagesStayOnOneShortLine) {
  const auto [status, text] =
      run([]() -> int { throw input_error("size '5\n3' \x1b[31m" + std::string(100000, 'x')); });
  EXPECT_EQ(status, exit_bad_input);
  EXPECT_EQ(text.find('\n'), text.size() - 1);
  EXPECT_NE(text.find("size '5\\x0a3' \\x1b[31m"), std::string::npos) << text;
  EXPECT_LT(text.size(), 420U);
  EXPECT_TRUE(text.ends_with("...\n"));
}

TEST(Program, NumbersArePlainDecimals) {
  for (const char* good : {"0", "7", "18446744073709551615"}) EXPECT_EQ(decimal_problem(good), "");
  for (const char* bad : {"", "-1", "+1", "0x10", "010", "1e3", " 1", "1 ", "1.0"})
    EXPECT_NE(decimal_problem(bad), "") << bad;
}

TEST(Program, PrintableEscapesAndCuts) {
  EXPECT_EQ(printable("plain"), "plain");
  EXPECT_EQ(printable("a\tb\xff"), "a\\x09b\\xff");
  EXPECT_EQ(printable("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace poolproof::common

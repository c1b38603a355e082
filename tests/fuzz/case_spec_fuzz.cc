// libFuzzer target for `golden generate --case SPEC`'s parser and the programs' argument
// checks: any text gives a case within the reference's ranges or input_error, and any message
// made of it stays one printable line.
#include <poolproof/common/error.h>
#include <poolproof/common/program.h>
#include <poolproof/golden/user_cases.h>
#include <poolproof/reference/adaptive_window.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

void check_spec(std::string_view text) {
  try {
    const poolproof::golden::case_spec spec = poolproof::golden::parse_case_spec(text);
    const std::size_t dims = spec.output_size.size();
    POOLPROOF_CHECK(dims >= 1 && dims <= 3);
    POOLPROOF_CHECK(spec.input_shape.size() == dims + 1 || spec.input_shape.size() == dims + 2);
    for (std::int64_t size : spec.input_shape)
      POOLPROOF_CHECK(size >= 1 && size <= poolproof::reference::max_size);
    for (std::int64_t size : spec.output_size)
      POOLPROOF_CHECK(size >= 1 && size <= poolproof::reference::max_size);
    POOLPROOF_CHECK(!spec.name.empty());
  } catch (const poolproof::common::input_error& e) {
    POOLPROOF_CHECK(std::string_view(e.what()).find('\n') == std::string_view::npos);
  }
}

void check_messages(std::string_view text) {
  const std::string line = poolproof::common::printable(text, 64);
  for (char c : line) POOLPROOF_CHECK(c >= 0x20 && c < 0x7f);
  POOLPROOF_CHECK(line.size() <= 64 * 4 + 3);
  const std::string problem = poolproof::common::decimal_problem(text);
  POOLPROOF_CHECK(problem.find('\n') == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_spec(text);
  check_messages(text);
  return 0;
}

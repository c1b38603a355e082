// libFuzzer target for the size and range parsers: any text gets sizes in range or input_error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference/adaptive_window.h"
#include "reference/error.h"
#include "solver/size_arguments.h"

namespace {

void check_sizes(std::string_view text) {
  try {
    const auto sizes = poolproof::parse_sizes(text, "input size");
    POOLPROOF_CHECK(!sizes.empty() && sizes.size() <= 3);
    for (std::int64_t size : sizes) POOLPROOF_CHECK(size >= 1 && size <= poolproof::max_size);
  } catch (const poolproof::input_error&) {
  }
}

void check_range(std::string_view text) {
  try {
    const auto [first, last] = poolproof::parse_range(text, "sweep range");
    POOLPROOF_CHECK(first >= 1 && first <= last && last <= poolproof::max_size);
  } catch (const poolproof::input_error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_sizes(text);
  check_range(text);
  return 0;
}

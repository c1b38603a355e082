// libFuzzer target for the size and range parsers: any text gets sizes in range or input_error.
#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/size_text.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

void check_sizes(std::string_view text) {
  try {
    const auto sizes = poolproof::reference::parse_sizes(text, "input size");
    POOLPROOF_CHECK(!sizes.empty() && sizes.size() <= 3);
    for (std::int64_t size : sizes)
      POOLPROOF_CHECK(size >= 1 && size <= poolproof::reference::max_size);
  } catch (const poolproof::common::input_error& e) {
    POOLPROOF_CHECK(std::string_view(e.what()).find('\n') == std::string_view::npos);
  }
}

void check_range(std::string_view text) {
  try {
    const auto [first, last] = poolproof::reference::parse_range(text, "sweep range");
    POOLPROOF_CHECK(first >= 1 && first <= last && last <= poolproof::reference::max_size);
  } catch (const poolproof::common::input_error& e) {
    POOLPROOF_CHECK(std::string_view(e.what()).find('\n') == std::string_view::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_sizes(text);
  check_range(text);
  return 0;
}

// libFuzzer target for the exact values reader: any text gives values or input_error, and the
// values survive serialize_exact_values -> parse_exact_values unchanged.
#include <poolproof/common/error.h>
#include <poolproof/golden/exact_values.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<poolproof::reference::extended_rational> values;
  try {
    values = poolproof::golden::parse_exact_values(text, "fuzz.json");
  } catch (const poolproof::common::input_error& error) {
    // A hostile file must still get a short one-line message.
    const std::string_view message = error.what();
    POOLPROOF_CHECK(message.find('\n') == std::string_view::npos && message.size() < 1000);
    return 0;
  }
  const std::string again = poolproof::golden::serialize_exact_values(values);
  POOLPROOF_CHECK(poolproof::golden::parse_exact_values(again, "again.json") == values);
  return 0;
}

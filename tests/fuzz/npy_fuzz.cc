// libFuzzer target for the .npy reader: any bytes give a consistent array or a one-line
// input_error, and an accepted array survives serialize_npy -> parse_npy unchanged.
#include <poolproof/common/error.h>
#include <poolproof/golden/npy.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  poolproof::golden::npy_array array;
  try {
    array = poolproof::golden::parse_npy(bytes, "fuzz.npy");
  } catch (const poolproof::common::input_error& error) {
    // A hostile file must still get a short one-line message.
    const std::string_view message = error.what();
    POOLPROOF_CHECK(message.find('\n') == std::string_view::npos && message.size() < 1000);
    return 0;
  }
  std::size_t count = 1;
  for (std::int64_t axis : array.shape) {
    POOLPROOF_CHECK(axis >= 0);
    count *= static_cast<std::size_t>(axis);
  }
  POOLPROOF_CHECK(count == array.words.size());
  POOLPROOF_CHECK(array.words.size() <= size);
  POOLPROOF_CHECK(
      poolproof::golden::parse_npy(poolproof::golden::serialize_npy(array), "again.npy") == array);
  return 0;
}

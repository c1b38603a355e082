// libFuzzer target for the manifest reader: any text gives a valid manifest or input_error, and an
// accepted manifest survives serialize_manifest -> parse_manifest unchanged.
#include <poolproof/common/error.h>
#include <poolproof/golden/manifest.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  poolproof::golden::golden_manifest manifest;
  try {
    manifest = poolproof::golden::parse_manifest(text, "fuzz.json");
  } catch (const poolproof::common::input_error& error) {
    // A hostile file must still get a short one-line message.
    const std::string_view message = error.what();
    POOLPROOF_CHECK(message.find('\n') == std::string_view::npos && message.size() < 1000);
    return 0;
  }
  POOLPROOF_CHECK(manifest.version >= poolproof::golden::oldest_manifest_version &&
                  manifest.version <= poolproof::golden::manifest_version);
  for (const auto& c : manifest.cases) {
    POOLPROOF_CHECK(c.output_size.size() == static_cast<std::size_t>(c.spatial_dims));
    POOLPROOF_CHECK(c.files.contains("input"));
    for (const auto& [role, file] : c.files)
      POOLPROOF_CHECK(file.xxh128.size() == (manifest.version >= 2 ? 32u : 0u));
  }
  const std::string again = poolproof::golden::serialize_manifest(manifest);
  POOLPROOF_CHECK(poolproof::golden::parse_manifest(again, "again.json") == manifest);
  return 0;
}

// Reading a large suite file whose SHA-256 is computed on another thread while the caller works
// on its bytes (the avg check's input: hashing it takes about as long as checking it).
#pragma once

#include <poolproof/golden/manifest.h>
#include <poolproof/golden/npy.h>

#include <cstddef>
#include <filesystem>
#include <future>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace poolproof::golden::detail {

/// read_suite_file without its SHA-256 check, into `storage` (read_file_into's): the path and
/// size checks and the read, with their messages (manifest.cc). Returns the file's bytes.
[[nodiscard]] std::span<std::byte> read_unhashed_suite_file(const std::filesystem::path& suite_dir,
                                                            const golden_file& file,
                                                            std::size_t max_bytes,
                                                            const file_storage& storage);

/// read_suite_file's mismatch error unless `actual` (lowercase hex) is the manifest's sha256.
void require_sha256(const golden_file& file, std::string_view actual);

/// `use(bytes)` on the bytes of `file`, read as read_suite_file reads it into `storage`, while
/// their SHA-256 is computed on another thread (in this one if no thread can be started).
/// Nothing `use` returns or throws counts until the hash matches: a mismatch throws
/// read_suite_file's error in place of either, so the errors and their order are those of
/// read_suite_file followed by `use`. The storage must stay as it is until this returns.
template <typename Use>
decltype(auto) with_suite_file(const std::filesystem::path& suite_dir, const golden_file& file,
                               std::size_t max_bytes, const file_storage& storage, Use&& use) {
  const std::span<const std::byte> bytes =
      read_unhashed_suite_file(suite_dir, file, max_bytes, storage);
  const auto hash_bytes = [bytes] { return sha256_hex(bytes); };
  // async|deferred: the hash runs in this thread on get() if no thread could be started (EAGAIN);
  // any other failure to start one also leaves it to this thread.
  std::future<std::string> hash;
  try {
    hash = std::async(std::launch::async | std::launch::deferred, hash_bytes);
  } catch (const std::system_error&) {
    hash = std::async(std::launch::deferred, hash_bytes);
  }
  try {
    if constexpr (std::is_void_v<decltype(use(bytes))>) {
      use(bytes);
      require_sha256(file, hash.get());
    } else {
      auto result = use(bytes);
      require_sha256(file, hash.get());
      return result;
    }
  } catch (...) {
    // `use` threw, with the hash pending (a mismatch takes precedence), or the hash mismatched.
    if (hash.valid()) require_sha256(file, hash.get());
    throw;
  }
}

}  // namespace poolproof::golden::detail

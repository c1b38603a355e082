// Reading a large suite file whose digest is computed on another thread while the caller works
// on its bytes (the avg check's input).
#pragma once

#include <poolproof/common/error.h>
#include <poolproof/golden/manifest.h>
#include <poolproof/golden/npy.h>

#include <cstddef>
#include <filesystem>
#include <future>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <type_traits>

struct XXH3_state_s;  // libxxhash's streaming state (xxhash.h)

namespace poolproof::golden::detail {

/// read_suite_file without its digest check, into `storage` (read_file_into's, as is
/// `progress`): the path and size checks and the read, with their messages (manifest.cc).
/// Returns the file's bytes.
[[nodiscard]] std::span<std::byte> read_unhashed_suite_file(const std::filesystem::path& suite_dir,
                                                            const golden_file& file,
                                                            std::size_t max_bytes,
                                                            const file_storage& storage,
                                                            const read_progress& progress = {});

/// read_unhashed_suite_file's path checks and messages, with the file opened to be read at any
/// offsets (file_at_offsets). The digest is the caller's to check.
[[nodiscard]] file_at_offsets open_suite_file_at_offsets(const std::filesystem::path& suite_dir,
                                                         const golden_file& file,
                                                         std::size_t max_bytes);

/// XXH3-128 of bytes given piece by piece: hex() is xxh128_hex of the pieces added so far, one
/// after another.
class xxh128_stream {
 public:
  xxh128_stream();
  xxh128_stream(const xxh128_stream&) = delete;
  xxh128_stream& operator=(const xxh128_stream&) = delete;
  ~xxh128_stream();

  void add(std::span<const std::byte> bytes);
  [[nodiscard]] std::string hex() const;

 private:
  XXH3_state_s* state_;
};

/// read_suite_file's mismatch error when `bytes` differ from a digest of `file` that `digests`
/// selects (the first that differs: xxh128, then sha256), else nullopt.
[[nodiscard]] std::optional<std::string> digest_mismatch(const golden_file& file,
                                                         std::span<const std::byte> bytes,
                                                         file_digests digests);

/// `task()` started on another thread, or run on the caller's at the future's get() when no
/// thread can be started: a failure to start one is never an error of its own.
template <typename Task>
[[nodiscard]] std::future<std::invoke_result_t<Task&>> start_meanwhile(const Task& task) {
  // async|deferred already falls back to deferred on EAGAIN; the catch covers any other
  // system_error from starting the thread.
  try {
    return std::async(std::launch::async | std::launch::deferred, task);
  } catch (const std::system_error&) {
    return std::async(std::launch::deferred, task);
  }
}

/// `use(bytes)` on the bytes of `file`, read as read_suite_file reads it into `storage`, while
/// their digest (file_digests::fast) is computed on another thread (in this one if no thread can
/// be started). `progress` follows the read (read_file_into's); what it computes is unchecked
/// until `use` has the bytes.
/// Nothing `use` returns or throws counts until the hash matches: a mismatch throws
/// read_suite_file's error in place of either, so the errors and their order are those of
/// read_suite_file followed by `use`. The storage must stay as it is until this returns.
template <typename Use>
decltype(auto) with_suite_file(const std::filesystem::path& suite_dir, const golden_file& file,
                               std::size_t max_bytes, const file_storage& storage, Use&& use,
                               const read_progress& progress = {}) {
  const std::span<const std::byte> bytes =
      read_unhashed_suite_file(suite_dir, file, max_bytes, storage, progress);
  const auto hash_bytes = [bytes, &file] {
    return digest_mismatch(file, bytes, file_digests::fast);
  };
  std::future<std::optional<std::string>> hash = start_meanwhile(hash_bytes);
  const auto require_digest = [&hash] {
    if (auto mismatch = hash.get()) throw common::input_error(*mismatch);
  };
  try {
    if constexpr (std::is_void_v<decltype(use(bytes))>) {
      use(bytes);
      require_digest();
    } else {
      auto result = use(bytes);
      require_digest();
      return result;
    }
  } catch (...) {
    // `use` threw, with the hash pending (a mismatch takes precedence), or the hash mismatched.
    if (hash.valid()) require_digest();
    throw;
  }
}

}  // namespace poolproof::golden::detail

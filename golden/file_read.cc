// Reading whole files, bounded, into storage the caller chooses (npy.h).
#include <poolproof/common/error.h>
#include <poolproof/common/fresh_pages.h>
#include <poolproof/golden/npy.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <system_error>

namespace poolproof::golden {

std::span<std::byte> read_file_into(const std::filesystem::path& path, std::size_t max_bytes,
                                    std::string_view what, const file_storage& storage,
                                    const read_progress& progress) {
  const std::string prefix = "cannot read " + std::string(what) + " '" + path.string() + "': ";
  std::error_code error;
  // A FIFO or device would block or never end: only regular files are read.
  const auto status = std::filesystem::status(path, error);
  if (error) throw common::input_error(prefix + error.message());
  if (!std::filesystem::is_regular_file(status))
    throw common::input_error(prefix + "not a regular file");
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) throw common::input_error(prefix + error.message());
  if (size > max_bytes) {
    throw common::input_error(prefix + "size " + std::to_string(size) +
                              " bytes is past the limit of " + std::to_string(max_bytes));
  }
  std::ifstream stream(path, std::ios::binary);
  if (!stream) throw common::input_error(prefix + "cannot open");
  // Read one byte more than the size seen, so a file that grew meanwhile is caught.
  const std::span<std::byte> bytes = storage(static_cast<std::size_t>(size));
  POOLPROOF_CHECK(bytes.size() > size);
  // In pieces when someone follows the progress, else at once; either way up to size + 1 bytes.
  const std::size_t piece = progress ? read_piece_bytes : size + 1;
  std::size_t got = 0;
  while (got <= size) {
    const std::size_t asked = std::min(piece, size + 1 - got);
    stream.read(reinterpret_cast<char*>(bytes.data() + got), static_cast<std::streamsize>(asked));
    if (stream.bad()) throw common::input_error(prefix + "read error");
    const auto read = static_cast<std::size_t>(stream.gcount());
    got += read;
    if (progress && read > 0 && got <= size) progress(got);
    if (read < asked) break;  // the end of the file
  }
  if (got != size) throw common::input_error(prefix + "file changed while being read");
  return bytes.first(got);
}

file_storage byte_storage(std::vector<std::byte>& bytes) {
  return [&bytes](std::size_t size) -> std::span<std::byte> {
    bytes = common::prefaulted_vector<std::byte>(size + 1);
    return bytes;
  };
}

std::vector<std::byte> read_file_bytes(const std::filesystem::path& path, std::size_t max_bytes,
                                       std::string_view what) {
  std::vector<std::byte> bytes;
  bytes.resize(read_file_into(path, max_bytes, what, byte_storage(bytes)).size());
  return bytes;
}

}  // namespace poolproof::golden

// Reading whole files, bounded, into storage the caller chooses (npy.h).
#include <poolproof/common/error.h>
#include <poolproof/common/fresh_pages.h>
#include <poolproof/golden/npy.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <system_error>

namespace poolproof::golden {

namespace {

// A regular file within its size limit, open for reading, and the start of its errors.
struct bounded_file {
  std::string prefix;
  std::size_t size = 0;  ///< as seen before reading
  std::ifstream stream;
};

bounded_file open_bounded(const std::filesystem::path& path, std::size_t max_bytes,
                          std::string_view what) {
  bounded_file file;
  file.prefix = "cannot read " + std::string(what) + " '" + path.string() + "': ";
  std::error_code error;
  // A FIFO or device would block or never end: only regular files are read.
  const auto status = std::filesystem::status(path, error);
  if (error) throw common::input_error(file.prefix + error.message());
  if (!std::filesystem::is_regular_file(status))
    throw common::input_error(file.prefix + "not a regular file");
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) throw common::input_error(file.prefix + error.message());
  if (size > max_bytes) {
    throw common::input_error(file.prefix + "size " + std::to_string(size) +
                              " bytes is past the limit of " + std::to_string(max_bytes));
  }
  file.size = static_cast<std::size_t>(size);
  file.stream.open(path, std::ios::binary);
  if (!file.stream) throw common::input_error(file.prefix + "cannot open");
  return file;
}

// Up to `bytes.size()` bytes of the file at its position: how many were read (fewer at its end).
std::size_t read_some(bounded_file& file, std::span<std::byte> bytes) {
  file.stream.read(reinterpret_cast<char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()));
  if (file.stream.bad()) throw common::input_error(file.prefix + "read error");
  return static_cast<std::size_t>(file.stream.gcount());
}

[[noreturn]] void changed_while_read(const bounded_file& file) {
  throw common::input_error(file.prefix + "file changed while being read");
}

}  // namespace

std::span<std::byte> read_file_into(const std::filesystem::path& path, std::size_t max_bytes,
                                    std::string_view what, const file_storage& storage,
                                    const read_progress& progress) {
  bounded_file file = open_bounded(path, max_bytes, what);
  const std::size_t size = file.size;
  // Read one byte more than the size seen, so a file that grew meanwhile is caught.
  const std::span<std::byte> bytes = storage(size);
  POOLPROOF_CHECK(bytes.size() > size);
  // In pieces when someone follows the progress, else at once; either way up to size + 1 bytes.
  const std::size_t piece = progress ? read_piece_bytes : size + 1;
  std::size_t got = 0;
  while (got <= size) {
    const std::size_t asked = std::min(piece, size + 1 - got);
    const std::size_t read = read_some(file, bytes.subspan(got, asked));
    got += read;
    if (progress && read > 0 && got <= size) progress(got);
    if (read < asked) break;  // the end of the file
  }
  if (got != size) changed_while_read(file);
  return bytes.first(got);
}

bool read_file_in_pieces(const std::filesystem::path& path, std::size_t max_bytes,
                         std::string_view what, const piece_buffer& next, const piece_read& read) {
  bounded_file file = open_bounded(path, max_bytes, what);
  std::size_t got = 0;
  while (got < file.size) {
    const std::span<std::byte> buffer = next(file.size, got);
    if (buffer.empty()) return false;
    POOLPROOF_CHECK(buffer.size() <= file.size - got);
    if (read_some(file, buffer) != buffer.size()) changed_while_read(file);
    read(buffer);
    got += buffer.size();
  }
  // One byte more, so a file that grew meanwhile is caught.
  std::byte past{};
  if (read_some(file, std::span(&past, 1)) != 0) changed_while_read(file);
  return true;
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

// Reading whole files, bounded, into storage the caller chooses (npy.h).
#include <fcntl.h>
#include <poolproof/common/error.h>
#include <poolproof/common/fresh_pages.h>
#include <poolproof/golden/npy.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

// Throws prefix + reason when a file of `size` bytes is past max_bytes.
void require_within(std::uintmax_t size, std::size_t max_bytes, const std::string& prefix) {
  if (size > max_bytes) {
    throw common::input_error(prefix + "size " + std::to_string(size) +
                              " bytes is past the limit of " + std::to_string(max_bytes));
  }
}

// The size of the regular file at `path`, checked against max_bytes; throws prefix + reason.
std::size_t bounded_size(const std::filesystem::path& path, std::size_t max_bytes,
                         const std::string& prefix) {
  std::error_code error;
  // A FIFO or device would block or never end: only regular files are read.
  const auto status = std::filesystem::status(path, error);
  if (error) throw common::input_error(prefix + error.message());
  if (!std::filesystem::is_regular_file(status))
    throw common::input_error(prefix + "not a regular file");
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) throw common::input_error(prefix + error.message());
  require_within(size, max_bytes, prefix);
  return static_cast<std::size_t>(size);
}

std::string error_prefix(const std::filesystem::path& path, std::string_view what) {
  return "cannot read " + std::string(what) + " '" + path.string() + "': ";
}

bounded_file open_bounded(const std::filesystem::path& path, std::size_t max_bytes,
                          std::string_view what) {
  bounded_file file;
  file.prefix = error_prefix(path, what);
  file.size = bounded_size(path, max_bytes, file.prefix);
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

file_at_offsets::file_at_offsets(const std::filesystem::path& path, std::size_t max_bytes,
                                 std::string_view what)
    : prefix_(error_prefix(path, what)) {
  (void)bounded_size(path, max_bytes, prefix_);  // read_file_into's checks, messages and order
  // Non-blocking: a FIFO put in the file's place since it was looked at would block the open.
  do {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): POSIX open
    descriptor_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  } while (descriptor_ < 0 && errno == EINTR);
  if (descriptor_ < 0) throw common::input_error(prefix_ + "cannot open");
  try {
    check_opened(max_bytes);
  } catch (...) {
    ::close(descriptor_);
    throw;
  }
}

// What the path pointed to may have changed since it was looked at: the size and kind are the
// open file's own. Blocking again once it is known to be regular (some FUSE file systems pass
// O_NONBLOCK on to their reads).
void file_at_offsets::check_opened(std::size_t max_bytes) {
  struct stat opened {};
  if (::fstat(descriptor_, &opened) != 0)
    throw common::input_error(prefix_ + std::generic_category().message(errno));
  if (!S_ISREG(opened.st_mode)) throw common::input_error(prefix_ + "not a regular file");
  require_within(static_cast<std::uintmax_t>(opened.st_size), max_bytes, prefix_);
  size_ = static_cast<std::size_t>(opened.st_size);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): POSIX fcntl
  const int flags = ::fcntl(descriptor_, F_GETFL);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): POSIX fcntl
  if (flags < 0 || ::fcntl(descriptor_, F_SETFL, flags & ~O_NONBLOCK) != 0)
    throw common::input_error(prefix_ + std::generic_category().message(errno));
}

file_at_offsets::~file_at_offsets() { ::close(descriptor_); }

std::size_t file_at_offsets::read_some_at(std::size_t offset, std::span<std::byte> bytes) const {
  ssize_t read = 0;
  do {
    read = ::pread(descriptor_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
  } while (read < 0 && errno == EINTR);
  if (read < 0) throw common::input_error(prefix_ + "read error");
  return static_cast<std::size_t>(read);
}

void file_at_offsets::read_at(std::size_t offset, std::span<std::byte> buffer) const {
  std::size_t got = 0;
  while (got < buffer.size()) {
    const std::size_t read = read_some_at(offset + got, buffer.subspan(got));
    if (read == 0) throw common::input_error(prefix_ + "file changed while being read");
    got += read;
  }
}

void file_at_offsets::require_no_more() const {
  std::byte past{};
  if (read_some_at(size_, std::span(&past, 1)) != 0)
    throw common::input_error(prefix_ + "file changed while being read");
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

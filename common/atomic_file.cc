#include <fcntl.h>
#include <poolproof/common/atomic_file.h>
#include <poolproof/common/error.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace poolproof::common {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& temporary, const char* step) {
  const std::string reason = std::strerror(errno);
  std::remove(temporary.c_str());
  throw input_error("cannot write '" + path + "': " + step + ": " + reason);
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view contents) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, temporary, "open");
  std::size_t written = 0;
  while (written < contents.size()) {
    const ::ssize_t step = ::write(fd, contents.data() + written, contents.size() - written);
    if (step < 0 && errno == EINTR) continue;
    if (step <= 0) {
      ::close(fd);
      fail(path, temporary, "write");
    }
    written += static_cast<std::size_t>(step);
  }
  // fsync before rename: otherwise a crash can leave the new name pointing at an empty file.
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail(path, temporary, "fsync");
  }
  if (::close(fd) != 0) fail(path, temporary, "close");
  if (std::rename(temporary.c_str(), path.c_str()) != 0) fail(path, temporary, "rename");
}

}  // namespace poolproof::common

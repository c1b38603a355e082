#include <fcntl.h>
#include <poolproof/common/atomic_file.h>
#include <poolproof/common/error.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

namespace poolproof::common {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& step, int error) {
  throw input_error("cannot write '" + path + "': " + step + ": " + std::strerror(error));
}

std::string directory_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// Random names: a name another process predicts could be planted as a link in advance.
std::string random_sibling(const std::string& path) {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  constexpr std::string_view digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string suffix(12, '0');
  for (char& c : suffix) c = digits[generator() % digits.size()];
  const std::filesystem::path target(path);
  return (target.parent_path() / ("." + target.filename().string() + ".tmp-" + suffix)).string();
}

void write_all(int fd, std::string_view contents, const std::string& path) {
  std::size_t written = 0;
  while (written < contents.size()) {
    const ::ssize_t step = ::write(fd, contents.data() + written, contents.size() - written);
    if (step < 0 && errno == EINTR) continue;
    if (step <= 0) fail(path, "write", step < 0 ? errno : ENOSPC);
    written += static_cast<std::size_t>(step);
  }
  // fsync before the name appears: otherwise a crash can leave the name on an empty file.
  if (::fsync(fd) != 0) fail(path, "fsync", errno);
}

// Owns the open temporary: closes it, and unlinks it unless it was renamed into place.
struct temporary_file {
  int fd = -1;
  std::string name;  // empty while the file has no name (O_TMPFILE)
  bool kept = false;
  temporary_file() = default;
  temporary_file(const temporary_file&) = delete;
  temporary_file& operator=(const temporary_file&) = delete;
  ~temporary_file() {
    if (fd >= 0) ::close(fd);
    if (!name.empty() && !kept) ::unlink(name.c_str());
  }
};

// A file with a fresh random name, created exclusively (O_EXCL refuses an existing name, links
// included); retried on the rare collision.
std::string create_named(temporary_file& file, const std::string& path) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = random_sibling(path);
    file.fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (file.fd >= 0) return name;
    if (errno != EEXIST) fail(path, "create a temporary", errno);
  }
  fail(path, "create a temporary", EEXIST);
}

// Gives the unnamed file a fresh random name (linkat refuses an existing one).
std::string link_unnamed(int fd, const std::string& path) {
  const std::string self = "/proc/self/fd/" + std::to_string(fd);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = random_sibling(path);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
      return name;
    }
    if (errno != EEXIST) fail(path, "link the temporary", errno);
  }
  fail(path, "link the temporary", EEXIST);
}

}  // namespace

void require_replaceable_file(const std::string& path) {
  if (path.empty()) throw input_error("cannot write '': empty path");
  struct ::stat status {};
  if (::lstat(path.c_str(), &status) == 0) {
    if (!S_ISREG(status.st_mode)) {
      throw input_error("cannot write '" + path +
                        "': it exists and is not a regular file (a link, device or directory "
                        "is never replaced)");
    }
  } else if (errno != ENOENT) {
    fail(path, "stat", errno);
  }
  const std::string directory = directory_of(path);
  struct ::stat parent {};
  if (::stat(directory.c_str(), &parent) != 0) fail(path, "directory '" + directory + "'", errno);
  if (!S_ISDIR(parent.st_mode)) fail(path, "directory '" + directory + "'", ENOTDIR);
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    fail(path, "directory '" + directory + "'", errno);
  }
}

void write_file_atomically(const std::string& path, std::string_view contents) {
  require_replaceable_file(path);
  temporary_file file;
  file.fd = ::open(directory_of(path).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  const bool unnamed = file.fd >= 0;
  if (!unnamed) {
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
      fail(path, "create a temporary", errno);
    }
    file.name = create_named(file, path);
  }
  write_all(file.fd, contents, path);
  if (unnamed) file.name = link_unnamed(file.fd, path);
  if (::close(file.fd) != 0) {
    file.fd = -1;
    fail(path, "close", errno);
  }
  file.fd = -1;
  if (std::rename(file.name.c_str(), path.c_str()) != 0) fail(path, "rename", errno);
  file.kept = true;
}

}  // namespace poolproof::common

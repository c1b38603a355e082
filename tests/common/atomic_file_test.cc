// write_file_atomically and require_replaceable_file: what they replace, what they refuse, and
// that they leave nothing behind.
#include <gtest/gtest.h>
#include <poolproof/common/atomic_file.h>
#include <poolproof/common/error.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace poolproof::common {
namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = (fs::temp_directory_path() / "poolproof-atomic-XXXXXX").string();
    ASSERT_NE(::mkdtemp(name.data()), nullptr);
    dir_ = name;
  }
  void TearDown() override { fs::remove_all(dir_); }

  [[nodiscard]] static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // Every entry of the directory: a temporary left behind would show here.
  [[nodiscard]] std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  static void expect_refused(const std::string& path, const std::string& words) {
    try {
      write_file_atomically(path, "new");
      FAIL() << "wrote through " << path;
    } catch (const input_error& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }

  fs::path dir_;
};

TEST_F(AtomicFile, WritesANewFileAndReplacesAnOldOneLeavingNothingElse) {
  const std::string path = (dir_ / "out.svg").string();
  write_file_atomically(path, "first");
  EXPECT_EQ(read(path), "first");
  write_file_atomically(path, "second, longer");
  EXPECT_EQ(read(path), "second, longer");
  EXPECT_EQ(entries(), 1U);
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(path)));
}

TEST_F(AtomicFile, RefusesASymlinkAndLeavesItsTargetAlone) {
  const fs::path victim = dir_ / "victim";
  std::ofstream(victim) << "precious";
  const fs::path link = dir_ / "out.svg";
  fs::create_symlink(victim, link);
  expect_refused(link.string(), "not a regular file");
  EXPECT_EQ(read(victim), "precious");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
  EXPECT_EQ(entries(), 2U);
}

TEST_F(AtomicFile, RefusesADanglingSymlink) {
  const fs::path link = dir_ / "out.svg";
  fs::create_symlink(dir_ / "not-yet", link);
  expect_refused(link.string(), "not a regular file");
  EXPECT_FALSE(fs::exists(dir_ / "not-yet"));
}

TEST_F(AtomicFile, RefusesDevicesFifosAndDirectories) {
  expect_refused("/dev/null", "not a regular file");
  expect_refused("/dev/full", "not a regular file");
  const fs::path fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_refused(fifo.string(), "not a regular file");
  expect_refused(dir_.string(), "not a regular file");
  EXPECT_TRUE(fs::is_fifo(fifo));
}

TEST_F(AtomicFile, RefusesAMissingDirectoryBeforeWriting) {
  EXPECT_THROW(require_replaceable_file((dir_ / "no" / "such.svg").string()), input_error);
  EXPECT_THROW(require_replaceable_file(""), input_error);
  EXPECT_NO_THROW(require_replaceable_file((dir_ / "fresh.svg").string()));
  EXPECT_EQ(entries(), 0U);
}

TEST_F(AtomicFile, AFailedWriteLeavesTheOldFileAndNoTemporary) {
  const std::string path = (dir_ / "out.txt").string();
  write_file_atomically(path, "old");
  // A file size limit makes write(2) fail with EFBIG, even for root, as a full disk would.
  struct ::rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto previous = std::signal(SIGXFSZ, SIG_IGN);
  struct ::rlimit tiny = saved;
  tiny.rlim_cur = 4;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tiny), 0);
  bool refused = false;
  try {
    write_file_atomically(path, "longer than four bytes");
  } catch (const input_error& e) {
    refused = std::string(e.what()).find("write") != std::string::npos;
  }
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, previous);
  EXPECT_TRUE(refused);
  EXPECT_EQ(read(path), "old");
  EXPECT_EQ(entries(), 1U);
}

}  // namespace
}  // namespace poolproof::common

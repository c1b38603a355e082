// generate_suite (golden/generate.h): the suite written beside its target, then swapped in.
#include <fcntl.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/generate.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>

namespace poolproof::golden {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& path, const char* step) {
  throw common::input_error("cannot write '" + path.string() + "': " + step + ": " +
                            std::strerror(errno));
}

// Written, not yet synced: sync_tree flushes the whole tree at once before it is renamed.
void write_new_file(const fs::path& path, std::span<const std::byte> bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "open");
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ::ssize_t step = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (step < 0 && errno == EINTR) continue;
    if (step <= 0) {
      ::close(fd);
      fail(path, "write");
    }
    written += static_cast<std::size_t>(step);
  }
  if (::close(fd) != 0) fail(path, "close");
}

// Files and directory entries reach the disk before the rename that publishes them: one
// syncfs(2) of the file system holding `path` flushes them all (a thousand fsyncs took seconds),
// then fsync(2) of `path` itself covers its own entries.
void sync_tree(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(path, "open directory");
  const int status = ::syncfs(fd) == 0 ? ::fsync(fd) : -1;
  ::close(fd);
  if (status != 0) fail(path, "sync");
}

std::string temporary_prefix(const fs::path& out) {
  return "." + out.filename().string() + ".tmp-";
}

// Temporaries of runs that were killed: their pid no longer exists.
void remove_dead_leftovers(const fs::path& parent, const std::string& prefix) {
  for (const fs::directory_entry& entry : fs::directory_iterator(parent)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<::pid_t>(std::stol(pid_text));
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) fs::remove_all(entry.path());
  }
}

void write_tree(const fs::path& root, const std::vector<built_case>& cases,
                const golden_manifest& manifest, generate_summary& summary,
                const std::atomic<bool>& stop) {
  for (const built_case& c : cases) {
    for (const auto& [path, bytes] : c.files) {
      if (stop)
        throw common::interrupted("golden generate interrupted; the old suite is unchanged");
      const fs::path target = root / path;
      fs::create_directories(target.parent_path());
      write_new_file(target, bytes);
      ++summary.files;
      summary.bytes += bytes.size();
    }
  }
  const std::string text = serialize_manifest(manifest);
  write_new_file(root / "manifest.json",
                 std::span(reinterpret_cast<const std::byte*>(text.data()), text.size()));
  summary.bytes += text.size();
  sync_tree(root);
}

// Swaps the finished tree in: one rename, so no moment shows anything but a complete suite. A
// racing run may have put a suite there since require_replaceable: then exchange with it.
void move_into_place(const fs::path& temporary, const fs::path& out) {
  if (::renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, out.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno != EEXIST) fail(out, "rename");
    if (::renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, out.c_str(), RENAME_EXCHANGE) != 0)
      fail(out, "exchange directories");
  }
  sync_tree(out.parent_path());
}

// Every entry under `out` must be the manifest, a file it lists, or a directory on the way to
// one: what is not ours is never deleted with the old suite.
void require_only_suite_files(const fs::path& out, const golden_manifest& manifest) {
  std::set<fs::path> ours{"manifest.json"};
  for (const golden_case& c : manifest.cases) {
    for (const auto& [role, file] : c.files) {
      for (fs::path p = fs::path(file.path); !p.empty(); p = p.parent_path()) ours.insert(p);
    }
  }
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(out)) {
    const fs::path relative = entry.path().lexically_relative(out);
    if (!ours.contains(relative)) {
      throw common::input_error("'" + out.string() + "' holds '" + relative.string() +
                                "', which its manifest does not list; refusing to replace it");
    }
  }
}

}  // namespace

void require_replaceable_suite(const fs::path& out_argument) {
  const fs::path absolute = fs::absolute(out_argument).lexically_normal();
  const fs::path out = absolute.filename().empty() ? absolute.parent_path() : absolute;
  if (!fs::is_directory(out.parent_path()))
    throw common::input_error("no directory '" + out.parent_path().string() + "'");
  const fs::file_status status = fs::symlink_status(out);
  if (!fs::exists(status)) return;
  if (fs::is_symlink(status)) {
    throw common::input_error("'" + out.string() + "' is a symbolic link; refusing to replace it");
  }
  if (!fs::is_directory(status))
    throw common::input_error("'" + out.string() + "' is not a directory");
  if (fs::is_empty(out)) return;
  golden_manifest manifest;
  try {
    manifest = load_manifest(out);
  } catch (const common::input_error& e) {
    throw common::input_error("'" + out.string() +
                              "' is a non-empty directory without a poolproof suite manifest; "
                              "refusing to replace it (" +
                              e.what() + ")");
  }
  require_only_suite_files(out, manifest);
}

namespace {

// Removes the temporary tree unless it was moved into place: every failure path, interruption
// included, leaves nothing behind.
class temporary_tree {
 public:
  explicit temporary_tree(fs::path path) : path_(std::move(path)) {
    fs::remove_all(path_);
    fs::create_directory(path_);
  }
  temporary_tree(const temporary_tree&) = delete;
  temporary_tree& operator=(const temporary_tree&) = delete;
  ~temporary_tree() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

generate_summary write_suite(const fs::path& out_argument, std::uint64_t seed,
                             const std::vector<case_spec>& specs,
                             const std::function<built_case(const case_spec&)>& build,
                             const std::atomic<bool>& stop) {
  const fs::path out = fs::absolute(out_argument).lexically_normal();
  const fs::path target = out.filename().empty() ? out.parent_path() : out;
  require_replaceable_suite(target);  // before the work, not after it
  for (auto spec = specs.begin(); spec != specs.end(); ++spec) {
    if (std::any_of(specs.begin(), spec, [&](const case_spec& c) { return c.name == spec->name; }))
      throw common::input_error("case '" + spec->name + "' is asked for twice");
  }
  golden_manifest manifest;
  manifest.seed = seed;
  manifest.generator = "poolproof golden generate";
  std::vector<built_case> cases;
  for (const case_spec& spec : specs) {
    if (stop) throw common::interrupted("golden generate interrupted; the old suite is unchanged");
    cases.push_back(build(spec));
    manifest.cases.push_back(cases.back().entry);
  }
  require_replaceable_suite(target);
  const fs::path parent = target.parent_path();
  remove_dead_leftovers(parent, temporary_prefix(target));
  const temporary_tree temporary(parent / (temporary_prefix(target) + std::to_string(::getpid())));
  generate_summary summary;
  summary.cases = cases.size();
  write_tree(temporary.path(), cases, manifest, summary, stop);
  move_into_place(temporary.path(), target);
  // The temporary now holds the old suite, if there was one: its destructor removes it.
  return summary;
}

generate_summary generate_suite(const fs::path& out, std::uint64_t seed,
                                const std::atomic<bool>& stop) {
  return write_suite(
      out, seed, suite_cases(), [seed](const case_spec& spec) { return build_case(spec, seed); },
      stop);
}

}  // namespace poolproof::golden

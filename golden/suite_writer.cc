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
                const golden_manifest& manifest, generate_summary& summary) {
  for (const built_case& c : cases) {
    for (const auto& [path, bytes] : c.files) {
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

// Swaps the finished tree in: one rename, so no moment shows anything but a complete suite.
void move_into_place(const fs::path& temporary, const fs::path& out) {
  if (!fs::exists(out)) {
    if (std::rename(temporary.c_str(), out.c_str()) != 0) fail(out, "rename");
  } else {
    if (::renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, out.c_str(), RENAME_EXCHANGE) != 0)
      fail(out, "exchange directories");
  }
  sync_tree(out.parent_path());
  fs::remove_all(temporary);  // the old suite, if there was one
}

void require_replaceable(const fs::path& out) {
  if (!fs::exists(out)) return;
  if (!fs::is_directory(out))
    throw common::input_error("'" + out.string() + "' is not a directory");
  if (!fs::is_empty(out) && !fs::exists(out / "manifest.json")) {
    throw common::input_error(
        "'" + out.string() +
        "' is a non-empty directory without manifest.json; refusing to replace it");
  }
}

}  // namespace

generate_summary generate_suite(const fs::path& out_argument, std::uint64_t seed) {
  return write_suite(out_argument, seed, suite_cases(),
                     [seed](const case_spec& spec) { return build_case(spec, seed); });
}

generate_summary write_suite(const fs::path& out_argument, std::uint64_t seed,
                             const std::vector<case_spec>& specs,
                             const std::function<built_case(const case_spec&)>& build) {
  const fs::path out = fs::absolute(out_argument).lexically_normal();
  const fs::path target = out.filename().empty() ? out.parent_path() : out;
  require_replaceable(target);
  golden_manifest manifest;
  manifest.seed = seed;
  manifest.generator = "poolproof golden generate";
  for (auto spec = specs.begin(); spec != specs.end(); ++spec) {
    if (std::any_of(specs.begin(), spec, [&](const case_spec& c) { return c.name == spec->name; }))
      throw common::input_error("case '" + spec->name + "' is asked for twice");
  }
  std::vector<built_case> cases;
  for (const case_spec& spec : specs) {
    cases.push_back(build(spec));
    manifest.cases.push_back(cases.back().entry);
  }
  const fs::path parent = target.parent_path();
  if (!fs::is_directory(parent))
    throw common::input_error("no directory '" + parent.string() + "'");
  remove_dead_leftovers(parent, temporary_prefix(target));
  const fs::path temporary = parent / (temporary_prefix(target) + std::to_string(::getpid()));
  fs::remove_all(temporary);
  fs::create_directory(temporary);
  generate_summary summary;
  summary.cases = cases.size();
  write_tree(temporary, cases, manifest, summary);
  move_into_place(temporary, target);
  return summary;
}

}  // namespace poolproof::golden

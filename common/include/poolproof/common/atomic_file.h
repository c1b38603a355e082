// Writing files so that a reader never sees half of one, and never through a planted link.
#pragma once

#include <string>
#include <string_view>

namespace poolproof::common {

/// Throws input_error unless `path` can be replaced by write_file_atomically: it is absent or a
/// regular file (never a symlink, device, FIFO or directory: those are not ours to replace), and
/// its directory exists and is writable. For refusing a bad output before long work.
void require_replaceable_file(const std::string& path);

/// Replaces `path` with `contents` atomically: require_replaceable_file, then the contents go to an
/// unnamed file in the same directory (O_TMPFILE; where the file system has none, a new file of a
/// random name created exclusively, so a planted link is never followed), are flushed to disk,
/// linked under a fresh random name and renamed over `path`. A run killed at any moment leaves
/// the old file or the new one, and no temporary where O_TMPFILE exists. On failure removes its
/// temporary and throws input_error naming the path and the step.
void write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace poolproof::common

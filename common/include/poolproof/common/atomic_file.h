// Writing files so that a reader never sees half of one: write a sibling, then rename over.
#pragma once

#include <string>
#include <string_view>

namespace poolproof::common {

/// Replaces `path` with `contents` atomically: writes `path.tmp.<pid>` in the same directory,
/// flushes it to disk, and renames it over `path`; on any failure removes the temporary and
/// throws input_error naming the path.
void write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace poolproof::common

// The window sums of a forward avg case's input read from its file in pieces by every core, each
// piece hashed (in file order) and summed by the thread that read it: the avg check's first try,
// which makes, fills and keeps no buffer of the input's size.
#pragma once

#include <poolproof/golden/check.h>
#include <poolproof/golden/manifest.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <vector>

#include "golden/window_sums.h"

namespace poolproof::golden::detail {

/// The largest input plane streamed_window_sums takes, in bytes (its buffers hold whole planes).
inline constexpr std::size_t max_streamed_plane_bytes = std::size_t{4} << 20;

/// all_window_sums of case `entry`'s input (T: std::uint16_t patterns or float, as the case's
/// dtype; `problem` as load_avg_case makes it), its file read in pieces of whole planes by the
/// caller and TBB's workers, each into its own reused buffer, hashed and summed as it arrives.
/// Given only when all went as the case expects, so the values are never needed again: the
/// file's XXH3-128 is the manifest's, its .npy header holds the case's element type and shape,
/// and every window's double sums are exact (window_sums::exact). Otherwise nullopt, for the
/// caller to read the file whole (its reading reports whatever went wrong): a manifest without
/// xxh128, planes past max_streamed_plane_bytes, an input error while reading (or memory running
/// out), a mismatch, an inexact window (the read stops at the first piece found to have one).
template <typename T>
[[nodiscard]] std::optional<std::vector<window_sums>> streamed_window_sums(
    const std::filesystem::path& suite_dir, const golden_case& entry,
    const pooling_problem& problem);

}  // namespace poolproof::golden::detail

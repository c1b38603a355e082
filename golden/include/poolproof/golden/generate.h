// `golden generate`: draws every case, verifies it, and writes the suite atomically.
#pragma once

#include <poolproof/golden/cases.h>
#include <poolproof/golden/manifest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace poolproof::golden {

/// One case, ready to write: its manifest entry and each file's path (relative to the suite)
/// and contents.
struct built_case {
  golden_case entry;
  std::vector<std::pair<std::string, std::vector<std::byte>>> files;
};

/// The committed suite stores exact.json for results of at most this many elements, and
/// indices.npy for at most this many outputs (both optional: the checker recomputes exact values
/// and argmax from the inputs either way; FORMAT.md).
inline constexpr std::int64_t suite_exact_limit = std::int64_t{1} << 15;

/// Draws the case's inputs from `seed`, computes its expectation, checks that it agrees with the
/// reference (poolproof::reference's adaptive_*_pool*), that every element has a bound, and, for
/// the core tier, that the inputs discriminate (find_undetected_shift). Files, under "<name>/":
/// input.npy, expected.npy or grad_output.npy + expected_grad_input.npy, indices.npy (max),
/// exact.json (both up to suite_exact_limit elements). Throws std::runtime_error naming the case
/// when a check fails.
[[nodiscard]] built_case build_case(const case_spec& spec, std::uint64_t seed);

struct generate_summary {
  std::size_t cases = 0;
  std::size_t files = 0;
  std::uintmax_t bytes = 0;
};

/// Throws input_error unless `out` may be replaced by a suite: absent, an empty directory, or a
/// poolproof suite (a manifest load_manifest accepts) holding nothing but the manifest and the
/// files it lists; never a symbolic link, a file or someone else's directory. Its parent must
/// exist. Checked before any case is built, and again just before the swap.
void require_replaceable_suite(const std::filesystem::path& out);

/// Never raised: for callers that cannot be interrupted.
inline const std::atomic<bool> never_stop{false};

/// Builds `specs` with `build` (build_case, or build_user_case for `golden generate --case`;
/// names must be unique: input_error) and replaces `out` with their suite, atomically: the files
/// are written and synced (syncfs) in a sibling directory ".<name>.tmp-<pid>", which is then
/// renamed to `out` or exchanged with it (renameat2), so a run stopped at any moment leaves the
/// old suite or the new one, never a mix. `out` is checked (require_replaceable_suite) before
/// any case is built. Leftovers of dead runs are removed first; the temporary directory is
/// removed on every failure path (a full disk, an error, `stop` raised: then
/// common::interrupted) and after the swap (it then holds the old suite). All cases are built,
/// in memory, before anything is written.
generate_summary write_suite(const std::filesystem::path& out, std::uint64_t seed,
                             const std::vector<case_spec>& specs,
                             const std::function<built_case(const case_spec&)>& build,
                             const std::atomic<bool>& stop = never_stop);

/// write_suite of suite_cases() with build_case: the committed suite, byte for byte the same for
/// the same seed.
generate_summary generate_suite(const std::filesystem::path& out, std::uint64_t seed,
                                const std::atomic<bool>& stop = never_stop);

}  // namespace poolproof::golden

// `golden generate`: draws every case, verifies it, and writes the suite atomically.
#pragma once

#include <poolproof/golden/cases.h>
#include <poolproof/golden/manifest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
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

/// Draws the case's inputs from `seed`, computes its expectation, checks that it agrees with the
/// reference (poolproof::reference's adaptive_*_pool*), that every element has a bound, and, for
/// the core tier, that the inputs discriminate (find_undetected_shift). Files, under "<name>/":
/// input.npy, expected.npy or grad_output.npy + expected_grad_input.npy, indices.npy (max),
/// exact.json. Throws std::runtime_error naming the case when a check fails.
[[nodiscard]] built_case build_case(const case_spec& spec, std::uint64_t seed);

struct generate_summary {
  std::size_t cases = 0;
  std::size_t files = 0;
  std::uintmax_t bytes = 0;
};

/// Throws input_error unless `out` may be replaced by a suite: absent, an empty directory, or a
/// poolproof suite (a manifest load_manifest accepts) holding nothing but the manifest and the
/// files it lists; never a symbolic link, a file or someone else's directory. Its parent must
/// exist. Called before any work, and again just before the swap.
void require_replaceable_suite(const std::filesystem::path& out);

/// Replaces `out` with a suite of `cases` (and their manifest), atomically: the files are written
/// and synced (syncfs) in a sibling directory ".<name>.tmp-<pid>", which is then renamed to `out`
/// or exchanged with it (renameat2), so a run stopped at any moment leaves the old suite or the
/// new one, never a mix. Leftovers of dead runs are removed first; the temporary directory is
/// removed on every failure path (a full disk, an error, `stop` raised: then common::interrupted
/// is thrown) and after the swap (it then holds the old suite).
generate_summary write_suite(const std::filesystem::path& out, const golden_manifest& manifest,
                             const std::vector<built_case>& cases, const std::atomic<bool>& stop);

/// Builds every case of suite_cases() and writes them with write_suite, after checking `out`
/// with require_replaceable_suite. Byte for byte the same for the same seed. Raising `stop`
/// (SIGINT, SIGTERM) ends it with common::interrupted, the old suite unchanged.
generate_summary generate_suite(const std::filesystem::path& out, std::uint64_t seed,
                                const std::atomic<bool>& stop);

}  // namespace poolproof::golden

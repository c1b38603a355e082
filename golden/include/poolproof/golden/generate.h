// `golden generate`: draws every case, verifies it, and writes the suite atomically.
#pragma once

#include <poolproof/golden/cases.h>
#include <poolproof/golden/manifest.h>

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

/// Builds every case of suite_cases() and replaces `out` with the suite, atomically: the files are
/// written and synced (syncfs) in a sibling directory ".<name>.tmp-<pid>", which is then exchanged
/// with `out` (renameat2 RENAME_EXCHANGE) or renamed to it, so a run stopped at any moment leaves
/// the old suite or the new one, never a mix. Leftovers of dead runs are removed first. Refuses
/// (with input_error) to replace a non-empty directory that has no manifest.json. Byte for byte the
/// same for the same seed.
generate_summary generate_suite(const std::filesystem::path& out, std::uint64_t seed);

/// generate_suite's writing for any case list: `build` makes each case (build_case, or
/// build_user_case for `golden generate --case`); names must be unique (input_error). All cases
/// are built, in memory, before anything is written.
generate_summary write_suite(const std::filesystem::path& out, std::uint64_t seed,
                             const std::vector<case_spec>& specs,
                             const std::function<built_case(const case_spec&)>& build);

}  // namespace poolproof::golden

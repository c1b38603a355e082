// The golden suite's manifest.json: its cases, their files and their digests, read defensively.
#pragma once

#include <poolproof/golden/op.h>
#include <poolproof/reference/float_format.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace poolproof::golden {

/// The format version this build writes (golden/FORMAT.md); it reads this one and version 1.
inline constexpr int manifest_version = 2;
/// The oldest version this build reads: version 1 files carry a sha256 and no xxh128.
inline constexpr int oldest_manifest_version = 1;

/// A file of the suite: a relative path inside the suite directory and its digests in lowercase
/// hex, as sha256sum and xxh128sum print them.
struct golden_file {
  std::string path;
  std::string sha256;
  std::string xxh128;  ///< XXH3-128; empty in a version 1 manifest

  friend bool operator==(const golden_file&, const golden_file&) = default;
};

/// One case. `files` maps a role to its file; roles: "input", "expected" (forward output,
/// correctly rounded), "indices" (max: int64 argmax, flat within the plane), "grad_output",
/// "expected_grad_input" (backward), "exact" (exact values of the case's expected tensor).
struct golden_case {
  std::string name;  ///< [A-Za-z0-9_.-]+, unique in the suite
  golden_op op = golden_op::adaptive_avg_pool;
  std::string tier;  ///< "core" or "special"
  int spatial_dims = 1;
  std::vector<std::int64_t> input_shape;
  std::vector<std::int64_t> output_size;  ///< spatial_dims entries
  reference::float_format dtype = reference::float_format::binary32;
  std::map<std::string, golden_file> files;

  friend bool operator==(const golden_case&, const golden_case&) = default;
};

struct golden_manifest {
  int version = manifest_version;
  std::uint64_t seed = 0;
  std::string generator;  ///< e.g. "poolproof 0.1.0"
  std::vector<golden_case> cases;

  friend bool operator==(const golden_manifest&, const golden_manifest&) = default;
};

/// Which of a file's digests a reader verifies.
enum class file_digests {
  /// xxh128 where the manifest has one (version 2), else sha256: guards against damaged and
  /// mismatched files at memory speed (`golden check`, the loaders).
  fast,
  /// Every digest the manifest has, sha256 included (`golden verify`): also holds when the
  /// manifest itself is pinned by a cryptographic sum.
  every,
};

/// Parses and validates manifest JSON: known version (1 or 2), every field present with the right
/// type and no unknown member, known op/dtype/tier/roles, the roles an op needs ("input", plus
/// "expected" for forward or "grad_output" and "expected_grad_input" for backward ops; "indices"
/// only for max ops), shapes consistent with spatial_dims (input_shape spatial_dims + 1 or + 2
/// sizes, output_size spatial_dims; sizes in [1, 2^62], products at most 2^62), unique safe names,
/// paths of [A-Za-z0-9_.-] components (relative, no "", "." or ".."), sha256 of 64 lowercase
/// hex digits and, from version 2, xxh128 of 32. Throws input_error "cannot read manifest '<name>':
/// <field>: <reason>" (e.g. "cases[2].files.input.sha256: not 64 lowercase hex digits").
[[nodiscard]] golden_manifest parse_manifest(std::string_view json_text, std::string_view name);

/// Deterministic JSON (sorted keys, 2-space indent, trailing newline) that parse_manifest reads.
[[nodiscard]] std::string serialize_manifest(const golden_manifest& manifest);

/// Lowercase hex SHA-256 of bytes (nettle).
[[nodiscard]] std::string sha256_hex(std::span<const std::byte> bytes);

/// Lowercase hex XXH3-128 of bytes (libxxhash), in xxh128sum's byte order.
[[nodiscard]] std::string xxh128_hex(std::span<const std::byte> bytes);

/// `file` with `bytes`' digests: both, or only the sha256 for a version 1 manifest.
[[nodiscard]] golden_file file_of(std::string path, std::span<const std::byte> bytes,
                                  int version = manifest_version);

/// Reads `file` of the suite in `suite_dir`: refuses paths that resolve outside the directory
/// (through "..", absolute paths or symlinks), files over max_bytes, and contents whose digests
/// (those `digests` selects) differ from the manifest's. Throws input_error naming the file.
[[nodiscard]] std::vector<std::byte> read_suite_file(const std::filesystem::path& suite_dir,
                                                     const golden_file& file,
                                                     std::size_t max_bytes = std::size_t{1} << 31,
                                                     file_digests digests = file_digests::fast);

/// Reads and parses suite_dir/manifest.json: a regular file (not a link) of at most 16 MiB; does
/// not verify the case files.
[[nodiscard]] golden_manifest load_manifest(const std::filesystem::path& suite_dir);

}  // namespace poolproof::golden

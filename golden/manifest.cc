#include <nettle/sha2.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/manifest.h>
#include <poolproof/golden/npy.h>
#include <poolproof/reference/adaptive_window.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <new>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "golden/json_limits.h"
#include "golden/suite_file.h"

#if defined(POOLPROOF_XXHASH_X86_DISPATCH)
// libxxhash's plain entry points are its baseline (SSE2) build; with this header their names
// stand for its dispatching ones, which pick AVX2 or AVX-512 at run time where the CPU and OS
// allow (12.8 MB hashed in 0.28 ms instead of 0.64 ms here), with the same digests.
#include <xxh_x86dispatch.h>
#endif

namespace poolproof::golden {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_name_length = 200;
constexpr std::size_t max_path_length = 1000;
constexpr std::size_t max_manifest_bytes = std::size_t{16} << 20;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

/// Why `path` is not a safe relative path inside the suite, or nullopt when it is.
std::optional<std::string> path_problem(std::string_view path) {
  if (path.empty()) return "empty path";
  if (path.size() > max_path_length) return "path longer than 1000 characters";
  if (path.front() == '/') return "absolute path " + quote_for_message(path);
  std::size_t begin = 0;
  while (begin <= path.size()) {
    const std::size_t end = std::min(path.find('/', begin), path.size());
    const std::string_view component = path.substr(begin, end - begin);
    if (component == "..") return "path " + quote_for_message(path) + " escapes through '..'";
    if (component.empty() || component == ".") {
      return "path " + quote_for_message(path) + " has an empty or '.' component";
    }
    if (!std::all_of(component.begin(), component.end(), is_name_char)) {
      return "path has a character outside [A-Za-z0-9_./-]";
    }
    begin = end + 1;
  }
  return std::nullopt;
}

bool is_lowercase_hex(std::string_view text, std::size_t digits) {
  return text.size() == digits && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string hex_of(std::span<const unsigned char> bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  for (const unsigned char byte : bytes) {
    text += hex[byte >> 4];
    text += hex[byte & 0xf];
  }
  return text;
}

/// Reads one manifest, naming the JSON field of every complaint ("cases[2].files.input.path").
class manifest_reader {
 public:
  explicit manifest_reader(std::string_view name) : name_(name) {}

  golden_manifest read(const json& root) {
    check_keys(root, "manifest", {"cases", "generator", "seed", "version"});
    golden_manifest manifest;
    const json& version = member(root, "version", "");
    if (!version.is_number_integer()) fail("version", "not an integer");
    const bool known = !version.is_number_unsigned()
                           ? version.get<std::int64_t>() >= oldest_manifest_version &&
                                 version.get<std::int64_t>() <= manifest_version
                           : version.get<std::uint64_t>() <= manifest_version &&
                                 version.get<std::uint64_t>() >= oldest_manifest_version;
    if (!known)
      fail("version", "unsupported version " + version.dump() + " (this build reads 1 and 2)");
    manifest.version = version.get<int>();
    version_ = manifest.version;
    const json& seed = member(root, "seed", "");
    if (!seed.is_number_unsigned()) fail("seed", "not a non-negative integer");
    manifest.seed = seed.get<std::uint64_t>();
    manifest.generator = string(member(root, "generator", ""), "generator");
    const json& cases = member(root, "cases", "");
    if (!cases.is_array()) fail("cases", "not an array");
    std::set<std::string> names;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const std::string field = "cases[" + std::to_string(i) + "]";
      manifest.cases.push_back(read_case(cases[i], field));
      if (!names.insert(manifest.cases.back().name).second) {
        fail(field + ".name", "duplicate case name '" + manifest.cases.back().name + "'");
      }
    }
    return manifest;
  }

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& reason) const {
    throw common::input_error("cannot read manifest '" + std::string(name_) + "': " + field + ": " +
                              reason);
  }

  const json& member(const json& object, const char* key, const std::string& prefix) const {
    const auto it = object.find(key);
    if (it == object.end()) fail(prefix + key, "missing");
    return *it;
  }

  void check_keys(const json& object, const std::string& field,
                  std::initializer_list<std::string_view> keys) const {
    if (!object.is_object()) fail(field, "not an object");
    for (const auto& item : object.items()) {
      if (std::find(keys.begin(), keys.end(), item.key()) == keys.end()) {
        fail(field, "unknown field " + quote_for_message(item.key()));
      }
    }
  }

  std::string string(const json& value, const std::string& field) const {
    if (!value.is_string()) fail(field, "not a string");
    return value.get<std::string>();
  }

  std::int64_t integer(const json& value, const std::string& field, std::int64_t low,
                       std::int64_t high) const {
    if (!value.is_number_integer()) fail(field, "not an integer");
    const std::string past = high == reference::max_size ? "2^62" : std::to_string(high);
    if (value.is_number_unsigned() &&
        value.get<std::uint64_t>() > static_cast<std::uint64_t>(high)) {
      fail(field, value.dump() + " is past " + past);
    }
    const auto result = value.get<std::int64_t>();
    if (result > high) fail(field, value.dump() + " is past " + past);
    if (result < low) fail(field, value.dump() + " is below " + std::to_string(low));
    return result;
  }

  std::vector<std::int64_t> sizes(const json& value, const std::string& field, std::size_t min_rank,
                                  std::size_t max_rank) const {
    if (!value.is_array()) fail(field, "not an array");
    if (value.size() < min_rank || value.size() > max_rank) {
      fail(field, std::to_string(value.size()) + " entries, expected " + std::to_string(min_rank) +
                      (min_rank == max_rank ? "" : " or " + std::to_string(max_rank)));
    }
    std::vector<std::int64_t> result;
    std::int64_t product = 1;
    for (std::size_t i = 0; i < value.size(); ++i) {
      result.push_back(
          integer(value[i], field + "[" + std::to_string(i) + "]", 1, reference::max_size));
      if (result.back() > reference::max_size / product) fail(field, "more than 2^62 elements");
      product *= result.back();
    }
    return result;
  }

  // Every tensor of a case (input, output, gradients) must fit a golden .npy file, so what a
  // manifest claims bounds what reading its case may allocate (golden/FORMAT.md, "Limits").
  void require_tensor_fits(const golden_case& c, const std::string& prefix) const {
    const std::int64_t limit = npy_limits{}.max_elements;
    const auto leading = static_cast<std::ptrdiff_t>(c.input_shape.size() - c.output_size.size());
    for (const auto& [field, sizes] :
         {std::pair{"input_shape", std::span<const std::int64_t>(c.input_shape)},
          std::pair{"output_size", std::span<const std::int64_t>(c.output_size)}}) {
      std::int64_t count = 1;
      for (std::int64_t size : sizes) count = size > limit / count ? limit + 1 : count * size;
      if (field == std::string_view("output_size")) {
        for (auto it = c.input_shape.begin(); it != c.input_shape.begin() + leading; ++it)
          count = *it > limit / count ? limit + 1 : count * *it;
      }
      if (count > limit) {
        fail(prefix + field, "more than 2^30 elements in one tensor (the golden file limit)");
      }
    }
  }

  golden_case read_case(const json& object, const std::string& field) const {
    check_keys(
        object, field,
        {"dtype", "files", "input_shape", "name", "op", "output_size", "spatial_dims", "tier"});
    const std::string prefix = field + ".";
    golden_case result;
    result.name = string(member(object, "name", prefix), prefix + "name");
    if (result.name.empty() || result.name.size() > max_name_length ||
        !std::all_of(result.name.begin(), result.name.end(), is_name_char)) {
      fail(prefix + "name", "not 1-200 characters of [A-Za-z0-9_.-]");
    }
    const std::string op = string(member(object, "op", prefix), prefix + "op");
    const auto parsed_op = parse_golden_op(op);
    if (!parsed_op) fail(prefix + "op", "unknown op " + quote_for_message(op));
    result.op = *parsed_op;
    result.tier = string(member(object, "tier", prefix), prefix + "tier");
    if (result.tier != "core" && result.tier != "special") {
      fail(prefix + "tier",
           "unknown tier " + quote_for_message(result.tier) + " (core or special)");
    }
    result.spatial_dims = static_cast<int>(
        integer(member(object, "spatial_dims", prefix), prefix + "spatial_dims", 1, 3));
    const auto dims = static_cast<std::size_t>(result.spatial_dims);
    result.input_shape =
        sizes(member(object, "input_shape", prefix), prefix + "input_shape", dims + 1, dims + 2);
    result.output_size =
        sizes(member(object, "output_size", prefix), prefix + "output_size", dims, dims);
    require_tensor_fits(result, prefix);
    const std::string dtype = string(member(object, "dtype", prefix), prefix + "dtype");
    const auto format = reference::parse_format(dtype);
    if (!format) fail(prefix + "dtype", "unknown dtype " + quote_for_message(dtype));
    result.dtype = *format;
    result.files = read_files(member(object, "files", prefix), prefix + "files", result.op);
    return result;
  }

  std::map<std::string, golden_file> read_files(const json& object, const std::string& field,
                                                golden_op op) const {
    if (!object.is_object()) fail(field, "not an object");
    std::map<std::string, golden_file> files;
    for (const auto& item : object.items()) {
      if (std::find(all_roles.begin(), all_roles.end(), item.key()) == all_roles.end()) {
        fail(field, "unknown role " + quote_for_message(item.key()));
      }
      const std::string role_field = field + "." + item.key();
      if (item.key() == role::indices && !describe(op).stores_indices())
        fail(role_field, "an avg op has no indices");
      files.emplace(item.key(), read_file(item.value(), role_field));
    }
    for (std::string_view required : describe(op).required_roles()) {
      if (!files.contains(std::string(required)))
        fail(std::string(field).append(".").append(required), "missing");
    }
    return files;
  }

  golden_file read_file(const json& object, const std::string& field) const {
    const bool has_xxh128 = version_ >= 2;
    if (has_xxh128) {
      check_keys(object, field, {"path", "sha256", "xxh128"});
    } else {
      check_keys(object, field, {"path", "sha256"});
    }
    golden_file file;
    file.path = string(member(object, "path", field + "."), field + ".path");
    if (const auto problem = path_problem(file.path)) fail(field + ".path", *problem);
    file.sha256 = string(member(object, "sha256", field + "."), field + ".sha256");
    if (!is_lowercase_hex(file.sha256, 64)) fail(field + ".sha256", "not 64 lowercase hex digits");
    if (has_xxh128) {
      file.xxh128 = string(member(object, "xxh128", field + "."), field + ".xxh128");
      if (!is_lowercase_hex(file.xxh128, 32))
        fail(field + ".xxh128", "not 32 lowercase hex digits");
    }
    return file;
  }

  std::string_view name_;
  int version_ = manifest_version;
};

json file_json(const golden_file& file) {
  json entry = {{"path", file.path}, {"sha256", file.sha256}};
  if (!file.xxh128.empty()) entry["xxh128"] = file.xxh128;
  return entry;
}

json case_json(const golden_case& c) {
  json files = json::object();
  for (const auto& [role_name, file] : c.files) files[role_name] = file_json(file);
  return {{"name", c.name},
          {"op", golden_op_name(c.op)},
          {"tier", c.tier},
          {"spatial_dims", c.spatial_dims},
          {"input_shape", c.input_shape},
          {"output_size", c.output_size},
          {"dtype", reference::format_name(c.dtype)},
          {"files", files}};
}

}  // namespace

golden_manifest parse_manifest(std::string_view json_text, std::string_view name) {
  // Streamed first: the tree below then stays a small multiple of the text (FORMAT.md, Limits).
  detail::check_json_shape(json_text, {}, [&](const std::string& reason) {
    throw common::input_error("cannot read manifest '" + std::string(name) + "': " + reason);
  });
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& error) {
    throw common::input_error("cannot read manifest '" + std::string(name) +
                              "': malformed JSON at byte " + std::to_string(error.byte));
  } catch (const json::exception&) {
    // nlohmann reports a number past double's range (1e400) as out_of_range, not parse_error.
    throw common::input_error("cannot read manifest '" + std::string(name) +
                              "': malformed JSON: a number out of range");
  }
  return manifest_reader(name).read(root);
}

std::string serialize_manifest(const golden_manifest& manifest) {
  json cases = json::array();
  for (const golden_case& c : manifest.cases) cases.push_back(case_json(c));
  // nlohmann::json keeps object keys in a std::map: the output is sorted and deterministic.
  const json root = {{"version", manifest.version},
                     {"seed", manifest.seed},
                     {"generator", manifest.generator},
                     {"cases", cases}};
  return root.dump(2) + "\n";
}

std::string sha256_hex(std::span<const std::byte> bytes) {
  sha256_ctx context{};
  sha256_init(&context);
  sha256_update(&context, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
  std::array<std::uint8_t, SHA256_DIGEST_SIZE> digest{};
  sha256_digest(&context, digest.size(), digest.data());
  return hex_of(digest);
}

std::string xxh128_hex(std::span<const std::byte> bytes) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(bytes.data(), bytes.size()));
  return hex_of(canonical.digest);
}

golden_file file_of(std::string path, std::span<const std::byte> bytes, int version) {
  golden_file file{std::move(path), sha256_hex(bytes), {}};
  if (version >= 2) file.xxh128 = xxh128_hex(bytes);
  return file;
}

namespace {

// The start of every error about a suite file.
std::string golden_file_error(const golden_file& file) {
  return "cannot read golden file " + quote_for_message(file.path) + ": ";
}

}  // namespace

namespace detail {

namespace {

// The path of `file` in the suite, after read_unhashed_suite_file's checks (with its messages).
std::filesystem::path suite_file_target(const std::filesystem::path& suite_dir,
                                        const golden_file& file) {
  const std::string prefix = golden_file_error(file);
  if (const auto problem = path_problem(file.path)) throw common::input_error(prefix + *problem);
  std::error_code error;
  std::filesystem::path root = std::filesystem::weakly_canonical(suite_dir, error);
  if (error) throw common::input_error(prefix + "suite directory: " + error.message());
  if (root.filename().empty()) root = root.parent_path();
  auto target = std::filesystem::weakly_canonical(suite_dir / file.path, error);
  if (error) throw common::input_error(prefix + error.message());
  // Component-wise, so "/suite-other/x" is not taken to be inside "/suite".
  const auto [root_end, target_at] =
      std::mismatch(root.begin(), root.end(), target.begin(), target.end());
  if (root_end != root.end() || target_at == target.end()) {
    throw common::input_error(prefix + "resolves outside the suite directory");
  }
  return target;
}

}  // namespace

std::span<std::byte> read_unhashed_suite_file(const std::filesystem::path& suite_dir,
                                              const golden_file& file, std::size_t max_bytes,
                                              const file_storage& storage,
                                              const read_progress& progress) {
  return read_file_into(suite_file_target(suite_dir, file), max_bytes, "golden file", storage,
                        progress);
}

file_at_offsets open_suite_file_at_offsets(const std::filesystem::path& suite_dir,
                                           const golden_file& file, std::size_t max_bytes) {
  return {suite_file_target(suite_dir, file), max_bytes, "golden file"};
}

xxh128_stream::xxh128_stream() : state_(XXH3_createState()) {
  if (state_ == nullptr) throw std::bad_alloc();
  POOLPROOF_CHECK(XXH3_128bits_reset(state_) == XXH_OK);
}

xxh128_stream::~xxh128_stream() { XXH3_freeState(state_); }

void xxh128_stream::add(std::span<const std::byte> bytes) {
  POOLPROOF_CHECK(XXH3_128bits_update(state_, bytes.data(), bytes.size()) == XXH_OK);
}

std::string xxh128_stream::hex() const {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state_));
  return hex_of(canonical.digest);
}

std::optional<std::string> digest_mismatch(const golden_file& file,
                                           std::span<const std::byte> bytes, file_digests digests) {
  const auto differs = [&](std::string_view name, const std::string& expected,
                           const std::string& actual) -> std::optional<std::string> {
    if (actual == expected) return std::nullopt;
    return golden_file_error(file) + std::string(name) + " mismatch: file has " + actual +
           ", manifest says " + expected;
  };
  const bool has_xxh128 = !file.xxh128.empty();
  if (has_xxh128) {
    if (auto mismatch = differs("xxh128", file.xxh128, xxh128_hex(bytes))) return mismatch;
  }
  switch (digests) {
    case file_digests::fast:
      if (has_xxh128) return std::nullopt;
      break;
    case file_digests::every:
      break;
  }
  return differs("sha256", file.sha256, sha256_hex(bytes));
}

}  // namespace detail

std::vector<std::byte> read_suite_file(const std::filesystem::path& suite_dir,
                                       const golden_file& file, std::size_t max_bytes,
                                       file_digests digests) {
  std::vector<std::byte> bytes;
  bytes.resize(
      detail::read_unhashed_suite_file(suite_dir, file, max_bytes, byte_storage(bytes)).size());
  if (auto mismatch = detail::digest_mismatch(file, bytes, digests))
    throw common::input_error(*mismatch);
  return bytes;
}

golden_manifest load_manifest(const std::filesystem::path& suite_dir) {
  const std::filesystem::path path = suite_dir / "manifest.json";
  // A link could lead to a manifest outside the suite, naming files the suite does not hold.
  std::error_code error;
  if (std::filesystem::is_symlink(std::filesystem::symlink_status(path, error))) {
    throw common::input_error("cannot read manifest '" + path.string() +
                              "': a symbolic link (the manifest must be a file of the suite)");
  }
  const std::vector<std::byte> bytes = read_file_bytes(path, max_manifest_bytes, "manifest");
  return parse_manifest(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                        path.string());
}

}  // namespace poolproof::golden

#include <gtest/gtest.h>
#include <poolproof/golden/manifest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "golden/suite_file.h"
#include "tests/golden/io_test_util.h"

namespace poolproof::golden {
namespace {

using io_test::expect_input_error;
using io_test::sample_manifest;
using io_test::scratch_dir;
using io_test::to_bytes;
using io_test::write_bytes;

TEST(Manifest, OpNamesRoundTrip) {
  for (golden_op op :
       {golden_op::adaptive_avg_pool, golden_op::adaptive_max_pool,
        golden_op::adaptive_avg_pool_backward, golden_op::adaptive_max_pool_backward}) {
    EXPECT_EQ(parse_golden_op(golden_op_name(op)), op);
  }
  EXPECT_EQ(parse_golden_op("adaptive_avg_pool3d"), std::nullopt);
}

TEST(Manifest, SerializeParseRoundTrip) {
  const golden_manifest manifest = sample_manifest();
  const std::string text = serialize_manifest(manifest);
  EXPECT_EQ(parse_manifest(text, "m.json"), manifest);
  EXPECT_EQ(serialize_manifest(parse_manifest(text, "m.json")), text);
  EXPECT_TRUE(text.ends_with("}\n"));
}

TEST(Manifest, SerializedKeysAreSortedAndIndented) {
  const std::string text = serialize_manifest(sample_manifest());
  EXPECT_LT(text.find("\"cases\""), text.find("\"generator\""));
  EXPECT_LT(text.find("\"generator\""), text.find("\"seed\""));
  EXPECT_LT(text.find("\"seed\""), text.find("\"version\""));
  EXPECT_NE(text.find("\n  \"seed\": 18446744073709551615,\n"), std::string::npos);
  EXPECT_NE(text.find("\"dtype\": \"bfloat16\""), std::string::npos);
}

TEST(Manifest, EmptySuiteIsValid) {
  const golden_manifest empty{manifest_version, 0, "g", {}};
  EXPECT_EQ(parse_manifest(serialize_manifest(empty), "m.json"), empty);
}

TEST(Manifest, RejectionsNameTheField) {
  auto json = nlohmann::json::parse(serialize_manifest(sample_manifest()));
  json["cases"][1]["files"]["input"]["sha256"] = std::string(64, 'A');
  expect_input_error([&] { (void)parse_manifest(json.dump(), "m.json"); },
                     "cannot read manifest 'm.json': cases[1].files.input.sha256: not 64 "
                     "lowercase hex digits");
  json = nlohmann::json::parse(serialize_manifest(sample_manifest()));
  json["cases"][0]["output_size"] = {3, 3};
  expect_input_error([&] { (void)parse_manifest(json.dump(), "m.json"); },
                     "cases[0].output_size: 2 entries, expected 1");
  json = nlohmann::json::parse(serialize_manifest(sample_manifest()));
  json["cases"][1]["name"] = "avg_1d_5_3";
  expect_input_error([&] { (void)parse_manifest(json.dump(), "m.json"); },
                     "cases[1].name: duplicate case name 'avg_1d_5_3'");
}

TEST(Manifest, Sha256MatchesKnownVectors) {
  EXPECT_EQ(sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(to_bytes("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// As `printf abc | xxh128sum` prints them (xxhash 0.8.1).
TEST(Manifest, Xxh128MatchesXxh128sum) {
  EXPECT_EQ(xxh128_hex({}), "99aa06d3014798d86001c324468d497f");
  EXPECT_EQ(xxh128_hex(to_bytes("abc")), "06b05ab6733a618578af5f94892f3950");
  EXPECT_EQ(file_of("a", to_bytes("abc")),
            (golden_file{"a", sha256_hex(to_bytes("abc")), xxh128_hex(to_bytes("abc"))}));
  EXPECT_EQ(file_of("a", to_bytes("abc"), 1), (golden_file{"a", sha256_hex(to_bytes("abc")), {}}));
}

// Given piece by piece, in any split, the digest is the whole text's.
TEST(Manifest, Xxh128StreamIsTheWholeTextsDigest) {
  std::string text(5000, '\0');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(i * 131 % 251);
  const std::vector<std::byte> bytes = to_bytes(text);
  const std::string whole = xxh128_hex(bytes);
  EXPECT_EQ(detail::xxh128_stream().hex(), xxh128_hex({}));
  for (const std::size_t piece :
       {std::size_t{1}, std::size_t{63}, std::size_t{256}, std::size_t{1000}, bytes.size()}) {
    detail::xxh128_stream stream;
    for (std::size_t at = 0; at < bytes.size(); at += piece)
      stream.add(std::span(bytes).subspan(at, std::min(piece, bytes.size() - at)));
    EXPECT_EQ(stream.hex(), whole) << piece;
  }
  detail::xxh128_stream short_of_one;
  short_of_one.add(std::span(bytes).first(bytes.size() - 1));
  EXPECT_NE(short_of_one.hex(), whole);
}

// Version 1 (sha256 only) is still read, and written back as it was; version 2 needs both.
TEST(Manifest, ReadsVersionOneAndTwo) {
  golden_manifest old = sample_manifest();
  old.version = 1;
  for (golden_case& c : old.cases)
    for (auto& [role, file] : c.files) file.xxh128.clear();
  const std::string text = serialize_manifest(old);
  EXPECT_EQ(text.find("xxh128"), std::string::npos);
  EXPECT_EQ(parse_manifest(text, "m.json"), old);
  EXPECT_EQ(serialize_manifest(parse_manifest(text, "m.json")), text);
  auto json = nlohmann::json::parse(text);
  json["cases"][0]["files"]["input"]["xxh128"] = std::string(32, 'b');
  expect_input_error([&] { (void)parse_manifest(json.dump(), "m.json"); },
                     "cases[0].files.input: unknown field 'xxh128'");
  json = nlohmann::json::parse(serialize_manifest(sample_manifest()));
  EXPECT_EQ(json["version"], 2);
  json["cases"][1]["files"]["indices"].erase("xxh128");
  expect_input_error([&] { (void)parse_manifest(json.dump(), "m.json"); },
                     "cases[1].files.indices.xxh128: missing");
  json = nlohmann::json::parse(serialize_manifest(sample_manifest()));
  json["cases"][0]["files"]["exact"]["xxh128"] = std::string(64, 'b');
  expect_input_error([&] { (void)parse_manifest(json.dump(), "m.json"); },
                     "cases[0].files.exact.xxh128: not 32 lowercase hex digits");
  for (const int version : {0, 3}) {
    json = nlohmann::json::parse(serialize_manifest(sample_manifest()));
    json["version"] = version;
    expect_input_error(
        [&] { (void)parse_manifest(json.dump(), "m.json"); },
        "version: unsupported version " + std::to_string(version) + " (this build reads 1 and 2)");
  }
}

/// A suite directory with one file and a neighbour outside it.
struct suite_fixture {
  scratch_dir root;
  std::filesystem::path suite = root.path() / "suite";
  suite_fixture() {
    std::filesystem::create_directories(suite / "data");
    std::filesystem::create_directories(root.path() / "suite-other");
    write_bytes(suite / "data" / "a.npy", "abc");
    write_bytes(root.path() / "outside.npy", "abc");
    write_bytes(root.path() / "suite-other" / "x.npy", "abc");
  }
  [[nodiscard]] golden_file file(std::string path) const {
    return file_of(std::move(path), to_bytes("abc"));
  }
  /// file(path) as a version 1 manifest has it: sha256 only.
  [[nodiscard]] golden_file old_file(std::string path) const {
    return file_of(std::move(path), to_bytes("abc"), 1);
  }
};

golden_file with_wrong_digit(golden_file file, std::string golden_file::*digest) {
  char& first = (file.*digest)[0];
  first = first == '0' ? '1' : '0';
  return file;
}

TEST(SuiteFile, ReadsAndVerifies) {
  const suite_fixture f;
  EXPECT_EQ(read_suite_file(f.suite, f.file("data/a.npy")), to_bytes("abc"));
  EXPECT_EQ(read_suite_file(f.suite.string() + "/", f.file("data/a.npy")), to_bytes("abc"));
  std::filesystem::create_symlink("data/a.npy", f.suite / "inner_link");
  EXPECT_EQ(read_suite_file(f.suite, f.file("inner_link")), to_bytes("abc"));
}

// The suite file's path checks hold for a file read at offsets too, with their messages.
TEST(SuiteFile, ReadAtOffsetsChecksThePathAlike) {
  const suite_fixture f;
  const file_at_offsets file = detail::open_suite_file_at_offsets(f.suite, f.file("data/a.npy"), 3);
  std::vector<std::byte> bytes(3);
  file.read_at(0, bytes);
  EXPECT_EQ(bytes, to_bytes("abc"));
  std::filesystem::create_symlink("../suite-other/x.npy", f.suite / "sibling");
  expect_input_error(
      [&] { (void)detail::open_suite_file_at_offsets(f.suite, f.file("sibling"), 9); },
      "resolves outside the suite directory");
  expect_input_error(
      [&] { (void)detail::open_suite_file_at_offsets(f.suite, f.file("../outside.npy"), 9); },
      "cannot read golden file '../outside.npy': path '../outside.npy' escapes");
  expect_input_error(
      [&] { (void)detail::open_suite_file_at_offsets(f.suite, f.file("data/a.npy"), 2); },
      "past the limit of 2");
}

TEST(SuiteFile, RefusesEscapesOversizeAndWrongSums) {
  const suite_fixture f;
  expect_input_error([&] { (void)read_suite_file(f.suite, f.file("../outside.npy")); },
                     "cannot read golden file '../outside.npy': path '../outside.npy' escapes");
  expect_input_error([&] { (void)read_suite_file(f.suite, f.file("/etc/hostname")); },
                     "absolute path");
  std::filesystem::create_symlink("../suite-other/x.npy", f.suite / "sibling");
  expect_input_error([&] { (void)read_suite_file(f.suite, f.file("sibling")); },
                     "resolves outside the suite directory");
  std::filesystem::create_symlink(f.root.path(), f.suite / "up");
  expect_input_error([&] { (void)read_suite_file(f.suite, f.file("up/outside.npy")); },
                     "resolves outside the suite directory");
  expect_input_error([&] { (void)read_suite_file(f.suite, f.file("data/a.npy"), 2); },
                     "size 3 bytes is past the limit of 2");
  const golden_file wrong = with_wrong_digit(f.old_file("data/a.npy"), &golden_file::sha256);
  expect_input_error([&] { (void)read_suite_file(f.suite, wrong); }, "sha256 mismatch");
  ASSERT_EQ(::mkfifo((f.suite / "fifo").c_str(), 0600), 0);
  expect_input_error([&] { (void)read_suite_file(f.suite, f.file("fifo")); }, "not a regular file");
}

// xxh128 is checked where the manifest has one, and decides alone unless every digest is asked
// for; a version 1 entry is checked by its sha256 either way.
TEST(SuiteFile, ChecksTheDigestsAsked) {
  const suite_fixture f;
  const std::size_t limit = 100;
  const golden_file wrong_xxh128 = with_wrong_digit(f.file("data/a.npy"), &golden_file::xxh128);
  const golden_file wrong_sha256 = with_wrong_digit(f.file("data/a.npy"), &golden_file::sha256);
  for (const file_digests digests : {file_digests::fast, file_digests::every}) {
    EXPECT_EQ(read_suite_file(f.suite, f.file("data/a.npy"), limit, digests), to_bytes("abc"));
    EXPECT_EQ(read_suite_file(f.suite, f.old_file("data/a.npy"), limit, digests), to_bytes("abc"));
    expect_input_error([&] { (void)read_suite_file(f.suite, wrong_xxh128, limit, digests); },
                       "cannot read golden file 'data/a.npy': xxh128 mismatch: file has "
                       "06b05ab6733a618578af5f94892f3950, manifest says 16b05ab6733a6185");
    expect_input_error(
        [&] {
          (void)read_suite_file(f.suite,
                                with_wrong_digit(f.old_file("data/a.npy"), &golden_file::sha256),
                                limit, digests);
        },
        "sha256 mismatch");
  }
  EXPECT_EQ(read_suite_file(f.suite, wrong_sha256, limit, file_digests::fast), to_bytes("abc"));
  expect_input_error(
      [&] { (void)read_suite_file(f.suite, wrong_sha256, limit, file_digests::every); },
      "cannot read golden file 'data/a.npy': sha256 mismatch: file has ba7816bf");
}

TEST(SuiteFile, HashedMeanwhileAMismatchTakesPrecedence) {
  const suite_fixture f;
  std::vector<std::byte> storage;
  const file_storage into = [&](std::size_t size) -> std::span<std::byte> {
    storage.assign(size + 1, std::byte{0});
    return storage;
  };
  const auto size_of = [](std::span<const std::byte> bytes) { return bytes.size(); };
  const auto refuse = [](std::span<const std::byte>) -> std::size_t {
    throw common::input_error("use refused it");
  };
  // A match: what `use` returns, from the file's bytes in the given storage; or its error.
  std::span<const std::byte> seen;
  EXPECT_EQ(detail::with_suite_file(f.suite, f.file("data/a.npy"), 100, into,
                                    [&](std::span<const std::byte> bytes) {
                                      seen = bytes;
                                      return bytes.size();
                                    }),
            3U);
  EXPECT_EQ(seen.data(), storage.data());
  EXPECT_EQ(std::vector<std::byte>(seen.begin(), seen.end()), to_bytes("abc"));
  expect_input_error(
      [&] { (void)detail::with_suite_file(f.suite, f.file("data/a.npy"), 100, into, refuse); },
      "use refused it");
  // A mismatch: its error, whether `use` returned or threw (xxh128, or sha256 in version 1).
  for (const auto& wrong_and_name :
       {std::pair{with_wrong_digit(f.file("data/a.npy"), &golden_file::xxh128), "xxh128"},
        std::pair{with_wrong_digit(f.old_file("data/a.npy"), &golden_file::sha256), "sha256"}}) {
    const golden_file& wrong = wrong_and_name.first;
    const std::string message =
        std::string("cannot read golden file 'data/a.npy': ") + wrong_and_name.second + " mismatch";
    expect_input_error([&] { (void)detail::with_suite_file(f.suite, wrong, 100, into, size_of); },
                       message);
    expect_input_error([&] { (void)detail::with_suite_file(f.suite, wrong, 100, into, refuse); },
                       message);
  }
  // Path and size refusals come before `use` runs.
  bool ran = false;
  const auto mark = [&](std::span<const std::byte>) { ran = true; };
  expect_input_error([&] { detail::with_suite_file(f.suite, f.file("data/a.npy"), 2, into, mark); },
                     "size 3 bytes is past the limit of 2");
  expect_input_error(
      [&] { detail::with_suite_file(f.suite, f.file("../outside.npy"), 100, into, mark); },
      "escapes");
  EXPECT_FALSE(ran);
}

TEST(LoadManifest, ReadsManifestJson) {
  const scratch_dir dir;
  expect_input_error([&] { (void)load_manifest(dir.path()); }, "cannot read manifest");
  write_bytes(dir.path() / "manifest.json", serialize_manifest(sample_manifest()));
  EXPECT_EQ(load_manifest(dir.path()), sample_manifest());
}

}  // namespace
}  // namespace poolproof::golden

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
    return {std::move(path), sha256_hex(to_bytes("abc"))};
  }
};

TEST(SuiteFile, ReadsAndVerifies) {
  const suite_fixture f;
  EXPECT_EQ(read_suite_file(f.suite, f.file("data/a.npy")), to_bytes("abc"));
  EXPECT_EQ(read_suite_file(f.suite.string() + "/", f.file("data/a.npy")), to_bytes("abc"));
  std::filesystem::create_symlink("data/a.npy", f.suite / "inner_link");
  EXPECT_EQ(read_suite_file(f.suite, f.file("inner_link")), to_bytes("abc"));
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
  golden_file wrong = f.file("data/a.npy");
  wrong.sha256[0] = wrong.sha256[0] == '0' ? '1' : '0';
  expect_input_error([&] { (void)read_suite_file(f.suite, wrong); }, "sha256 mismatch");
  ASSERT_EQ(::mkfifo((f.suite / "fifo").c_str(), 0600), 0);
  expect_input_error([&] { (void)read_suite_file(f.suite, f.file("fifo")); }, "not a regular file");
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
  // A mismatch: its error, whether `use` returned or threw.
  golden_file wrong = f.file("data/a.npy");
  wrong.sha256[0] = wrong.sha256[0] == '0' ? '1' : '0';
  expect_input_error([&] { (void)detail::with_suite_file(f.suite, wrong, 100, into, size_of); },
                     "cannot read golden file 'data/a.npy': sha256 mismatch");
  expect_input_error([&] { (void)detail::with_suite_file(f.suite, wrong, 100, into, refuse); },
                     "cannot read golden file 'data/a.npy': sha256 mismatch");
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

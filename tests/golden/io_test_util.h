// Helpers shared by the golden file-layer tests: scratch directories, byte strings, npy headers.
#pragma once

#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/manifest.h>

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace poolproof::golden::io_test {

/// A fresh directory under the system temporary directory, removed with everything in it.
class scratch_dir {
 public:
  scratch_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "poolproof-io-XXXXXX").string();
    POOLPROOF_CHECK(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::vector<std::byte> to_bytes(std::string_view text) {
  std::vector<std::byte> bytes;
  for (char c : text) bytes.push_back(static_cast<std::byte>(c));
  return bytes;
}

inline std::vector<std::byte> bytes_of(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(stream)),
                         std::istreambuf_iterator<char>());
  return to_bytes(text);
}

inline void write_bytes(const std::filesystem::path& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

/// A .npy file of format `version` with `header` padded as numpy pads it (spaces and a newline
/// to a multiple of 64 bytes), followed by `payload`.
inline std::vector<std::byte> npy_file(int version, std::string header, std::string_view payload) {
  const std::size_t length_bytes = version == 1 ? 2 : 4;
  const std::size_t unpadded = 8 + length_bytes + header.size() + 1;
  header.append(64 - unpadded % 64, ' ');
  header += '\n';
  std::string text = "\x93NUMPY";
  text += {static_cast<char>(version), '\0'};
  for (std::size_t i = 0; i < length_bytes; ++i) {
    text += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  }
  return to_bytes(text + header + std::string(payload));
}

/// A valid manifest of two cases (a forward avg and a backward max) with placeholder sums, of
/// the version this build writes.
inline golden_manifest sample_manifest() {
  const std::string sha256(64, 'a');
  const std::string xxh128(32, 'b');
  golden_case avg{"avg_1d_5_3", golden_op::adaptive_avg_pool,      "core", 1, {2, 5},
                  {3},          reference::float_format::binary32, {}};
  avg.files = {{"input", {"avg_1d_5_3/input.npy", sha256, xxh128}},
               {"expected", {"avg_1d_5_3/expected.npy", sha256, xxh128}},
               {"exact", {"avg_1d_5_3/exact.json", sha256, xxh128}}};
  golden_case max{"max_2d_backward",
                  golden_op::adaptive_max_pool_backward,
                  "special",
                  2,
                  {1, 2, 7, 6},
                  {3, 4},
                  reference::float_format::bfloat16,
                  {}};
  max.files = {{"input", {"max/input.npy", sha256, xxh128}},
               {"grad_output", {"max/grad_output.npy", sha256, xxh128}},
               {"indices", {"max/indices.npy", sha256, xxh128}},
               {"expected_grad_input", {"max/expected_grad_input.npy", sha256, xxh128}}};
  return {manifest_version, 18446744073709551615u, "poolproof 0.1.0", {avg, max}};
}

/// Runs `action`, which must throw input_error with a one-line message containing `expected`.
template <typename Action>
void expect_input_error(Action action, std::string_view expected) {
  try {
    action();
    ADD_FAILURE() << "no input_error; expected '" << expected << "'";
  } catch (const common::input_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(expected), std::string::npos)
        << "message: " << message << "\nexpected to contain: " << expected;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
  }
}

}  // namespace poolproof::golden::io_test

// The bad-input matrix of the file readers: each row of bad_inputs.txt builds one bad input in a
// scratch directory and must get input_error with the row's one-line message.
#include <gtest/gtest.h>
#include <poolproof/golden/exact_values.h>
#include <poolproof/golden/manifest.h>
#include <poolproof/golden/npy.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "tests/golden/io_test_util.h"

namespace poolproof::golden {
namespace {

using io_test::expect_input_error;
using io_test::scratch_dir;
using io_test::to_bytes;
using io_test::write_bytes;

struct bad_input_row {
  std::string name, kind, argument, second, expected;
};

/// gtest prints a failing row by its name, not as bytes.
void PrintTo(const bad_input_row& row, std::ostream* out) { *out << row.name; }

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return "";
  return std::string(text.substr(first, text.find_last_not_of(' ') - first + 1));
}

/// Resolves \xHH, \n and \\ (the table's escapes).
std::string unescape(std::string_view text) {
  std::string result;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      result += text[i];
    } else if (text[i + 1] == 'x' && i + 3 < text.size()) {
      result += static_cast<char>(std::stoi(std::string(text.substr(i + 2, 2)), nullptr, 16));
      i += 3;
    } else {
      result += text[i + 1] == 'n' ? '\n' : text[i + 1];
      ++i;
    }
  }
  return result;
}

std::vector<bad_input_row> load_rows() {
  std::ifstream stream(POOLPROOF_BAD_INPUTS);
  POOLPROOF_CHECK(stream.good());
  std::vector<bad_input_row> rows;
  for (std::string line; std::getline(stream, line);) {
    if (line.empty() || line.starts_with('#')) continue;
    std::vector<std::string> fields;
    std::stringstream split(line);
    for (std::string field; std::getline(split, field, '|');) fields.push_back(trim(field));
    if (line.ends_with('|')) fields.emplace_back();
    if (fields.size() != 5) throw std::runtime_error("bad_inputs.txt: not 5 fields: " + line);
    rows.push_back(
        {fields[0], fields[1], unescape(fields[2]), unescape(fields[3]), unescape(fields[4])});
  }
  return rows;
}

/// "<f4 2,3" -> element and shape ("-" for a scalar).
std::pair<npy_element, std::vector<std::int64_t>> layout(const std::string& text) {
  const std::string descr = text.substr(0, text.find(' '));
  npy_element element = npy_element::f4;
  for (npy_element e :
       {npy_element::f2, npy_element::u2, npy_element::f4, npy_element::f8, npy_element::i8}) {
    if (npy_descr(e) == descr) element = e;
  }
  std::vector<std::int64_t> shape;
  std::stringstream sizes(text.substr(text.find(' ') + 1));
  for (std::string size; std::getline(sizes, size, ',');) {
    if (size != "-") shape.push_back(std::stoll(size));
  }
  return {element, shape};
}

/// A scratch suite: see the suite_file kind in bad_inputs.txt.
std::filesystem::path make_suite(const std::filesystem::path& root) {
  auto suite = root / "suite";
  std::filesystem::create_directories(suite / "data");
  std::filesystem::create_directories(root / "suite-other");
  write_bytes(suite / "data" / "a.npy", "abc");
  write_bytes(root / "outside.npy", "abc");
  write_bytes(root / "suite-other" / "x.npy", "abc");
  std::filesystem::create_symlink("../suite-other/x.npy", suite / "sibling");
  std::filesystem::create_symlink("..", suite / "up");
  std::filesystem::create_symlink(root / "outside.npy", suite / "absolute");
  POOLPROOF_CHECK(::mkfifo((suite / "fifo").c_str(), 0600) == 0);
  return suite;
}

/// Makes a special path (fifo, directory, or nothing) at `path`.
void make_special(const std::filesystem::path& path, const std::string& what) {
  if (what == "fifo") POOLPROOF_CHECK(::mkfifo(path.c_str(), 0600) == 0);
  if (what == "directory") std::filesystem::create_directory(path);
}

/// Parses `bytes`, then reads them from a file: both must refuse them for the same reason.
void read_npy_both_ways(const std::string& bytes, const std::filesystem::path& dir) {
  std::string message;
  try {
    (void)parse_npy(to_bytes(bytes), "bad.npy");
  } catch (const common::input_error& error) {
    message = error.what();
  }
  if (message.empty()) return;
  write_bytes(dir / "bad.npy", bytes);
  expect_input_error([&] { (void)read_npy(dir / "bad.npy"); },
                     message.substr(message.find("': ") + 3));
  throw common::input_error(message);
}

void read_manifest_row(const bad_input_row& row) {
  if (row.kind == "manifest_raw") {
    (void)parse_manifest(row.argument, "manifest.json");
    return;
  }
  auto json = nlohmann::json::parse(serialize_manifest(io_test::sample_manifest()));
  const nlohmann::json::json_pointer pointer(row.argument);
  if (row.kind == "manifest_set") {
    json[pointer] = nlohmann::json::parse(row.second);
  } else {
    json[pointer.parent_pointer()].erase(pointer.back());
  }
  (void)parse_manifest(json.dump(), "manifest.json");
}

void read_suite_row(const bad_input_row& row, const std::filesystem::path& dir) {
  const auto suite = make_suite(dir);
  golden_file file = file_of(row.argument, to_bytes("abc"));
  std::size_t max_bytes = std::size_t{1} << 31;
  if (row.second == "badsha") file.sha256 = sha256_hex(to_bytes("abd"));
  if (row.second == "badxxh") file.xxh128 = xxh128_hex(to_bytes("abd"));
  if (row.second == "badsha") file.xxh128.clear();  // a version 1 entry: its sha256 decides
  if (row.second.starts_with("max=")) max_bytes = std::stoull(row.second.substr(4));
  (void)read_suite_file(suite, file, max_bytes);
}

void read_row(const bad_input_row& row, const std::filesystem::path& dir) {
  if (row.kind == "npy_raw") return read_npy_both_ways(row.argument, dir);
  if (row.kind == "npy" || row.kind == "npy_exact") {
    const std::string payload(std::stoull(row.second), '\0');
    const auto file = io_test::npy_file(1, row.argument, payload);
    std::string bytes(reinterpret_cast<const char*>(file.data()), file.size());
    // npy_exact: cut npy_file's padding and put the header's exact length in the prelude.
    if (row.kind == "npy_exact") {
      bytes = bytes.substr(0, 8) + static_cast<char>(row.argument.size() & 0xff) +
              static_cast<char>(row.argument.size() >> 8) + row.argument + payload;
    }
    return read_npy_both_ways(bytes, dir);
  }
  if (row.kind == "npy_file") {
    make_special(dir / "x.npy", row.argument);
    (void)read_npy(dir / "x.npy");
  } else if (row.kind == "candidate") {
    const auto [element, shape] = layout(row.argument);
    std::int64_t count = 1;
    for (std::int64_t size : shape) count *= size;
    write_npy(dir / "candidate.npy",
              {element, shape, std::vector<std::uint64_t>(static_cast<std::size_t>(count))});
    const auto [wanted_element, wanted_shape] = layout(row.second);
    require_npy_layout(read_npy(dir / "candidate.npy"), wanted_element, wanted_shape,
                       "candidate.npy");
  } else if (row.kind.starts_with("manifest_")) {
    read_manifest_row(row);
  } else if (row.kind == "load_manifest") {
    make_special(dir / "manifest.json", row.argument);
    (void)load_manifest(dir);
  } else if (row.kind == "suite_file") {
    read_suite_row(row, dir);
  } else if (row.kind == "exact_raw") {
    (void)parse_exact_values(row.argument, "exact.json");
  } else {
    ADD_FAILURE() << "unknown kind '" << row.kind << "'";
  }
}

class BadInput : public ::testing::TestWithParam<bad_input_row> {};

TEST_P(BadInput, IsRefusedWithItsMessage) {
  const scratch_dir dir;
  expect_input_error([&] { read_row(GetParam(), dir.path()); }, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, ::testing::ValuesIn(load_rows()),
                         [](const auto& row) { return row.param.name; });

TEST(BadInputTable, HasAtLeast30UniquelyNamedRowsOfEveryReader) {
  const auto rows = load_rows();
  EXPECT_GE(rows.size(), 30u);
  std::set<std::string> names, kinds;
  for (const auto& row : rows) {
    EXPECT_TRUE(names.insert(row.name).second) << "duplicate row " << row.name;
    kinds.insert(row.kind);
  }
  for (const char* kind :
       {"npy_raw", "npy", "manifest_raw", "manifest_set", "suite_file", "exact_raw", "candidate"}) {
    EXPECT_TRUE(kinds.contains(kind)) << kind;
  }
}

}  // namespace
}  // namespace poolproof::golden

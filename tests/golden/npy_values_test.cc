// The typed .npy path (golden/npy_values.h, serialize_npy_payload): the same files and values as
// the word-per-element path, and the same refusals.
#include "golden/npy_values.h"

#include <gtest/gtest.h>
#include <poolproof/golden/npy.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tests/golden/io_test_util.h"

namespace poolproof::golden {
namespace {

using io_test::expect_input_error;
using io_test::scratch_dir;

template <typename T>
std::vector<std::byte> payload_of(const std::vector<T>& values) {
  const auto bytes = std::as_bytes(std::span<const T>(values));
  return {bytes.begin(), bytes.end()};
}

template <typename T>
npy_array words_of(npy_element element, std::vector<std::int64_t> shape,
                   const std::vector<T>& values) {
  npy_array array{element, std::move(shape), {}};
  for (const T& value : values) {
    std::uint64_t word = 0;
    std::memcpy(&word, &value, sizeof(T));  // little-endian: the low bytes
    array.words.push_back(word);
  }
  return array;
}

TEST(NpyValues, PayloadWritesAreSerializeNpysBytes) {
  const std::vector<float> floats{1.5F, -0.0F, 3e38F, 1e-45F, 7.0F, -2.25F};
  const std::vector<std::uint16_t> patterns{0x3c00, 0x8000, 0x7e01, 0xffff};
  const std::vector<std::int64_t> indices{0, -1, 1LL << 40};
  const std::vector<std::int64_t> shape_23{2, 3};
  EXPECT_EQ(serialize_npy_payload(npy_element::f4, shape_23, payload_of(floats)),
            serialize_npy(words_of(npy_element::f4, shape_23, floats)));
  const std::vector<std::int64_t> shape_4{4};
  EXPECT_EQ(serialize_npy_payload(npy_element::u2, shape_4, payload_of(patterns)),
            serialize_npy(words_of(npy_element::u2, shape_4, patterns)));
  EXPECT_EQ(serialize_npy_payload(npy_element::f2, shape_4, payload_of(patterns)),
            serialize_npy(words_of(npy_element::f2, shape_4, patterns)));
  const std::vector<std::int64_t> shape_31{3, 1};
  EXPECT_EQ(serialize_npy_payload(npy_element::i8, shape_31, payload_of(indices)),
            serialize_npy(words_of(npy_element::i8, shape_31, indices)));
  const std::vector<std::int64_t> empty{0, 5};
  EXPECT_EQ(serialize_npy_payload(npy_element::f8, empty, {}),
            serialize_npy(npy_array{npy_element::f8, empty, {}}));
  const scratch_dir dir;
  write_npy_payload(dir.path() / "a.npy", npy_element::f4, shape_23, payload_of(floats));
  EXPECT_EQ(read_npy(dir.path() / "a.npy"), words_of(npy_element::f4, shape_23, floats));
}

TEST(NpyValues, ReadsTheValuesInTheirOwnType) {
  const scratch_dir dir;
  const std::vector<double> doubles{0.1, -2.0, 1e308, 5e-324, 0.0, 3.0};
  const std::vector<std::int64_t> shape{3, 2};
  write_npy(dir.path() / "d.npy", words_of(npy_element::f8, shape, doubles));
  detail::input_values<double> values;
  detail::read_npy_values(dir.path() / "d.npy", read_npy_layout(dir.path() / "d.npy"), values);
  EXPECT_TRUE(std::ranges::equal(values.values(), doubles));
  const std::vector<std::uint16_t> patterns{0x7c00, 0x0001, 0x8001};
  const std::vector<std::int64_t> shape_3{3};
  write_npy(dir.path() / "h.npy", words_of(npy_element::f2, shape_3, patterns));
  detail::input_values<std::uint16_t> halves;
  detail::read_npy_values(dir.path() / "h.npy", read_npy_layout(dir.path() / "h.npy"), halves);
  EXPECT_TRUE(std::ranges::equal(halves.values(), patterns));
}

// A header numpy would not write (not padded to 64 bytes) leaves the payload unaligned for T:
// the values are copied out, and still the file's.
TEST(NpyValues, ReadsAnUnalignedPayload) {
  const scratch_dir dir;
  const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n";
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  file += static_cast<char>(header.size());
  file += '\0';
  file += header;
  ASSERT_NE(file.size() % 4, 0u);
  const std::vector<float> floats{-1.5F, 6.0F};
  file.append(reinterpret_cast<const char*>(floats.data()), 8);
  io_test::write_bytes(dir.path() / "u.npy", file);
  detail::input_values<float> values;
  detail::read_npy_values(dir.path() / "u.npy", read_npy_layout(dir.path() / "u.npy"), values);
  EXPECT_TRUE(std::ranges::equal(values.values(), floats));
}

// The layout is read first; a file that no longer matches it, or whose payload is short or
// long, is refused as read_npy_as refuses it.
TEST(NpyValues, RefusesAFileThatIsNotItsLayout) {
  const scratch_dir dir;
  const auto path = dir.path() / "x.npy";
  const std::vector<float> four{1, 2, 3, 4};
  write_npy(path, words_of(npy_element::f4, {4}, four));
  const npy_array layout = read_npy_layout(path);
  detail::input_values<float> values;
  write_npy(path, words_of(npy_element::f4, {2, 2}, four));
  expect_input_error([&] { detail::read_npy_values(path, layout, values); },
                     "shape (2, 2), expected (4,)");
  std::vector<std::byte> bytes = serialize_npy(words_of(npy_element::f4, {4}, four));
  const auto write = [&](std::size_t size) {
    io_test::write_bytes(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), size));
  };
  write(bytes.size() - 1);
  expect_input_error([&] { detail::read_npy_values(path, layout, values); }, "cannot read npy");
  bytes.push_back(std::byte{0});
  write(bytes.size());
  expect_input_error([&] { detail::read_npy_values(path, layout, values); }, "cannot read npy");
  // A file far past the header's room and the payload is refused before it is read.
  io_test::write_bytes(path, std::string(200000, 'x'));
  expect_input_error([&] { detail::read_npy_values(path, layout, values); },
                     "is past the limit of");
}

// A header claiming more elements than the limits allow is refused from the header alone, and a
// layout past them is refused before anything is read.
TEST(NpyValues, RefusesAShapePastTheLimits) {
  const scratch_dir dir;
  const auto path = dir.path() / "big.npy";
  const auto bytes =
      io_test::npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2147483648)}",
                        std::string(16, '\0'));
  io_test::write_bytes(path,
                       std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  expect_input_error([&] { (void)read_npy_layout(path); },
                     "shape overflow: more than 1073741824 elements");
  detail::input_values<float> values;
  const npy_array layout{npy_element::f4, {4, 1LL << 30}, {}};
  expect_input_error([&] { detail::read_npy_values(path, layout, values); },
                     "shape overflow: more than 1073741824 elements");
}

}  // namespace
}  // namespace poolproof::golden

#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/npy.h>
#include <poolproof/reference/exact_number.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "tests/golden/io_test_util.h"

namespace poolproof::golden {
namespace {

using io_test::bytes_of;
using io_test::expect_input_error;
using io_test::npy_file;
using io_test::scratch_dir;

/// arange(count) in `element`, the way `np.arange(count).astype(dtype)` holds it.
npy_array arange(npy_element element, std::vector<std::int64_t> shape) {
  npy_array array{element, std::move(shape), {}};
  std::int64_t count = 1;
  for (std::int64_t size : array.shape) count *= size;
  for (std::int64_t i = 0; i < count; ++i) {
    const auto value = reference::extended_rational::finite(reference::rational(i));
    switch (element) {
      case npy_element::f2:
        array.words.push_back(round_to(reference::float_format::binary16, value));
        break;
      case npy_element::f4:
        array.words.push_back(round_to(reference::float_format::binary32, value));
        break;
      case npy_element::f8:
        array.words.push_back(round_to(reference::float_format::binary64, value));
        break;
      case npy_element::u2:
      case npy_element::i8:
        array.words.push_back(static_cast<std::uint64_t>(i));
        break;
    }
  }
  return array;
}

struct numpy_case {
  npy_element element;
  std::vector<std::int64_t> shape;
  const char* python_shape;
  const char* python_dtype;
};

const std::vector<numpy_case> numpy_cases = {
    {npy_element::f4, {3}, "(3,)", "float32"},
    {npy_element::f8, {}, "()", "float64"},
    {npy_element::u2, {2, 3}, "(2, 3)", "uint16"},
    {npy_element::i8, {0}, "(0,)", "int64"},
    {npy_element::f2, {1, 2, 3, 4, 5}, "(1, 2, 3, 4, 5)", "float16"},
    {npy_element::f4, {10}, "(10,)", "float32"},
    {npy_element::f8, {100, 2}, "(100, 2)", "float64"},
    {npy_element::i8, {1000000000, 0}, "(1000000000, 0)", "int64"},
    {npy_element::f4, {3, 0, 5}, "(3, 0, 5)", "float32"},
    {npy_element::f2,
     {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2},
     "(1,) * 17 + (2,)",
     "float16"},
    // The unpadded header is a multiple of 64 bytes here, so numpy pads a whole 64 more.
    {npy_element::f4,
     {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 100},
     "(1,) * 13 + (100,)",
     "float32"},
};

TEST(Npy, DescrsAndFormats) {
  EXPECT_EQ(npy_descr(npy_element::f2), "<f2");
  EXPECT_EQ(npy_descr(npy_element::u2), "<u2");
  EXPECT_EQ(npy_descr(npy_element::i8), "<i8");
  EXPECT_EQ(npy_element_for(reference::float_format::bfloat16), npy_element::u2);
  EXPECT_EQ(npy_element_for(reference::float_format::binary16), npy_element::f2);
  EXPECT_EQ(npy_element_for(reference::float_format::binary32), npy_element::f4);
  EXPECT_EQ(npy_element_for(reference::float_format::binary64), npy_element::f8);
}

TEST(Npy, RoundTripsEveryElementAndShape) {
  for (const numpy_case& c : numpy_cases) {
    const npy_array array = arange(c.element, c.shape);
    const std::vector<std::byte> bytes = serialize_npy(array);
    const auto width = static_cast<std::size_t>(npy_descr(c.element)[2] - '0');
    EXPECT_EQ((bytes.size() - array.words.size() * width) % 64, 0u) << c.python_shape;
    EXPECT_EQ(parse_npy(bytes, "x.npy"), array) << c.python_shape;
  }
}

TEST(Npy, KeepsRawBitsOfNanAndNegativeZero) {
  const npy_array array{npy_element::f4, {4}, {0x7fc00001, 0x80000000, 0xff800000, 0x00000001}};
  EXPECT_EQ(parse_npy(serialize_npy(array), "x.npy"), array);
  const npy_array negative{npy_element::i8, {1}, {0xffffffffffffffff}};
  EXPECT_EQ(parse_npy(serialize_npy(negative), "x.npy"), negative);
}

TEST(Npy, ByteIdenticalToNumpySave) {
  if (std::system(POOLPROOF_PYTHON3 " -c 'import numpy' 2>/dev/null") != 0) {
    GTEST_SKIP() << POOLPROOF_PYTHON3 " has no numpy";
  }
  const scratch_dir dir;
  std::string script = "import numpy as np, math\n";
  for (std::size_t i = 0; i < numpy_cases.size(); ++i) {
    const numpy_case& c = numpy_cases[i];
    const auto path = dir.path() / ("numpy" + std::to_string(i) + ".npy");
    script += std::string("s = ") + c.python_shape + "\nnp.save('" + path.string() +
              "', np.arange(math.prod(s)).astype(np.dtype('" + c.python_dtype +
              "').newbyteorder('<')).reshape(s))\n";
  }
  const auto script_path = dir.path() / "save.py";
  std::ofstream(script_path) << script;
  ASSERT_EQ(std::system((POOLPROOF_PYTHON3 " " + script_path.string()).c_str()), 0);
  for (std::size_t i = 0; i < numpy_cases.size(); ++i) {
    const auto path = dir.path() / ("numpy" + std::to_string(i) + ".npy");
    const npy_array array = arange(numpy_cases[i].element, numpy_cases[i].shape);
    EXPECT_EQ(serialize_npy(array), bytes_of(path)) << numpy_cases[i].python_shape;
    EXPECT_EQ(read_npy(path), array) << numpy_cases[i].python_shape;
  }
}

TEST(Npy, NumpyLoadsWhatWeWrite) {
  if (std::system(POOLPROOF_PYTHON3 " -c 'import numpy' 2>/dev/null") != 0) {
    GTEST_SKIP() << POOLPROOF_PYTHON3 " has no numpy";
  }
  const scratch_dir dir;
  const auto path = dir.path() / "ours.npy";
  write_npy(path, npy_array{npy_element::f4, {2, 2}, {0x3f800000, 0xbf800000, 0x7f800000, 0}});
  const std::string check = POOLPROOF_PYTHON3 " -c \"import numpy as np; a = np.load('" +
                            path.string() +
                            "'); assert a.dtype == np.float32 and a.shape == (2, 2); "
                            "assert a.tolist() == [[1.0, -1.0], [float('inf'), 0.0]]\"";
  EXPECT_EQ(std::system(check.c_str()), 0);
}

TEST(Npy, AcceptsVersions2And3AndPythonSyntaxFreedoms) {
  const std::string payload(8, '\0');
  for (int version : {1, 2, 3}) {
    const auto bytes =
        npy_file(version, "{\"shape\": (2,), 'fortran_order':False,'descr':'<f4',}", payload);
    EXPECT_EQ(parse_npy(bytes, "x.npy"), (npy_array{npy_element::f4, {2}, {0, 0}})) << version;
  }
  const auto tuple = npy_file(1, "{'descr': '<u2', 'fortran_order': False, 'shape': ( 1 , 2 , )}",
                              std::string(4, '\x01'));
  EXPECT_EQ(parse_npy(tuple, "x.npy").words, (std::vector<std::uint64_t>{0x101, 0x101}));
}

TEST(Npy, LimitsAreCheckedBeforeThePayload) {
  const auto bytes = serialize_npy(arange(npy_element::f8, {4, 4}));
  EXPECT_EQ(parse_npy(bytes, "x.npy", {.max_header_bytes = 118, .max_elements = 16}).words.size(),
            16u);
  expect_input_error([&] { (void)parse_npy(bytes, "x.npy", {.max_header_bytes = 117}); },
                     "cannot read npy 'x.npy': header of 118 bytes is past the limit of 117");
  expect_input_error([&] { (void)parse_npy(bytes, "x.npy", {.max_elements = 15}); },
                     "cannot read npy 'x.npy': shape overflow: more than 15 elements");
}

TEST(Npy, RequireLayoutNamesTheDifference) {
  const npy_array array = arange(npy_element::f8, {2, 3});
  const std::vector<std::int64_t> shape{2, 3};
  require_npy_layout(array, npy_element::f8, shape, "c.npy");
  expect_input_error([&] { require_npy_layout(array, npy_element::f4, shape, "c.npy"); },
                     "cannot read npy 'c.npy': dtype '<f8', expected '<f4'");
  const std::vector<std::int64_t> other{3};
  expect_input_error([&] { require_npy_layout(array, npy_element::f8, other, "c.npy"); },
                     "cannot read npy 'c.npy': shape (2, 3), expected (3,)");
}

TEST(Npy, ReadRefusesNonRegularAndOversizedFiles) {
  const scratch_dir dir;
  const auto fifo = dir.path() / "fifo.npy";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_input_error([&] { (void)read_npy(fifo); }, "not a regular file");
  expect_input_error([&] { (void)read_npy(dir.path()); }, "not a regular file");
  expect_input_error([&] { (void)read_npy(dir.path() / "missing.npy"); }, "cannot read npy");
  const auto big = dir.path() / "big.npy";
  write_npy(big, arange(npy_element::f8, {100}));
  expect_input_error([&] { (void)read_npy(big, {.max_header_bytes = 100, .max_elements = 10}); },
                     "size 928 bytes is past the limit of 192");
}

// Told of its progress, a read goes piece by piece, each report counting the bytes in place so
// far, up to the file's size; the bytes are the file's either way.
TEST(Npy, ReadIntoReportsItsProgressPieceByPiece) {
  const scratch_dir dir;
  const auto path = dir.path() / "data.bin";
  const std::size_t size = 2 * read_piece_bytes + 12345;
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + i % 23);
  io_test::write_bytes(path, text);
  std::vector<std::byte> storage;
  std::vector<std::size_t> reports;
  std::size_t first_mismatch = size;
  const read_progress progress = [&](std::size_t bytes_read) {
    reports.push_back(bytes_read);
    // What a report counts is already in place.
    for (std::size_t i = bytes_read > 100 ? bytes_read - 100 : 0; i < bytes_read; ++i)
      if (storage[i] != static_cast<std::byte>(text[i]))
        first_mismatch = std::min(first_mismatch, i);
  };
  const std::span<std::byte> bytes =
      read_file_into(path, size, "data", byte_storage(storage), progress);
  EXPECT_EQ(reports, (std::vector<std::size_t>{read_piece_bytes, 2 * read_piece_bytes, size}));
  EXPECT_EQ(first_mismatch, size);
  ASSERT_EQ(bytes.size(), size);
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), text.begin(),
                         [](std::byte b, char c) { return b == static_cast<std::byte>(c); }));
  std::vector<std::byte> once;
  EXPECT_EQ(read_file_into(path, size, "data", byte_storage(once)).size(), size);
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), once.begin()));
}

// A file read at offsets gives its bytes from any offset, in pieces of any size, from several
// threads at once.
TEST(Npy, ReadAtOffsetsGivesTheBytesThere) {
  const scratch_dir dir;
  const auto path = dir.path() / "data.bin";
  const std::size_t size = 100003;
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + i * 7 % 23);
  io_test::write_bytes(path, text);
  const file_at_offsets file(path, size, "data");
  EXPECT_EQ(file.size(), size);
  for (const std::size_t piece : {std::size_t{1}, std::size_t{1000}, std::size_t{65536}, size}) {
    std::string got(size, '\0');
    std::vector<std::thread> readers;
    for (std::size_t t = 0; t < 3; ++t) {
      readers.emplace_back([&, t] {
        for (std::size_t at = t * piece; at < size; at += 3 * piece) {
          const std::size_t length = std::min(piece, size - at);
          file.read_at(at, std::as_writable_bytes(std::span(got).subspan(at, length)));
        }
      });
    }
    for (std::thread& reader : readers) reader.join();
    EXPECT_EQ(got, text) << piece;
  }
  file.require_no_more();
  std::vector<std::byte> none;
  file.read_at(size, none);  // nothing asked, nothing read
}

// A file that grows or shrinks after it was opened is refused, as read_file_into refuses it; so
// are the files read_file_into refuses before reading.
TEST(Npy, ReadAtOffsetsRefusesAFileThatChanges) {
  const scratch_dir dir;
  const auto path = dir.path() / "data.bin";
  const std::string text(50000, 'x');
  const std::string changed =
      "cannot read data '" + path.string() + "': file changed while being read";
  std::vector<std::byte> buffer(10000);
  io_test::write_bytes(path, text);
  {
    const file_at_offsets file(path, 60000, "data");
    file.read_at(40000, buffer);
    std::ofstream(path, std::ios::binary | std::ios::app) << "more";
    file.read_at(40000, buffer);  // the bytes asked for are there
    expect_input_error([&] { file.require_no_more(); }, changed);
  }
  io_test::write_bytes(path, text);
  {
    const file_at_offsets file(path, 60000, "data");
    file.require_no_more();
    std::filesystem::resize_file(path, 45000);
    expect_input_error([&] { file.read_at(40000, buffer); }, changed);
    expect_input_error([&] { file.read_at(45000, std::span(buffer).first(1)); }, changed);
  }
  io_test::write_bytes(path, text);
  expect_input_error([&] { (void)file_at_offsets(path, 49999, "data"); },
                     "size 50000 bytes is past the limit of 49999");
  expect_input_error([&] { (void)file_at_offsets(dir.path(), 100, "data"); }, "not a regular file");
  expect_input_error([&] { (void)file_at_offsets(dir.path() / "missing", 100, "data"); },
                     "cannot read data");
}

// A header parsed from a file's first bytes and its size: what parse_npy_header finds in the
// whole file, with its errors, word for word.
TEST(Npy, PrefixParsesAsTheWholeFile) {
  const std::vector<std::byte> bytes = serialize_npy(arange(npy_element::f4, {3, 5}));
  const npy_payload whole = parse_npy_header(bytes, "x.npy");
  const auto offset = static_cast<std::size_t>(whole.payload.data() - bytes.data());
  for (const std::size_t prefix : {offset, offset + 7, bytes.size()}) {
    const npy_prefix parsed =
        parse_npy_prefix(std::span(bytes).first(prefix), bytes.size(), "x.npy");
    EXPECT_EQ(parsed.payload_offset, offset);
    EXPECT_EQ(parsed.layout.element, npy_element::f4);
    EXPECT_EQ(parsed.layout.shape, (std::vector<std::int64_t>{3, 5}));
  }
  const auto message = [](const auto& parse) {
    try {
      parse();
    } catch (const common::input_error& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  for (const std::size_t size : {bytes.size() - 1, bytes.size() + 3}) {
    std::vector<std::byte> resized = bytes;
    resized.resize(size);
    const std::string expected = message([&] { (void)parse_npy_header(resized, "x.npy"); });
    EXPECT_NE(expected, "");
    EXPECT_EQ(
        message([&] { (void)parse_npy_prefix(std::span(bytes).first(offset), size, "x.npy"); }),
        expected);
  }
  const std::string short_header = message(
      [&] { (void)parse_npy_prefix(std::span(bytes).first(offset - 1), bytes.size(), "x.npy"); });
  EXPECT_EQ(short_header, "cannot read npy 'x.npy': truncated header");
}

}  // namespace
}  // namespace poolproof::golden

// The avg check's streamed read (golden/streamed_sums.h) against all_window_sums of the input read
// whole: the same sums, field for field, at user shapes whose planes fill its buffers in every
// way, with no input kept by the loader; and nothing where the whole read must decide (no xxh128,
// a wrong one, a header of another shape, an inexact window, a plane past the limit).
#include "golden/streamed_sums.h"

#include <gtest/gtest.h>
#include <poolproof/golden/check.h>
#include <poolproof/golden/manifest.h>
#include <poolproof/golden/npy.h>
#include <poolproof/golden/user_cases.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "golden/avg_check.h"
#include "golden/check_parts.h"
#include "io_test_util.h"

namespace poolproof::golden {
namespace {

using detail::window_sums;

bool is_16_bit(const golden_case& entry) { return reference::layout_of(entry.dtype).width() == 16; }

// streamed_window_sums of the case, of its element type.
std::optional<std::vector<window_sums>> streamed(const std::filesystem::path& suite,
                                                 const golden_case& entry) {
  return is_16_bit(entry)
             ? detail::streamed_window_sums<std::uint16_t>(suite, entry,
                                                           detail::case_problem(entry))
             : detail::streamed_window_sums<float>(suite, entry, detail::case_problem(entry));
}

// all_window_sums of the case's input, read whole.
std::vector<window_sums> whole_read_sums(const std::filesystem::path& suite,
                                         const golden_case& entry) {
  const npy_array input = read_npy(suite / entry.files.at("input").path);
  if (is_16_bit(entry)) {
    std::vector<std::uint16_t> values(input.words.size());
    std::ranges::transform(input.words, values.begin(),
                           [](std::uint64_t w) { return static_cast<std::uint16_t>(w); });
    return detail::all_window_sums<std::uint16_t>(detail::case_problem(entry), values);
  }
  std::vector<float> values(input.words.size());
  std::ranges::transform(input.words, values.begin(), [](std::uint64_t w) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(w));
  });
  return detail::all_window_sums<float>(detail::case_problem(entry), values);
}

void expect_same_sums(const std::vector<window_sums>& a, const std::vector<window_sums>& b,
                      const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a[k].sum), std::bit_cast<std::uint64_t>(b[k].sum))
        << what << " window " << k;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a[k].sum_abs),
              std::bit_cast<std::uint64_t>(b[k].sum_abs))
        << what << " window " << k;
    EXPECT_EQ(a[k].least, b[k].least) << what << " window " << k;
    EXPECT_EQ(a[k].top, b[k].top) << what << " window " << k;
    EXPECT_EQ(a[k].count, b[k].count) << what << " window " << k;
  }
}

bool keeps_input(const detail::avg_case& loaded) {
  return !loaded.input_16.values().empty() || !loaded.input_32.values().empty();
}

TEST(StreamedSums, AreTheWholeReadsSumsAndNoInputIsKept) {
  const io_test::scratch_dir dir;
  std::vector<case_spec> specs;
  for (const char* text :
       {// one piece of six planes; a 3-D case
        "adaptive_avg_pool:float16:2x3x100x100:7x7", "adaptive_avg_pool:bfloat16:2x20x20x20:3x3x3",
        // 40 planes of 40 kB, six a piece: seven pieces shared by the readers, the last short
        "adaptive_avg_pool:float32:2x20x100x100:5x6",
        // planes past a buffer's 256 KiB: one a piece
        "adaptive_avg_pool:float32:1x2x300x300:4x4",
        // 1-D planes
        "adaptive_avg_pool:float16:3x5000:7"})
    specs.push_back(parse_case_spec(text));
  const std::filesystem::path suite = dir.path() / "suite";
  (void)write_suite(suite, 13, specs, [](const case_spec& s) { return build_user_case(s, 13); });
  for (const golden_case& entry : load_manifest(suite).cases) {
    const std::optional<std::vector<window_sums>> sums = streamed(suite, entry);
    ASSERT_TRUE(sums.has_value()) << entry.name;
    expect_same_sums(*sums, whole_read_sums(suite, entry), entry.name);
    EXPECT_FALSE(keeps_input(detail::load_avg_case(suite, entry))) << entry.name;
  }
}

TEST(StreamedSums, OnTheCommittedSuiteOnlyWhereEveryWindowIsExact) {
  int streamed_cases = 0;
  int whole_read_cases = 0;
  for (const golden_case& entry : load_manifest(POOLPROOF_GOLDEN_SUITE).cases) {
    if (!detail::fast_avg_checkable(entry, {})) continue;
    const std::vector<window_sums> whole = whole_read_sums(POOLPROOF_GOLDEN_SUITE, entry);
    const bool all_exact =
        std::ranges::all_of(whole, [](const window_sums& w) { return w.exact(); });
    const std::optional<std::vector<window_sums>> sums = streamed(POOLPROOF_GOLDEN_SUITE, entry);
    EXPECT_EQ(sums.has_value(), all_exact) << entry.name;
    if (sums) expect_same_sums(*sums, whole, entry.name);
    EXPECT_EQ(keeps_input(detail::load_avg_case(POOLPROOF_GOLDEN_SUITE, entry)), !all_exact)
        << entry.name;
    ++(all_exact ? streamed_cases : whole_read_cases);
  }
  EXPECT_GE(streamed_cases, 10);
  EXPECT_GE(whole_read_cases, 3);
}

// The message load_avg_case throws, or "" when it throws none.
std::string load_error(const std::filesystem::path& suite, const golden_case& entry) {
  try {
    (void)detail::load_avg_case(suite, entry);
  } catch (const common::input_error& error) {
    return error.what();
  }
  return "";
}

// A suite of the one user-shape case `text` at `suite`: its manifest entry.
golden_case one_case_suite(const std::filesystem::path& suite, const std::string& text) {
  (void)write_suite(suite, 3, {parse_case_spec(text)},
                    [](const case_spec& s) { return build_user_case(s, 3); });
  return load_manifest(suite).cases.front();
}

// `entry` with its input file replaced by `bytes`, and its sums to match.
golden_case with_input(const std::filesystem::path& suite, const golden_case& entry,
                       const std::vector<std::byte>& bytes) {
  golden_case changed = entry;
  golden_file& input = changed.files.at("input");
  std::ofstream(suite / input.path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  input = file_of(input.path, bytes);
  return changed;
}

// The readers share the pieces out however many threads join: one, four, or several reads at
// once from inside a TBB loop (whose threads then read for each other's cases).
TEST(StreamedSums, AreTheSameOnAnyNumberOfThreadsAndNested) {
  const io_test::scratch_dir dir;
  const std::filesystem::path suite = dir.path() / "suite";
  // 40 planes of 40 kB: seven pieces.
  const golden_case entry = one_case_suite(suite, "adaptive_avg_pool:float32:2x20x100x100:5x6");
  const std::vector<window_sums> whole = whole_read_sums(suite, entry);
  for (const int threads : {1, 4}) {
    tbb::task_arena arena(threads);
    const std::optional<std::vector<window_sums>> sums =
        arena.execute([&] { return streamed(suite, entry); });
    ASSERT_TRUE(sums.has_value()) << threads;
    expect_same_sums(*sums, whole, std::to_string(threads) + " threads");
  }
  std::vector<std::optional<std::vector<window_sums>>> nested(6);
  tbb::parallel_for(std::size_t{0}, nested.size(),
                    [&](std::size_t k) { nested[k] = streamed(suite, entry); });
  for (const auto& sums : nested) {
    ASSERT_TRUE(sums.has_value());
    expect_same_sums(*sums, whole, "nested");
  }
}

// An inexact window in a middle piece stops every reader (some waiting for their turn to hash),
// on one thread or four.
TEST(StreamedSums, AnInexactWindowInTheMiddleStopsEveryReader) {
  const io_test::scratch_dir dir;
  const std::filesystem::path suite = dir.path() / "suite";
  const golden_case entry = one_case_suite(suite, "adaptive_avg_pool:float32:2x20x100x100:5x6");
  std::vector<std::byte> bytes = io_test::bytes_of(suite / entry.files.at("input").path);
  // Plane 20's first two values: 2^100 and 2^-100, in one window.
  const std::size_t plane_20 = bytes.size() - std::size_t{20} * 100 * 100 * sizeof(float);
  for (const auto& [at, value] :
       {std::pair{plane_20, 0x1p100F}, std::pair{plane_20 + 4, 0x1p-100F}}) {
    const auto pattern = std::bit_cast<std::array<std::byte, 4>>(value);
    std::ranges::copy(pattern, bytes.begin() + static_cast<std::ptrdiff_t>(at));
  }
  const golden_case inexact = with_input(suite, entry, bytes);
  for (const int threads : {1, 4}) {
    tbb::task_arena arena(threads);
    EXPECT_FALSE(arena.execute([&] { return streamed(suite, inexact); }).has_value()) << threads;
  }
}

TEST(StreamedSums, GiveWayToTheWholeReadWhereItMustDecide) {
  const io_test::scratch_dir dir;
  const std::filesystem::path suite = dir.path() / "suite";
  const golden_case entry = one_case_suite(suite, "adaptive_avg_pool:float16:2x3x30x30:7x7");
  ASSERT_TRUE(streamed(suite, entry).has_value());
  // A version 1 entry (sha256 only): the whole read checks it, and keeps the input.
  golden_case sha256_only = entry;
  sha256_only.files.at("input").xxh128.clear();
  EXPECT_FALSE(streamed(suite, sha256_only).has_value());
  EXPECT_TRUE(keeps_input(detail::load_avg_case(suite, sha256_only)));
  // A wrong xxh128: the whole read reports the mismatch.
  golden_case wrong_sum = entry;
  std::string& sum = wrong_sum.files.at("input").xxh128;
  sum[0] = sum[0] == '0' ? '1' : '0';
  EXPECT_FALSE(streamed(suite, wrong_sum).has_value());
  EXPECT_NE(load_error(suite, wrong_sum).find("xxh128 mismatch"), std::string::npos);
  // A header of another shape with as many elements (and a sum to match): the whole read names
  // the shapes.
  const std::filesystem::path input = suite / entry.files.at("input").path;
  std::vector<std::byte> bytes = io_test::bytes_of(input);
  const std::string header(reinterpret_cast<const char*>(bytes.data()), 128);
  const std::size_t shape_at = header.find("(2, 3, 30, 30)");
  ASSERT_NE(shape_at, std::string::npos);
  const std::string other = "(3, 2, 30, 30)";
  std::ranges::transform(other, bytes.begin() + static_cast<std::ptrdiff_t>(shape_at),
                         [](char c) { return static_cast<std::byte>(c); });
  const golden_case other_shape = with_input(suite, entry, bytes);
  EXPECT_FALSE(streamed(suite, other_shape).has_value());
  EXPECT_NE(load_error(suite, other_shape).find("holds <f2 [3, 2, 30, 30], the case needs"),
            std::string::npos)
      << load_error(suite, other_shape);
}

// A payload short of the shape, or with bytes past it (the manifest's sums updated): the whole
// read names what is wrong.
TEST(StreamedSums, GiveWayToTheWholeReadOnAPayloadOfTheWrongSize) {
  const io_test::scratch_dir dir;
  const std::filesystem::path suite = dir.path() / "suite";
  const golden_case entry = one_case_suite(suite, "adaptive_avg_pool:float32:2x3x30x30:7x7");
  const std::vector<std::byte> bytes = io_test::bytes_of(suite / entry.files.at("input").path);
  for (const auto& [size, message] :
       {std::pair<std::size_t, std::string>{bytes.size() - 4, "truncated payload"},
        std::pair<std::size_t, std::string>{bytes.size() + 2, "2 extra bytes after the payload"}}) {
    std::vector<std::byte> changed = bytes;
    changed.resize(size, std::byte{0x3f});
    const golden_case changed_entry = with_input(suite, entry, changed);
    EXPECT_FALSE(streamed(suite, changed_entry).has_value()) << message;
    EXPECT_NE(load_error(suite, changed_entry).find(message), std::string::npos)
        << load_error(suite, changed_entry);
  }
}

// A suite of one 1-D float32 case of `length` zeros (its input only: nothing more is read when
// the streamed read gives way).
golden_case zeros_case(const std::filesystem::path& suite, std::int64_t length) {
  golden_case entry;
  entry.name = "zeros";
  entry.op = golden_op::adaptive_avg_pool;
  entry.dtype = reference::float_format::binary32;
  entry.spatial_dims = 1;
  entry.input_shape = {1, length};
  entry.output_size = {3};
  std::filesystem::create_directories(suite);
  const npy_array zeros{npy_element::f4, entry.input_shape,
                        std::vector<std::uint64_t>(static_cast<std::size_t>(length))};
  write_npy(suite / "input.npy", zeros);
  entry.files["input"] = file_of("input.npy", serialize_npy(zeros));
  return entry;
}

TEST(StreamedSums, GiveWayToTheWholeReadPastTheirPlaneLimit) {
  // 1-D binary32 planes of 2^20 values (max_streamed_plane_bytes) and of one more.
  ASSERT_EQ(detail::max_streamed_plane_bytes, std::size_t{4} << 20);
  const io_test::scratch_dir dir;
  const golden_case at_limit = zeros_case(dir.path() / "at", std::int64_t{1} << 20);
  const std::optional<std::vector<window_sums>> sums = streamed(dir.path() / "at", at_limit);
  ASSERT_TRUE(sums.has_value());
  EXPECT_EQ(sums->size(), 3U);
  EXPECT_EQ(sums->front().count, 349526);
  const golden_case past_limit = zeros_case(dir.path() / "past", (std::int64_t{1} << 20) + 1);
  EXPECT_FALSE(streamed(dir.path() / "past", past_limit).has_value());
}

}  // namespace
}  // namespace poolproof::golden

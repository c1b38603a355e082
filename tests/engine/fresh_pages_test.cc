// prefault_for_writing: the whole pages inside a large span become present, contents and the
// pages around it stay as they were, small and unwritable spans are left alone; prefaulted
// vectors are ordinary vectors of zeros; and the backward passes write the same bits into fresh
// mmap memory as into memory already present.
#include <gtest/gtest.h>
#include <poolproof/common/fresh_pages.h>
#include <poolproof/engine/adaptive_pool.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace poolproof::engine {
namespace {

using sizes = std::vector<std::int64_t>;
using reference::float_format;

const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));

// A fresh private anonymous mapping (no page present until touched), unmapped on destruction.
class fresh_mapping {
 public:
  explicit fresh_mapping(std::size_t bytes, int protection = PROT_READ | PROT_WRITE)
      : bytes_(bytes),
        data_(static_cast<std::byte*>(
            mmap(nullptr, bytes, protection, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))) {
    if (data_ == MAP_FAILED) throw std::runtime_error("mmap failed");
    // 4 KiB pages even where transparent huge pages are always on (a huge page would make the
    // pages around the span present too).
    madvise(data_, bytes_, MADV_NOHUGEPAGE);
  }
  fresh_mapping(const fresh_mapping&) = delete;
  fresh_mapping& operator=(const fresh_mapping&) = delete;
  ~fresh_mapping() { munmap(data_, bytes_); }
  [[nodiscard]] std::span<std::byte> bytes() const { return {data_, bytes_}; }

  // Which of the mapping's pages are present.
  [[nodiscard]] std::vector<bool> present() const {
    std::vector<unsigned char> resident(bytes_ / page);
    if (mincore(data_, bytes_, resident.data()) != 0) throw std::runtime_error("mincore failed");
    std::vector<bool> flags(resident.size());
    for (std::size_t i = 0; i < resident.size(); ++i) flags[i] = (resident[i] & 1U) != 0;
    return flags;
  }

 private:
  std::size_t bytes_;
  std::byte* data_;
};

TEST(FreshPages, WholePagesInsideTheSpanBecomePresentAndStayZero) {
  const std::size_t pages = 2048 + 3;  // 8 MiB and a few pages: more than one 4 MiB chunk
  const fresh_mapping mapping(pages * page);
  // The span starts 100 bytes into the first page and ends 100 bytes before the last ends.
  common::prefault_for_writing(mapping.bytes().subspan(100, pages * page - 200));
  const std::vector<bool> present = mapping.present();
  EXPECT_FALSE(present.front()) << "a page only partly inside the span was touched";
  EXPECT_FALSE(present.back()) << "a page only partly inside the span was touched";
  EXPECT_EQ(std::count(present.begin(), present.end(), true), static_cast<long>(pages - 2));
  const std::span<std::byte> bytes = mapping.bytes();
  EXPECT_TRUE(
      std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; }));
}

TEST(FreshPages, PresentContentsStayAsTheyWere) {
  // Pages 1 to 2047 written, page 0 not: the first chunk is populated over present pages.
  const std::size_t pages = 2048;
  const fresh_mapping mapping(pages * page);
  const std::span<std::byte> bytes = mapping.bytes();
  std::mt19937_64 engine(7);
  for (std::size_t i = page; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>(engine());
  // (Not read from page 0: a read would map the zero page, which counts as present.)
  const std::vector<std::byte> before(bytes.begin() + static_cast<std::ptrdiff_t>(page),
                                      bytes.end());
  common::prefault_for_writing(bytes);
  EXPECT_TRUE(std::ranges::equal(bytes.subspan(page), before));
  const std::vector<bool> present = mapping.present();
  EXPECT_EQ(std::count(present.begin(), present.end(), true), static_cast<long>(pages));
}

TEST(FreshPages, SmallAndUnwritableSpansAreLeftAlone) {
  const fresh_mapping small(1024 * page);  // 4 MiB of 4 KiB pages, one byte short below
  common::prefault_for_writing(small.bytes().first(small.bytes().size() - 1));
  const std::vector<bool> small_present = small.present();
  EXPECT_EQ(std::count(small_present.begin(), small_present.end(), true), 0);
  const fresh_mapping read_only(2048 * page, PROT_READ);  // populate fails; ignored
  common::prefault_for_writing(read_only.bytes());
  const std::vector<bool> read_only_present = read_only.present();
  EXPECT_EQ(std::count(read_only_present.begin(), read_only_present.end(), true), 0);
}

TEST(FreshPages, PrefaultedVectorsHoldTheirCountOfZeros) {
  // 6 MB (past the size prefault_for_writing populates), under it, and none. Whether the pages
  // were populated cannot be seen afterwards (zeroing them makes them present either way).
  for (const std::size_t count : {std::size_t{3'000'001}, std::size_t{1000}, std::size_t{0}}) {
    const std::vector<std::uint16_t> values = common::prefaulted_vector<std::uint16_t>(count);
    EXPECT_EQ(values.size(), count);
    EXPECT_TRUE(std::all_of(values.begin(), values.end(), [](std::uint16_t v) { return v == 0; }));
  }
}

// Random values of T (binary32 or binary64), every pattern finite.
template <typename T>
std::vector<T> random_values(std::size_t count, std::mt19937& engine) {
  std::normal_distribution<T> normal;
  std::vector<T> values(count);
  for (T& v : values) v = normal(engine);
  return values;
}

// Both backward passes over 2^20 inputs (8 MiB of doubles, 4 MiB of floats) into a fresh
// mapping, offset so the span is not page aligned, and into a vector: the same bits.
template <typename T>
void check_backward_into_fresh_memory(float_format format) {
  using bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  const sizes shape{256, 64, 64}, out{7, 5};
  const std::size_t in_count = std::size_t{256} * 64 * 64, out_count = std::size_t{256} * 7 * 5;
  std::mt19937 engine(11);
  const std::vector<T> input = random_values<T>(in_count, engine);
  const std::vector<T> grads = random_values<T>(out_count, engine);
  std::vector<T> values(out_count);
  std::vector<std::int64_t> indices(out_count);
  adaptive_max_pool<T>(format, shape, input, out, values, indices);
  for (const unsigned threads : {1u, 2u}) {
    for (const bool max : {false, true}) {
      std::vector<T> want(in_count);
      const fresh_mapping mapping(in_count * sizeof(T) + page);
      const std::span<T> fresh{reinterpret_cast<T*>(mapping.bytes().data() + 3 * sizeof(T)),
                               in_count};
      for (const std::span<T> grad_input : {std::span<T>(want), fresh}) {
        if (max) {
          adaptive_max_pool_backward<T>(format, shape, out, grads, indices, grad_input, threads);
        } else {
          adaptive_avg_pool_backward<T>(format, shape, out, grads, grad_input, threads);
        }
      }
      EXPECT_TRUE(std::ranges::equal(
          want, fresh, [](T a, T b) { return std::bit_cast<bits>(a) == std::bit_cast<bits>(b); }))
          << reference::format_name(format) << (max ? " max" : " avg") << " threads " << threads;
    }
  }
}

TEST(FreshPages, BackwardPassesWriteTheSameBitsIntoFreshMemory) {
  check_backward_into_fresh_memory<float>(float_format::binary32);
  check_backward_into_fresh_memory<double>(float_format::binary64);
}

}  // namespace
}  // namespace poolproof::engine

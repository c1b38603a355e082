// prefault_for_writing: the whole pages inside a large span become present, contents and the
// pages around it stay as they were, small and unwritable spans are left alone; prefaulted
// vectors are ordinary vectors of zeros; page buffers are zeroed, aligned, and move.
#include <gtest/gtest.h>
#include <poolproof/common/fresh_pages.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "tests/common/fresh_mapping.h"

namespace poolproof::common {
namespace {

using testing::fresh_mapping;
using testing::page;

TEST(FreshPages, WholePagesInsideTheSpanBecomePresentAndStayZero) {
  const std::size_t pages = 2048 + 3;  // 8 MiB and a few pages: more than one 4 MiB chunk
  const fresh_mapping mapping(pages * page);
  // The span starts 100 bytes into the first page and ends 100 bytes before the last ends.
  prefault_for_writing(mapping.bytes().subspan(100, pages * page - 200));
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
  prefault_for_writing(bytes);
  EXPECT_TRUE(std::ranges::equal(bytes.subspan(page), before));
  const std::vector<bool> present = mapping.present();
  EXPECT_EQ(std::count(present.begin(), present.end(), true), static_cast<long>(pages));
}

TEST(FreshPages, SmallAndUnwritableSpansAreLeftAlone) {
  const fresh_mapping small(1024 * page);  // 4 MiB of 4 KiB pages, one byte short below
  prefault_for_writing(small.bytes().first(small.bytes().size() - 1));
  const std::vector<bool> small_present = small.present();
  EXPECT_EQ(std::count(small_present.begin(), small_present.end(), true), 0);
  const fresh_mapping read_only(2048 * page, PROT_READ);  // populate fails; ignored
  prefault_for_writing(read_only.bytes());
  const std::vector<bool> read_only_present = read_only.present();
  EXPECT_EQ(std::count(read_only_present.begin(), read_only_present.end(), true), 0);
}

TEST(FreshPages, PrefaultedVectorsHoldTheirCountOfZeros) {
  // 6 MB (past the size prefault_for_writing populates), under it, and none. Whether the pages
  // were populated cannot be seen afterwards (zeroing them makes them present either way).
  for (const std::size_t count : {std::size_t{3'000'001}, std::size_t{1000}, std::size_t{0}}) {
    const std::vector<std::uint16_t> values = prefaulted_vector<std::uint16_t>(count);
    EXPECT_EQ(values.size(), count);
    EXPECT_TRUE(std::all_of(values.begin(), values.end(), [](std::uint16_t v) { return v == 0; }));
  }
}

// 5 MB (a mapping of its own, starting on a 2 MiB boundary), one byte past the 2 MiB threshold,
// under it (a heap block), and none.
TEST(FreshPages, PageBuffersAreZeroedAlignedAndWritable) {
  constexpr std::size_t huge_page = std::size_t{2} << 20;
  for (const std::size_t size :
       {std::size_t{5'000'001}, huge_page + 1, std::size_t{4096}, std::size_t{1}, std::size_t{0}}) {
    page_buffer buffer(size);
    const std::span<std::byte> bytes = buffer.bytes();
    ASSERT_EQ(bytes.size(), size);
    EXPECT_TRUE(
        std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; }));
    if (size >= huge_page) {
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(bytes.data()) % huge_page, 0u);
    }
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(std::max_align_t), 0u);
    std::fill(bytes.begin(), bytes.end(), std::byte{0x5A});
    // Moved, the bytes stay where they are and the source is left empty.
    std::byte* const data = bytes.data();
    page_buffer moved(std::move(buffer));
    EXPECT_EQ(moved.bytes().data(), size == 0 ? moved.bytes().data() : data);
    EXPECT_EQ(moved.bytes().size(), size);
    EXPECT_TRUE(buffer.bytes().empty());  // NOLINT(bugprone-use-after-move): its state is specified
    page_buffer assigned(std::size_t{3});
    assigned = std::move(moved);
    EXPECT_EQ(assigned.bytes().size(), size);
    EXPECT_TRUE(std::all_of(assigned.bytes().begin(), assigned.bytes().end(),
                            [](std::byte b) { return b == std::byte{0x5A}; }));
  }
  EXPECT_TRUE(page_buffer().bytes().empty());
}

}  // namespace
}  // namespace poolproof::common

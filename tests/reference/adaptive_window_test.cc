#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>

#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "tests/reference/printers.h"

namespace poolproof::reference {
namespace {

using boost::multiprecision::cpp_int;

constexpr std::int64_t two62 = std::int64_t{1} << 62;

// An independent model of the rule: floor(i*n/m) and ceil((i+1)*n/m) in unbounded integers.
window expected_window(std::int64_t n, std::int64_t m, std::int64_t i) {
  const cpp_int begin = cpp_int(i) * n / m;
  const cpp_int end = (cpp_int(i + 1) * n + (m - 1)) / m;
  return {begin.convert_to<std::int64_t>(), end.convert_to<std::int64_t>()};
}

std::vector<window> windows_of(const std::vector<std::pair<std::int64_t, std::int64_t>>& bounds) {
  std::vector<window> result;
  result.reserve(bounds.size());
  for (auto [begin, end] : bounds) result.push_back({begin, end});
  return result;
}

TEST(AdaptiveWindow, FiveToThreeOverlaps) {
  EXPECT_EQ(adaptive_windows(5, 3), windows_of({{0, 2}, {1, 4}, {3, 5}}));
}

TEST(AdaptiveWindow, SixToThreeTiles) {
  EXPECT_EQ(adaptive_windows(6, 3), windows_of({{0, 2}, {2, 4}, {4, 6}}));
}

TEST(AdaptiveWindow, SingleInputFeedsEveryOutput) {
  for (std::int64_t m : {1, 2, 5, 17}) {
    const std::vector<window> windows = adaptive_windows(1, m);
    ASSERT_EQ(windows.size(), static_cast<std::size_t>(m));
    for (const window& w : windows) EXPECT_EQ(w, (window{0, 1})) << "m=" << m;
  }
}

TEST(AdaptiveWindow, SingleOutputCoversInput) {
  for (std::int64_t n : {1, 2, 7, 1000}) {
    EXPECT_EQ(adaptive_windows(n, 1), windows_of({{0, n}})) << "n=" << n;
  }
  EXPECT_EQ(adaptive_window(two62, 1, 0), (window{0, two62}));
}

TEST(AdaptiveWindow, MoreOutputsThanInputs) {
  // 2 -> 3: [0, ceil(2/3)), [floor(2/3), ceil(4/3)), [floor(4/3), ceil(6/3)).
  EXPECT_EQ(adaptive_windows(2, 3), windows_of({{0, 1}, {0, 2}, {1, 2}}));
  // 3 -> 7: begin floor(3i/7) = 0,0,0,1,1,2,2; end ceil(3(i+1)/7) = 1,1,2,2,3,3,3.
  EXPECT_EQ(adaptive_windows(3, 7),
            windows_of({{0, 1}, {0, 1}, {0, 2}, {1, 2}, {1, 3}, {2, 3}, {2, 3}}));
}

TEST(AdaptiveWindow, EqualSizesAreIdentity) {
  for (std::int64_t n : {1, 2, 9}) {
    const std::vector<window> windows = adaptive_windows(n, n);
    for (std::int64_t i = 0; i < n; ++i) {
      EXPECT_EQ(windows[static_cast<std::size_t>(i)], (window{i, i + 1}));
    }
  }
  for (std::int64_t i : {std::int64_t{0}, std::int64_t{1}, two62 / 3, two62 - 2, two62 - 1}) {
    EXPECT_EQ(adaptive_window(two62, two62, i), (window{i, i + 1})) << "i=" << i;
  }
}

TEST(AdaptiveWindow, HugeInputToThree) {
  // 2^62 = 3q + 1 with q = 1537228672809129301, so ceil(2^62/3) = q+1, ceil(2*2^62/3) = 2q+1.
  const std::int64_t q = 1537228672809129301;
  ASSERT_EQ(3 * q + 1, two62);
  EXPECT_EQ(adaptive_window(two62, 3, 0), (window{0, q + 1}));
  EXPECT_EQ(adaptive_window(two62, 3, 1), (window{q, 2 * q + 1}));
  EXPECT_EQ(adaptive_window(two62, 3, 2), (window{2 * q, two62}));
}

TEST(AdaptiveWindow, OneLessInputThanOutputsAtTheTop) {
  // n = m - 1: floor(i(m-1)/m) = i - 1 for 1 <= i <= m, ceil((i+1)(m-1)/m) = i + 1 for i + 1 < m.
  const std::int64_t n = two62 - 1, m = two62;
  EXPECT_EQ(adaptive_window(n, m, 0), (window{0, 1}));
  EXPECT_EQ(adaptive_window(n, m, 1), (window{0, 2}));
  EXPECT_EQ(adaptive_window(n, m, 12345), (window{12344, 12346}));
  EXPECT_EQ(adaptive_window(n, m, m - 2), (window{m - 3, m - 1}));
  EXPECT_EQ(adaptive_window(n, m, m - 1), (window{n - 1, n}));
  EXPECT_EQ(start_index(m, n, m), n);
}

TEST(AdaptiveWindow, LastWindowEndsAtInputSize) {
  for (auto [n, m] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {two62, two62 - 1}, {two62 - 1, 3}, {3, two62}, {two62, 7}, {977, two62 - 5}}) {
    EXPECT_EQ(end_index(m - 1, n, m), n) << n << "->" << m;
    EXPECT_EQ(start_index(0, n, m), 0) << n << "->" << m;
    EXPECT_EQ(start_index(m, n, m), n) << n << "->" << m;
  }
}

TEST(AdaptiveWindow, MatchesBigIntegerModelOnRandomTriples) {
  std::mt19937_64 random(20240611);
  const auto draw_size = [&random](int kind) -> std::int64_t {
    switch (kind) {
      case 0:
        return std::uniform_int_distribution<std::int64_t>(1, 64)(random);
      case 1:
        return std::uniform_int_distribution<std::int64_t>(1, two62)(random);
      case 2:
        return two62 - std::uniform_int_distribution<std::int64_t>(0, 1000)(random);
      default:
        return std::uniform_int_distribution<std::int64_t>(1, std::int64_t{1} << 32)(random);
    }
  };
  for (int trial = 0; trial < 4000; ++trial) {
    const std::int64_t n = draw_size(trial % 4);
    const std::int64_t m = draw_size((trial / 4) % 4);
    const std::int64_t i = trial % 3 == 0 ? m - 1
                           : trial % 3 == 1
                               ? std::uniform_int_distribution<std::int64_t>(0, m - 1)(random)
                               : std::min<std::int64_t>(m - 1, trial % 7);
    const window expected = expected_window(n, m, i);
    ASSERT_EQ(adaptive_window(n, m, i), expected) << "n=" << n << " m=" << m << " i=" << i;
    ASSERT_EQ(start_index(i, n, m), expected.begin);
    ASSERT_EQ(end_index(i, n, m), expected.end);
    ASSERT_GE(expected.length(), 1);
  }
}

TEST(AdaptiveWindow, RequireValidSizeBounds) {
  EXPECT_THROW(require_valid_size(0, "size"), common::input_error);
  EXPECT_THROW(require_valid_size(-1, "size"), common::input_error);
  EXPECT_THROW(require_valid_size(INT64_MIN, "size"), common::input_error);
  EXPECT_THROW(require_valid_size(two62 + 1, "size"), common::input_error);
  EXPECT_THROW(require_valid_size(INT64_MAX, "size"), common::input_error);
  EXPECT_NO_THROW(require_valid_size(1, "size"));
  EXPECT_NO_THROW(require_valid_size(two62, "size"));
  EXPECT_EQ(max_size, two62);
}

TEST(AdaptiveWindow, RequireValidSizeNamesTheSize) {
  try {
    require_valid_size(0, "output height");
    FAIL() << "no throw";
  } catch (const common::input_error& error) {
    EXPECT_NE(std::string(error.what()).find("output height"), std::string::npos) << error.what();
  }
}

TEST(AdaptiveWindow, Float32PitfallsAreExact) {
  // float32 index arithmetic gives end 131072 here (past the input) and start 249250 below.
  EXPECT_EQ(end_index(128, 131071, 129), 131071);
  EXPECT_EQ(adaptive_window(131071, 129, 128).end, 131071);
  // 249 * 1000003 = 249000747 = 999 * 249249 + 996.
  EXPECT_EQ(start_index(249, 1000003, 999), 249249);
}

TEST(AdaptiveWindow, WindowIndexOutOfRangeAborts) {
  EXPECT_DEATH((void)adaptive_window(5, 3, 3), "internal check failed");
  EXPECT_DEATH((void)adaptive_window(5, 3, -1), "internal check failed");
}

TEST(AdaptiveWindow, BoxIsProductOfAxisWindows) {
  const std::vector<std::int64_t> in{5, 6}, out{3, 3};
  // Axis 0: 5 -> 3, window 1 = [1,4); axis 1: 6 -> 3, window 2 = [4,6).
  EXPECT_EQ(adaptive_box(in, out, std::vector<std::int64_t>{1, 2}), (window_box{{1, 4}, {4, 6}}));
  EXPECT_EQ(adaptive_box(in, out, std::vector<std::int64_t>{2, 0}), (window_box{{3, 5}, {0, 2}}));
  const std::vector<std::int64_t> in3{3, 5, 2}, out3{7, 3, 1};
  EXPECT_EQ(adaptive_box(in3, out3, std::vector<std::int64_t>{4, 1, 0}),
            (window_box{{1, 3}, {1, 4}, {0, 2}}));
}

}  // namespace
}  // namespace poolproof::reference

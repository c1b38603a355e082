// all_window_sums: the vector lanes (AVX-512, or binary16's AVX2 ones on CPUs without it) agree
// with the portable loop on every window's count, least and top set bits and exactness, and on
// its sums wherever they are exact (the only sums the check reads), over 1-D to 3-D shapes, rows
// longer and shorter than the lanes, and inputs of every kind (zeros of both signs, subnormals,
// infinities, NaNs, wide and narrow exponent ranges).
#include "golden/window_sums.h"

#include <gtest/gtest.h>
#include <xmmintrin.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace poolproof::golden::detail {
namespace {

using reference::float_format;

struct shape_case {
  std::vector<std::int64_t> input_shape;
  std::vector<std::int64_t> output_size;
};

const std::vector<shape_case> shapes = {
    {{3, 37}, {5}},           {{1, 1000}, {3}},         {{2, 40}, {40}},
    {{2, 3, 17, 33}, {4, 7}}, {{1, 2, 16, 16}, {1, 1}}, {{1, 2, 5, 9, 40}, {2, 3, 6}},
};

// A pattern of `width` bits: one kind in four is any pattern (specials, subnormals and wide
// ranges), the others draw from a narrow band of exponents (windows that sum exactly), some of
// them zeros of either sign.
std::uint32_t draw_pattern(std::mt19937_64& random, int width, int fraction_bits) {
  const std::uint32_t any = static_cast<std::uint32_t>(random()) >> (32 - width);
  switch (random() % 4) {
    case 0:
      return any;
    case 1:
      return (random() % 2 == 0 ? 0u : 1u) << (width - 1);  // +0 or -0
    default: {
      const std::uint32_t sign = any & (1u << (width - 1));
      const std::uint32_t bias = (1u << (width - fraction_bits - 2)) - 1;
      const auto field = static_cast<std::uint32_t>(bias - 3 + random() % 6);
      const std::uint32_t fraction = any & ((1u << fraction_bits) - 1);
      return sign | (field << fraction_bits) | fraction;
    }
  }
}

template <typename T>
std::vector<T> draw_input(std::mt19937_64& random, float_format format, std::int64_t count) {
  std::vector<T> input(static_cast<std::size_t>(count));
  for (T& x : input) {
    if constexpr (sizeof(T) == 2) {
      x = static_cast<T>(draw_pattern(random, 16, format == float_format::binary16 ? 10 : 7));
    } else {
      x = std::bit_cast<float>(draw_pattern(random, 32, 23));
    }
  }
  return input;
}

// Compares two ways' sums window by window; counts the exact windows (whose sums are compared)
// and the others.
void compare_sums(const std::vector<window_sums>& best, const std::vector<window_sums>& portable,
                  float_format format, std::int64_t count, int& exact_windows, int& other_windows) {
  ASSERT_EQ(best.size(), portable.size());
  for (std::size_t k = 0; k < best.size(); ++k) {
    const std::string where = std::string(reference::format_name(format)) + " window " +
                              std::to_string(k) + " of shape " + std::to_string(count);
    EXPECT_EQ(best[k].count, portable[k].count) << where;
    EXPECT_EQ(best[k].least, portable[k].least) << where;
    EXPECT_EQ(best[k].top, portable[k].top) << where;
    ASSERT_EQ(best[k].exact(), portable[k].exact()) << where;
    if (!portable[k].exact()) {
      ++other_windows;
      continue;
    }
    ++exact_windows;
    EXPECT_EQ(best[k].sum, portable[k].sum) << where;
    EXPECT_EQ(best[k].sum_abs, portable[k].sum_abs) << where;
  }
}

// Compares the two ways on every shape; counts the exact windows (whose sums are compared) and
// the others.
template <typename T>
void compare_lanes(float_format format, std::uint64_t seed, int& exact_windows,
                   int& other_windows) {
  std::mt19937_64 random(seed);
  for (const shape_case& shape : shapes) {
    pooling_problem problem;
    problem.dtype = format;
    problem.spatial_dims = static_cast<int>(shape.output_size.size());
    problem.output_size = shape.output_size;
    problem.input.shape = shape.input_shape;
    std::int64_t count = 1;
    for (std::int64_t size : shape.input_shape) count *= size;
    const std::vector<T> input = draw_input<T>(random, format, count);
    const std::vector<window_sums> portable =
        all_window_sums(problem, std::span<const T>(input), window_lanes::portable);
    // The best lanes, and binary16's AVX2 ones (which an AVX-512 CPU's best would not reach).
    for (const window_lanes lanes : {window_lanes::best, window_lanes::avx2}) {
      const std::vector<window_sums> best =
          all_window_sums(problem, std::span<const T>(input), lanes);
      compare_sums(best, portable, format, count, exact_windows, other_windows);
    }
  }
}

TEST(WindowSums, LanesAgreeWithThePortableLoop) {
  if (!cpu_runs_window_lanes()) GTEST_SKIP() << "no vector lanes on this CPU: one way to compare";
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    // Both kinds of window occur: exact ones (whose sums are compared) and the others.
    for (const float_format format :
         {float_format::binary16, float_format::bfloat16, float_format::binary32}) {
      int exact = 0, other = 0;
      if (format == float_format::binary32) {
        compare_lanes<float>(format, seed, exact, other);
      } else {
        compare_lanes<std::uint16_t>(format, seed, exact, other);
      }
      EXPECT_GT(exact, 0) << reference::format_name(format);
      EXPECT_GT(other, 0) << reference::format_name(format);
    }
  }
}

// Sets MXCSR for the scope as a caller may have it: round up, flush-to-zero, denormals-are-zero.
class hostile_environment {
 public:
  hostile_environment() : saved_(_mm_getcsr()) {
    _mm_setcsr(0x1F80U | 0x4000U | 0x8000U | 0x0040U);
  }
  hostile_environment(const hostile_environment&) = delete;
  hostile_environment& operator=(const hostile_environment&) = delete;
  ~hostile_environment() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
};

// Under a caller's hostile floating-point environment the sums come out bit for bit as under the
// default one, both ways, with subnormal inputs among them (bfloat16's and binary32's widen to
// binary32 subnormals, which denormals-are-zero would read as zeros). binary16's integer lanes
// read no environment (vcvtph2ps ignores denormals-are-zero, the products are exact, the
// conversion truncates): its case holds them to that.
TEST(WindowSums, TheCallersFloatEnvironmentChangesNothing) {
  for (const float_format format :
       {float_format::binary16, float_format::bfloat16, float_format::binary32}) {
    pooling_problem problem;
    problem.dtype = format;
    problem.spatial_dims = 1;
    problem.output_size = {8};
    problem.input.shape = {4, 64};
    std::vector<std::uint16_t> patterns(256);
    std::vector<float> floats(256);
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      // Subnormals of both signs (field 0) beside small normals: exact windows either way.
      const auto fraction = static_cast<std::uint32_t>(1 + i * 37 % 127);
      const std::uint32_t sign = i % 3 == 0 ? 0x8000u : 0;
      const std::uint32_t implicit = format == float_format::binary16 ? 1u << 10 : 1u << 7;
      patterns[i] =
          static_cast<std::uint16_t>(sign | (i % 2 == 0 ? fraction : implicit | fraction));
      floats[i] = std::bit_cast<float>(static_cast<std::uint32_t>(patterns[i]) << 16);
    }
    const auto sums_of = [&](window_lanes lanes) {
      return format == float_format::binary32
                 ? all_window_sums(problem, std::span<const float>(floats), lanes)
                 : all_window_sums(problem, std::span<const std::uint16_t>(patterns), lanes);
    };
    for (const window_lanes lanes :
         {window_lanes::best, window_lanes::avx2, window_lanes::portable}) {
      const std::vector<window_sums> expected = sums_of(lanes);
      // On a thread of its own, whose first use of oneTBB then takes its environment along
      // (oneTBB applies the floating-point settings a thread had when it first used it to the
      // tasks of its work, on every thread that runs them).
      std::vector<window_sums> hostile;
      std::thread caller([&] {
        const hostile_environment environment;
        hostile = sums_of(lanes);
      });
      caller.join();
      ASSERT_EQ(hostile.size(), expected.size());
      for (std::size_t k = 0; k < expected.size(); ++k) {
        ASSERT_TRUE(expected[k].exact());
        EXPECT_NE(expected[k].sum, 0) << k;
        EXPECT_EQ(std::bit_cast<std::uint64_t>(hostile[k].sum),
                  std::bit_cast<std::uint64_t>(expected[k].sum))
            << reference::format_name(format) << " window " << k;
        EXPECT_EQ(hostile[k].sum_abs, expected[k].sum_abs) << k;
        EXPECT_EQ(hostile[k].least, expected[k].least) << k;
      }
    }
  }
}

// binary16 windows at the lanes' integer limit: 2^23 - 1 values of the largest magnitude sum to
// just below 2^63 in units of 2^-24 (the last window the integer lanes take), and 2^23 + 4099 of
// them, the fewest that would pass it, go to the lanes of doubles. Both come out exact, either
// way. Then a window past the limit of patterns of every kind: the lanes agree with the loop.
TEST(WindowSums, Binary16WindowsAtTheIntegerLimitAreExact) {
  constexpr std::int64_t limit = std::int64_t{1} << 23;
  for (const std::int64_t count : {limit - 1, limit + 4099}) {
    for (const std::uint16_t largest : {std::uint16_t{0x7BFF}, std::uint16_t{0xFBFF}}) {
      const std::vector<std::uint16_t> input(static_cast<std::size_t>(count), largest);
      pooling_problem problem;
      problem.dtype = float_format::binary16;
      problem.spatial_dims = 1;
      problem.output_size = {1};
      problem.input.shape = {1, count};
      const double value = (largest & 0x8000) != 0 ? -65504.0 : 65504.0;
      for (const window_lanes lanes :
           {window_lanes::best, window_lanes::avx2, window_lanes::portable}) {
        const std::vector<window_sums> sums =
            all_window_sums(problem, std::span<const std::uint16_t>(input), lanes);
        ASSERT_EQ(sums.size(), 1U);
        ASSERT_TRUE(sums[0].exact()) << count;
        EXPECT_EQ(sums[0].sum, value * static_cast<double>(count)) << count;
        EXPECT_EQ(sums[0].sum_abs, 65504.0 * static_cast<double>(count)) << count;
        EXPECT_EQ(sums[0].least, 5) << count;
        EXPECT_EQ(sums[0].top, 16) << count;
      }
    }
  }
  // One window of 2048 rows of 4098 values: 2^23 + 4096 of them.
  std::mt19937_64 random(7);
  const std::vector<std::uint16_t> input =
      draw_input<std::uint16_t>(random, float_format::binary16, std::int64_t{2048} * 4098);
  pooling_problem problem;
  problem.dtype = float_format::binary16;
  problem.spatial_dims = 2;
  problem.output_size = {1, 1};
  problem.input.shape = {1, 1, 2048, 4098};
  const auto sums_of = [&](window_lanes lanes) {
    return all_window_sums(problem, std::span<const std::uint16_t>(input), lanes);
  };
  const std::vector<window_sums> best = sums_of(window_lanes::best);
  const std::vector<window_sums> portable = sums_of(window_lanes::portable);
  ASSERT_EQ(best.size(), 1U);
  for (std::size_t k = 0; k < best.size(); ++k) {
    EXPECT_EQ(best[k].count, portable[k].count);
    EXPECT_EQ(best[k].least, portable[k].least);
    EXPECT_EQ(best[k].top, portable[k].top);
    EXPECT_EQ(best[k].exact(), portable[k].exact());
  }
}

// A 16-bit pattern's value by its own formula: binary16 from IEEE 754's table of its fields,
// bfloat16 as binary32's top half.
double independent_value(float_format format, std::uint16_t bits) {
  if (format == float_format::bfloat16)
    return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16));
  const int field = (bits >> 10) & 0x1F;
  const int fraction = bits & 0x3FF;
  const double sign = (bits & 0x8000) != 0 ? -1.0 : 1.0;
  if (field == 0x1F)
    return fraction != 0 ? std::numeric_limits<double>::quiet_NaN()
                         : sign * std::numeric_limits<double>::infinity();
  if (field == 0) return sign * std::ldexp(fraction, -24);
  return sign * std::ldexp(1024 + fraction, field - 25);
}

bool same_value(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) ||
         (std::isnan(a) && std::isnan(b));
}

// Single values, one window each: every 16-bit pattern's least and top bits as describe_bits
// gives them (the portable table), and its value, by the table and by pattern_value, as its own
// formula gives it.
TEST(WindowSums, EveryPatternAloneAgrees) {
  for (const float_format format : {float_format::binary16, float_format::bfloat16}) {
    std::vector<std::uint16_t> input(std::size_t{1} << 16);
    for (std::size_t bits = 0; bits < input.size(); ++bits)
      input[bits] = static_cast<std::uint16_t>(bits);
    pooling_problem problem;
    problem.dtype = format;
    problem.spatial_dims = 1;
    problem.output_size = {static_cast<std::int64_t>(input.size())};
    problem.input.shape = {1, static_cast<std::int64_t>(input.size())};
    const pattern_table& table = pattern_table_of(format);
    for (const window_lanes lanes : {window_lanes::best, window_lanes::avx2}) {
      const auto best = all_window_sums(problem, std::span<const std::uint16_t>(input), lanes);
      ASSERT_EQ(best.size(), input.size());
      for (std::size_t bits = 0; bits < input.size(); ++bits) {
        const value_bits expected = table(bits);
        EXPECT_EQ(best[bits].least, expected.least) << bits;
        EXPECT_EQ(best[bits].top, expected.top) << bits;
        const double value = independent_value(format, static_cast<std::uint16_t>(bits));
        EXPECT_TRUE(same_value(pattern_value(reference::layout_of(format), bits), value)) << bits;
        EXPECT_TRUE(same_value(expected.value, value)) << bits;
        if (best[bits].exact()) {
          EXPECT_EQ(best[bits].sum, value) << bits;
        }
      }
    }
  }
}

}  // namespace
}  // namespace poolproof::golden::detail

// The fast engine's 16-bit paths that borrow wider hardware formats: the exact widening of
// binary16 and bfloat16 patterns (every pattern, every SIMD level), the rounding of exact doubles
// back to 16 bits and of binary32 pair sums, the max backward pass on inputs of several choosers
// and the avg passes, against the plain reference.
#include <gtest/gtest.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "engine/double_sums.h"
#include "engine/planes.h"
#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using reference::float_format;
using testing::all_simd_levels;
using testing::fast_max;
using testing::sixteen_bit_formats;
using testing::sizes;
using testing::stress_patterns;

bool is_special(float_format format, std::uint32_t bits) {
  const std::uint32_t field = format == float_format::binary16 ? 0x7C00u : 0x7F80u;
  return (bits & field) == field;
}

TEST(FastSixteenBit, WideningIsExactForEveryPattern) {
  // All 65536 patterns from an odd offset, so the lanes meet a misaligned start and a tail.
  std::vector<std::uint16_t> patterns(65536 + 7);
  for (std::size_t i = 0; i < patterns.size(); ++i)
    patterns[i] = static_cast<std::uint16_t>(i * 40503u);  // odd: a permutation mod 2^16
  for (const float_format format : sixteen_bit_formats) {
    for (const detail::simd_level level : all_simd_levels) {
      std::vector<float> wide(patterns.size() - 3);
      detail::widen_to_binary32(format, patterns.data() + 3, wide.data(),
                                static_cast<std::int64_t>(wide.size()), level);
      for (std::size_t i = 0; i < wide.size(); ++i) {
        const std::uint32_t bits = patterns[i + 3];
        const auto got = std::bit_cast<std::uint32_t>(wide[i]);
        const reference::extended_rational want = decode(format, bits);
        ASSERT_EQ((got >> 31) != 0, (bits & 0x8000u) != 0) << bits;
        if (want.is_nan()) {
          ASSERT_TRUE(wide[i] != wide[i]) << bits;
        } else {
          ASSERT_FALSE(is_special(format, bits) && !want.is_infinite());
          ASSERT_EQ(decode(float_format::binary32, got), want) << bits;
        }
      }
    }
  }
}

// Doubles near every kind of 16-bit rounding decision: each pattern's value and the midpoints on
// either side of it, nudged by a binary32 ulp and by a double ulp (the latter past binary32's
// precision), in both signs; then random doubles of any length.
template <typename F>
std::vector<double> rounding_cases(std::mt19937& engine) {
  std::vector<double> cases;
  const std::uint32_t finite_top = F::format == float_format::binary16 ? 0x7C00u : 0x7F80u;
  for (std::uint32_t bits = 0; bits < finite_top; bits += bits + 7 >= finite_top ? 1 : 7) {
    const auto value = static_cast<double>(detail::widened<F>(static_cast<std::uint16_t>(bits)));
    // Past the greatest finite value, the next pattern is infinity: the midpoint to it is where
    // rounding overflows.
    const double next =
        bits + 1 == finite_top
            ? 2 * value -
                  static_cast<double>(detail::widened<F>(static_cast<std::uint16_t>(bits - 1)))
            : static_cast<double>(detail::widened<F>(static_cast<std::uint16_t>(bits + 1)));
    const double midpoint = (value + next) / 2;
    for (const double x :
         {value, midpoint, std::nextafter(midpoint, 0.0), std::nextafter(midpoint, 1e300),
          static_cast<double>(std::nextafter(static_cast<float>(midpoint), 0.0f)),
          static_cast<double>(std::nextafter(static_cast<float>(midpoint), 1e30f))}) {
      cases.push_back(x);
      cases.push_back(-x);
    }
  }
  std::uniform_int_distribution<std::uint64_t> any(0, ~std::uint64_t{0});
  std::uniform_int_distribution<int> scale(-150, 140);
  for (int i = 0; i < 20000; ++i) {
    const double unit = std::ldexp(1.0, scale(engine));
    const auto significand = static_cast<double>(any(engine) >> (any(engine) % 64));
    cases.push_back((i % 2 == 0 ? 1 : -1) * significand * unit);
  }
  return cases;
}

template <typename F>
void expect_narrowing_rounds_once(std::mt19937& engine) {
  for (const double value : rounding_cases<F>(engine)) {
    if (!std::isfinite(value)) continue;
    const double x = value + 0.0;  // as the callers pass an exact zero: +0
    const std::uint64_t want =
        round_to(F::format, decode(float_format::binary64, std::bit_cast<std::uint64_t>(x)));
    ASSERT_EQ(detail::round_double_quotient<F>(x, 0, 1), want) << std::hexfloat << x;
    // The route from a nearby double either declines or agrees (here the double is exact).
    if (const auto near = detail::narrowed_near<F>(x)) {
      ASSERT_EQ(*near, want) << std::hexfloat << x;
    }
  }
}

TEST(FastSixteenBit, ExactDoublesRoundOnceTo16Bits) {
  std::mt19937 engine(29);
  expect_narrowing_rounds_once<detail::binary16_traits>(engine);
  expect_narrowing_rounds_once<detail::bfloat16_traits>(engine);
}

// narrowed_near's binary16 shortcut skips narrowing the neighbours of f = RN24(q) away from
// midpoints; it must answer exactly as the definition (both neighbours narrow alike) does. Every
// exponent, both signs, every low 13 bits (the midpoint and its neighbours among them), under
// upper fraction bits that are even, odd, all zeros and all ones (carries into the exponent).
TEST(FastSixteenBit, NarrowedNearShortcutAgreesWithTheNeighbours) {
  using F = detail::binary16_traits;
  const auto by_neighbours = [](float f) -> std::optional<std::uint16_t> {
    const auto bits = std::bit_cast<std::uint32_t>(f);
    const std::uint32_t magnitude = bits & 0x7FFFFFFFu;
    if (magnitude == 0 || magnitude >= 0x7F800000u) return std::nullopt;
    const std::uint16_t h = detail::narrowed<F>(f);
    if (detail::narrowed<F>(std::bit_cast<float>(bits - 1)) != h ||
        detail::narrowed<F>(std::bit_cast<float>(bits + 1)) != h)
      return std::nullopt;
    return h;
  };
  std::int64_t mismatches = 0;
  std::int64_t normal_answered = 0;
  for (const std::uint32_t upper : {0x000u, 0x001u, 0x2AAu, 0x155u, 0x3FEu, 0x3FFu}) {
    for (std::uint32_t exponent = 0; exponent < 256; ++exponent) {
      for (std::uint32_t low = 0; low < 0x2000u; ++low) {
        for (const std::uint32_t sign : {0u, 0x80000000u}) {
          const std::uint32_t bits = sign | exponent << 23 | upper << 13 | low;
          const float f = std::bit_cast<float>(bits);
          const auto want = by_neighbours(f);
          if (detail::narrowed_near<F>(static_cast<double>(f)) != want) {
            ADD_FAILURE_AT(__FILE__, __LINE__) << std::hex << "binary32 pattern 0x" << bits;
            if (++mismatches == 10) return;
          }
          if (exponent >= 113 && exponent < 143 && want.has_value()) ++normal_answered;
        }
      }
    }
  }
  // In the shortcut's range (binades 2^-14 .. 2^15) the definition refuses exactly two low-bit
  // patterns per binade, sign and upper bits (the midpoint and one neighbour of it), so the
  // comparison there is between answers, not only refusals.
  EXPECT_EQ(normal_answered, std::int64_t{2} * 6 * 30 * (0x2000 - 2));
}

// Partners for a pair sum with `a`: every gap between their exponents up to past binary32's
// precision, with the least, the greatest and a random significand and either sign (ties, carries
// into the next binade, cancellation, binades crossed downwards), and a's neighbours and
// negation; the exponent field of `a` above one, so a partner is normal or subnormal.
template <typename F>
std::vector<std::uint16_t> sum_partners(std::uint16_t a, std::mt19937& engine) {
  std::vector<std::uint16_t> partners{a, static_cast<std::uint16_t>(a ^ F::sign_mask),
                                      static_cast<std::uint16_t>(a + 1),
                                      static_cast<std::uint16_t>(a - 1)};
  std::uniform_int_distribution<std::uint32_t> fraction(0, F::fraction_mask);
  const auto field = static_cast<int>((a >> F::fraction_bits) & F::exponent_ones);
  for (int gap = 0; gap <= 30 && gap < field; ++gap) {
    const auto exponent = static_cast<std::uint32_t>(field - gap) << F::fraction_bits;
    for (const std::uint32_t low :
         {0u, static_cast<std::uint32_t>(F::fraction_mask), fraction(engine)}) {
      for (const std::uint32_t sign : {0u, static_cast<std::uint32_t>(F::sign_mask)})
        partners.push_back(static_cast<std::uint16_t>(sign | exponent | low));
    }
  }
  partners.push_back(static_cast<std::uint16_t>(fraction(engine)));  // a subnormal
  return partners;
}

template <typename F>
void expect_pair_sums_round_once(std::mt19937& engine) {
  const std::uint32_t finite_top = F::format == float_format::binary16 ? 0x7C00u : 0x7F80u;
  for (std::uint32_t magnitude = 1; magnitude < finite_top; magnitude += 37) {
    for (const std::uint32_t sign : {0u, static_cast<std::uint32_t>(F::sign_mask)}) {
      const auto a = static_cast<std::uint16_t>(sign | magnitude);
      for (const std::uint16_t b : sum_partners<F>(a, engine)) {
        if (is_special(F::format, b)) continue;
        const std::uint64_t want =
            round_to(F::format, add(decode(F::format, a), decode(F::format, b)));
        ASSERT_EQ(detail::narrowed_sum<F>(detail::widened<F>(a), detail::widened<F>(b)), want)
            << reference::format_name(F::format) << std::hex << " " << a << " + " << b;
      }
    }
  }
}

TEST(FastSixteenBit, PairSumsRoundOnceThroughBinary32) {
  std::mt19937 engine(37);
  expect_pair_sums_round_once<detail::binary16_traits>(engine);
  expect_pair_sums_round_once<detail::bfloat16_traits>(engine);
}

std::vector<std::uint16_t> fast_max_backward(float_format format, const sizes& shape,
                                             const sizes& out,
                                             const std::vector<std::uint16_t>& grads,
                                             const std::vector<std::int64_t>& indices) {
  std::vector<std::uint16_t> grad_input(static_cast<std::size_t>(reference::element_count(shape)));
  adaptive_max_pool_backward<std::uint16_t>(format, shape, out, grads, indices, grad_input);
  return grad_input;
}

std::vector<std::uint16_t> reference_max_backward(float_format format, const sizes& shape,
                                                  const sizes& out,
                                                  const std::vector<std::uint16_t>& grads,
                                                  const std::vector<std::int64_t>& indices) {
  reference::exact_tensor tensor{reference::adaptive_output_shape(shape, out), {}};
  for (std::uint16_t g : grads) tensor.values.push_back(decode(format, g));
  std::vector<std::uint16_t> result;
  for (const reference::extended_rational& x :
       reference::adaptive_max_pool_backward(tensor, indices, shape, out.size()).values)
    result.push_back(static_cast<std::uint16_t>(round_to(format, x)));
  return result;
}

TEST(FastSixteenBit, MaxBackwardMatchesTheReferenceOnSharedInputs) {
  // Overlapping windows give inputs two or more choosers (an input repeated in every window of
  // a constant row); the gradients make ties at midpoints, overflow, cancellation to +0, -0,
  // subnormals, wide spreads; then an infinity and a NaN send the worker off the pair sums.
  std::mt19937 engine(31);
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{
           {{40, 33}, {10}}, {{6, 5}, {9}}, {{3, 9, 11}, {4, 7}}, {{4, 3, 5}, {6, 6}}}) {
    for (const float_format format : sixteen_bit_formats) {
      const bool half = format == float_format::binary16;
      const std::int64_t planes = shape[0];
      const sizes spatial(shape.begin() + 1, shape.end());
      std::vector<std::uint16_t> input = stress_patterns(
          format, static_cast<std::size_t>(reference::element_count(shape)), engine);
      // A constant plane: every window picks its first element, shared with the previous one.
      std::fill(input.begin(), input.begin() + reference::element_count(spatial), 0x3C00);
      std::vector<std::int64_t> indices = fast_max(format, shape, input, out, 1).indices;
      const std::int64_t out_plane = reference::element_count(out);
      std::vector<std::uint16_t> grads(static_cast<std::size_t>(planes * out_plane));
      const std::array<std::uint16_t, 10> pool{
          0x3C00,
          0x3C01,
          0x0001,
          0x8000,
          0x0000,  // 1, 1 + ulp, least subnormal, -0, +0
          static_cast<std::uint16_t>(half ? 0x7BFF : 0x7F7F),  // the greatest finite value
          static_cast<std::uint16_t>(half ? 0xBC00 : 0xBF80),  // -1
          static_cast<std::uint16_t>(half ? 0x1400 : 0x3A80),  // a value near an ulp of 1
          0x3E00,
          0xC200};
      std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
      for (std::uint16_t& g : grads) g = pool[pick(engine)];
      // First all finite (the pair sums), then with an infinity and a NaN (the chooser table).
      EXPECT_EQ(fast_max_backward(format, shape, out, grads, indices),
                reference_max_backward(format, shape, out, grads, indices))
          << reference::format_name(format) << " " << shape.size() << "-D, finite";
      const std::size_t last = grads.size() - 1;
      grads[last] = static_cast<std::uint16_t>(half ? 0x7C00 : 0x7F80);            // +inf
      grads[last - static_cast<std::size_t>(out_plane)] = half ? 0x7E01 : 0x7FC1;  // NaN
      EXPECT_EQ(fast_max_backward(format, shape, out, grads, indices),
                reference_max_backward(format, shape, out, grads, indices))
          << reference::format_name(format) << " " << shape.size() << "-D";
    }
  }
}

TEST(FastSixteenBit, MaxBackwardRoundsASumOnceNotThroughBinary32) {
  // Seven windows over three inputs: the first input has three choosers, whose gradients sum to
  // 1 + half an ulp + a little: up to the next value, where binary32 first would round to the
  // midpoint and the tie then to even (1).
  const sizes shape{1, 3}, out{7};
  const std::vector<std::int64_t> indices{0, 0, 0, 1, 1, 2, 2};
  const std::vector<std::uint16_t> half{0x3C00, 0x1000, 0x0001, 0, 0, 0, 0};  // 1, 2^-11, 2^-24
  EXPECT_EQ(fast_max_backward(float_format::binary16, shape, out, half, indices),
            (std::vector<std::uint16_t>{0x3C01, 0, 0}));
  const std::vector<std::uint16_t> brain{0x3F80, 0x3B80, 0x2F80, 0, 0, 0, 0};  // 1, 2^-8, 2^-32
  EXPECT_EQ(fast_max_backward(float_format::bfloat16, shape, out, brain, indices),
            (std::vector<std::uint16_t>{0x3F81, 0, 0}));
}

std::vector<std::uint16_t> fast_avg(float_format format, const sizes& shape,
                                    const std::vector<std::uint16_t>& input, const sizes& out,
                                    unsigned threads = 1) {
  std::vector<std::uint16_t> output(static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out))));
  adaptive_avg_pool<std::uint16_t>(format, shape, input, out, output, threads);
  return output;
}

std::vector<std::uint16_t> reference_avg(float_format format, const sizes& shape,
                                         const std::vector<std::uint16_t>& input,
                                         const sizes& out) {
  reference::exact_tensor tensor{shape, {}};
  for (std::uint16_t x : input) tensor.values.push_back(decode(format, x));
  std::vector<std::uint16_t> result;
  for (const reference::extended_rational& x : reference::adaptive_avg_pool(tensor, out).values)
    result.push_back(static_cast<std::uint16_t>(round_to(format, x)));
  return result;
}

TEST(FastSixteenBit, AvgMatchesTheReferenceThroughWidenedPlanes) {
  // Small windows (the whole-plane scan) and long ones (each window's binary32 pass), with the
  // stress patterns (NaNs, infinities, signed zeros, subnormals, wide spreads that leave the
  // double sums) and with narrow random values whose means land anywhere.
  std::mt19937 engine(37);
  std::uniform_int_distribution<int> narrow(0x3000, 0x4800);
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{{{40, 33}, {10}},
                                                                       {{3, 257}, {13}},
                                                                       {{3, 9, 11}, {4, 7}},
                                                                       {{2, 40, 40}, {3, 3}},
                                                                       {{2, 4, 6, 19}, {3, 4, 5}},
                                                                       {{5, 7}, {12}}}) {
    for (const float_format format : sixteen_bit_formats) {
      const auto count = static_cast<std::size_t>(reference::element_count(shape));
      std::vector<std::uint16_t> input = stress_patterns(format, count, engine);
      EXPECT_EQ(fast_avg(format, shape, input, out), reference_avg(format, shape, input, out))
          << reference::format_name(format) << " stress " << shape.size() << "-D";
      for (std::uint16_t& x : input)
        x = static_cast<std::uint16_t>(narrow(engine) | (narrow(engine) % 2 == 0 ? 0x8000 : 0));
      EXPECT_EQ(fast_avg(format, shape, input, out, 2), reference_avg(format, shape, input, out))
          << reference::format_name(format) << " narrow " << shape.size() << "-D";
    }
  }
}

TEST(FastSixteenBit, AvgRoundsAMeanBesideAMidpointOnce) {
  // Means just above a 16-bit midpoint, by less than half a binary32 ulp: binary32 would land on
  // the midpoint and the tie would go to even (down); the exact mean rounds up.
  EXPECT_EQ(fast_avg(float_format::binary16, {1, 4}, {0x4000, 0x4000, 0x1800, 0x0001}, {1}),
            std::vector<std::uint16_t>{0x3C01});  // (4 + 2^-9 + 2^-24) / 4
  EXPECT_EQ(fast_avg(float_format::bfloat16, {1, 4}, {0x4000, 0x4000, 0x3C80, 0x2B80}, {1}),
            std::vector<std::uint16_t>{0x3F81});  // (4 + 2^-6 + 2^-40) / 4
  // Exact ties go to even, a zero mean is +0, and a negative mean that rounds to zero is -0.
  EXPECT_EQ(fast_avg(float_format::binary16, {1, 2}, {0x3C00, 0x3C01}, {1}),
            std::vector<std::uint16_t>{0x3C00});
  EXPECT_EQ(fast_avg(float_format::binary16, {1, 2}, {0x8000, 0x8000}, {1}),
            std::vector<std::uint16_t>{0x0000});
  EXPECT_EQ(fast_avg(float_format::binary16, {1, 3}, {0x8001, 0x0000, 0x0000}, {1}),
            std::vector<std::uint16_t>{0x8000});
}

TEST(FastSixteenBit, AvgBackwardMatchesTheReference) {
  // 1-D planes take the doubles path (pairs of windows per input), 2-D and 3-D ones the int64
  // cells with the product route; stress gradients (specials, -0, subnormals, wide spreads that
  // leave both) and narrow random ones.
  std::mt19937 engine(41);
  std::uniform_int_distribution<int> narrow(0x3000, 0x4800);
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{{{40, 33}, {10}},
                                                                       {{6, 5}, {3}},
                                                                       {{3, 9, 11}, {4, 7}},
                                                                       {{2, 40, 40}, {13, 13}},
                                                                       {{2, 4, 6, 19}, {3, 4, 5}},
                                                                       {{3, 5}, {12}}}) {
    for (const float_format format : sixteen_bit_formats) {
      const sizes out_shape = reference::adaptive_output_shape(shape, out);
      std::vector<std::uint16_t> grads = stress_patterns(
          format, static_cast<std::size_t>(reference::element_count(out_shape)), engine);
      for (const bool stress : {true, false}) {
        if (!stress) {
          for (std::uint16_t& x : grads)
            x = static_cast<std::uint16_t>(narrow(engine) | (narrow(engine) % 2 == 0 ? 0x8000 : 0));
        }
        std::vector<std::uint16_t> got(static_cast<std::size_t>(reference::element_count(shape)));
        adaptive_avg_pool_backward<std::uint16_t>(format, shape, out, grads, got, 2);
        reference::exact_tensor tensor{out_shape, {}};
        for (std::uint16_t g : grads) tensor.values.push_back(decode(format, g));
        std::vector<std::uint16_t> want;
        for (const reference::extended_rational& x :
             reference::adaptive_avg_pool_backward(tensor, shape, out.size()).values)
          want.push_back(static_cast<std::uint16_t>(round_to(format, x)));
        EXPECT_EQ(got, want) << reference::format_name(format) << (stress ? " stress " : " narrow ")
                             << shape.size() << "-D";
      }
    }
  }
}

}  // namespace
}  // namespace poolproof::engine

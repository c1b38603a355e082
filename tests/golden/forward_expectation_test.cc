// expect_forward (integer window sums from the input's patterns) against expect() of the decoded
// input, field by field: every forward case of the committed suite, and crafted planes with
// specials, signed zeros, subnormals and spreads past 128 bits in every format.
#include <gtest/gtest.h>
#include <poolproof/golden/check.h>
#include <poolproof/golden/expectation.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "golden/window_sums.h"

namespace poolproof::golden {
namespace {

using reference::float_format;
using sizes = std::vector<std::int64_t>;

// Every field of two accumulations alike (a failure per field that differs).
void expect_same_accumulation(const accumulation& a, const accumulation& b,
                              const std::string& what) {
  EXPECT_TRUE(a.value == b.value) << what << ": " << to_string(a.value) << " vs "
                                  << to_string(b.value);
  EXPECT_EQ(a.sum_abs, b.sum_abs) << what;
  EXPECT_EQ(a.terms, b.terms) << what;
  EXPECT_EQ(a.underflow, b.underflow) << what;
  EXPECT_EQ(a.least_exponent, b.least_exponent) << what;
}

void expect_same(const expectation& fast, const expectation& plain, const std::string& what) {
  EXPECT_EQ(fast.shape, plain.shape) << what;
  EXPECT_EQ(fast.indices, plain.indices) << what;
  ASSERT_EQ(fast.elements.size(), plain.elements.size()) << what;
  ASSERT_EQ(fast.bounds.size(), plain.bounds.size()) << what;
  for (std::size_t k = 0; k < fast.elements.size(); ++k) {
    const std::string element = what + " element " + std::to_string(k);
    expect_same_accumulation(fast.elements[k], plain.elements[k], element);
    ASSERT_TRUE(fast.bounds[k] == plain.bounds[k]) << element;
    if (::testing::Test::HasFailure()) return;  // the first element that differs is enough
  }
}

pooling_problem decoded_problem(const loaded_case& c) {
  pooling_problem p = c.problem;
  p.input = decoded_input(c);
  return p;
}

TEST(ForwardExpectation, EqualsThePlainExpectationOnEveryForwardCaseOfTheSuite) {
  const golden_manifest manifest = load_manifest(POOLPROOF_GOLDEN_SUITE);
  int checked = 0;
  for (const golden_case& entry : manifest.cases) {
    if (describe(entry.op).backward()) continue;
    const loaded_case c = load_case(POOLPROOF_GOLDEN_SUITE, entry);
    EXPECT_TRUE(c.problem.input.values.empty()) << entry.name;  // never decoded whole
    expect_same(c.expected, expect(decoded_problem(c)), entry.name);
    ++checked;
  }
  EXPECT_GE(checked, 100);
}

// Patterns of `format` for a plane: random finite patterns of a narrow or the full exponent
// range, with NaNs, infinities of both signs, -0 and subnormals planted.
std::vector<std::uint64_t> crafted_patterns(float_format format, std::size_t count, unsigned seed,
                                            bool full_range) {
  const reference::format_layout layout = reference::layout_of(format);
  const std::uint64_t fraction_mask = (std::uint64_t{1} << layout.fraction_bits) - 1;
  const auto field_ones = static_cast<std::uint64_t>((1 << layout.exponent_bits) - 1);
  const std::uint64_t sign = std::uint64_t{1} << (layout.width() - 1);
  std::mt19937_64 engine(seed);
  const auto bias = static_cast<std::uint64_t>(layout.bias());
  std::uniform_int_distribution<std::uint64_t> field(full_range ? 0 : bias - 4,
                                                     full_range ? field_ones - 1 : bias + 4);
  std::vector<std::uint64_t> patterns(count);
  for (std::uint64_t& p : patterns) {
    p = ((engine() & 1) != 0 ? sign : 0) | (field(engine) << layout.fraction_bits) |
        (engine() & fraction_mask);
  }
  const std::uint64_t infinity = field_ones << layout.fraction_bits;
  const std::vector<std::uint64_t> planted{
      infinity | 1, infinity, sign | infinity, sign, 0, 1, sign | fraction_mask};
  for (std::size_t k = 0; k < planted.size() && 3 * k + 2 < count; ++k)
    patterns[3 * k + 2] = planted[k];
  return patterns;
}

TEST(ForwardExpectation, EqualsThePlainExpectationOnCraftedPlanes) {
  const std::vector<std::pair<sizes, sizes>> shapes{
      {{3, 40}, {7}}, {{2, 9}, {13}}, {{2, 6, 7}, {4, 3}}, {{1, 3, 4, 5}, {2, 3, 2}}};
  for (const float_format format : reference::all_formats) {
    for (const bool full_range : {false, true}) {
      for (const golden_op op : {golden_op::adaptive_avg_pool, golden_op::adaptive_max_pool}) {
        for (const auto& [shape, out] : shapes) {
          pooling_problem p;
          p.op = op;
          p.dtype = format;
          p.spatial_dims = static_cast<int>(out.size());
          p.output_size = out;
          p.input.shape = shape;
          const std::vector<std::uint64_t> bits =
              crafted_patterns(format, static_cast<std::size_t>(reference::element_count(shape)),
                               static_cast<unsigned>(shape.size() * 7 + out.size()), full_range);
          const expectation fast = expect_forward(p, bits);
          for (std::uint64_t word : bits) p.input.values.push_back(decode(format, word));
          expect_same(fast, expect(p),
                      std::string(reference::format_name(format)) + " " +
                          std::string(golden_op_name(op)) + (full_range ? " full" : " narrow"));
        }
      }
    }
  }
}

TEST(ForwardExpectation, SpreadsPast128BitsAndWindowsOfZerosOrSpecialsOnly) {
  // binary64 windows spanning 2^-1074 to 2^1023 (the GMP path), a window of -0 only (its mean is
  // +0), one of infinities of both signs (NaN), and one of -inf alone.
  const double tiny = std::numeric_limits<double>::denorm_min();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> values{1e308, tiny, -1e308, 3.0, -0.0, -0.0, inf, -inf, -inf, -inf};
  pooling_problem p;
  p.dtype = float_format::binary64;
  p.output_size = {5};
  p.input.shape = {1, 10};
  std::vector<std::uint64_t> bits(values.size());
  std::ranges::transform(values, bits.begin(),
                         [](double x) { return std::bit_cast<std::uint64_t>(x); });
  for (const golden_op op : {golden_op::adaptive_avg_pool, golden_op::adaptive_max_pool}) {
    p.op = op;
    p.input.values.clear();
    const expectation fast = expect_forward(p, bits);
    for (std::uint64_t word : bits) p.input.values.push_back(decode(p.dtype, word));
    expect_same(fast, expect(p), std::string(golden_op_name(op)));
  }
}

// The input's values in the avg check's element type (patterns for the 16-bit formats).
template <typename T>
std::vector<T> values_of(std::span<const std::uint64_t> bits) {
  std::vector<T> values(bits.size());
  std::ranges::transform(bits, values.begin(), [](std::uint64_t word) {
    if constexpr (sizeof(T) == 2) {
      return static_cast<T>(word);
    } else {
      return std::bit_cast<float>(static_cast<std::uint32_t>(word));
    }
  });
  return values;
}

// Counts the windows of `p` whose double sums are exact, whose accumulation from those sums alone
// (what the avg check computes them from) must be expect_forward's, field by field, bound too.
template <typename T>
int expect_same_from_exact_sums(const pooling_problem& p, std::span<const std::uint64_t> bits,
                                const std::string& what) {
  const expectation from_values = expect_forward(p, bits);
  const std::vector<T> values = values_of<T>(bits);
  const std::vector<detail::window_sums> sums =
      detail::all_window_sums<T>(p, std::span<const T>(values));
  int exact = 0;
  for (std::size_t k = 0; k < sums.size(); ++k) {
    const detail::window_sums& w = sums[k];
    if (!w.exact()) continue;
    ++exact;
    const accumulation a = mean_of_exact_sums(w.sum, w.sum_abs, w.count, w.least_set_bit());
    const std::string window = what + " window " + std::to_string(k);
    expect_same_accumulation(a, from_values.elements[k], window);
    EXPECT_TRUE(bound_of(p, a) == from_values.bounds[k]) << window;
  }
  return exact;
}

TEST(ForwardExpectation, MeanOfExactSumsIsTheWindowsAccumulation) {
  const std::vector<std::pair<sizes, sizes>> shapes{
      {{3, 40}, {7}}, {{2, 6, 7}, {4, 3}}, {{1, 3, 4, 5}, {2, 3, 2}}};
  for (const float_format format :
       {float_format::binary16, float_format::bfloat16, float_format::binary32}) {
    int exact = 0;
    for (const bool full_range : {false, true}) {
      for (const auto& [shape, out] : shapes) {
        pooling_problem p;
        p.op = golden_op::adaptive_avg_pool;
        p.dtype = format;
        p.spatial_dims = static_cast<int>(out.size());
        p.output_size = out;
        p.input.shape = shape;
        std::vector<std::uint64_t> bits =
            crafted_patterns(format, static_cast<std::size_t>(reference::element_count(shape)),
                             static_cast<unsigned>(shape.size() * 5 + out.size()), full_range);
        // The first window of a 1-D plane all zeros, -0 among them (its least bit: none).
        if (shape.size() == 2) {
          const std::uint64_t negative_zero = std::uint64_t{1}
                                              << (reference::layout_of(format).width() - 1);
          for (std::size_t i = 0; i < 6; ++i) bits[i] = i % 2 == 0 ? negative_zero : 0;
        }
        const std::string what = std::string(reference::format_name(format)) + " " +
                                 std::to_string(shape.size()) + (full_range ? " full" : "");
        exact += reference::layout_of(format).width() == 16
                     ? expect_same_from_exact_sums<std::uint16_t>(p, bits, what)
                     : expect_same_from_exact_sums<float>(p, bits, what);
      }
    }
    // Most narrow-range windows are exact; those with planted specials are not.
    EXPECT_GE(exact, 20) << reference::format_name(format);
  }
}

}  // namespace
}  // namespace poolproof::golden

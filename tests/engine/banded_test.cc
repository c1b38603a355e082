// The banded avg forward pass (engine/band_sums.h, avg_forward.cc): windows summed from column
// sums of their band of rows, in every format, against the plain reference; bands that must
// fall back beside ones that need not; the SIMD levels of the column sums agree bit for bit.
#include <gtest/gtest.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/float_format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/band_sums.h"
#include "engine/double_sums.h"
#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using sizes = std::vector<std::int64_t>;
using reference::float_format;

std::uint64_t pattern(float x) { return std::bit_cast<std::uint32_t>(x); }
std::uint64_t pattern(double x) { return std::bit_cast<std::uint64_t>(x); }
std::uint64_t pattern(std::uint16_t x) { return x; }

// The engine's avg forward against round_to of the reference's, as bit patterns.
template <typename T>
void expect_avg_matches(float_format format, const sizes& shape, const std::vector<T>& input,
                        const sizes& out, const std::string& what) {
  std::vector<T> got(static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(shape, out))));
  adaptive_avg_pool<T>(format, shape, input, out, got);
  reference::exact_tensor tensor{shape, {}};
  for (T x : input) tensor.values.push_back(decode(format, pattern(x)));
  std::vector<std::uint64_t> want, bits;
  for (const reference::extended_rational& x : reference::adaptive_avg_pool(tensor, out).values)
    want.push_back(round_to(format, x));
  for (T x : got) bits.push_back(pattern(x));
  EXPECT_EQ(bits, want) << what;
}

// Values of one plane after another: ordinary normal values (a band's sums exact in doubles),
// quarters of small integers (exact ties), -0 only, and planes with one value that makes one
// band, and only that band, fall back (a huge or a tiny value, an infinity, a NaN).
template <typename T>
std::vector<T> plane_kinds(std::int64_t planes, std::int64_t plane_size, unsigned seed,
                           T (*from_double)(double)) {
  std::mt19937 engine(seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> small(-8, 8);
  std::vector<T> values;
  for (std::int64_t p = 0; p < planes; ++p) {
    const std::int64_t kind = p % 7;
    for (std::int64_t i = 0; i < plane_size; ++i) {
      double x = normal(engine);
      if (kind == 1) x = small(engine) / 4.0;
      if (kind == 2) x = -0.0;
      if (i == plane_size / 2) {
        if (kind == 3) x = 1e30;
        if (kind == 4) x = 1e-30;
        if (kind == 5) x = std::numeric_limits<double>::infinity();
        if (kind == 6) x = std::numeric_limits<double>::quiet_NaN();
      }
      values.push_back(from_double(x));
    }
  }
  return values;
}

float to_float(double x) { return static_cast<float>(x); }
double to_double(double x) { return x; }
std::uint16_t to_bfloat16(double x) {  // truncated: any pattern will do, only finite-ness matters
  return static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(static_cast<float>(x)) >> 16);
}
std::uint16_t to_binary16(double x) {
  return static_cast<std::uint16_t>(
      round_to(float_format::binary16, decode(float_format::binary64, pattern(x))));
}

// Shapes whose rows hold windows of 8 and more (the banded pass, not the small-window scan):
// 2-D and 3-D, overlapping windows, more outputs than inputs along the band's axes.
const std::vector<std::pair<sizes, sizes>> banded_shapes{
    {{7, 20, 37}, {6, 4}}, {{7, 5, 6, 40}, {3, 4, 3}}, {{7, 4, 30}, {9, 3}}, {{7, 9, 64}, {2, 1}}};

std::int64_t planes_of(const sizes& shape, std::size_t spatial) {
  return reference::element_count(std::span(shape).first(shape.size() - spatial));
}

template <typename T>
void expect_banded_matches(float_format format, T (*from_double)(double), unsigned seed) {
  for (const auto& [shape, out] : banded_shapes) {
    const std::int64_t planes = planes_of(shape, out.size());
    const std::int64_t plane = reference::element_count(shape) / planes;
    expect_avg_matches<T>(format, shape, plane_kinds<T>(planes, plane, seed, from_double), out,
                          std::to_string(out.size()) + "-D, " + std::to_string(plane) + " a plane");
  }
}

TEST(FastBandedSums, Binary32MatchesTheReference) {
  // Bands down their columns and, as from memory, along their rows (on AVX2; AVX-512 has one
  // order, and RunsOfRowsAddAsTheirRowsInOrderOnEverySimdLevel tests both on every level).
  for (const bool past_cache : {false, true}) {
    const testing::past_cache_while route(past_cache);
    expect_banded_matches<float>(float_format::binary32, to_float, 3);
  }
}

TEST(FastBandedSums, Binary64MatchesTheReference) {
  expect_banded_matches<double>(float_format::binary64, to_double, 5);
}

TEST(FastBandedSums, SixteenBitMatchesTheReference) {
  expect_banded_matches<std::uint16_t>(float_format::bfloat16, to_bfloat16, 7);
  expect_banded_matches<std::uint16_t>(float_format::binary16, to_binary16, 11);
}

TEST(FastBandedSums, ASpreadTooWideForOneBandLeavesTheOthersBanded) {
  // One band of the plane spans 2^-100 to 2^100 (no double holds its sums); its neighbours are
  // ordinary. A plane-wide test would send every window to its own path.
  const sizes shape{1, 24, 48}, out{3, 5};
  std::vector<float> input(std::size_t{24} * 48, 1.5f);
  for (std::size_t i = 0; i < input.size(); ++i) input[i] += static_cast<float>(i % 13) / 8;
  input[8 * 48 + 20] = 0x1p100f;
  input[9 * 48 + 3] = 0x1p-100f;
  expect_avg_matches<float>(float_format::binary32, shape, input, out, "binary32");
  std::vector<double> wide(input.begin(), input.end());
  wide[8 * 48 + 20] = 0x1p900;
  expect_avg_matches<double>(float_format::binary64, shape, wide, out, "binary64");
}

TEST(FastBandedSums, RowsPastTheLimitTakeEachWindowsPath) {
  const sizes shape{2, 1, (std::int64_t{1} << 16) + 3}, out{1, 3};
  const auto count = static_cast<std::size_t>(reference::element_count(shape));
  std::vector<float> input(count);
  for (std::size_t i = 0; i < count; ++i) input[i] = static_cast<float>(i % 1000) - 499.75f;
  expect_avg_matches<float>(float_format::binary32, shape, input, out, "binary32");
  expect_avg_matches<double>(float_format::binary64, shape,
                             std::vector<double>(input.begin(), input.end()), out, "binary64");
  std::vector<std::uint16_t> sixteen(count);
  for (std::size_t i = 0; i < count; ++i) sixteen[i] = to_bfloat16(input[i]);
  expect_avg_matches<std::uint16_t>(float_format::bfloat16, shape, sixteen, out, "bfloat16");
}

TEST(FastBandedSums, BatchedMeansEqualTheSingleMeans) {
  // means_of_parts against mean_of_parts one by one, declines (NaN) included: random parts of
  // either sign and many magnitudes, exact quotients, ties, zero and out-of-range quotients.
  std::mt19937_64 engine(31);
  std::uniform_int_distribution<int> scale(-1000, 1000);
  std::uniform_int_distribution<std::uint64_t> counts(1, 300);
  std::normal_distribution<double> normal;
  std::vector<detail::split_parts> parts;
  std::vector<std::uint64_t> divisors;
  for (int k = 0; k < 20000; ++k) {
    const std::uint64_t n = counts(engine);
    const double high = std::ldexp(normal(engine), scale(engine) % 60);
    const double low = k % 3 == 0 ? 0.0 : std::ldexp(high, -60 - (k % 7));
    parts.push_back({k % 11 == 0 ? static_cast<double>(n) * 3 : high, low});  // exact quotients
    divisors.push_back(n);
  }
  parts.push_back({0.0, 0.0});
  divisors.push_back(3);
  parts.push_back({0x1p1000, 0x1p1000});
  divisors.push_back(1);
  parts.push_back({5.0, 0.0});  // 5 / 2: a tie, to even
  divisors.push_back(2);
  parts.push_back({0x1p60, 3.0});  // a divisor of 2^52 or more: AVX2 takes its group one by one
  divisors.push_back((std::uint64_t{1} << 52) + 3);
  // Exact means at, just beside, and a whole spacing past the midpoints between a quotient and
  // its neighbours, of either sign: every branch of the decision (above, below, ties either
  // way, declines past a spacing).
  std::uniform_int_distribution<std::uint64_t> small_counts(1, 40);
  for (int k = 0; k < 4000; ++k) {
    const std::uint64_t n = small_counts(engine);
    const double q = std::ldexp(
        1.0 + std::ldexp(static_cast<double>(k % 64), -52) + std::abs(normal(engine)) * 0x1p-3,
        scale(engine) % 50);
    const double spacing = std::nextafter(q, 2 * q) - q;
    const double offsets[] = {0.5, -0.5, 1.0, -1.0, 1.5, 0.25};
    const double offset = offsets[k % 6] * spacing * static_cast<double>(n);
    const double nudge = k % 5 == 0 ? std::ldexp(spacing, -60) * ((k % 2) * 2 - 1) : 0.0;
    const double high = q * static_cast<double>(n);  // not always exact: the low part is
    const double sign = k % 4 < 2 ? 1.0 : -1.0;      // what the mean is measured from
    parts.push_back({sign * high, sign * (offset + nudge)});
    divisors.push_back(n);
  }
  for (const detail::simd_level level :
       {detail::simd_level::baseline, detail::simd_level::avx2, detail::simd_level::avx512}) {
    // Every length of a last, masked group: batches of 1 to 17 from the front.
    for (std::size_t length = 1; length <= 17; ++length) {
      std::vector<double> short_batch(length);
      const bool decided = detail::means_of_parts({parts.data(), length}, {divisors.data(), length},
                                                  short_batch, level);
      EXPECT_EQ(decided, std::ranges::none_of(short_batch, [](double x) { return std::isnan(x); }))
          << "level " << static_cast<int>(level) << ", batch of " << length;
      for (std::size_t k = 0; k < length; ++k) {
        const std::optional<double> single = detail::mean_of_parts(parts[k], divisors[k]);
        ASSERT_EQ(pattern(short_batch[k]),
                  pattern(single.value_or(std::numeric_limits<double>::quiet_NaN())))
            << "level " << static_cast<int>(level) << ", batch of " << length << ", parts " << k;
      }
    }
    // A last short group with a divisor of 2^52 or more (AVX2 takes it one by one).
    {
      const std::vector<detail::split_parts> group{
          parts[0], parts[1], parts[2], parts[3], {0x1p60, 3.0}};
      const std::vector<std::uint64_t> group_divisors{divisors[0], divisors[1], divisors[2],
                                                      divisors[3], (std::uint64_t{1} << 52) + 3};
      std::vector<double> group_means(group.size());
      static_cast<void>(detail::means_of_parts(group, group_divisors, group_means, level));
      for (std::size_t k = 0; k < group.size(); ++k) {
        const std::optional<double> single = detail::mean_of_parts(group[k], group_divisors[k]);
        ASSERT_EQ(pattern(group_means[k]),
                  pattern(single.value_or(std::numeric_limits<double>::quiet_NaN())))
            << "level " << static_cast<int>(level) << ", short group, parts " << k;
      }
    }
    std::vector<double> batched(parts.size());
    EXPECT_FALSE(detail::means_of_parts(parts, divisors, batched, level));  // declines below
    int declined = 0, raised = 0, lowered = 0;  // against the plain rounded quotient
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const std::optional<double> single = detail::mean_of_parts(parts[k], divisors[k]);
      const double plain = (parts[k].high + parts[k].low) / static_cast<double>(divisors[k]);
      declined += single ? 0 : 1;
      raised += single && *single > plain ? 1 : 0;
      lowered += single && *single < plain ? 1 : 0;
      ASSERT_EQ(pattern(batched[k]),
                pattern(single.value_or(std::numeric_limits<double>::quiet_NaN())))
          << "level " << static_cast<int>(level) << ", parts " << k;
    }
    EXPECT_GE(declined, 2);  // the zero and the huge quotient at least
    EXPECT_GE(raised, 100);
    EXPECT_GE(lowered, 100);
  }
}

TEST(FastBandedSums, Binary64ScanAgreesOnEverySimdLevel) {
  std::mt19937_64 engine(37);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> scale(-1070, 1020);
  for (std::int64_t width = 1; width <= 40; ++width) {
    std::vector<double> plane(static_cast<std::size_t>(3 * width));
    for (double& x : plane) x = std::ldexp(normal(engine), scale(engine));
    if (width > 4) plane[4] = 0.0;
    const reference::window rows{0, 3}, columns{0, width}, one{0, 1};
    detail::geometry g;
    g.in = {1, 3, width};
    const detail::box3 box{one, rows, columns};
    const detail::exponent_range base =
        detail::scan_binary64(g, plane.data(), box, detail::simd_level::baseline);
    for (const auto level : {detail::simd_level::avx2, detail::simd_level::avx512}) {
      const detail::exponent_range r = detail::scan_binary64(g, plane.data(), box, level);
      EXPECT_EQ(r.lowest, base.lowest) << width;
      EXPECT_EQ(r.highest, base.highest) << width;
      EXPECT_EQ(r.special, base.special) << width;
    }
  }
}

// Band shapes for the column-sum tests: rows, width, and whether the values are zeros only.
std::vector<std::tuple<std::int64_t, std::int64_t, bool>> band_shapes() {
  std::vector<std::tuple<std::int64_t, std::int64_t, bool>> shapes;
  for (const std::int64_t rows : {1, 3, 6}) {
    for (std::int64_t width = 0; width <= 160; ++width) shapes.emplace_back(rows, width, false);
    for (const std::int64_t width : {200, 224, 250}) shapes.emplace_back(rows, width, false);
  }
  for (const std::int64_t width : {7, 16, 64, 75}) shapes.emplace_back(2, width, true);
  return shapes;
}

TEST(FastBandedSums, ColumnSumsAgreeOnEverySimdLevel) {
  // One, three and six rows of every width up to 160, and of 200, 224 and 250 (every block of one
  // to four and of seven vectors, seven then four, every tail), with a zero and an infinity, and
  // rows of zeros only: each level adds each row's value to its column in row order, as the scalar
  // loop here does, and sees the same magnitudes.
  std::mt19937 engine(23);
  std::normal_distribution<float> normal;
  for (const auto& [rows, width, zeros] : band_shapes()) {
    std::vector<float> values(static_cast<std::size_t>(rows * width));
    for (float& x : values) x = zeros ? -0.0f : normal(engine);
    if (width > 9 && rows > 1 && !zeros) {
      values[5] = 0.0f;
      values[static_cast<std::size_t>(width) + 9] = std::numeric_limits<float>::infinity();
    }
    std::vector<double> expected(static_cast<std::size_t>(width), 0.25);
    detail::seen_magnitudes expected_seen;
    for (std::size_t k = 0; k < values.size(); ++k) {
      expected[k % static_cast<std::size_t>(width)] += static_cast<double>(values[k]);
      const std::uint32_t magnitude = std::bit_cast<std::uint32_t>(values[k]) & 0x7FFFFFFFu;
      expected_seen.least_minus_one = std::min(expected_seen.least_minus_one, magnitude - 1);
      expected_seen.greatest = std::max(expected_seen.greatest, magnitude);
    }
    for (const auto level : testing::all_simd_levels) {
      std::vector<double> columns(static_cast<std::size_t>(width), 0.25);
      detail::seen_magnitudes seen;
      detail::add_rows_to_columns(values.data(), {rows, width}, columns.data(), seen, level);
      EXPECT_EQ(testing::patterns_of(columns), testing::patterns_of(expected))
          << rows << "x" << width;
      EXPECT_EQ(seen.least_minus_one, expected_seen.least_minus_one) << rows << "x" << width;
      EXPECT_EQ(seen.greatest, expected_seen.greatest) << rows << "x" << width;
    }
  }
}

TEST(FastBandedSums, SixteenBitColumnSumsWidenExactlyOnEverySimdLevel) {
  // Every binary16 and bfloat16 pattern, 37, 56 or 8 to a row (tails, AVX-512's step of 8 after
  // steps of 16, and that step alone): the columns get the patterns' exact values (the
  // reference's decode), the magnitudes their 15 low bits.
  for (const auto& [format, width] :
       std::vector<std::pair<float_format, std::int64_t>>{{float_format::binary16, 37},
                                                          {float_format::bfloat16, 37},
                                                          {float_format::binary16, 56},
                                                          {float_format::bfloat16, 56},
                                                          {float_format::binary16, 8},
                                                          {float_format::bfloat16, 8}}) {
    std::vector<std::uint16_t> patterns16;
    for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
      const bool finite = (bits & 0x7FFFu) < (format == float_format::binary16 ? 0x7C00u : 0x7F80u);
      if (finite) patterns16.push_back(static_cast<std::uint16_t>(bits));
    }
    const auto row_size = static_cast<std::size_t>(width);
    patterns16.resize(patterns16.size() / row_size * row_size);
    const std::int64_t rows = static_cast<std::int64_t>(patterns16.size()) / width;
    for (const auto level : testing::all_simd_levels) {
      // One row at a time into columns of -0 (which keeps a -0 value's sign): each column then
      // holds one value exactly.
      for (std::int64_t r = 0; r < rows; ++r) {
        std::vector<double> columns(static_cast<std::size_t>(width), -0.0);
        detail::seen_magnitudes seen;
        const std::uint16_t* row = patterns16.data() + r * width;
        detail::add_rows16_to_columns(format, row, {1, width}, columns.data(), seen, level);
        std::uint32_t least = ~0u, greatest = 0;
        for (std::int64_t j = 0; j < width; ++j) {
          const reference::extended_rational want = decode(format, row[j]);
          ASSERT_TRUE(want ==
                      decode(float_format::binary64, pattern(columns[static_cast<std::size_t>(j)])))
              << "pattern " << row[j] << " level " << static_cast<int>(level);
          least = std::min(least, (row[j] & 0x7FFFu) - 1u);
          greatest = std::max(greatest, row[j] & 0x7FFFu);
        }
        EXPECT_EQ(seen.least_minus_one, least);
        EXPECT_EQ(seen.greatest, greatest);
      }
    }
  }
}

TEST(FastBandedSums, SixteenBitBlocksAgreeOnEverySimdLevel) {
  // Several rows added into the same columns: every level gives the baseline's sums bit for bit
  // (each column in row order) and its magnitudes. Finite patterns; then some infinities and
  // NaNs, whose columns' values do not matter (their magnitudes make the caller fall back) and
  // differ between the conversions, so only the magnitudes are compared.
  std::mt19937 engine(43);
  std::uniform_int_distribution<std::uint32_t> any(0, 0xFFFF);
  std::uniform_int_distribution<int> roll(0, 9);
  for (const auto format : {float_format::binary16, float_format::bfloat16}) {
    const std::uint32_t field = format == float_format::binary16 ? 0x7C00u : 0x7F80u;
    // Every block of one to four and of seven vectors of sixteen, with and without eight columns
    // more, and tails.
    for (const std::int64_t width : {1,  8,  15, 16, 24,  32,  37,  40,  48,  56,  63,  64,
                                     67, 72, 80, 96, 104, 112, 113, 120, 127, 183, 224, 250}) {
      constexpr std::int64_t rows = 5;
      std::vector<std::uint16_t> values(static_cast<std::size_t>(rows * width));
      // Mostly values near 1 (sums that round), some any finite pattern.
      for (std::uint16_t& x : values) {
        x = static_cast<std::uint16_t>(format == float_format::binary16
                                           ? 0x3800u | (any(engine) & 0x87FFu)
                                           : 0x3F00u | (any(engine) & 0x80FFu));
        const auto other = static_cast<std::uint16_t>(any(engine));
        if (roll(engine) == 0 && (other & field) != field) x = other;
      }
      std::vector<std::uint16_t> specials = values;
      specials[specials.size() / 2] = static_cast<std::uint16_t>(field);                // +inf
      specials[specials.size() / 3] = static_cast<std::uint16_t>(0x8000u | field | 1);  // NaN
      // Zeros of either sign only: no magnitude seen (the least stays ~0, a 32-bit wrap).
      std::vector<std::uint16_t> zeros(values.size());
      for (std::size_t k = 0; k < zeros.size(); ++k)
        zeros[k] = static_cast<std::uint16_t>(k % 3 == 0 ? 0x8000u : 0u);
      for (const int kind : {0, 1, 2}) {
        const bool finite = kind != 1;
        const std::vector<std::uint16_t>& block =
            kind == 0 ? values : (kind == 1 ? specials : zeros);
        std::vector<double> baseline(static_cast<std::size_t>(width), 0.25);
        detail::seen_magnitudes baseline_seen;
        detail::add_rows16_to_columns(format, block.data(), {rows, width}, baseline.data(),
                                      baseline_seen, detail::simd_level::baseline);
        for (const auto level : testing::all_simd_levels) {
          std::vector<double> columns(static_cast<std::size_t>(width), 0.25);
          detail::seen_magnitudes seen;
          detail::add_rows16_to_columns(format, block.data(), {rows, width}, columns.data(), seen,
                                        level);
          if (finite) {
            EXPECT_EQ(testing::patterns_of(columns), testing::patterns_of(baseline)) << width;
          }
          EXPECT_EQ(seen.least_minus_one, baseline_seen.least_minus_one) << width;
          EXPECT_EQ(seen.greatest, baseline_seen.greatest) << width;
        }
      }
    }
  }
}

// add_rows_to_columns or add_rows16_to_columns (by the storage type) on `values`.
// binary32 in `order` (the 16-bit formats have one).
void add_band(float_format format, const std::vector<float>& values,
              const detail::band_layout& band, std::vector<double>& columns,
              detail::seen_magnitudes& seen, detail::simd_level level, detail::band_order order) {
  static_cast<void>(format);
  detail::add_rows_to_columns(values.data(), band, columns.data(), seen, level, order);
}

void add_band(float_format format, const std::vector<std::uint16_t>& values,
              const detail::band_layout& band, std::vector<double>& columns,
              detail::seen_magnitudes& seen, detail::simd_level level, detail::band_order order) {
  static_cast<void>(order);
  detail::add_rows16_to_columns(format, values.data(), band, columns.data(), seen, level);
}

// A band of `runs` runs of `rows` rows laid out `gap` rows plus `extra` values apart, the space
// between them an infinity (which the sums or the magnitudes would show if read): every level
// gives what the baseline gives on the same rows copied together as one run. binary32 and
// bfloat16 values span 70 binades, so their double sums round and show the order of the
// additions too; binary16's sums of a few rows are always exact, so only reads are tested there.
template <typename T>
void expect_runs_add_in_order(float_format format, std::int64_t runs, std::int64_t rows,
                              std::int64_t width, std::int64_t gap, std::int64_t extra,
                              std::mt19937& engine) {
  std::uniform_int_distribution<std::uint32_t> any(0, 0xFFFFFFFF);
  std::uniform_int_distribution<std::uint32_t> exponent(90, 160);
  const auto value = [&] {
    const std::uint32_t sign = any(engine) & 0x80000000u;
    if constexpr (std::same_as<T, float>) {
      return std::bit_cast<float>(sign | exponent(engine) << 23 | (any(engine) & 0x7FFFFFu));
    } else {
      if (format == float_format::binary16)
        return static_cast<std::uint16_t>(0x3800u | (any(engine) & 0x87FFu));
      return static_cast<std::uint16_t>(
          (sign | exponent(engine) << 23 | (any(engine) & 0x7F0000u)) >> 16);
    }
  };
  T infinity{};
  if constexpr (std::same_as<T, float>) {
    infinity = std::numeric_limits<float>::infinity();
  } else {
    infinity = format == float_format::binary16 ? 0x7C00u : 0x7F80u;
  }
  const std::int64_t stride = (rows + gap) * width + extra;
  std::vector<T> laid_out(static_cast<std::size_t>(runs * stride), infinity);
  std::vector<T> together;
  for (std::int64_t s = 0; s < runs; ++s) {
    for (std::int64_t k = 0; k < rows * width; ++k) {
      const T x = value();
      laid_out[static_cast<std::size_t>(s * stride + k)] = x;
      together.push_back(x);
    }
  }
  std::vector<double> want(static_cast<std::size_t>(width), 0.25);
  detail::seen_magnitudes want_seen;
  add_band(format, together, {runs * rows, width}, want, want_seen, detail::simd_level::baseline,
           detail::band_order::down_columns);
  for (const auto level : testing::all_simd_levels) {
    for (const auto order : {detail::band_order::down_columns, detail::band_order::along_rows}) {
      std::vector<double> columns(static_cast<std::size_t>(width), 0.25);
      detail::seen_magnitudes seen;
      add_band(format, laid_out, {rows, width, runs, stride}, columns, seen, level, order);
      const std::string what = std::to_string(runs) + " runs of " + std::to_string(rows) + "x" +
                               std::to_string(width) + " gap " + std::to_string(gap) + " level " +
                               std::to_string(static_cast<int>(level)) + " order " +
                               std::to_string(static_cast<int>(order));
      EXPECT_EQ(testing::patterns_of(columns), testing::patterns_of(want)) << what;
      EXPECT_EQ(seen.least_minus_one, want_seen.least_minus_one) << what;
      EXPECT_EQ(seen.greatest, want_seen.greatest) << what;
    }
  }
}

TEST(FastBandedSums, RunsOfRowsAddAsTheirRowsInOrderOnEverySimdLevel) {
  // A 3-D band's runs (one per depth slice) in one call: runs of 1 to 12 rows (the prefetch
  // eight rows ahead within a run, and crossing into the next run or past it), widths of every
  // AVX-512 block with and without eight columns more and of tails, runs back to back and apart,
  // in binary32 and both 16-bit formats.
  std::mt19937 engine(47);
  for (const std::int64_t runs : {1, 2, 4}) {
    for (const std::int64_t rows : {1, 3, 4, 8, 12}) {
      for (const std::int64_t width : {1, 8, 16, 24, 40, 48, 56, 64, 72, 112, 120, 131}) {
        for (const auto& [gap, extra] : {std::pair{0, 0}, {1, 3}, {5, 0}}) {
          expect_runs_add_in_order<float>(float_format::binary32, runs, rows, width, gap, extra,
                                          engine);
          for (const auto format : {float_format::binary16, float_format::bfloat16})
            expect_runs_add_in_order<std::uint16_t>(format, runs, rows, width, gap, extra, engine);
        }
      }
    }
  }
}

TEST(FastBandedSums, SplitColumnSumsAgreeOnEverySimdLevel) {
  std::mt19937 engine(29);
  std::normal_distribution<double> normal;
  constexpr std::int64_t rows = 3;
  constexpr double c = 0x1.8p40;  // a grid of 2^-12
  for (std::int64_t width = 0; width <= 20; ++width) {
    std::vector<double> values(static_cast<std::size_t>(rows * width));
    for (double& x : values) x = normal(engine);
    std::vector<double> expected_high(static_cast<std::size_t>(width), 1.0);
    std::vector<double> expected_low(static_cast<std::size_t>(width), 0.0);
    for (std::size_t k = 0; k < values.size(); ++k) {
      const double part = (values[k] + c) - c;
      expected_high[k % static_cast<std::size_t>(width)] += part;
      expected_low[k % static_cast<std::size_t>(width)] += values[k] - part;
    }
    for (const auto level : testing::all_simd_levels) {
      std::vector<double> high(static_cast<std::size_t>(width), 1.0);
      std::vector<double> low(static_cast<std::size_t>(width), 0.0);
      detail::add_split_rows_to_columns(values.data(), {rows, width}, high.data(), low.data(), c,
                                        level);
      EXPECT_EQ(testing::patterns_of(high), testing::patterns_of(expected_high)) << width;
      EXPECT_EQ(testing::patterns_of(low), testing::patterns_of(expected_low)) << width;
    }
  }
}

}  // namespace
}  // namespace poolproof::engine

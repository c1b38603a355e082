// The fast engine's max backward on planes of one row of windows, whose indices usually ascend
// without triples (the pair-sum routes without chooser counts, 1-D planes a block at a time),
// against the plain reference: each format, one and two threads, and the planes that must leave
// those routes (a descending pair, a triple whose sum two roundings would get wrong, an index
// outside its window, a NaN gradient) or throw (an index outside its plane in the last plane);
// and 2-D planes whose inputs have three or four choosers.
#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/exact_number.h>
#include <poolproof/reference/float_format.h>

#include <bit>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "engine/chosen_block.h"
#include "engine/double_sums.h"
#include "engine/simd.h"
#include "engine/streaming.h"
#include "tests/engine/engine_test_support.h"

namespace poolproof::engine {
namespace {

using sizes = std::vector<std::int64_t>;
using reference::float_format;

template <typename T>
std::uint64_t bits_of(T x) {
  if constexpr (std::same_as<T, float>) {
    return std::bit_cast<std::uint32_t>(x);
  } else if constexpr (std::same_as<T, double>) {
    return std::bit_cast<std::uint64_t>(x);
  } else {
    return x;
  }
}

template <typename T>
T from_bits(std::uint64_t b) {
  if constexpr (std::same_as<T, float>) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(b));
  } else if constexpr (std::same_as<T, double>) {
    return std::bit_cast<double>(b);
  } else {
    return static_cast<std::uint16_t>(b);
  }
}

// Gradients of small magnitudes (some negative, some -0, a few exact halves so that pair sums
// round), as patterns of `format` from float values.
template <typename T>
std::vector<T> gradients(float_format format, std::size_t count, std::mt19937& engine) {
  std::uniform_int_distribution<int> numerator(-64, 64);
  std::vector<T> grads;
  for (std::size_t i = 0; i < count; ++i) {
    const float x = static_cast<float>(numerator(engine)) / 16.0f + (i % 7 == 0 ? 0x1p-20f : 0.0f);
    const std::uint32_t b = std::bit_cast<std::uint32_t>(i % 11 == 0 ? -0.0f : x);
    std::uint64_t pattern = b;
    if (format == float_format::binary64) pattern = std::bit_cast<std::uint64_t>(double{x});
    if (format == float_format::bfloat16) pattern = b >> 16;
    if (format == float_format::binary16)  // +-1, and -0 where the others have it
      pattern = i % 11 == 0 ? 0x8000u : ((b >> 16) & 0x8000u) | 0x3C00u;
    grads.push_back(from_bits<T>(pattern));
  }
  return grads;
}

// 1 and u, half an ulp of 1, in `format`: 1 + u + u is exact in one rounding and 1 in two.
template <typename T>
std::pair<T, T> one_and_half_ulp(float_format format) {
  switch (format) {
    case float_format::bfloat16:
      return {from_bits<T>(0x3F80u), from_bits<T>(0x3B80u)};  // 2^-8
    case float_format::binary16:
      return {from_bits<T>(0x3C00u), from_bits<T>(0x1000u)};  // 2^-11
    case float_format::binary32:
      return {from_bits<T>(std::bit_cast<std::uint32_t>(1.0f)),
              from_bits<T>(std::bit_cast<std::uint32_t>(0x1p-24f))};
    case float_format::binary64:
      return {from_bits<T>(std::bit_cast<std::uint64_t>(1.0)),
              from_bits<T>(std::bit_cast<std::uint64_t>(0x1p-53))};
  }
  return {};
}

template <typename T>
void expect_matches(float_format format, const sizes& shape, const sizes& out,
                    const std::vector<T>& grads, const std::vector<std::int64_t>& indices) {
  reference::exact_tensor tensor{reference::adaptive_output_shape(shape, out), {}};
  for (T g : grads) tensor.values.push_back(decode(format, bits_of(g)));
  std::vector<std::uint64_t> want;
  for (const reference::extended_rational& x :
       reference::adaptive_max_pool_backward(tensor, indices, shape, out.size()).values)
    want.push_back(round_to(format, x));
  for (const bool streamed : {false, true}) {
    const testing::past_cache_while route(streamed);
    for (const unsigned threads : {1u, 2u}) {
      // The output starts as a pattern no input's gradient has, so an input the pass did not
      // write (not zeroed, say) shows.
      std::vector<T> got(static_cast<std::size_t>(reference::element_count(shape)),
                         from_bits<T>(0x5555555555555555u));
      adaptive_max_pool_backward<T>(format, shape, out, grads, indices, got, threads);
      std::vector<std::uint64_t> got_bits;
      got_bits.reserve(got.size());
      for (T x : got) got_bits.push_back(bits_of(x));
      EXPECT_EQ(got_bits, want) << reference::format_name(format) << " threads " << threads
                                << (streamed ? ", planes streamed" : "");
    }
  }
}

template <typename T>
void check_rows(float_format format) {
  std::mt19937 engine(59);
  const sizes shape{37, 33}, out{10};
  // Ascending indices with pairs: window o's first or last element (adjacent windows overlap
  // in one element, which both may choose).
  std::vector<std::int64_t> indices;
  std::uniform_int_distribution<int> coin(0, 1);
  for (std::int64_t p = 0; p < 37; ++p) {
    for (const reference::window& w : reference::adaptive_windows(33, 10))
      indices.push_back(coin(engine) != 0 ? w.begin : w.end - 1);
  }
  const std::vector<T> grads = gradients<T>(format, indices.size(), engine);
  expect_matches(format, shape, out, grads, indices);
  // A descending pair in plane 20, and a triple in plane 30 whose sum 1 + u + u (u: half an ulp
  // of 1) two roundings in a row would take to 1.
  constexpr std::size_t plane20 = std::size_t{20} * 10, plane30 = std::size_t{30} * 10;
  std::vector<std::int64_t> mixed = indices;
  std::swap(mixed[plane20 + 3], mixed[plane20 + 4]);
  mixed[plane30 + 1] = mixed[plane30];
  mixed[plane30 + 2] = mixed[plane30];
  std::vector<T> triple = grads;
  const auto [one, half_ulp] = one_and_half_ulp<T>(format);
  triple[plane30] = one;
  triple[plane30 + 1] = half_ulp;
  triple[plane30 + 2] = half_ulp;
  expect_matches(format, shape, out, triple, mixed);
  // An index outside its plane in the last plane throws, whichever path the worker takes
  // (the extremes too: the windows' check subtracts modulo 2^64), and on any number of threads:
  // on more than one, the last plane is another thread's, whose exception reaches the caller.
  // Planes streamed or not; after the throws, a call on the same thread still matches (the
  // scratch plane an exception left is not reused dirty).
  std::vector<T> sink(static_cast<std::size_t>(37 * 33));
  for (const bool streamed : {false, true}) {
    const testing::past_cache_while route(streamed);
    for (const std::int64_t outside :
         {std::int64_t{33}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::min(),
          std::numeric_limits<std::int64_t>::max()}) {
      std::vector<std::int64_t> bad = indices;
      bad.back() = outside;
      // Mid-worker too: the window check sends the rows to the 2-D route, which throws at
      // plane 30 after writing (or streaming) the planes before it.
      bad[plane30] = outside;
      for (const unsigned threads : {1u, 2u, 3u}) {
        EXPECT_THROW(adaptive_max_pool_backward<T>(format, shape, out, grads, bad, sink, threads),
                     common::input_error)
            << outside << " on " << threads << " threads";
      }
    }
  }
  expect_matches(format, shape, out, triple, mixed);
}

TEST(FastMaxBackward, RowsOfAscendingIndicesMatchTheReference) {
  check_rows<float>(float_format::binary32);
  check_rows<double>(float_format::binary64);
  check_rows<std::uint16_t>(float_format::bfloat16);
  check_rows<std::uint16_t>(float_format::binary16);
}

// Random significands in four binades around 1, either sign: pair sums carry into the next
// binade, cancel, and land on midpoints of the format (ties).
template <typename T>
std::vector<T> close_gradients(float_format format, std::size_t count, std::mt19937& engine) {
  const reference::format_layout layout = reference::layout_of(format);
  const auto bias = static_cast<std::uint64_t>(layout.bias());
  std::uniform_int_distribution<std::uint64_t> any(0, ~std::uint64_t{0});
  std::uniform_int_distribution<std::uint64_t> binade(bias - 2, bias + 1);
  std::vector<T> grads;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t sign = any(engine) & 1;
    const std::uint64_t fraction = any(engine) & ((std::uint64_t{1} << layout.fraction_bits) - 1);
    grads.push_back(from_bits<T>((sign << (layout.width() - 1)) |
                                 (binade(engine) << layout.fraction_bits) | fraction));
  }
  return grads;
}

// 1-D planes whose indices lie in their own windows take one pass per block of planes; the
// checks: enough planes for several blocks, pairs that carry or tie, indices outside their
// windows (inside the plane) in the last block, which send the worker back to the per-plane
// route after earlier blocks were written, planes of more outputs than inputs (windows shared
// three times: in their windows, not in ascending pairs), rows of a 2-D plane [5, 33] -> [1, 10],
// blocks of fewer planes than make a whole number of vectors (900 -> 7: two or four planes of 7
// outputs a block, left unrounded) and planes of more outputs than a block holds (2000 -> 1500:
// one plane a block, its tables released after the call).
template <typename T>
void check_rows_in_windows(float_format format) {
  std::mt19937 engine(67);
  const std::int64_t planes = 301;
  for (const auto& [shape, out] : std::vector<std::pair<sizes, sizes>>{{{planes, 33}, {10}},
                                                                       {{planes, 7}, {16}},
                                                                       {{17, 5, 33}, {1, 10}},
                                                                       {{40, 900}, {7}},
                                                                       {{5, 2000}, {1500}}}) {
    const sizes spatial(shape.begin() + 1, shape.end());
    const std::int64_t out_plane = reference::element_count(out);
    const auto row_windows = reference::adaptive_windows(spatial.back(), out.back());
    std::vector<std::int64_t> indices;
    std::uniform_int_distribution<int> coin(0, 1);
    for (std::int64_t p = 0; p < shape[0]; ++p) {
      for (const reference::window& w : row_windows) {
        const std::int64_t row = spatial.size() == 2 ? 2 * spatial.back() : 0;
        indices.push_back(row + (coin(engine) != 0 ? w.begin : w.end - 1));
      }
    }
    // The last plane's first three outputs choose its last input: outside their windows, and
    // three choosers, which one hardware addition after another would round twice.
    std::vector<std::int64_t> outside = indices;
    for (std::size_t k = 0; k < 3; ++k)
      outside[outside.size() - static_cast<std::size_t>(out_plane) + k] =
          reference::element_count(spatial) - 1;
    for (const std::vector<T>& grads : {gradients<T>(format, indices.size(), engine),
                                        close_gradients<T>(format, indices.size(), engine)}) {
      expect_matches(format, shape, out, grads, indices);
      expect_matches(format, shape, out, grads, outside);
    }
  }
}

TEST(FastMaxBackward, RowsOfIndicesInTheirWindowsMatchTheReference) {
  check_rows_in_windows<float>(float_format::binary32);
  check_rows_in_windows<double>(float_format::binary64);
  check_rows_in_windows<std::uint16_t>(float_format::bfloat16);
  check_rows_in_windows<std::uint16_t>(float_format::binary16);
}

// 2-D planes of 10x10 -> 3x3, whose windows overlap in rows and columns 3 and 6: each window
// chooses one of its corners, so the four cells where windows meet have up to four choosers.
// Plane 0: the four windows around (3, 3) choose it, with 1 + u + u + u (u: half an ulp of 1),
// whose chained roundings give 1; plane 1: three of them, 1 + u + u; the rest at random, small
// gradients and then random ones near 1 (pairs that carry, cancel and tie).
template <typename T>
void check_crowded_corners(float_format format) {
  std::mt19937 engine(67);
  constexpr std::int64_t planes = 9;
  const sizes shape{planes, 10, 10}, out{3, 3};
  const std::vector<reference::window> windows = reference::adaptive_windows(10, 3);
  std::uniform_int_distribution<int> coin(0, 1);
  std::vector<std::int64_t> indices;
  for (std::int64_t p = 0; p < planes; ++p) {
    for (const reference::window& w0 : windows) {
      for (const reference::window& w1 : windows) {
        const std::int64_t i0 = coin(engine) != 0 ? w0.begin : w0.end - 1;
        const std::int64_t i1 = coin(engine) != 0 ? w1.begin : w1.end - 1;
        indices.push_back(i0 * 10 + i1);
      }
    }
  }
  const auto [one, u] = one_and_half_ulp<T>(format);
  // Outputs (0, 0), (0, 1), (1, 0), (1, 1) of a plane are 0, 1, 3, 4.
  for (const std::size_t o : std::initializer_list<std::size_t>{0, 1, 3, 4, 9, 10, 12})
    indices[o] = 33;
  indices[13] = 36;  // plane 1's window (1, 1) elsewhere: exactly three choosers at 33
  for (std::vector<T> grads : {gradients<T>(format, indices.size(), engine),
                               close_gradients<T>(format, indices.size(), engine)}) {
    for (const std::size_t o : std::initializer_list<std::size_t>{0, 1, 3, 4, 9, 10, 12})
      grads[o] = o == 0 || o == 9 ? one : u;
    expect_matches(format, shape, out, grads, indices);
  }
}

TEST(FastMaxBackward, InputsOfThreeOrMoreChoosersAreSummedExactly) {
  check_crowded_corners<float>(float_format::binary32);
  check_crowded_corners<double>(float_format::binary64);
  check_crowded_corners<std::uint16_t>(float_format::bfloat16);
  check_crowded_corners<std::uint16_t>(float_format::binary16);
}

// Every output of a plane choosing its first input, 1 then half-ulps of 1, which chained
// roundings leave at 1: the counts of choosers must reach out_plane without wrapping, at 255
// outputs (the largest counted in bytes) and 256.
template <typename T>
void check_every_output_choosing_one_input(float_format format) {
  const auto [one, u] = one_and_half_ulp<T>(format);
  for (const auto& [shape, out] :
       std::vector<std::pair<sizes, sizes>>{{{3, 15, 17}, {15, 17}}, {{3, 16, 16}, {16, 16}}}) {
    const auto count = static_cast<std::size_t>(shape[0] * out[0] * out[1]);
    std::vector<std::int64_t> indices(count, 0);
    std::vector<T> grads(count, u);
    for (std::size_t o = 0; o < count; o += count / 3) grads[o] = one;
    expect_matches(format, shape, out, grads, indices);
  }
}

TEST(FastMaxBackward, AnInputChosenByEveryOutputIsSummedExactly) {
  check_every_output_choosing_one_input<float>(float_format::binary32);
  check_every_output_choosing_one_input<double>(float_format::binary64);
  check_every_output_choosing_one_input<std::uint16_t>(float_format::bfloat16);
  check_every_output_choosing_one_input<std::uint16_t>(float_format::binary16);
}

// write_chosen_block on every lane level against exact sums, for counts from 1 to 40 (short
// blocks, whole vectors, tails): ascending positions where each output shares its predecessor's
// input at random but never three in a row, pairs at every lane (across the vectors' boundary and
// into the tail), and gradients that make the hard pairs: -0 + -0, sums past the largest finite
// value, ties at midpoints, cancellation.
template <typename F>
void check_chosen_block(std::mt19937& engine) {
  using T = typename F::storage;
  const reference::format_layout layout = reference::layout_of(F::format);
  const std::uint64_t sign = std::uint64_t{1} << (layout.width() - 1);
  const std::uint64_t largest = reference::largest_finite_bits(F::format);
  const std::vector<T> near_one = close_gradients<T>(F::format, 64, engine);
  std::uniform_int_distribution<int> pick(0, 5);
  for (std::int64_t count = 1; count <= 40; ++count) {
    std::vector<std::int64_t> chosen, offset(static_cast<std::size_t>(count), 0);
    std::vector<T> grads;
    std::int64_t at = 0;
    bool pairs_previous = false;
    for (std::int64_t k = 0; k < count; ++k) {
      const bool pair = k > 0 && !pairs_previous && pick(engine) < 3;
      at += pair ? 0 : 1;
      chosen.push_back(at);
      pairs_previous = pair;
      const int kind = pick(engine);
      grads.push_back(kind == 0   ? from_bits<T>(sign)  // -0
                      : kind == 1 ? from_bits<T>(largest | (k % 2 != 0 ? sign : 0))
                                  : near_one[static_cast<std::size_t>(k % 64)]);
    }
    std::vector<reference::extended_rational> exact(static_cast<std::size_t>(at + 1),
                                                    reference::extended_rational::finite(0));
    for (std::int64_t k = 0; k < count; ++k) {
      auto& x = exact[static_cast<std::size_t>(chosen[static_cast<std::size_t>(k)])];
      x = reference::add(x, decode(F::format, bits_of(grads[static_cast<std::size_t>(k)])));
    }
    // Windows from one to three inputs around each index (begin <= index <= last).
    std::vector<std::int64_t> begin(chosen), last(chosen);
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      begin[k] -= std::min<std::int64_t>(chosen[k], pick(engine) % 2);
      last[k] += pick(engine) % 2;
    }
    for (const detail::simd_level level :
         {detail::simd_level::avx512, detail::simd_level::avx2, detail::simd_level::baseline}) {
      std::vector<T> plane(exact.size(), from_bits<T>(0));
      std::vector<std::int64_t> paired;
      ASSERT_TRUE(detail::write_chosen_block<F>(grads.data(), chosen.data(), begin.data(),
                                                last.data(), offset.data(), count, plane.data(),
                                                paired, level));
      for (std::size_t i = 0; i < exact.size(); ++i) {
        ASSERT_EQ(bits_of(plane[i]), round_to(F::format, exact[i]))
            << reference::format_name(F::format) << " count " << count << " input " << i
            << " level " << static_cast<int>(level);
      }
      // Output `bad` with its index one past its window's last, one before its begin, or a
      // gradient an infinity or a NaN: false, and nothing written at or after it.
      const std::uint64_t field = reference::largest_finite_bits(F::format) + 1;  // +infinity
      for (int fault = 0; fault < 4; ++fault) {
        const auto bad = static_cast<std::size_t>(count - 1 - (count * fault) / 5);
        std::vector<std::int64_t> bad_begin(begin), bad_last(last);
        std::vector<T> bad_grads(grads);
        if (fault == 0) bad_last[bad] = chosen[bad] - 1;
        if (fault == 1) bad_begin[bad] = chosen[bad] + 1;
        if (fault == 2) bad_grads[bad] = from_bits<T>(field);
        if (fault == 3) bad_grads[bad] = from_bits<T>(field | 1);  // a NaN
        std::vector<T> written(exact.size(), from_bits<T>(0));
        EXPECT_FALSE(detail::write_chosen_block<F>(bad_grads.data(), chosen.data(),
                                                   bad_begin.data(), bad_last.data(), offset.data(),
                                                   count, written.data(), paired, level))
            << "fault " << fault << " at " << bad << " of " << count;
        // An input of output `bad` or later is untouched unless output bad - 1 chose it too.
        const std::int64_t before = bad > 0 ? chosen[bad - 1] : -1;
        for (std::size_t k = bad; k < chosen.size(); ++k) {
          if (chosen[k] == before) continue;
          EXPECT_EQ(bits_of(written[static_cast<std::size_t>(chosen[k])]), 0u)
              << "fault " << fault << " output " << k << " of " << count << " level "
              << static_cast<int>(level);
        }
      }
    }
  }
}

TEST(FastMaxBackward, ChosenBlocksMatchExactSumsOnEveryLaneLevel) {
  std::mt19937 engine(71);
  check_chosen_block<detail::binary16_traits>(engine);
  check_chosen_block<detail::bfloat16_traits>(engine);
  check_chosen_block<detail::binary32_traits>(engine);
  check_chosen_block<detail::binary64_traits>(engine);
}

TEST(FastMaxBackward, RowsWithANaNGradientLeaveTheHardwareRoute) {
  std::mt19937 engine(61);
  const sizes shape{8, 12}, out{5};
  std::vector<std::int64_t> indices;
  for (std::int64_t p = 0; p < 8; ++p) {
    for (const reference::window& w : reference::adaptive_windows(12, 5))
      indices.push_back(w.begin);
  }
  std::vector<float> grads = gradients<float>(float_format::binary32, indices.size(), engine);
  grads[17] = std::bit_cast<float>(0x7FC00001u);
  expect_matches(float_format::binary32, shape, out, grads, indices);
}

}  // namespace
}  // namespace poolproof::engine

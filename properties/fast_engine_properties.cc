#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/properties/fast_engine_properties.h>
#include <poolproof/reference/adaptive_pool.h>

#include <algorithm>
#include <bit>
#include <span>

#include "engine/float_bits.h"

namespace poolproof::properties {
namespace {

std::uint64_t ones(int count) { return (std::uint64_t{1} << count) - 1; }

// A pattern whose exponent field lies in [lowest, lowest + width] (clamped below infinity's),
// of random sign and fraction; zero now and then.
rc::Gen<std::uint64_t> gen_banded_bits(reference::float_format format, std::uint64_t lowest,
                                       std::uint64_t width) {
  const reference::format_layout layout = reference::layout_of(format);
  const std::uint64_t top = std::min(lowest + width, ones(layout.exponent_bits) - 1);
  const auto nonzero = rc::gen::apply(
      [layout](bool negative, std::uint64_t field, std::uint64_t fraction) {
        const std::uint64_t sign = negative ? std::uint64_t{1} << (layout.width() - 1) : 0;
        return sign | (field << layout.fraction_bits) | fraction;
      },
      rc::gen::arbitrary<bool>(), rc::gen::inRange(lowest, top + 1),
      rc::gen::oneOf(rc::gen::inRange<std::uint64_t>(0, ones(layout.fraction_bits) + 1),
                     rc::gen::just(ones(layout.fraction_bits)), rc::gen::just<std::uint64_t>(0)));
  return rc::gen::weightedOneOf<std::uint64_t>(
      {{12, nonzero},
       {1, rc::gen::element<std::uint64_t>(0, std::uint64_t{1} << (layout.width() - 1))}});
}

rc::Gen<std::uint64_t> gen_spread_element(reference::float_format format, exponent_spread spread) {
  const std::uint64_t field_top = ones(reference::layout_of(format).exponent_bits) - 1;
  switch (spread) {
    case exponent_spread::any:
      return gen_float_bits(format, value_mix::finite);
    case exponent_spread::specials:
      return rc::gen::weightedOneOf<std::uint64_t>(
          {{8, gen_float_bits(format, value_mix::specials)}, {1, gen_any_bits(format)}});
    case exponent_spread::ties:
      return gen_float_bits(format, value_mix::ties);
    case exponent_spread::narrow: {
      const std::uint64_t width = *rc::gen::inRange<std::uint64_t>(0, 7);
      return gen_banded_bits(format, *rc::gen::inRange<std::uint64_t>(0, field_top + 1), width);
    }
    case exponent_spread::medium: {
      const std::uint64_t width =
          *rc::gen::inRange<std::uint64_t>(20, std::min<std::uint64_t>(61, field_top));
      return gen_banded_bits(format, *rc::gen::inRange<std::uint64_t>(0, field_top - width + 1),
                             width);
    }
    case exponent_spread::subnormal:
      return gen_banded_bits(format, 0, *rc::gen::inRange<std::uint64_t>(0, 3));
  }
  return gen_float_bits(format, value_mix::finite);
}

reference::exact_tensor decoded(reference::float_format format,
                                const std::vector<std::int64_t>& shape,
                                const std::vector<std::uint64_t>& bits) {
  reference::exact_tensor tensor{shape, {}};
  for (std::uint64_t b : bits) tensor.values.push_back(decode(format, b));
  return tensor;
}

std::vector<std::uint64_t> rounded(reference::float_format format,
                                   const reference::exact_tensor& tensor) {
  std::vector<std::uint64_t> bits;
  for (const reference::extended_rational& x : tensor.values) bits.push_back(round_to(format, x));
  return bits;
}

// Runs `run` on the patterns converted to the engine's element type of `format`.
template <typename Run>
void with_elements(reference::float_format format, Run run) {
  if (format == reference::float_format::binary32) {
    run(float{});
  } else if (format == reference::float_format::binary64) {
    run(double{});
  } else {
    run(std::uint16_t{});
  }
}

template <typename T>
std::vector<T> to_elements(const std::vector<std::uint64_t>& bits) {
  std::vector<T> elements;
  for (std::uint64_t b : bits) {
    if constexpr (std::same_as<T, float>) {
      elements.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(b)));
    } else if constexpr (std::same_as<T, double>) {
      elements.push_back(std::bit_cast<double>(b));
    } else {
      elements.push_back(static_cast<std::uint16_t>(b));
    }
  }
  return elements;
}

template <typename T>
std::vector<std::uint64_t> to_bits(const std::vector<T>& elements) {
  std::vector<std::uint64_t> bits;
  for (T x : elements) {
    if constexpr (std::same_as<T, float>) {
      bits.push_back(std::bit_cast<std::uint32_t>(x));
    } else if constexpr (std::same_as<T, double>) {
      bits.push_back(std::bit_cast<std::uint64_t>(x));
    } else {
      bits.push_back(x);
    }
  }
  return bits;
}

std::size_t pooled_count(const fast_pool_case& c) {
  return static_cast<std::size_t>(
      reference::element_count(reference::adaptive_output_shape(c.shape, c.out_size)));
}

std::int64_t in_plane_count(const fast_pool_case& c) {
  return reference::element_count(std::span(c.shape).last(c.out_size.size()));
}

}  // namespace

rc::Gen<std::vector<std::uint64_t>> gen_spread_bits(reference::float_format format,
                                                    std::size_t count, exponent_spread spread) {
  return rc::gen::exec([=] {
    return *rc::gen::container<std::vector<std::uint64_t>>(count,
                                                           gen_spread_element(format, spread));
  });
}

rc::Gen<fast_pool_case> gen_fast_pool_case() {
  return rc::gen::exec([] {
    fast_pool_case c;
    c.format = *gen_format();
    c.spread = *rc::gen::element(exponent_spread::any, exponent_spread::specials,
                                 exponent_spread::ties, exponent_spread::narrow,
                                 exponent_spread::medium, exponent_spread::subnormal);
    const int dims = *rc::gen::inRange(1, 4);
    const bool long_axis = dims == 1 && *rc::gen::inRange(0, 4) == 0;
    const std::int64_t max_in = long_axis ? 300 : dims == 1 ? 32 : dims == 2 ? 9 : 5;
    const int leading = *rc::gen::inRange(1, 3);
    for (int axis = 0; axis < leading; ++axis) c.shape.push_back(*rc::gen::inRange(1, 4));
    for (int axis = 0; axis < dims; ++axis) {
      const std::int64_t n = *rc::gen::inRange<std::int64_t>(1, max_in + 1);
      c.shape.push_back(n);
      c.out_size.push_back(*rc::gen::weightedOneOf<std::int64_t>(
          {{3, rc::gen::inRange<std::int64_t>(1, n + 1)},
           {1, rc::gen::inRange<std::int64_t>(n, 2 * n + 2)}}));
    }
    c.bits = *gen_spread_bits(c.format, static_cast<std::size_t>(reference::element_count(c.shape)),
                              c.spread);
    c.threads = *rc::gen::inRange(1u, 5u);
    return c;
  });
}

rc::Gen<std::vector<std::uint64_t>> gen_grad_output_bits(const fast_pool_case& c) {
  return gen_spread_bits(c.format, pooled_count(c), c.spread);
}

void fast_avg_matches_reference(const fast_pool_case& c) {
  const auto expected = rounded(
      c.format, reference::adaptive_avg_pool(decoded(c.format, c.shape, c.bits), c.out_size));
  with_elements(c.format, [&](auto element) {
    using T = decltype(element);
    const std::vector<T> input = to_elements<T>(c.bits);
    std::vector<T> output(pooled_count(c));
    engine::adaptive_avg_pool<T>(c.format, c.shape, input, c.out_size, output, c.threads);
    RC_ASSERT(to_bits(output) == expected);
  });
}

void fast_max_matches_reference(const fast_pool_case& c) {
  const reference::max_pool_result expected =
      reference::adaptive_max_pool(decoded(c.format, c.shape, c.bits), c.out_size);
  with_elements(c.format, [&](auto element) {
    using T = decltype(element);
    const std::vector<T> input = to_elements<T>(c.bits);
    std::vector<T> output(pooled_count(c));
    std::vector<std::int64_t> indices(output.size());
    engine::adaptive_max_pool<T>(c.format, c.shape, input, c.out_size, output, indices, c.threads);
    RC_ASSERT(indices == expected.indices);
    const std::vector<std::uint64_t> bits = to_bits(output);
    const auto out_plane = static_cast<std::int64_t>(reference::element_count(c.out_size));
    const std::int64_t in_plane = in_plane_count(c);
    for (std::size_t i = 0; i < bits.size(); ++i) {
      RC_ASSERT(decode(c.format, bits[i]) == expected.values.values[i]);
      // The winner itself: its pattern, NaN payload and sign included.
      const std::int64_t plane = static_cast<std::int64_t>(i) / out_plane;
      RC_ASSERT(bits[i] == c.bits[static_cast<std::size_t>(plane * in_plane + indices[i])]);
    }
  });
}

void fast_avg_backward_matches_reference(const fast_pool_case& c,
                                         const std::vector<std::uint64_t>& grad_output) {
  const std::vector<std::int64_t> out_shape = reference::adaptive_output_shape(c.shape, c.out_size);
  const auto expected =
      rounded(c.format, reference::adaptive_avg_pool_backward(
                            decoded(c.format, out_shape, grad_output), c.shape, c.out_size.size()));
  with_elements(c.format, [&](auto element) {
    using T = decltype(element);
    const std::vector<T> grads = to_elements<T>(grad_output);
    std::vector<T> grad_input(c.bits.size());
    engine::adaptive_avg_pool_backward<T>(c.format, c.shape, c.out_size, grads, grad_input,
                                          c.threads);
    RC_ASSERT(to_bits(grad_input) == expected);
  });
}

void fast_max_backward_matches_reference(const fast_pool_case& c,
                                         const std::vector<std::uint64_t>& grad_output) {
  fast_max_backward_on_indices_matches_reference(
      c, grad_output,
      reference::adaptive_max_pool(decoded(c.format, c.shape, c.bits), c.out_size).indices);
}

void fast_max_backward_on_indices_matches_reference(const fast_pool_case& c,
                                                    const std::vector<std::uint64_t>& grad_output,
                                                    const std::vector<std::int64_t>& indices) {
  const std::vector<std::int64_t> out_shape = reference::adaptive_output_shape(c.shape, c.out_size);
  const auto expected = rounded(
      c.format, reference::adaptive_max_pool_backward(decoded(c.format, out_shape, grad_output),
                                                      indices, c.shape, c.out_size.size()));
  with_elements(c.format, [&](auto element) {
    using T = decltype(element);
    const std::vector<T> grads = to_elements<T>(grad_output);
    std::vector<T> grad_input(c.bits.size());
    engine::adaptive_max_pool_backward<T>(c.format, c.shape, c.out_size, grads, indices, grad_input,
                                          c.threads);
    RC_ASSERT(to_bits(grad_input) == expected);
  });
}

rc::Gen<std::vector<std::int64_t>> gen_any_indices(const fast_pool_case& c) {
  return rc::gen::exec([c] {
    const std::int64_t in_plane = in_plane_count(c);
    const auto out_plane = static_cast<std::size_t>(reference::element_count(c.out_size));
    const auto any_input = rc::gen::inRange<std::int64_t>(0, in_plane);
    std::vector<std::int64_t> indices;
    for (std::size_t done = 0; done < pooled_count(c); done += out_plane) {
      std::vector<std::int64_t> favourites;
      if (*rc::gen::inRange(0, 3) != 0) {
        favourites = *rc::gen::container<std::vector<std::int64_t>>(
            static_cast<std::size_t>(*rc::gen::inRange(1, 4)), any_input);
      }
      for (std::size_t o = 0; o < out_plane; ++o) {
        const bool favourite = !favourites.empty() && *rc::gen::inRange(0, 4) != 0;
        indices.push_back(favourite ? *rc::gen::elementOf(favourites) : *any_input);
      }
    }
    return indices;
  });
}

void scaled_quotient_rounds_like_round_to(reference::float_format format, bool negative,
                                          common::uint128 magnitude, int exponent,
                                          std::uint64_t divisor) {
  reference::integer m = static_cast<std::uint64_t>(magnitude >> 64);
  m = (m << 64) + static_cast<std::uint64_t>(magnitude);
  reference::integer numerator = m, denominator = divisor;
  if (exponent >= 0) {
    numerator <<= static_cast<unsigned>(exponent);
  } else {
    denominator <<= static_cast<unsigned>(-exponent);
  }
  reference::rational value(numerator, denominator);
  if (negative) value = -value;
  const std::uint64_t expected = round_to(format, reference::extended_rational::finite(value));
  RC_ASSERT(engine::round_scaled_quotient(format, negative, magnitude, exponent, divisor) ==
            expected);
}

void double_quotient_rounds_like_round_to(bool negative, std::uint64_t magnitude, int unit,
                                          std::uint64_t divisor) {
  const double sum = negative ? -static_cast<double>(magnitude) : static_cast<double>(magnitude);
  const auto fast = engine::detail::round_quotient_binary32(sum, unit, divisor);
  const std::uint64_t exact = engine::round_scaled_quotient(reference::float_format::binary32,
                                                            negative, magnitude, unit, divisor);
  if (magnitude == 0) {
    RC_ASSERT(fast.has_value());
    RC_ASSERT((*fast & 0x7FFFFFFFu) == 0u);
    return;
  }
  // The multiplication route, with 1 / divisor rounded once, and three times through a split
  // divisor = d1 * d2 (as avg backward forms a cell's reciprocal).
  std::uint64_t d1 = 2;
  while (d1 < 1000 && divisor % d1 != 0) ++d1;
  if (divisor % d1 != 0) d1 = divisor;
  const std::uint64_t d2 = divisor / d1;
  for (const double reciprocal :
       {1.0 / static_cast<double>(divisor),
        (1.0 / static_cast<double>(d1)) * (1.0 / static_cast<double>(d2))}) {
    const auto product = engine::detail::round_product_binary32(sum, unit, reciprocal);
    if (product) RC_ASSERT(static_cast<std::uint64_t>(*product) == exact);
    RC_TAG(product ? "product route" : "product route declined");
  }
  if (!fast) {
    RC_TAG("declined");
    return;
  }
  RC_ASSERT(static_cast<std::uint64_t>(*fast) == exact);
}

void showValue(const fast_pool_case& c, std::ostream& os) {
  os << reference::format_name(c.format) << " spread " << static_cast<int>(c.spread) << " threads "
     << c.threads << " shape [";
  for (std::int64_t size : c.shape) os << ' ' << size;
  os << " ] -> [";
  for (std::int64_t size : c.out_size) os << ' ' << size;
  os << " ] bits";
  for (std::uint64_t b : c.bits) os << ' ' << std::hex << b << std::dec;
}

}  // namespace poolproof::properties

#include <poolproof/properties/generators.h>

#include <algorithm>
#include <string>

namespace poolproof::properties {
namespace {

// RapidCheck's size runs from 0 to 100 over a run and scales inRange; generators that must reach
// 2^62 from the first case pin the size to its maximum.
constexpr int full_size = 100;

template <typename T>
rc::Gen<T> in_closed_range(T lo, T hi) {
  return rc::gen::inRange<T>(lo, static_cast<T>(hi + 1));
}

template <typename T>
rc::Gen<T> uniform_in(T lo, T hi) {
  return rc::gen::resize(full_size, in_closed_range<T>(lo, hi));
}

std::uint64_t ones(int count) {
  return count >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
}

size_pair pair_of(std::int64_t in_size, std::int64_t out_size) { return {in_size, out_size}; }

rc::Gen<std::int64_t> near_power_of_two() {
  return rc::gen::apply(
      [](int exponent, int offset) {
        return std::clamp<std::int64_t>((std::int64_t{1} << exponent) + offset, 1,
                                        reference::max_size);
      },
      uniform_in(0, 62), in_closed_range(-3, 3));
}

rc::Gen<std::int64_t> near_max_size() {
  return rc::gen::map(in_closed_range<std::int64_t>(0, std::int64_t{1} << 16),
                      [](std::int64_t offset) { return reference::max_size - offset; });
}

// A remainder r in [0, m), weighted toward the boundary cases 0, 1, 2 and m - 1.
rc::Gen<std::int64_t> gen_remainder(std::int64_t m) {
  return rc::gen::weightedOneOf<std::int64_t>({{2, rc::gen::just<std::int64_t>(0)},
                                               {2, rc::gen::just<std::int64_t>(1 % m)},
                                               {1, rc::gen::just<std::int64_t>(2 % m)},
                                               {1, rc::gen::just<std::int64_t>(m - 1)},
                                               {2, in_closed_range<std::int64_t>(0, m - 1)}});
}

// n = q*m + r with n in [1, 2^62]; swapped, so that m = q*n + r, a quarter of the time.
rc::Gen<size_pair> gen_related_pair() {
  return rc::gen::exec([] {
    const std::int64_t m = *gen_size();
    const std::int64_t r = *gen_remainder(m);
    const std::int64_t q_min = r == 0 ? 1 : 0, q_max = (reference::max_size - r) / m;
    const std::int64_t q = *rc::gen::weightedOneOf<std::int64_t>(
        {{2, in_closed_range(q_min, std::min<std::int64_t>(q_max, 64))},
         {1, uniform_in(q_min, q_max)}});
    const size_pair pair{q * m + r, m};
    return *rc::gen::weightedElement<bool>({{3, false}, {1, true}})
               ? size_pair{pair.out_size, pair.in_size}
               : pair;
  });
}

rc::Gen<size_pair> gen_close_pair() {
  return rc::gen::apply(
      [](std::int64_t m, std::int64_t d) {
        return size_pair{std::clamp<std::int64_t>(m + d, 1, reference::max_size), m};
      },
      gen_size(), in_closed_range<std::int64_t>(-3, 3));
}

// Exact patterns of the integers 0..4 (precision is at least 8 bits in every format).
std::uint64_t small_integer_bits(const reference::format_layout& layout, std::uint64_t k) {
  if (k == 0) return 0;
  const int exponent = k >= 4 ? 2 : k >= 2 ? 1 : 0;
  const std::uint64_t biased =
      static_cast<std::uint64_t>(layout.bias()) + static_cast<std::uint64_t>(exponent);
  const std::uint64_t fraction = (k - (std::uint64_t{1} << exponent))
                                 << (layout.fraction_bits - exponent);
  return (biased << layout.fraction_bits) | fraction;
}

std::uint64_t compose(const reference::format_layout& layout, std::uint64_t biased,
                      std::uint64_t fraction) {
  return (biased << layout.fraction_bits) | fraction;
}

std::uint64_t largest_finite(const reference::format_layout& layout) {
  return compose(layout, ones(layout.exponent_bits) - 1, ones(layout.fraction_bits));
}

rc::Gen<std::uint64_t> gen_normal_magnitude(const reference::format_layout& layout,
                                            std::uint64_t lo, std::uint64_t hi) {
  return rc::gen::apply(
      [layout](std::uint64_t biased, std::uint64_t fraction) {
        return compose(layout, biased, fraction);
      },
      uniform_in<std::uint64_t>(lo, hi), uniform_in<std::uint64_t>(0, ones(layout.fraction_bits)));
}

rc::Gen<std::uint64_t> gen_edge_magnitude(const reference::format_layout& layout) {
  const std::uint64_t min_normal = std::uint64_t{1} << layout.fraction_bits;
  return rc::gen::elementOf(std::vector<std::uint64_t>{
      0, 1, min_normal - 1, min_normal, largest_finite(layout), largest_finite(layout) - 1});
}

rc::Gen<std::uint64_t> with_random_sign(const reference::format_layout& layout,
                                        rc::Gen<std::uint64_t> gen) {
  return rc::gen::apply(
      [layout](bool negative, std::uint64_t magnitude) {
        return magnitude | (negative ? std::uint64_t{1} << (layout.width() - 1) : 0);
      },
      rc::gen::arbitrary<bool>(), std::move(gen));
}

rc::Gen<std::uint64_t> gen_special_bits(const reference::format_layout& layout) {
  const std::uint64_t infinity = compose(layout, ones(layout.exponent_bits), 0);
  const rc::Gen<std::uint64_t> nan =
      rc::gen::map(uniform_in<std::uint64_t>(1, ones(layout.fraction_bits)),
                   [infinity](std::uint64_t fraction) { return infinity | fraction; });
  return with_random_sign(layout,
                          rc::gen::oneOf(rc::gen::just(infinity), rc::gen::just(infinity), nan));
}

rc::Gen<std::uint64_t> gen_tie_bits(const reference::format_layout& layout) {
  const std::uint64_t sign = std::uint64_t{1} << (layout.width() - 1);
  const std::uint64_t one = small_integer_bits(layout, 1);
  const std::uint64_t infinity = compose(layout, ones(layout.exponent_bits), 0);
  return rc::gen::weightedElement<std::uint64_t>({{3, 0},
                                                  {3, sign},
                                                  {3, one},
                                                  {2, one | sign},
                                                  {3, small_integer_bits(layout, 2)},
                                                  {2, infinity},
                                                  {2, infinity | sign},
                                                  {1, infinity | 1}});
}

rc::Gen<reference::rational> gen_fraction_in_unit_interval() {
  return rc::gen::weightedOneOf<reference::rational>(
      {{3, rc::gen::just(reference::rational(1, 2))},
       {1, rc::gen::element(reference::rational(0), reference::rational(1))},
       {3, rc::gen::apply(
               [](std::int64_t q, std::int64_t p) { return reference::rational(p % (q + 1), q); },
               uniform_in<std::int64_t>(2, std::int64_t{1} << 40),
               uniform_in<std::int64_t>(0, std::int64_t{1} << 40))}});
}

// decode(bits) + t*(next - decode(bits)) where next is the following representable value (or
// 2^(emax+1) past the largest finite one): midpoints, neighbours and values in between.
reference::rational between_neighbours(reference::float_format format, std::uint64_t bits,
                                       const reference::rational& t) {
  const reference::format_layout layout = reference::layout_of(format);
  const reference::rational low = decode(format, bits).value;
  const reference::rational high =
      bits == largest_finite(layout) ? reference::rational(2 * low - decode(format, bits - 1).value)
                                     : decode(format, bits + 1).value;
  return low + t * (high - low);
}

rc::Gen<reference::rational> gen_beyond_range(reference::float_format format) {
  const reference::rational largest =
      decode(format, largest_finite(reference::layout_of(format))).value;
  const reference::rational smallest = decode(format, 1).value;
  return rc::gen::apply(
      [largest, smallest](bool huge, const reference::rational& t, int shift) {
        if (huge) return reference::rational(largest * (1 + t) * (reference::integer(1) << shift));
        return reference::rational(smallest * t / (reference::integer(1) << shift));
      },
      rc::gen::arbitrary<bool>(), gen_fraction_in_unit_interval(), in_closed_range(0, 3));
}

void show_sizes(const std::vector<std::int64_t>& sizes, std::ostream& os) {
  os << "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) os << (i == 0 ? "" : ", ") << sizes[i];
  os << "]";
}

std::int64_t product(const std::vector<std::int64_t>& sizes) {
  std::int64_t result = 1;
  for (std::int64_t size : sizes) result *= size;
  return result;
}

// Leading axes [C] or [N, C] with N, C in [1, 2], then the spatial sizes.
std::vector<std::int64_t> with_leading_axes(const std::vector<std::int64_t>& spatial) {
  std::vector<std::int64_t> shape;
  if (*rc::gen::arbitrary<bool>()) shape.push_back(*in_closed_range<std::int64_t>(1, 2));
  shape.push_back(*in_closed_range<std::int64_t>(1, 2));
  shape.insert(shape.end(), spatial.begin(), spatial.end());
  return shape;
}

pooling_case make_case(const std::vector<std::int64_t>& spatial, std::vector<std::int64_t> out_size,
                       value_mix mix) {
  pooling_case c;
  c.format = *gen_format();
  c.input = *gen_tensor(with_leading_axes(spatial), c.format, mix);
  c.out_size = std::move(out_size);
  return c;
}

}  // namespace

rc::Gen<std::int64_t> gen_size() {
  return rc::gen::weightedOneOf<std::int64_t>(
      {{4, in_closed_range<std::int64_t>(1, 64)},
       {2, in_closed_range<std::int64_t>(1, 1 << 20)},
       {2, near_power_of_two()},
       {2, near_max_size()},
       {2, uniform_in<std::int64_t>(1, reference::max_size)}});
}

rc::Gen<size_pair> gen_size_pair() {
  return rc::gen::weightedOneOf<size_pair>({{4, rc::gen::apply(&pair_of, gen_size(), gen_size())},
                                            {4, gen_related_pair()},
                                            {1, gen_close_pair()}});
}

rc::Gen<size_pair> gen_few_outputs_pair() {
  return rc::gen::exec([] {
    const std::int64_t m = *in_closed_range<std::int64_t>(1, 512);
    const std::int64_t r = *gen_remainder(m);
    const std::int64_t q_max = (reference::max_size - r) / m;
    const std::int64_t q = *rc::gen::weightedOneOf<std::int64_t>(
        {{1, rc::gen::just<std::int64_t>(r == 0 ? 1 : 0)},
         {2, in_closed_range<std::int64_t>(1, std::min<std::int64_t>(q_max, 64))},
         {2, uniform_in<std::int64_t>(1, q_max)}});
    return size_pair{q * m + r, m};
  });
}

rc::Gen<size_pair> gen_small_size_pair(std::int64_t max_size_each) {
  return rc::gen::apply(&pair_of, in_closed_range<std::int64_t>(1, max_size_each),
                        in_closed_range<std::int64_t>(1, max_size_each));
}

rc::Gen<std::vector<size_pair>> gen_nd_size_pairs() {
  return rc::gen::mapcat(in_closed_range<std::size_t>(1, 3), [](std::size_t dims) {
    return rc::gen::container<std::vector<size_pair>>(dims, gen_small_size_pair(16));
  });
}

rc::Gen<std::vector<std::int64_t>> gen_probe_indices(std::int64_t count) {
  if (count <= 256) {
    std::vector<std::int64_t> all;
    for (std::int64_t i = 0; i < count; ++i) all.push_back(i);
    return rc::gen::just(all);
  }
  return rc::gen::map(
      rc::gen::container<std::vector<std::int64_t>>(16, uniform_in<std::int64_t>(0, count - 1)),
      [count](std::vector<std::int64_t> probes) {
        for (std::int64_t edge :
             {std::int64_t{0}, std::int64_t{1}, std::int64_t{2}, count - 3, count - 2, count - 1})
          probes.push_back(edge);
        return probes;
      });
}

rc::Gen<reference::rational> gen_small_rational() {
  return rc::gen::apply([](std::int64_t p, std::int64_t q) { return reference::rational(p, q); },
                        in_closed_range<std::int64_t>(-8, 8), in_closed_range<std::int64_t>(1, 8));
}

rc::Gen<reference::float_format> gen_format() { return rc::gen::elementOf(reference::all_formats); }

rc::Gen<std::uint64_t> gen_any_bits(reference::float_format format) {
  return rc::gen::map(
      rc::gen::resize(full_size, rc::gen::arbitrary<std::uint64_t>()),
      [format](std::uint64_t bits) { return bits & ones(reference::layout_of(format).width()); });
}

rc::Gen<std::uint64_t> gen_finite_magnitude_bits(reference::float_format format) {
  const reference::format_layout layout = reference::layout_of(format);
  const auto bias = static_cast<std::uint64_t>(layout.bias());
  return rc::gen::weightedOneOf<std::uint64_t>(
      {{3, gen_normal_magnitude(layout, 1, ones(layout.exponent_bits) - 1)},
       {3, gen_normal_magnitude(layout, bias - 6, bias + 6)},
       {1, uniform_in<std::uint64_t>(0, ones(layout.fraction_bits))},
       {1, gen_edge_magnitude(layout)},
       {2, rc::gen::map(in_closed_range<std::uint64_t>(0, 4),
                        [layout](std::uint64_t k) { return small_integer_bits(layout, k); })}});
}

rc::Gen<std::uint64_t> gen_float_bits(reference::float_format format, value_mix mix) {
  const reference::format_layout layout = reference::layout_of(format);
  rc::Gen<std::uint64_t> finite = with_random_sign(layout, gen_finite_magnitude_bits(format));
  switch (mix) {
    case value_mix::finite:
      return finite;
    case value_mix::specials:
      return rc::gen::weightedOneOf<std::uint64_t>({{6, finite}, {1, gen_special_bits(layout)}});
    case value_mix::ties:
      return gen_tie_bits(layout);
  }
  return finite;
}

rc::Gen<reference::extended_rational> gen_value(reference::float_format format, value_mix mix) {
  return rc::gen::map(gen_float_bits(format, mix),
                      [format](std::uint64_t bits) { return decode(format, bits); });
}

rc::Gen<reference::rational> gen_rational_near(reference::float_format format) {
  const rc::Gen<reference::rational> inside = rc::gen::apply(
      [format](std::uint64_t bits, const reference::rational& t) {
        return between_neighbours(format, bits, t);
      },
      gen_finite_magnitude_bits(format), gen_fraction_in_unit_interval());
  return rc::gen::apply(
      [](bool negative, const reference::rational& x) { return negative ? -x : x; },
      rc::gen::arbitrary<bool>(),
      rc::gen::weightedOneOf<reference::rational>({{6, inside}, {1, gen_beyond_range(format)}}));
}

rc::Gen<reference::exact_tensor> gen_tensor(const std::vector<std::int64_t>& shape,
                                            reference::float_format format, value_mix mix) {
  return rc::gen::map(rc::gen::container<std::vector<std::uint64_t>>(
                          static_cast<std::size_t>(product(shape)), gen_float_bits(format, mix)),
                      [shape, format](const std::vector<std::uint64_t>& patterns) {
                        reference::exact_tensor tensor{shape, {}};
                        for (std::uint64_t bits : patterns)
                          tensor.values.push_back(decode(format, bits));
                        return tensor;
                      });
}

rc::Gen<pooling_case> gen_pooling_case(value_mix mix, int spatial_dims) {
  return rc::gen::exec([mix, spatial_dims] {
    const int dims = spatial_dims != 0 ? spatial_dims : *in_closed_range(1, 3);
    const std::int64_t max_in = dims == 1 ? 32 : dims == 2 ? 9 : 5;
    std::vector<std::int64_t> spatial, out_size;
    for (int axis = 0; axis < dims; ++axis) {
      const std::int64_t n = *rc::gen::oneOf(in_closed_range<std::int64_t>(1, max_in),
                                             uniform_in<std::int64_t>(1, max_in));
      spatial.push_back(n);
      out_size.push_back(*rc::gen::weightedOneOf<std::int64_t>(
          {{3, in_closed_range<std::int64_t>(1, n)}, {1, in_closed_range(n, 2 * n + 1)}}));
    }
    return make_case(spatial, out_size, mix);
  });
}

rc::Gen<pooling_case> gen_divisible_pooling_case(value_mix mix) {
  return rc::gen::exec([mix] {
    const int dims = *in_closed_range(1, 3);
    const std::int64_t max_factor = dims == 1 ? 6 : dims == 2 ? 3 : 2;
    std::vector<std::int64_t> spatial, out_size;
    for (int axis = 0; axis < dims; ++axis) {
      const std::int64_t m = *in_closed_range<std::int64_t>(1, max_factor);
      spatial.push_back(m * *in_closed_range<std::int64_t>(1, max_factor));
      out_size.push_back(m);
    }
    return make_case(spatial, out_size, mix);
  });
}

rc::Gen<fixed_pool_case> gen_fixed_pool_case() {
  return rc::gen::exec([] {
    fixed_pool_case c;
    c.kind = *rc::gen::element(reference::pool_kind::avg, reference::pool_kind::max);
    c.in_size = *in_closed_range<std::int64_t>(1, 24);
    c.params.kernel = *in_closed_range<std::int64_t>(1, c.in_size + 4);
    c.params.padding = *in_closed_range<std::int64_t>(0, c.params.kernel / 2);
    c.params.stride = *in_closed_range<std::int64_t>(1, c.in_size + 2);
    c.params.ceil_mode = *rc::gen::arbitrary<bool>();
    if (c.kind == reference::pool_kind::max) {
      c.params.dilation = *rc::gen::weightedOneOf<std::int64_t>(
          {{3, rc::gen::just<std::int64_t>(1)}, {1, in_closed_range<std::int64_t>(2, 4)}});
      return c;
    }
    c.params.count_include_pad = *rc::gen::arbitrary<bool>();
    if (*rc::gen::weightedElement<bool>({{7, false}, {1, true}}))
      c.params.divisor_override = *in_closed_range<std::int64_t>(1, 8);
    return c;
  });
}

void showValue(const size_pair& sizes, std::ostream& os) {
  os << "n=" << sizes.in_size << " m=" << sizes.out_size;
}

void showValue(const reference::extended_rational& x, std::ostream& os) { os << to_string(x); }

void showValue(const reference::exact_tensor& tensor, std::ostream& os) {
  os << "shape ";
  show_sizes(tensor.shape, os);
  os << " values [";
  for (std::size_t i = 0; i < tensor.values.size(); ++i)
    os << (i == 0 ? "" : ", ") << to_string(tensor.values[i]);
  os << "]";
}

void showValue(const pooling_case& c, std::ostream& os) {
  os << reference::format_name(c.format) << " out_size ";
  show_sizes(c.out_size, os);
  os << " input ";
  showValue(c.input, os);
}

void showValue(const reference::fixed_pool_params& params, std::ostream& os) {
  os << "kernel=" << params.kernel << " stride=" << params.stride << " padding=" << params.padding
     << " dilation=" << params.dilation << " ceil_mode=" << params.ceil_mode
     << " count_include_pad=" << params.count_include_pad << " divisor_override="
     << (params.divisor_override ? std::to_string(*params.divisor_override) : "none");
}

void showValue(const fixed_pool_case& c, std::ostream& os) {
  os << reference::pool_kind_name(c.kind) << " n=" << c.in_size << " ";
  showValue(c.params, os);
}

void showValue(reference::float_format format, std::ostream& os) {
  os << reference::format_name(format);
}

void showValue(reference::pool_kind kind, std::ostream& os) {
  os << reference::pool_kind_name(kind);
}

}  // namespace poolproof::properties

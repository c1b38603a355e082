#include <poolproof/common/error.h>
#include <poolproof/golden/cases.h>

#include <array>
#include <string_view>

#include "golden/boundary_patterns.h"

namespace poolproof::golden {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014): fixed arithmetic, so every platform draws the same.
struct splitmix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) on the grid k / 2^53, exactly.
  reference::rational unit() {
    return reference::rational(reference::integer(next() >> 11), reference::integer(1) << 53);
  }
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }
};

std::uint64_t case_seed(std::uint64_t seed, std::string_view name) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a
  for (char c : name) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return seed ^ hash;
}

reference::extended_rational in_format(reference::float_format format,
                                       const reference::rational& x) {
  return decode(format, round_to(format, reference::extended_rational::finite(x)));
}

reference::rational power_of_two(int exponent) {
  const reference::integer magnitude = reference::integer(1)
                                       << (exponent < 0 ? -exponent : exponent);
  return exponent >= 0 ? reference::rational(magnitude)
                       : reference::rational(reference::integer(1), magnitude);
}

std::uint64_t one_bits(reference::float_format format) {
  const reference::format_layout l = reference::layout_of(format);
  return static_cast<std::uint64_t>(l.bias()) << l.fraction_bits;
}

// "nan", "inf", "-0", "smin"/"smax" (subnormal extremes), "nmin" (least normal), "max", or an
// integer; a leading '-' negates.
reference::extended_rational special_value(reference::float_format format, std::string_view token) {
  const bool negative = token.starts_with('-');
  if (negative) token.remove_prefix(1);
  if (token == "nan") return reference::extended_rational::not_a_number();
  if (token == "inf") return reference::extended_rational::infinity(negative);
  const std::uint64_t fraction_top = std::uint64_t{1} << reference::layout_of(format).fraction_bits;
  reference::extended_rational x;
  if (token == "smin")
    x = decode(format, 1);
  else if (token == "smax")
    x = decode(format, fraction_top - 1);
  else if (token == "nmin")
    x = decode(format, fraction_top);
  else if (token == "max")
    x = decode(format, reference::largest_finite_bits(format));
  else
    x = in_format(format, reference::rational(std::stoll(std::string(token))));
  if (!negative) return x;
  return x.value == 0 ? reference::extended_rational::negative_zero()
                      : reference::extended_rational::finite(-x.value);
}

// Windows of 3 (input n = 3k, output k), each testing one rule of the value semantics.
constexpr std::array<std::array<std::string_view, 3>, 16> avg_special = {{{"nan", "1", "2"},
                                                                          {"inf", "1", "2"},
                                                                          {"-inf", "1", "2"},
                                                                          {"inf", "-inf", "1"},
                                                                          {"-inf", "-inf", "-inf"},
                                                                          {"-0", "-0", "-0"},
                                                                          {"0", "-0", "-0"},
                                                                          {"smin", "smin", "smin"},
                                                                          {"smin", "smin", "0"},
                                                                          {"smin", "0", "0"},
                                                                          {"smax", "smin", "smin"},
                                                                          {"-smin", "smin", "smin"},
                                                                          {"nmin", "smin", "-smin"},
                                                                          {"max", "max", "max"},
                                                                          {"max", "-max", "1"},
                                                                          {"1", "2", "4"}}};
constexpr std::array<std::array<std::string_view, 3>, 12> max_special = {{{"nan", "1", "2"},
                                                                          {"1", "nan", "nan"},
                                                                          {"inf", "1", "inf"},
                                                                          {"-inf", "-inf", "-inf"},
                                                                          {"-0", "0", "-0"},
                                                                          {"0", "-0", "1"},
                                                                          {"3", "1", "3"},
                                                                          {"2", "5", "5"},
                                                                          {"smin", "smin", "0"},
                                                                          {"-smin", "-0", "-smin"},
                                                                          {"max", "-max", "max"},
                                                                          {"-inf", "nan", "-inf"}}};
constexpr std::array<std::string_view, 5> avg_backward_special = {"smin", "-smin", "smax", "-0",
                                                                  "nmin"};
constexpr std::array<std::string_view, 5> max_backward_special = {"smax", "-smin", "-0", "nmin",
                                                                  "max"};

struct drawing {
  const case_spec& spec;
  reference::pooling_layout layout;
  splitmix64 rng;
  std::vector<reference::extended_rational> values;

  void put(std::int64_t plane, std::int64_t offset, const reference::extended_rational& x) {
    values[static_cast<std::size_t>(plane * layout.plane_size() + offset)] = x;
  }
};

void draw_ramp(drawing& d) {
  const std::int64_t size = d.layout.plane_size();
  for (std::int64_t p = 0; p < d.layout.planes; ++p)
    for (std::int64_t j = 0; j < size; ++j)
      d.put(p, j, in_format(d.spec.dtype, reference::rational(p % 2 == 0 ? j : size - 1 - j)));
}

void draw_one_hot(drawing& d) {
  if (d.layout.planes != d.layout.plane_size()) throw common::input_error("one_hot needs [n, n]");
  for (std::int64_t p = 0; p < d.layout.planes; ++p)
    for (std::int64_t j = 0; j < d.layout.plane_size(); ++j)
      d.put(p, j, in_format(d.spec.dtype, reference::rational(p == j ? 1 : 0)));
}

void draw_alternating(drawing& d) {
  std::vector<std::vector<reference::rational>> axis_terms;
  for (std::int64_t size : d.layout.spatial) {
    axis_terms.emplace_back();
    for (std::int64_t i = 0; i < size; ++i)
      axis_terms.back().push_back((i % 2 == 0 ? 1 : -1) * (1 + d.rng.unit() / 2));
  }
  for (std::int64_t p = 0; p < d.layout.planes; ++p) {
    const reference::rational scale = power_of_two(static_cast<int>(p % 5) - 2);
    reference::for_each_multi_index(
        d.layout.spatial, [&](std::span<const std::int64_t> index, std::int64_t flat) {
          reference::rational x = (d.rng.unit() - reference::rational(1, 2)) / 8;
          for (std::size_t axis = 0; axis < index.size(); ++axis)
            x += axis_terms[axis][static_cast<std::size_t>(index[axis])];
          d.put(p, flat, in_format(d.spec.dtype, scale * x));
        });
  }
}

void draw_monotone(drawing& d) {
  const std::int64_t size = d.layout.plane_size();
  const std::uint64_t room = reference::largest_finite_bits(d.spec.dtype) - one_bits(d.spec.dtype);
  const std::uint64_t stride =
      std::min<std::uint64_t>(1 + d.rng.below(3), room / static_cast<std::uint64_t>(size));
  if (stride == 0)
    throw common::input_error("case '" + d.spec.name + "': too many distinct values");
  std::vector<reference::extended_rational> increasing;
  for (std::int64_t j = 0; j < size; ++j) {
    increasing.push_back(
        decode(d.spec.dtype, one_bits(d.spec.dtype) + static_cast<std::uint64_t>(j) * stride));
  }
  for (std::int64_t p = 0; p < d.layout.planes; ++p) {
    std::vector<reference::extended_rational> plane = increasing;
    if (p == 1) std::reverse(plane.begin(), plane.end());
    for (std::size_t j = plane.size(); p >= 2 && j > 1; --j) {
      std::swap(plane[j - 1], plane[d.rng.below(j)]);
      if (d.rng.below(2) == 1)
        plane[j - 1] = reference::extended_rational::finite(-plane[j - 1].value);
    }
    for (std::int64_t j = 0; j < size; ++j) d.put(p, j, plane[static_cast<std::size_t>(j)]);
  }
}

void draw_special_1d(drawing& d) {
  const bool avg = describe(d.spec.op).avg();
  const std::size_t count = avg ? avg_special.size() : max_special.size();
  if (d.layout.spatial.size() != 1 || d.layout.plane_size() != 3 * static_cast<std::int64_t>(count))
    throw common::input_error("case '" + d.spec.name + "': special_1d needs [C, " +
                              std::to_string(3 * count) + "]");
  for (std::int64_t p = 0; p < d.layout.planes; ++p) {
    for (std::size_t w = 0; w < count; ++w) {
      // Plane p rotates the windows' contents, so every plane differs.
      const auto& triple = avg ? avg_special[w] : max_special[w];
      for (std::size_t k = 0; k < 3; ++k) {
        d.put(p, static_cast<std::int64_t>(3 * w + k),
              special_value(d.spec.dtype, triple[(k + static_cast<std::size_t>(p)) % 3]));
      }
    }
  }
}

void draw_special_ties(drawing& d) {
  constexpr std::array<std::string_view, 6> pool = {"1", "2", "2", "-0", "0", "-1"};
  for (std::int64_t p = 0; p < d.layout.planes; ++p)
    for (std::int64_t j = 0; j < d.layout.plane_size(); ++j)
      d.put(p, j, special_value(d.spec.dtype, pool[d.rng.below(pool.size())]));
  d.put(0, d.layout.plane_size() / 2, reference::extended_rational::not_a_number());
}

void draw_boundary(drawing& d) {
  detail::boundary_pattern pattern(d.spec);
  for (std::int64_t p = 0; p < d.layout.planes; ++p) {
    reference::for_each_multi_index(d.layout.spatial,
                                    [&](std::span<const std::int64_t> index, std::int64_t flat) {
                                      d.put(p, flat, decode(d.spec.dtype, pattern.bits(p, index)));
                                    });
  }
}

void draw_input(drawing& d, input_pattern pattern) {
  switch (pattern) {
    case input_pattern::ramp:
      return draw_ramp(d);
    case input_pattern::one_hot:
      return draw_one_hot(d);
    case input_pattern::alternating:
      return draw_alternating(d);
    case input_pattern::monotone:
      return draw_monotone(d);
    case input_pattern::special_1d:
      return draw_special_1d(d);
    case input_pattern::special_ties:
      return draw_special_ties(d);
    case input_pattern::boundary_product:
    case input_pattern::boundary_steps:
      return draw_boundary(d);
  }
}

// Backward output gradients: +-(1/2 + r) for core cases, tiny and signed zeros for special ones.
std::vector<reference::extended_rational> draw_grad_output(const case_spec& spec, splitmix64& rng,
                                                           std::int64_t count) {
  std::vector<reference::extended_rational> grads;
  const bool avg = describe(spec.op).avg();
  for (std::int64_t k = 0; k < count; ++k) {
    const auto slot = static_cast<std::size_t>(k) % avg_backward_special.size();
    if (spec.tier == "special") {
      grads.push_back(
          special_value(spec.dtype, avg ? avg_backward_special[slot] : max_backward_special[slot]));
    } else {
      const reference::rational g = reference::rational(1, 2) + rng.unit();
      grads.push_back(in_format(spec.dtype, rng.below(2) == 1 ? -g : g));
    }
  }
  return grads;
}

}  // namespace

pooling_problem draw_problem(const case_spec& spec, std::uint64_t seed) {
  pooling_problem problem;
  problem.op = spec.op;
  problem.spatial_dims = spec.spatial_dims();
  problem.dtype = spec.dtype;
  problem.output_size = spec.output_size;
  drawing d{spec,
            reference::split_pooling_shape(spec.input_shape, spec.output_size.size()),
            {case_seed(seed, spec.name)},
            std::vector<reference::extended_rational>(
                static_cast<std::size_t>(reference::element_count(spec.input_shape)))};
  const op_description op = describe(spec.op);
  input_pattern pattern = spec.pattern;
  if (op.backward() && pattern == input_pattern::special_1d)
    pattern = op.avg() ? input_pattern::alternating : input_pattern::monotone;
  draw_input(d, pattern);
  problem.input = {spec.input_shape, std::move(d.values)};
  if (op.backward()) {
    problem.grad_output.shape = forward_output_shape(problem);
    problem.grad_output.values =
        draw_grad_output(spec, d.rng, reference::element_count(problem.grad_output.shape));
  }
  return problem;
}

}  // namespace poolproof::golden

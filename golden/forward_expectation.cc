// expect_forward (golden/expectation.h): a forward case's expectation straight from the input's
// bit patterns. Every float is a dyadic rational m * 2^e, so a window's exact sum is an integer
// in units of its least 2^e: summed in 128 bits when the window's spread allows (a GMP integer
// otherwise), turned into a rational once per output instead of once per input. Specials follow
// IEEE's exact rules through the reference's own add and divide. tests/golden compares it with
// expect() of the decoded problem, field by field.
#include <poolproof/common/error.h>
#include <poolproof/common/wide_int.h>
#include <poolproof/golden/expectation.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

namespace poolproof::golden {
namespace {

using common::int128;
using common::uint128;

// A finite pattern as sign, significand and exponent: value = (-1)^negative m 2^exponent.
struct dyadic {
  bool negative = false;
  std::uint64_t significand = 0;
  int exponent = 0;
};

class pattern_reader {
 public:
  explicit pattern_reader(reference::float_format format)
      : layout_(reference::layout_of(format)),
        fraction_mask_((std::uint64_t{1} << layout_.fraction_bits) - 1),
        field_ones_((std::uint64_t{1} << layout_.exponent_bits) - 1) {}

  [[nodiscard]] bool finite(std::uint64_t bits) const { return field(bits) != field_ones_; }
  [[nodiscard]] bool negative(std::uint64_t bits) const {
    return ((bits >> (layout_.width() - 1)) & 1) != 0;
  }
  [[nodiscard]] bool is_nan(std::uint64_t bits) const {
    return !finite(bits) && (bits & fraction_mask_) != 0;
  }
  [[nodiscard]] std::uint64_t magnitude(std::uint64_t bits) const {
    return bits & ((std::uint64_t{1} << (layout_.width() - 1)) - 1);
  }
  // Precondition: finite(bits).
  [[nodiscard]] dyadic split(std::uint64_t bits) const {
    const std::uint64_t f = field(bits);
    const std::uint64_t hidden = f == 0 ? 0 : std::uint64_t{1} << layout_.fraction_bits;
    const int effective = f == 0 ? 1 : static_cast<int>(f);
    return {negative(bits), (bits & fraction_mask_) | hidden,
            effective - layout_.bias() - layout_.fraction_bits};
  }

 private:
  [[nodiscard]] std::uint64_t field(std::uint64_t bits) const {
    return (bits >> layout_.fraction_bits) & field_ones_;
  }

  reference::format_layout layout_;
  std::uint64_t fraction_mask_;
  std::uint64_t field_ones_;
};

// The exact value of an integer sum in units of 2^unit, divided by `divisor`.
reference::rational scaled(const reference::integer& sum, int unit, std::int64_t divisor) {
  reference::integer numerator = sum, denominator = divisor;
  if (unit >= 0) {
    numerator <<= static_cast<unsigned>(unit);
  } else {
    denominator <<= static_cast<unsigned>(-unit);
  }
  return {numerator, denominator};
}

reference::integer wide(int128 value) {
  const bool negative = value < 0;
  const auto magnitude = static_cast<uint128>(negative ? -value : value);
  reference::integer result = static_cast<std::uint64_t>(magnitude >> 64);
  result <<= 64;
  result += static_cast<std::uint64_t>(magnitude);
  return negative ? reference::integer(-result) : result;
}

// The signed and absolute sums of a window's finite values in units of 2^unit, in Acc.
template <typename Acc>
std::pair<Acc, Acc> fixed_sums(const pattern_reader& reader, std::span<const std::uint64_t> plane,
                               std::span<const std::int64_t> members, int unit) {
  Acc sum = 0, sum_abs = 0;
  for (std::int64_t member : members) {
    const std::uint64_t bits = plane[static_cast<std::size_t>(member)];
    if (!reader.finite(bits)) continue;
    const dyadic x = reader.split(bits);
    if (x.significand == 0) continue;
    Acc term = static_cast<Acc>(x.significand);
    term <<= static_cast<unsigned>(x.exponent - unit);
    sum_abs += term;
    sum += x.negative ? Acc(-term) : term;
  }
  return {sum, sum_abs};
}

accumulation window_mean(const pattern_reader& reader, reference::float_format format,
                         std::span<const std::uint64_t> plane,
                         std::span<const std::int64_t> members) {
  accumulation result;
  result.terms = static_cast<std::int64_t>(members.size());
  reference::extended_rational special = reference::extended_rational::finite(0);
  int least = 0, top = 0;
  bool any = false;
  for (std::int64_t member : members) {
    const std::uint64_t bits = plane[static_cast<std::size_t>(member)];
    if (!reader.finite(bits)) {
      special = add(special, decode(format, bits));
      continue;
    }
    const dyadic x = reader.split(bits);
    if (x.significand == 0) continue;
    const int x_top = x.exponent + static_cast<int>(std::bit_width(x.significand));
    least = any ? std::min(least, x.exponent) : x.exponent;
    top = any ? std::max(top, x_top) : x_top;
    any = true;
    result.least_exponent =
        std::min<std::int64_t>(result.least_exponent, x.exponent + std::countr_zero(x.significand));
  }
  reference::integer sum = 0, sum_abs = 0;
  if (any) {
    // Terms below 2^(top - least), at most 2^bit_width(count) of them, plus a sign.
    const int bits_needed = top - least + static_cast<int>(std::bit_width(members.size())) + 1;
    if (bits_needed <= 127) {
      const auto [s, a] = fixed_sums<int128>(reader, plane, members, least);
      sum = wide(s);
      sum_abs = wide(a);
    } else {
      std::tie(sum, sum_abs) = fixed_sums<reference::integer>(reader, plane, members, least);
    }
  }
  result.sum_abs = scaled(sum_abs, least, 1);
  result.value = special.is_finite()
                     ? reference::extended_rational::finite(scaled(sum, least, result.terms))
                     : divide(special, result.terms);
  return result;
}

// PyTorch's scan on the patterns: greater than the running maximum (from -inf) or NaN wins. The
// order of non-NaN patterns is that of signed magnitudes (-0 and +0 equal).
forward_element window_max(const pattern_reader& reader, reference::float_format format,
                           std::span<const std::uint64_t> plane,
                           std::span<const std::int64_t> members) {
  const auto key = [&](std::uint64_t bits) {
    const auto m = static_cast<std::int64_t>(reader.magnitude(bits));
    return reader.negative(bits) ? -m : m;
  };
  std::int64_t best_key = std::numeric_limits<std::int64_t>::min();  // below -inf's
  bool best_nan = false;
  std::int64_t argmax = members.front();
  for (std::int64_t member : members) {
    const std::uint64_t bits = plane[static_cast<std::size_t>(member)];
    if (reader.is_nan(bits)) {
      best_nan = true;
      argmax = member;
    } else if (!best_nan && key(bits) > best_key) {
      best_key = key(bits);
      argmax = member;
    }
  }
  accumulation element;
  element.value = decode(format, plane[static_cast<std::size_t>(argmax)]);
  element.terms = 1;
  return {element, argmax};
}

}  // namespace

forward_element expect_forward_element(const pooling_problem& problem,
                                       std::span<const std::uint64_t> plane_bits, std::int64_t k) {
  const reference::pooling_layout layout = reference::split_pooling_shape(
      problem.input.shape, static_cast<std::size_t>(problem.spatial_dims));
  const std::int64_t out_plane = reference::element_count(problem.output_size);
  POOLPROOF_CHECK(k >= 0 && k < layout.planes * out_plane);
  POOLPROOF_CHECK(plane_bits.size() == static_cast<std::size_t>(layout.plane_size()));
  std::vector<std::int64_t> out_index(problem.output_size.size());
  std::int64_t rest = k % out_plane;
  for (std::size_t axis = out_index.size(); axis-- > 0;) {
    out_index[axis] = rest % problem.output_size[axis];
    rest /= problem.output_size[axis];
  }
  const std::vector<std::int64_t> members = reference::box_flat_indices(
      reference::adaptive_box(layout.spatial, problem.output_size, out_index), layout.spatial);
  const pattern_reader reader(problem.dtype);
  if (describe(problem.op).avg())
    return {window_mean(reader, problem.dtype, plane_bits, members), -1};
  return window_max(reader, problem.dtype, plane_bits, members);
}

expectation expect_forward(const pooling_problem& problem,
                           std::span<const std::uint64_t> input_bits) {
  const op_description op = describe(problem.op);
  POOLPROOF_CHECK(!op.backward());
  const reference::pooling_layout layout = reference::split_pooling_shape(
      problem.input.shape, static_cast<std::size_t>(problem.spatial_dims));
  POOLPROOF_CHECK(input_bits.size() ==
                  static_cast<std::size_t>(layout.planes * layout.plane_size()));
  // Each output window's members (flat within a plane), shared by every plane.
  std::vector<std::vector<std::int64_t>> windows;
  reference::for_each_multi_index(
      problem.output_size, [&](std::span<const std::int64_t> index, std::int64_t) {
        windows.push_back(reference::box_flat_indices(
            reference::adaptive_box(layout.spatial, problem.output_size, index), layout.spatial));
      });
  const pattern_reader reader(problem.dtype);
  expectation result;
  result.shape = forward_output_shape(problem);
  result.elements.reserve(static_cast<std::size_t>(layout.planes) * windows.size());
  if (op.stores_indices()) result.indices.reserve(result.elements.capacity());
  const auto plane_size = static_cast<std::size_t>(layout.plane_size());
  for (std::int64_t p = 0; p < layout.planes; ++p) {
    const auto plane = input_bits.subspan(static_cast<std::size_t>(p) * plane_size, plane_size);
    for (const std::vector<std::int64_t>& members : windows) {
      if (op.avg()) {
        result.elements.push_back(window_mean(reader, problem.dtype, plane, members));
        continue;
      }
      const forward_element best = window_max(reader, problem.dtype, plane, members);
      result.elements.push_back(best.element);
      if (op.stores_indices()) result.indices.push_back(best.argmax);
    }
  }
  result.bounds.reserve(result.elements.size());
  for (const accumulation& element : result.elements)
    result.bounds.push_back(bound_of(problem, element));
  return result;
}

accumulation mean_of_exact_sums(double sum, double sum_abs, std::int64_t terms,
                                std::optional<int> least_exponent) {
  POOLPROOF_CHECK(terms >= 1 && std::isfinite(sum) && std::isfinite(sum_abs));
  accumulation result;
  result.terms = terms;
  if (!least_exponent) {
    POOLPROOF_CHECK(sum == 0 && sum_abs == 0);
    return result;
  }
  // Both sums are whole multiples of 2^least below 2^53 of it: integers once scaled.
  const auto in_units = [unit = *least_exponent](double x) {
    const double units = std::ldexp(x, -unit);
    POOLPROOF_CHECK(std::abs(units) < 0x1p63 && units == std::trunc(units));
    return reference::integer(static_cast<std::int64_t>(units));
  };
  result.sum_abs = scaled(in_units(sum_abs), *least_exponent, 1);
  result.value =
      reference::extended_rational::finite(scaled(in_units(sum), *least_exponent, terms));
  result.least_exponent = *least_exponent;
  return result;
}

}  // namespace poolproof::golden

#include <poolproof/common/error.h>
#include <poolproof/golden/expectation.h>

namespace poolproof::golden {
namespace {

reference::rational magnitude(const reference::extended_rational& x) {
  return x.is_finite() ? reference::rational(abs(x.value)) : reference::rational(0);
}

// The exponent of the least power of two dividing x != 0 (floats are dyadic rationals);
// a value far below every format's for a non-dyadic x, so sums_exactly never holds for it.
std::int64_t two_adic_exponent(const reference::rational& x) {
  const reference::integer denominator = boost::multiprecision::denominator(x);
  const auto scale = static_cast<std::int64_t>(msb(denominator));
  if (lsb(denominator) != msb(denominator)) return std::int64_t{-1} << 40;
  return static_cast<std::int64_t>(lsb(abs(boost::multiprecision::numerator(x)))) - scale;
}

// Calls visit(out_index, out_flat, members) for every output window (or the changed ones), with
// members the row-major flat indices of its box within one input plane.
template <typename Visit>
void for_each_window(const pooling_problem& problem, const reference::pooling_layout& layout,
                     const std::optional<window_change>& change, Visit visit) {
  const std::vector<std::int64_t>& out_size = problem.output_size;
  std::vector<std::int64_t> iterated = out_size;
  if (change) iterated[change->axis] = 1;
  reference::for_each_multi_index(iterated, [&](std::span<const std::int64_t> index, std::int64_t) {
    std::vector<std::int64_t> out_index(index.begin(), index.end());
    if (change) out_index[change->axis] = change->index;
    reference::window_box box;
    std::int64_t out_flat = 0;
    for (std::size_t axis = 0; axis < out_size.size(); ++axis) {
      out_flat = out_flat * out_size[axis] + out_index[axis];
      const bool changed = change && change->axis == axis;
      box.push_back(changed ? change->replacement
                            : reference::adaptive_window(layout.spatial[axis], out_size[axis],
                                                         out_index[axis]));
    }
    visit(out_flat, reference::box_flat_indices(box, layout.spatial));
  });
}

// The exact mean (IEEE's rules for infinities and NaN, as the reference) and its bound inputs.
accumulation window_mean(std::span<const reference::extended_rational> plane,
                         const std::vector<std::int64_t>& members) {
  accumulation sum;
  for (std::int64_t member : members) {
    const reference::extended_rational& x = plane[static_cast<std::size_t>(member)];
    sum.value = add(sum.value, x);
    sum.sum_abs += magnitude(x);
    if (x.is_finite() && x.value != 0)
      sum.least_exponent = std::min(sum.least_exponent, two_adic_exponent(x.value));
  }
  sum.terms = static_cast<std::int64_t>(members.size());
  sum.value = divide(sum.value, sum.terms);
  return sum;
}

// PyTorch's scan: greater than the running maximum (from -inf) or NaN wins, so ties keep the
// first and the last NaN wins.
forward_element window_max(std::span<const reference::extended_rational> plane,
                           const std::vector<std::int64_t>& members) {
  forward_element best{{reference::extended_rational::infinity(true), 0, 1, 0}, members.front()};
  for (std::int64_t member : members) {
    const reference::extended_rational& x = plane[static_cast<std::size_t>(member)];
    if (greater(x, best.element.value) || x.is_nan()) best = {{x, 0, 1, 0}, member};
  }
  return best;
}

}  // namespace

std::vector<std::int64_t> forward_output_shape(const pooling_problem& problem) {
  return forward_output_shape(problem.input.shape, problem.output_size);
}

void add_to(accumulation& total, const accumulation& part) {
  total.value = add(total.value, part.value);
  total.sum_abs += part.sum_abs;
  total.terms += part.terms;
  total.underflow += part.underflow;
  total.least_exponent = std::min(total.least_exponent, part.least_exponent);
}

void subtract_from(accumulation& total, const accumulation& part) {
  POOLPROOF_CHECK(total.value.is_finite() && part.value.is_finite());
  total.value = reference::extended_rational::finite(total.value.value - part.value.value);
  total.sum_abs -= part.sum_abs;
  total.terms -= part.terms;
  total.underflow -= part.underflow;
}

element_bound bound_of(const pooling_problem& problem, const accumulation& element,
                       accumulator rule) {
  if (!element.value.is_finite()) return exact_bound();
  const reference::float_format format = accumulation_format(problem.dtype, rule);
  element_bound inner;
  switch (problem.op) {
    case golden_op::adaptive_avg_pool:
      inner = avg_forward_bound(
          format, problem.spatial_dims, element.terms, element.sum_abs, element.value.value,
          sums_exactly(problem.dtype, element.least_exponent, element.sum_abs));
      break;
    case golden_op::adaptive_max_pool:
      return exact_bound();
    case golden_op::adaptive_avg_pool_backward: {
      // In the wider format no reciprocal 1/L underflows (L < 2^62): each addend's division
      // phase errs by the same r eta (1 + gamma_r) at most.
      const reference::rational underflow =
          format == problem.dtype
              ? element.underflow
              : element.terms * avg_backward_addend_underflow(format, problem.spatial_dims, 1, 0);
      inner = avg_backward_bound(format, problem.spatial_dims, element.terms, element.sum_abs,
                                 underflow);
      break;
    }
    case golden_op::adaptive_max_pool_backward:
      inner = max_backward_bound(format, element.terms, element.sum_abs);
      break;
  }
  if (format == problem.dtype || inner == exact_bound()) return inner;
  return rounded_once(problem.dtype, inner, abs(element.value.value));
}

void for_each_forward(
    const pooling_problem& problem, const std::optional<window_change>& change,
    const std::function<void(std::int64_t, std::int64_t, const forward_element&)>& visit) {
  const reference::pooling_layout layout = reference::split_pooling_shape(
      problem.input.shape, static_cast<std::size_t>(problem.spatial_dims));
  // A loaded case keeps its input as patterns (values empty): decode it first (decoded_input).
  POOLPROOF_CHECK(problem.input.values.size() ==
                  static_cast<std::size_t>(reference::element_count(problem.input.shape)));
  const std::span<const reference::extended_rational> all(problem.input.values);
  const auto plane_size = static_cast<std::size_t>(layout.plane_size());
  for_each_window(problem, layout, change, [&](std::int64_t out_flat, const auto& members) {
    for (std::int64_t plane = 0; plane < layout.planes; ++plane) {
      const auto values = all.subspan(static_cast<std::size_t>(plane) * plane_size, plane_size);
      visit(plane, out_flat,
            describe(problem.op).avg() ? forward_element{window_mean(values, members), -1}
                                       : window_max(values, members));
    }
  });
}

void for_each_backward_addend(const pooling_problem& problem,
                              const std::optional<window_change>& change,
                              const std::function<void(std::int64_t, const accumulation&)>& add) {
  const op_description op = describe(problem.op);
  if (!op.backward()) return;
  const reference::pooling_layout layout = reference::split_pooling_shape(
      problem.input.shape, static_cast<std::size_t>(problem.spatial_dims));
  const std::int64_t out_plane = reference::element_count(problem.output_size);
  POOLPROOF_CHECK(problem.grad_output.values.size() ==
                  static_cast<std::size_t>(out_plane * layout.planes));
  if (op.max()) {
    for_each_forward(
        problem, change,
        [&](std::int64_t plane, std::int64_t out_flat, const forward_element& forward) {
          const reference::extended_rational& g =
              problem.grad_output.values[static_cast<std::size_t>(plane * out_plane + out_flat)];
          add(plane * layout.plane_size() + forward.argmax, {g, magnitude(g), 1, 0});
        });
    return;
  }
  const std::span<const reference::extended_rational> grads(problem.grad_output.values);
  for_each_window(problem, layout, change, [&](std::int64_t out_flat, const auto& members) {
    const auto length = static_cast<std::int64_t>(members.size());
    for (std::int64_t plane = 0; plane < layout.planes; ++plane) {
      const reference::extended_rational& g =
          grads[static_cast<std::size_t>(plane * out_plane + out_flat)];
      const accumulation share{
          divide(g, length), magnitude(divide(g, length)), 1,
          avg_backward_addend_underflow(problem.dtype, problem.spatial_dims, length, magnitude(g))};
      for (std::int64_t member : members) add(plane * layout.plane_size() + member, share);
    }
  });
}

expectation expect(const pooling_problem& problem) {
  POOLPROOF_CHECK(problem.input.values.size() ==
                  static_cast<std::size_t>(reference::element_count(problem.input.shape)));
  expectation result;
  const op_description op = describe(problem.op);
  const std::vector<std::int64_t> out_shape = forward_output_shape(problem);
  if (op.stores_indices())
    result.indices.resize(static_cast<std::size_t>(reference::element_count(out_shape)));
  const std::int64_t out_plane = reference::element_count(problem.output_size);
  if (!op.backward()) {
    result.shape = out_shape;
    result.elements.resize(static_cast<std::size_t>(reference::element_count(out_shape)));
  }
  for_each_forward(problem, std::nullopt,
                   [&](std::int64_t plane, std::int64_t out_flat, const forward_element& f) {
                     const auto at = static_cast<std::size_t>(plane * out_plane + out_flat);
                     if (op.stores_indices()) result.indices[at] = f.argmax;
                     if (!op.backward()) result.elements[at] = f.element;
                   });
  if (op.backward()) {
    result.shape = problem.input.shape;
    result.elements.resize(problem.input.values.size());
    for_each_backward_addend(problem, std::nullopt, [&](std::int64_t at, const accumulation& a) {
      add_to(result.elements[static_cast<std::size_t>(at)], a);
    });
  }
  result.bounds.reserve(result.elements.size());
  for (const accumulation& element : result.elements)
    result.bounds.push_back(bound_of(problem, element));
  return result;
}

}  // namespace poolproof::golden

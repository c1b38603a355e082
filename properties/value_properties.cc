#include <poolproof/properties/brute_force.h>
#include <poolproof/properties/value_properties.h>
#include <poolproof/reference/adaptive_pool.h>

#include <algorithm>

namespace poolproof::properties {
namespace {

std::vector<reference::extended_rational> members_of(const reference::exact_tensor& tensor,
                                                     const pooled_window& w) {
  std::vector<reference::extended_rational> members;
  for (std::size_t position : w.inputs) members.push_back(tensor.values[position]);
  return members;
}

bool holds_nan(const std::vector<reference::extended_rational>& values) {
  return std::any_of(values.begin(), values.end(), [](const auto& x) { return x.is_nan(); });
}

bool holds_infinity(const std::vector<reference::extended_rational>& values, bool negative) {
  return std::any_of(values.begin(), values.end(), [negative](const auto& x) {
    return x.is_infinite() && x.negative == negative;
  });
}

reference::rational exact_mean(const std::vector<reference::extended_rational>& values) {
  reference::rational sum = 0;
  for (const reference::extended_rational& x : values) sum += x.value;
  return sum / static_cast<long>(values.size());
}

// IEEE's answer for the mean of a window, computed by classifying the window first.
reference::extended_rational expected_mean(
    const std::vector<reference::extended_rational>& values) {
  const bool plus = holds_infinity(values, false), minus = holds_infinity(values, true);
  if (holds_nan(values) || (plus && minus)) return reference::extended_rational::not_a_number();
  if (plus || minus) return reference::extended_rational::infinity(minus);
  return reference::extended_rational::finite(exact_mean(values));
}

std::ptrdiff_t size_of(std::span<const std::int64_t> sizes) {
  std::ptrdiff_t count = 1;
  for (std::int64_t size : sizes) count *= size;
  return count;
}

bool all_finite(const reference::exact_tensor& tensor) {
  return std::all_of(tensor.values.begin(), tensor.values.end(),
                     [](const auto& x) { return x.is_finite(); });
}

reference::exact_tensor reshaped(reference::exact_tensor tensor, std::vector<std::int64_t> shape) {
  tensor.shape = std::move(shape);
  return tensor;
}

// [P, A, B] -> [P, B, A].
reference::exact_tensor transposed(const reference::exact_tensor& tensor) {
  const std::int64_t planes = tensor.shape[0], a = tensor.shape[1], b = tensor.shape[2];
  reference::exact_tensor result{{planes, b, a}, tensor.values};
  for_each_index(tensor.shape, [&](const std::vector<std::int64_t>& index) {
    result.values[static_cast<std::size_t>((index[0] * b + index[2]) * a + index[1])] =
        tensor.values[static_cast<std::size_t>(flat_index(index, tensor.shape))];
  });
  return result;
}

// The [P, H, W] view of a tensor with two spatial axes.
reference::exact_tensor as_planes(const pooling_case& c) {
  const auto& shape = c.input.shape;
  const std::int64_t h = shape[shape.size() - 2], w = shape.back();
  return reshaped(c.input, {static_cast<std::int64_t>(c.input.values.size()) / (h * w), h, w});
}

void separable_avg_agrees(const pooling_case& c) {
  const reference::exact_tensor x = as_planes(c);
  const std::int64_t p = x.shape[0], h = x.shape[1], w = x.shape[2];
  const std::int64_t oh = c.out_size[0], ow = c.out_size[1];
  const reference::exact_tensor rows =
      reference::adaptive_avg_pool(reshaped(x, {p * h, w}), std::vector{ow});
  const reference::exact_tensor columns = transposed(reshaped(rows, {p, h, ow}));
  const reference::exact_tensor both =
      reference::adaptive_avg_pool(reshaped(columns, {p * ow, h}), std::vector{oh});
  const reference::exact_tensor expected = transposed(reshaped(both, {p, ow, oh}));
  RC_ASSERT(reference::adaptive_avg_pool(x, c.out_size).values == expected.values);
}

void separable_max_agrees(const pooling_case& c) {
  const reference::exact_tensor x = as_planes(c);
  const std::int64_t p = x.shape[0], h = x.shape[1], w = x.shape[2];
  const std::int64_t oh = c.out_size[0], ow = c.out_size[1];
  const reference::max_pool_result rows =
      reference::adaptive_max_pool(reshaped(x, {p * h, w}), std::vector{ow});
  const reference::exact_tensor columns = transposed(reshaped(rows.values, {p, h, ow}));
  const reference::max_pool_result both =
      reference::adaptive_max_pool(reshaped(columns, {p * ow, h}), std::vector{oh});
  const reference::max_pool_result joint = reference::adaptive_max_pool(x, c.out_size);
  RC_ASSERT(joint.values.values == transposed(reshaped(both.values, {p, ow, oh})).values);
  for_each_index(joint.values.shape, [&](const std::vector<std::int64_t>& index) {
    const std::int64_t row =
        both.indices[static_cast<std::size_t>((index[0] * ow + index[2]) * oh + index[1])];
    const std::int64_t column =
        rows.indices[static_cast<std::size_t>((index[0] * h + row) * ow + index[2])];
    RC_ASSERT(joint.indices[static_cast<std::size_t>(flat_index(index, joint.values.shape))] ==
              row * w + column);
  });
}

}  // namespace

void avg_lies_between_window_extremes(const pooling_case& c) {
  RC_PRE(all_finite(c.input));
  const reference::exact_tensor output = reference::adaptive_avg_pool(c.input, c.out_size);
  for_each_adaptive_window(c.input.shape, c.out_size, [&](const pooled_window& w) {
    const std::vector<reference::extended_rational> members = members_of(c.input, w);
    const auto [low, high] =
        std::minmax_element(members.begin(), members.end(),
                            [](const auto& a, const auto& b) { return a.value < b.value; });
    const reference::extended_rational& mean = output.values[w.output];
    RC_ASSERT(mean.is_finite());
    RC_ASSERT(low->value <= mean.value);
    RC_ASSERT(mean.value <= high->value);
  });
}

void avg_is_linear(const pooling_case& c, const reference::exact_tensor& y,
                   const reference::rational& a, const reference::rational& b) {
  RC_PRE(all_finite(c.input) && all_finite(y));
  reference::exact_tensor combined{c.input.shape, {}};
  for (std::size_t i = 0; i < y.values.size(); ++i) {
    combined.values.push_back(
        reference::extended_rational::finite(a * c.input.values[i].value + b * y.values[i].value));
  }
  const reference::exact_tensor pooled = reference::adaptive_avg_pool(combined, c.out_size);
  const reference::exact_tensor pooled_x = reference::adaptive_avg_pool(c.input, c.out_size);
  const reference::exact_tensor pooled_y = reference::adaptive_avg_pool(y, c.out_size);
  for (std::size_t o = 0; o < pooled.values.size(); ++o) {
    RC_ASSERT(pooled.values[o].value ==
              reference::rational(a * pooled_x.values[o].value + b * pooled_y.values[o].value));
  }
}

void avg_preserves_constants(const pooling_case& c, const reference::extended_rational& constant) {
  reference::exact_tensor input{c.input.shape, std::vector(c.input.values.size(), constant)};
  const bool zero = constant.is_finite() && constant.value == 0;
  const reference::extended_rational expected =
      zero ? reference::extended_rational::finite(0) : constant;
  for (const reference::extended_rational& x :
       reference::adaptive_avg_pool(input, c.out_size).values)
    RC_ASSERT(x == expected);
}

void avg_follows_ieee_special_rules(const pooling_case& c) {
  const reference::exact_tensor output = reference::adaptive_avg_pool(c.input, c.out_size);
  for_each_adaptive_window(c.input.shape, c.out_size, [&](const pooled_window& w) {
    RC_ASSERT(output.values[w.output] == expected_mean(members_of(c.input, w)));
  });
}

void divisible_avg_preserves_the_mean(const pooling_case& c) {
  RC_PRE(all_finite(c.input));
  const auto spatial = std::span(c.input.shape).last(c.spatial_dims());
  for (std::size_t axis = 0; axis < c.spatial_dims(); ++axis)
    RC_PRE(spatial[axis] % c.out_size[axis] == 0);
  const reference::exact_tensor output = reference::adaptive_avg_pool(c.input, c.out_size);
  const std::ptrdiff_t in_plane = size_of(spatial), out_plane = size_of(c.out_size);
  for (std::ptrdiff_t plane = 0; plane * in_plane < std::ssize(c.input.values); ++plane) {
    const auto in_first = c.input.values.begin() + plane * in_plane;
    const auto out_first = output.values.begin() + plane * out_plane;
    RC_ASSERT(exact_mean({in_first, in_first + in_plane}) ==
              exact_mean({out_first, out_first + out_plane}));
  }
}

void max_is_an_element_at_the_reported_index(const pooling_case& c) {
  const reference::max_pool_result result = reference::adaptive_max_pool(c.input, c.out_size);
  for_each_adaptive_window(c.input.shape, c.out_size, [&](const pooled_window& w) {
    const auto at =
        std::find(w.spatial_inputs.begin(), w.spatial_inputs.end(), result.indices[w.output]);
    RC_ASSERT(at != w.spatial_inputs.end());
    const std::size_t position = w.inputs[static_cast<std::size_t>(at - w.spatial_inputs.begin())];
    const reference::extended_rational& maximum = result.values.values[w.output];
    RC_ASSERT(maximum == c.input.values[position]);
    const std::vector<reference::extended_rational> members = members_of(c.input, w);
    if (holds_nan(members)) return;
    for (const reference::extended_rational& member : members) RC_ASSERT(!greater(member, maximum));
  });
}

void max_index_follows_the_tie_and_nan_rule(const pooling_case& c) {
  const reference::max_pool_result result = reference::adaptive_max_pool(c.input, c.out_size);
  for_each_adaptive_window(c.input.shape, c.out_size, [&](const pooled_window& w) {
    const std::vector<reference::extended_rational> members = members_of(c.input, w);
    std::size_t expected = 0;
    if (holds_nan(members)) {
      for (std::size_t k = 0; k < members.size(); ++k)
        if (members[k].is_nan()) expected = k;
    } else {
      const auto is_maximal = [&](const reference::extended_rational& x) {
        return std::none_of(members.begin(), members.end(),
                            [&](const auto& other) { return greater(other, x); });
      };
      expected = static_cast<std::size_t>(std::find_if(members.begin(), members.end(), is_maximal) -
                                          members.begin());
    }
    RC_ASSERT(result.indices[w.output] == w.spatial_inputs[expected]);
  });
}

void pooling_is_separable(const pooling_case& c) {
  RC_PRE(c.spatial_dims() == std::size_t{2});
  separable_avg_agrees(c);
  separable_max_agrees(c);
}

}  // namespace poolproof::properties

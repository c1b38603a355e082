#include <poolproof/common/error.h>
#include <poolproof/properties/brute_force.h>
#include <poolproof/reference/exact_number.h>

namespace poolproof::properties {
namespace {

// The leading (batch, channel) axes flatten into planes; the last `dims` axes are spatial.
struct plane_split {
  std::int64_t planes = 1;
  std::vector<std::int64_t> spatial;
};

plane_split split(const std::vector<std::int64_t>& shape, std::size_t dims) {
  plane_split result;
  const std::size_t leading = shape.size() - dims;
  for (std::size_t axis = 0; axis < leading; ++axis) result.planes *= shape[axis];
  result.spatial.assign(shape.begin() + static_cast<std::ptrdiff_t>(leading), shape.end());
  return result;
}

std::int64_t product(std::span<const std::int64_t> sizes) {
  std::int64_t result = 1;
  for (std::int64_t size : sizes) result *= size;
  return result;
}

reference::extended_rational window_average(
    const std::vector<reference::extended_rational>& plane_values,
    const std::vector<std::int64_t>& members, std::int64_t divisor) {
  reference::extended_rational sum = reference::extended_rational::finite(0);
  for (std::int64_t member : members)
    sum = add(sum, plane_values[static_cast<std::size_t>(member)]);
  return divide(sum, divisor);
}

std::int64_t window_argmax(const std::vector<reference::extended_rational>& plane_values,
                           const std::vector<std::int64_t>& members) {
  std::int64_t best = members.front();
  reference::extended_rational running = reference::extended_rational::infinity(true);
  for (std::int64_t member : members) {
    const reference::extended_rational& value = plane_values[static_cast<std::size_t>(member)];
    if (greater(value, running) || value.is_nan()) {
      running = value;
      best = member;
    }
  }
  return best;
}

// Among the flag variants of one (kernel, stride, padding), the first that reproduces n -> m.
std::optional<reference::fixed_pool_params> witness_with_flags(std::int64_t n, std::int64_t m,
                                                               reference::fixed_pool_params params,
                                                               reference::pool_kind kind) {
  const std::int64_t max_dilation = kind == reference::pool_kind::max ? n + 1 : 1;
  for (params.dilation = 1; params.dilation <= max_dilation; ++params.dilation) {
    for (bool ceil_mode : {false, true}) {
      for (bool count_include_pad : {true, false}) {
        if (kind == reference::pool_kind::max && !count_include_pad) continue;
        params.ceil_mode = ceil_mode;
        params.count_include_pad = count_include_pad;
        if (!first_fixed_difference(n, m, params, kind)) return params;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

void for_each_index(std::span<const std::int64_t> sizes,
                    const std::function<void(const std::vector<std::int64_t>&)>& visit) {
  std::vector<std::int64_t> index(sizes.size(), 0);
  for (std::int64_t remaining = product(sizes); remaining > 0; --remaining) {
    visit(index);
    for (std::size_t axis = sizes.size(); axis-- > 0;) {
      if (++index[axis] < sizes[axis]) break;
      index[axis] = 0;
    }
  }
}

std::int64_t flat_index(std::span<const std::int64_t> index, std::span<const std::int64_t> sizes) {
  POOLPROOF_CHECK(index.size() == sizes.size());
  std::int64_t flat = 0;
  for (std::size_t axis = 0; axis < sizes.size(); ++axis) flat = flat * sizes[axis] + index[axis];
  return flat;
}

std::vector<std::int64_t> product_members(const std::vector<std::vector<std::int64_t>>& per_axis,
                                          std::span<const std::int64_t> sizes) {
  std::vector<std::int64_t> counts;
  counts.reserve(per_axis.size());
  for (const auto& indices : per_axis) counts.push_back(static_cast<std::int64_t>(indices.size()));
  std::vector<std::int64_t> members;
  for_each_index(counts, [&](const std::vector<std::int64_t>& choice) {
    std::vector<std::int64_t> index;
    for (std::size_t axis = 0; axis < choice.size(); ++axis)
      index.push_back(per_axis[axis][static_cast<std::size_t>(choice[axis])]);
    members.push_back(flat_index(index, sizes));
  });
  return members;
}

void for_each_adaptive_window(const std::vector<std::int64_t>& input_shape,
                              const std::vector<std::int64_t>& out_size,
                              const std::function<void(const pooled_window&)>& visit) {
  const plane_split in = split(input_shape, out_size.size());
  const std::int64_t in_plane = product(in.spatial), out_plane = product(out_size);
  for (std::int64_t plane = 0; plane < in.planes; ++plane) {
    for_each_index(out_size, [&](const std::vector<std::int64_t>& out_index) {
      std::vector<std::vector<std::int64_t>> per_axis;
      for (std::size_t axis = 0; axis < out_size.size(); ++axis) {
        per_axis.push_back(window_indices(
            reference::adaptive_window(in.spatial[axis], out_size[axis], out_index[axis])));
      }
      pooled_window w;
      w.output = static_cast<std::size_t>(plane * out_plane + flat_index(out_index, out_size));
      w.spatial_inputs = product_members(per_axis, in.spatial);
      for (std::int64_t member : w.spatial_inputs)
        w.inputs.push_back(static_cast<std::size_t>(plane * in_plane + member));
      visit(w);
    });
  }
}

std::vector<std::int64_t> window_indices(const reference::window& w) {
  std::vector<std::int64_t> indices;
  for (std::int64_t i = w.begin; i < w.end; ++i) indices.push_back(i);
  return indices;
}

std::vector<std::int64_t> fixed_taps(std::int64_t in_size,
                                     const reference::fixed_pool_params& params, std::int64_t o) {
  std::vector<std::int64_t> taps;
  for (std::int64_t j = 0; j < params.kernel; ++j) {
    const std::int64_t tap = o * params.stride - params.padding + j * params.dilation;
    if (tap >= 0 && tap < in_size) taps.push_back(tap);
  }
  return taps;
}

std::int64_t fixed_output_count_by_search(std::int64_t in_size,
                                          const reference::fixed_pool_params& params) {
  const std::int64_t s = params.stride, p = params.padding;
  const std::int64_t reach = params.dilation * (params.kernel - 1) + 1;
  const std::int64_t last_start = in_size + 2 * p - reach + (params.ceil_mode ? s - 1 : 0);
  std::int64_t count = 0;
  while (count * s <= last_start && (!params.ceil_mode || count * s < in_size + p)) ++count;
  return count;
}

std::int64_t fixed_divisor_by_counting(std::int64_t in_size,
                                       const reference::fixed_pool_params& params, std::int64_t o) {
  if (params.divisor_override) return *params.divisor_override;
  if (!params.count_include_pad)
    return static_cast<std::int64_t>(fixed_taps(in_size, params, o).size());
  std::int64_t count = 0;
  for (std::int64_t j = 0; j < params.kernel; ++j) {
    const std::int64_t position = o * params.stride - params.padding + j;
    if (position >= -params.padding && position < in_size + params.padding) ++count;
  }
  return count;
}

std::optional<std::int64_t> first_fixed_difference(std::int64_t in_size, std::int64_t out_size,
                                                   const reference::fixed_pool_params& params,
                                                   reference::pool_kind kind) {
  if (fixed_output_count_by_search(in_size, params) != out_size) return -1;
  for (std::int64_t o = 0; o < out_size; ++o) {
    const reference::window target = reference::adaptive_window(in_size, out_size, o);
    if (fixed_taps(in_size, params, o) != window_indices(target)) return o;
    if (kind == reference::pool_kind::avg &&
        fixed_divisor_by_counting(in_size, params, o) != target.length())
      return o;
  }
  return std::nullopt;
}

std::optional<reference::fixed_pool_params> least_witness_in_box(std::int64_t in_size,
                                                                 std::int64_t out_size,
                                                                 reference::pool_kind kind) {
  // The loops run in lexicographic (kernel, stride, padding) order, so the first hit is least.
  for (std::int64_t kernel = 1; kernel <= 2 * in_size + 2; ++kernel) {
    for (std::int64_t stride = 1; stride <= in_size + kernel + 1; ++stride) {
      for (std::int64_t padding = 0; padding <= kernel / 2; ++padding) {
        reference::fixed_pool_params params;
        params.kernel = kernel;
        params.stride = stride;
        params.padding = padding;
        if (auto found = witness_with_flags(in_size, out_size, params, kind)) return found;
      }
    }
  }
  return std::nullopt;
}

fixed_pool_output fixed_pool_evaluate(const reference::exact_tensor& input,
                                      const std::vector<reference::fixed_pool_params>& layers,
                                      reference::pool_kind kind) {
  const plane_split in = split(input.shape, layers.size());
  std::vector<std::int64_t> out_spatial;
  for (std::size_t axis = 0; axis < layers.size(); ++axis)
    out_spatial.push_back(fixed_output_count_by_search(in.spatial[axis], layers[axis]));
  fixed_pool_output result;
  result.values.shape.assign(input.shape.begin(), input.shape.end() - std::ssize(layers));
  result.values.shape.insert(result.values.shape.end(), out_spatial.begin(), out_spatial.end());
  const std::int64_t in_plane = product(in.spatial);
  for (std::int64_t plane = 0; plane < in.planes; ++plane) {
    const auto first = input.values.begin() + plane * in_plane;
    const std::vector<reference::extended_rational> plane_values(first, first + in_plane);
    for_each_index(out_spatial, [&](const std::vector<std::int64_t>& out_index) {
      std::vector<std::vector<std::int64_t>> per_axis;
      std::int64_t divisor = 1;
      for (std::size_t axis = 0; axis < layers.size(); ++axis) {
        per_axis.push_back(fixed_taps(in.spatial[axis], layers[axis], out_index[axis]));
        divisor *= fixed_divisor_by_counting(in.spatial[axis], layers[axis], out_index[axis]);
      }
      const std::vector<std::int64_t> members = product_members(per_axis, in.spatial);
      const std::int64_t argmax = window_argmax(plane_values, members);
      result.indices.push_back(argmax);
      result.values.values.push_back(kind == reference::pool_kind::avg
                                         ? window_average(plane_values, members, divisor)
                                         : plane_values[static_cast<std::size_t>(argmax)]);
    });
  }
  return result;
}

}  // namespace poolproof::properties

#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_pool.h>

#include <string>

namespace poolproof::reference {
namespace {

void require_value_count(const exact_tensor& tensor, const char* what) {
  if (static_cast<std::int64_t>(tensor.values.size()) != element_count(tensor.shape)) {
    throw common::input_error(std::string(what) + " holds " + std::to_string(tensor.values.size()) +
                              " values but its shape has " +
                              std::to_string(element_count(tensor.shape)));
  }
}

// The spatial sizes of both sides of a pooling whose input has `input_shape`.
struct pooling_geometry {
  pooling_layout input;
  std::vector<std::int64_t> out_size;
  std::int64_t out_plane_size = 1;
};

pooling_geometry geometry(std::span<const std::int64_t> input_shape,
                          std::span<const std::int64_t> out_size) {
  return {split_pooling_shape(input_shape, out_size.size()),
          {out_size.begin(), out_size.end()},
          element_count(out_size)};
}

// Geometry of a backward pass: grad_output must have exactly the forward output's shape.
pooling_geometry backward_geometry(const exact_tensor& grad_output,
                                   std::span<const std::int64_t> input_shape,
                                   std::size_t spatial_dims) {
  require_value_count(grad_output, "grad_output");
  if (grad_output.shape.size() != input_shape.size() || spatial_dims > input_shape.size()) {
    throw common::input_error("grad_output has rank " + std::to_string(grad_output.shape.size()) +
                              ", the input rank " + std::to_string(input_shape.size()));
  }
  const auto out_size = std::span(grad_output.shape).last(spatial_dims);
  if (adaptive_output_shape(input_shape, out_size) != grad_output.shape) {
    throw common::input_error("grad_output's leading axes differ from the input's");
  }
  return geometry(input_shape, out_size);
}

exact_tensor zeros(std::span<const std::int64_t> shape) {
  return {{shape.begin(), shape.end()},
          std::vector<extended_rational>(static_cast<std::size_t>(element_count(shape)))};
}

// Calls visit(plane, out_flat, input_flat_indices) for every output of every plane.
template <typename Visit>
void for_each_window(const pooling_geometry& g, Visit visit) {
  for_each_multi_index(
      g.out_size, [&](std::span<const std::int64_t> out_index, std::int64_t out_flat) {
        const std::vector<std::int64_t> members =
            box_flat_indices(adaptive_box(g.input.spatial, g.out_size, out_index), g.input.spatial);
        for (std::int64_t plane = 0; plane < g.input.planes; ++plane)
          visit(plane, out_flat, members);
      });
}

std::size_t at(std::int64_t plane, std::int64_t plane_size, std::int64_t offset) {
  return static_cast<std::size_t>(plane * plane_size + offset);
}

}  // namespace

exact_tensor adaptive_avg_pool(const exact_tensor& input, std::span<const std::int64_t> out_size) {
  exact_tensor output{adaptive_output_shape(input.shape, out_size), {}};
  require_value_count(input, "input");
  const pooling_geometry g = geometry(input.shape, out_size);
  output.values.resize(static_cast<std::size_t>(element_count(output.shape)));
  for_each_window(
      g, [&](std::int64_t plane, std::int64_t out_flat, const std::vector<std::int64_t>& members) {
        extended_rational sum = extended_rational::finite(0);
        for (std::int64_t member : members) {
          sum = add(sum, input.values[at(plane, g.input.plane_size(), member)]);
        }
        output.values[at(plane, g.out_plane_size, out_flat)] =
            divide(sum, static_cast<std::int64_t>(members.size()));
      });
  return output;
}

max_pool_result adaptive_max_pool(const exact_tensor& input,
                                  std::span<const std::int64_t> out_size) {
  max_pool_result result{{adaptive_output_shape(input.shape, out_size), {}}, {}};
  require_value_count(input, "input");
  const pooling_geometry g = geometry(input.shape, out_size);
  const auto count = static_cast<std::size_t>(element_count(result.values.shape));
  result.values.values.resize(count);
  result.indices.resize(count);
  for_each_window(
      g, [&](std::int64_t plane, std::int64_t out_flat, const std::vector<std::int64_t>& members) {
        std::int64_t best_index = members.front();
        extended_rational best = extended_rational::infinity(true);
        for (std::int64_t member : members) {
          const extended_rational& value = input.values[at(plane, g.input.plane_size(), member)];
          if (greater(value, best) || value.is_nan()) {
            best = value;
            best_index = member;
          }
        }
        // An all -inf window keeps the running -inf, which is exactly its first element's value.
        result.values.values[at(plane, g.out_plane_size, out_flat)] = best;
        result.indices[at(plane, g.out_plane_size, out_flat)] = best_index;
      });
  return result;
}

exact_tensor adaptive_avg_pool_backward(const exact_tensor& grad_output,
                                        std::span<const std::int64_t> input_shape,
                                        std::size_t spatial_dims) {
  const pooling_geometry g = backward_geometry(grad_output, input_shape, spatial_dims);
  exact_tensor grad_input = zeros(input_shape);
  for_each_window(
      g, [&](std::int64_t plane, std::int64_t out_flat, const std::vector<std::int64_t>& members) {
        const extended_rational share =
            divide(grad_output.values[at(plane, g.out_plane_size, out_flat)],
                   static_cast<std::int64_t>(members.size()));
        for (std::int64_t member : members) {
          extended_rational& target = grad_input.values[at(plane, g.input.plane_size(), member)];
          target = add(target, share);
        }
      });
  return grad_input;
}

exact_tensor adaptive_max_pool_backward(const exact_tensor& grad_output,
                                        std::span<const std::int64_t> indices,
                                        std::span<const std::int64_t> input_shape,
                                        std::size_t spatial_dims) {
  const pooling_geometry g = backward_geometry(grad_output, input_shape, spatial_dims);
  if (indices.size() != grad_output.values.size()) {
    throw common::input_error("max pool backward got " + std::to_string(indices.size()) +
                              " indices for " + std::to_string(grad_output.values.size()) +
                              " output gradients");
  }
  exact_tensor grad_input = zeros(input_shape);
  for (std::int64_t plane = 0; plane < g.input.planes; ++plane) {
    for (std::int64_t out_flat = 0; out_flat < g.out_plane_size; ++out_flat) {
      const std::size_t position = at(plane, g.out_plane_size, out_flat);
      if (indices[position] < 0 || indices[position] >= g.input.plane_size()) {
        throw common::input_error("max pool index " + std::to_string(indices[position]) +
                                  " is outside the input plane of " +
                                  std::to_string(g.input.plane_size()));
      }
      extended_rational& target =
          grad_input.values[at(plane, g.input.plane_size(), indices[position])];
      target = add(target, grad_output.values[position]);
    }
  }
  return grad_input;
}

}  // namespace poolproof::reference

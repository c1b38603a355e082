#include <poolproof/common/error.h>
#include <poolproof/reference/tensor.h>

#include <string>

namespace poolproof::reference {
namespace {

constexpr std::int64_t max_elements = std::int64_t{1} << 40;

}  // namespace

std::int64_t pooling_layout::plane_size() const { return element_count(spatial); }

std::int64_t element_count(std::span<const std::int64_t> shape) {
  std::int64_t count = 1;
  for (std::int64_t size : shape) {
    if (size < 1)
      throw common::input_error("tensor sizes must be at least 1, got " + std::to_string(size));
    if (size > max_elements / count)
      throw common::input_error("tensor has more than 2^40 elements");
    count *= size;
  }
  return count;
}

pooling_layout split_pooling_shape(std::span<const std::int64_t> shape, std::size_t spatial_dims) {
  if (spatial_dims < 1 || spatial_dims > 3) {
    throw common::input_error("pooling needs 1 to 3 spatial axes, got " +
                              std::to_string(spatial_dims));
  }
  if (shape.size() != spatial_dims + 1 && shape.size() != spatial_dims + 2) {
    throw common::input_error("input of rank " + std::to_string(shape.size()) +
                              " cannot be pooled over " + std::to_string(spatial_dims) +
                              " spatial axes (want rank " + std::to_string(spatial_dims + 1) +
                              " or " + std::to_string(spatial_dims + 2) + ")");
  }
  const std::size_t leading = shape.size() - spatial_dims;
  pooling_layout layout;
  layout.planes = element_count(shape.first(leading));
  layout.spatial.assign(shape.begin() + static_cast<std::ptrdiff_t>(leading), shape.end());
  (void)element_count(shape);
  return layout;
}

std::vector<std::int64_t> box_flat_indices(const window_box& box,
                                           std::span<const std::int64_t> sizes) {
  POOLPROOF_CHECK(box.size() == sizes.size());
  std::vector<std::int64_t> extents;
  for (const window& w : box) extents.push_back(w.length());
  std::vector<std::int64_t> flat;
  for_each_multi_index(extents, [&](std::span<const std::int64_t> offset, std::int64_t) {
    std::int64_t index = 0;
    for (std::size_t axis = 0; axis < box.size(); ++axis) {
      index = index * sizes[axis] + box[axis].begin + offset[axis];
    }
    flat.push_back(index);
  });
  return flat;
}

void for_each_multi_index(
    std::span<const std::int64_t> sizes,
    const std::function<void(std::span<const std::int64_t>, std::int64_t)>& visit) {
  std::vector<std::int64_t> index(sizes.size(), 0);
  const std::int64_t count = element_count(sizes);
  for (std::int64_t flat = 0; flat < count; ++flat) {
    visit(index, flat);
    for (std::size_t axis = sizes.size(); axis-- > 0;) {
      if (++index[axis] < sizes[axis]) break;
      index[axis] = 0;
    }
  }
}

std::vector<std::int64_t> adaptive_output_shape(std::span<const std::int64_t> input_shape,
                                                std::span<const std::int64_t> out_size) {
  (void)split_pooling_shape(input_shape, out_size.size());
  for (std::int64_t size : out_size) require_valid_size(size, "output size");
  std::vector<std::int64_t> shape(input_shape.begin(),
                                  input_shape.end() - static_cast<std::ptrdiff_t>(out_size.size()));
  shape.insert(shape.end(), out_size.begin(), out_size.end());
  (void)element_count(shape);
  return shape;
}

}  // namespace poolproof::reference

// op.h: the roles and shapes that follow from an op's kind and pass.
#include <poolproof/common/error.h>
#include <poolproof/golden/op.h>

#include <algorithm>

namespace poolproof::golden {

std::vector<std::string_view> op_description::input_roles() const {
  if (backward()) return {role::input, role::grad_output};
  return {role::input};
}

std::vector<std::string_view> op_description::required_roles() const {
  std::vector<std::string_view> roles = input_roles();
  roles.push_back(result_role());
  return roles;
}

std::vector<std::string_view> op_description::candidate_suffixes() const {
  if (backward()) return {"grad_input"};
  if (returns_indices()) return {"output", "indices"};
  return {"output"};
}

std::vector<std::int64_t> forward_output_shape(std::span<const std::int64_t> input_shape,
                                               std::span<const std::int64_t> output_size) {
  POOLPROOF_CHECK(input_shape.size() >= output_size.size());
  std::vector<std::int64_t> shape(input_shape.begin(), input_shape.end());
  std::copy(output_size.begin(), output_size.end(),
            shape.end() - static_cast<std::ptrdiff_t>(output_size.size()));
  return shape;
}

std::vector<std::int64_t> result_shape(golden_op op, std::span<const std::int64_t> input_shape,
                                       std::span<const std::int64_t> output_size) {
  if (describe(op).backward()) return {input_shape.begin(), input_shape.end()};
  return forward_output_shape(input_shape, output_size);
}

}  // namespace poolproof::golden

#include <poolproof/common/error.h>
#include <poolproof/golden/discrimination.h>
#include <poolproof/golden/exact_values.h>
#include <poolproof/golden/generate.h>
#include <poolproof/golden/npy.h>
#include <poolproof/reference/adaptive_pool.h>

#include <stdexcept>

namespace poolproof::golden {
namespace {

// The reference's own answer: the expectation must agree with it value for value.
std::vector<reference::extended_rational> reference_values(const pooling_problem& p,
                                                           std::span<const std::int64_t> indices) {
  const auto dims = static_cast<std::size_t>(p.spatial_dims);
  switch (p.op) {
    case golden_op::adaptive_avg_pool:
      return reference::adaptive_avg_pool(p.input, p.output_size).values;
    case golden_op::adaptive_max_pool:
      return reference::adaptive_max_pool(p.input, p.output_size).values.values;
    case golden_op::adaptive_avg_pool_backward:
      return reference::adaptive_avg_pool_backward(p.grad_output, p.input.shape, dims).values;
    case golden_op::adaptive_max_pool_backward:
      return reference::adaptive_max_pool_backward(p.grad_output, indices, p.input.shape, dims)
          .values;
  }
  return {};
}

void verify(const case_spec& spec, const pooling_problem& problem, const expectation& e) {
  const auto fail = [&](const std::string& why) {
    throw std::runtime_error("golden case '" + spec.name + "': " + why);
  };
  const std::vector<reference::extended_rational> reference = reference_values(problem, e.indices);
  if (reference.size() != e.elements.size()) fail("expectation and reference differ in size");
  for (std::size_t k = 0; k < reference.size(); ++k) {
    if (!(reference[k] == e.elements[k].value)) fail("expectation and reference differ");
    if (!e.bounds[k].bound) fail("element " + std::to_string(k) + " has no error bound");
  }
  if (describe(problem.op).returns_indices() &&
      reference::adaptive_max_pool(problem.input, problem.output_size).indices != e.indices) {
    fail("argmax and reference differ");
  }
  if (spec.tier != "core") return;
  if (const auto shift = find_undetected_shift(problem, e))
    fail("inputs do not discriminate: " + describe(*shift) + " goes unnoticed");
}

std::vector<std::uint64_t> bit_patterns(reference::float_format format,
                                        const std::vector<reference::extended_rational>& values) {
  std::vector<std::uint64_t> bits;
  bits.reserve(values.size());
  for (const reference::extended_rational& x : values) bits.push_back(round_to(format, x));
  return bits;
}

std::vector<std::byte> npy_bytes(npy_element element, const std::vector<std::int64_t>& shape,
                                 std::vector<std::uint64_t> words) {
  return serialize_npy({element, shape, std::move(words)});
}

std::vector<std::byte> text_bytes(const std::string& text) {
  const auto* data = reinterpret_cast<const std::byte*>(text.data());
  return {data, data + text.size()};
}

}  // namespace

built_case build_case(const case_spec& spec, std::uint64_t seed) {
  const pooling_problem problem = draw_problem(spec, seed);
  const expectation e = expect(problem);
  verify(spec, problem, e);
  built_case built;
  built.entry = {spec.name,        spec.op,          spec.tier,  spec.spatial_dims(),
                 spec.input_shape, spec.output_size, spec.dtype, {}};
  const npy_element element = npy_element_for(spec.dtype);
  const op_description op = describe(spec.op);
  // Each role's file is named after the role: "<case>/input.npy", ..., "<case>/exact.json".
  const auto add = [&](std::string_view role_name, std::string_view extension,
                       std::vector<std::byte> bytes) {
    const std::string path = spec.name + "/" + std::string(role_name) + std::string(extension);
    built.entry.files[std::string(role_name)] = file_of(path, bytes);
    built.files.emplace_back(path, std::move(bytes));
  };
  const auto add_tensor = [&](std::string_view role_name, const reference::exact_tensor& tensor) {
    add(role_name, ".npy",
        npy_bytes(element, tensor.shape, bit_patterns(spec.dtype, tensor.values)));
  };
  std::vector<reference::extended_rational> exact;
  for (const accumulation& a : e.elements) exact.push_back(a.value);
  add_tensor(role::input, problem.input);
  if (op.backward()) add_tensor(role::grad_output, problem.grad_output);
  add_tensor(op.result_role(), {e.shape, exact});
  if (op.stores_indices() && static_cast<std::int64_t>(e.indices.size()) <= suite_exact_limit) {
    std::vector<std::uint64_t> words(e.indices.begin(), e.indices.end());
    add(role::indices, ".npy",
        npy_bytes(npy_element::i8, forward_output_shape(problem), std::move(words)));
  }
  if (static_cast<std::int64_t>(exact.size()) <= suite_exact_limit)
    add(role::exact, ".json", text_bytes(serialize_exact_values(exact)));
  return built;
}

}  // namespace poolproof::golden

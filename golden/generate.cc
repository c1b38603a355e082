#include <poolproof/common/error.h>
#include <poolproof/golden/discrimination.h>
#include <poolproof/golden/exact_values.h>
#include <poolproof/golden/generate.h>
#include <poolproof/golden/npy.h>
#include <poolproof/reference/adaptive_pool.h>

#include <stdexcept>

namespace poolproof::golden {
namespace {

bool is_backward(golden_op op) {
  return op == golden_op::adaptive_avg_pool_backward || op == golden_op::adaptive_max_pool_backward;
}

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
  if (problem.op == golden_op::adaptive_max_pool &&
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
  const auto add = [&](const std::string& role, const std::string& file,
                       std::vector<std::byte> bytes) {
    const std::string path = spec.name + "/" + file;
    built.entry.files[role] = {path, sha256_hex(bytes)};
    built.files.emplace_back(path, std::move(bytes));
  };
  std::vector<reference::extended_rational> exact;
  for (const accumulation& a : e.elements) exact.push_back(a.value);
  add("input", "input.npy",
      npy_bytes(element, problem.input.shape, bit_patterns(spec.dtype, problem.input.values)));
  if (is_backward(spec.op)) {
    add("grad_output", "grad_output.npy",
        npy_bytes(element, problem.grad_output.shape,
                  bit_patterns(spec.dtype, problem.grad_output.values)));
    add("expected_grad_input", "expected_grad_input.npy",
        npy_bytes(element, e.shape, bit_patterns(spec.dtype, exact)));
  } else {
    add("expected", "expected.npy", npy_bytes(element, e.shape, bit_patterns(spec.dtype, exact)));
  }
  if (!e.indices.empty()) {
    std::vector<std::uint64_t> words(e.indices.begin(), e.indices.end());
    add("indices", "indices.npy",
        npy_bytes(npy_element::i8, forward_output_shape(problem), std::move(words)));
  }
  add("exact", "exact.json", text_bytes(serialize_exact_values(exact)));
  return built;
}

generate_summary generate_suite(const std::filesystem::path& out, std::uint64_t seed,
                                const std::atomic<bool>& stop) {
  require_replaceable_suite(out);  // before the work, not after it
  golden_manifest manifest;
  manifest.seed = seed;
  manifest.generator = "poolproof golden generate";
  std::vector<built_case> cases;
  for (const case_spec& spec : suite_cases()) {
    if (stop) throw common::interrupted("golden generate interrupted; the old suite is unchanged");
    cases.push_back(build_case(spec, seed));
    manifest.cases.push_back(cases.back().entry);
  }
  return write_suite(out, manifest, cases, stop);
}

}  // namespace poolproof::golden

#include <poolproof/common/error.h>
#include <poolproof/golden/check.h>
#include <poolproof/golden/exact_values.h>
#include <poolproof/golden/npy.h>

#include <bit>
#include <cmath>
#include <functional>
#include <numeric>

#include "golden/check_parts.h"

namespace poolproof::golden {

namespace {

std::string shape_text(std::span<const std::int64_t> shape) {
  std::string text = "[";
  for (std::size_t k = 0; k < shape.size(); ++k)
    text += (k == 0 ? "" : ", ") + std::to_string(shape[k]);
  return text + "]";
}

}  // namespace

namespace detail {

pooling_problem case_problem(const golden_case& entry) {
  pooling_problem problem;
  problem.op = entry.op;
  problem.spatial_dims = entry.spatial_dims;
  problem.dtype = entry.dtype;
  problem.output_size = entry.output_size;
  problem.input.shape = entry.input_shape;
  return problem;
}

const golden_file& role_entry(const golden_case& entry, std::string_view role_name) {
  const auto file = entry.files.find(std::string(role_name));
  if (file == entry.files.end()) {
    throw common::input_error("golden case '" + entry.name + "' has no " + std::string(role_name) +
                              " file");
  }
  return file->second;
}

std::size_t role_max_bytes(npy_element element, std::span<const std::int64_t> shape) {
  // At most what the manifest's shape needs is read (its shape is bounded when parsed).
  const std::int64_t count =
      std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
  return npy_max_file_bytes(element, count);
}

std::size_t role_payload_offset(std::span<const std::byte> bytes, const golden_file& file,
                                npy_element element, std::span<const std::int64_t> shape) {
  const npy_payload parsed = parse_npy_header(bytes, file.path);
  if (parsed.layout.element != element || !std::ranges::equal(parsed.layout.shape, shape)) {
    throw common::input_error("golden file '" + file.path + "' holds " +
                              std::string(npy_descr(parsed.layout.element)) + " " +
                              shape_text(parsed.layout.shape) + ", the case needs " +
                              std::string(npy_descr(element)) + " " + shape_text(shape));
  }
  return static_cast<std::size_t>(parsed.payload.data() - bytes.data());
}

role_file read_role_file(const std::filesystem::path& dir, const golden_case& entry,
                         std::string_view role_name, npy_element element,
                         std::span<const std::int64_t> shape, file_digests digests) {
  const golden_file& file = role_entry(entry, role_name);
  role_file result{read_suite_file(dir, file, role_max_bytes(element, shape), digests), {}};
  result.payload_offset = role_payload_offset(result.bytes, file, element, shape);
  return result;
}

npy_array read_role(const std::filesystem::path& dir, const golden_case& entry,
                    std::string_view role_name, npy_element element,
                    std::span<const std::int64_t> shape, file_digests digests) {
  const role_file file = read_role_file(dir, entry, role_name, element, shape, digests);
  // Its header is checked already; this decodes the payload (one more look at the header).
  return parse_npy(file.bytes, entry.files.at(std::string(role_name)).path);
}

}  // namespace detail

namespace {

using detail::read_role;

reference::exact_tensor decoded(reference::float_format format, const npy_array& array) {
  reference::exact_tensor tensor{array.shape, {}};
  tensor.values.reserve(array.words.size());
  for (std::uint64_t word : array.words) tensor.values.push_back(decode(format, word));
  return tensor;
}

// The stored exact values, rounded result and indices must be what the inputs imply.
void verify_stored(const std::filesystem::path& dir, const loaded_case& c, file_digests digests) {
  const auto fail = [&](const std::string& why) {
    throw common::input_error("golden case '" + c.entry.name + "': " + why);
  };
  const auto exact_file = c.entry.files.find(std::string(role::exact));
  if (exact_file != c.entry.files.end()) {
    const auto count = static_cast<std::int64_t>(c.expected.elements.size());
    const std::vector<std::byte> bytes =
        read_suite_file(dir, exact_file->second, max_exact_values_bytes(count), digests);
    const std::vector<reference::extended_rational> exact = parse_exact_values(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
        exact_file->second.path, c.expected.elements.size());
    if (exact.size() != c.expected.elements.size()) fail("exact values have the wrong count");
    for (std::size_t k = 0; k < exact.size(); ++k)
      if (!(exact[k] == c.expected.elements[k].value))
        fail("exact value " + std::to_string(k) + " disagrees with its inputs");
  }
  for (std::size_t k = 0; k < c.expected_bits.size(); ++k)
    if (c.expected_bits[k] != round_to(c.problem.dtype, c.expected.elements[k].value))
      fail("expected element " + std::to_string(k) + " is not the correctly rounded value");
  if (c.entry.files.contains(std::string(role::indices))) {
    const npy_array indices = read_role(dir, c.entry, role::indices, npy_element::i8,
                                        forward_output_shape(c.problem), digests);
    for (std::size_t k = 0; k < indices.words.size(); ++k)
      if (static_cast<std::int64_t>(indices.words[k]) != c.expected.indices[k])
        fail("index " + std::to_string(k) + " is not the first maximal element");
  }
}

}  // namespace

reference::exact_tensor decoded_input(const loaded_case& golden) {
  reference::exact_tensor tensor{golden.problem.input.shape, {}};
  tensor.values.reserve(golden.input_bits.size());
  for (std::uint64_t word : golden.input_bits)
    tensor.values.push_back(decode(golden.problem.dtype, word));
  return tensor;
}

loaded_case load_case(const std::filesystem::path& suite_dir, const golden_case& entry,
                      file_digests digests) {
  loaded_case c;
  c.entry = entry;
  c.problem = detail::case_problem(entry);
  pooling_problem& p = c.problem;
  const npy_element element = npy_element_for(entry.dtype);
  const op_description op = describe(entry.op);
  c.input_bits =
      read_role(suite_dir, entry, role::input, element, entry.input_shape, digests).words;
  if (op.backward()) {
    // The backward expectations read exact values; they are decoded for that and dropped.
    pooling_problem decoded_problem = p;
    decoded_problem.input = decoded_input(c);
    decoded_problem.grad_output = decoded(
        entry.dtype,
        read_role(suite_dir, entry, role::grad_output, element, forward_output_shape(p), digests));
    c.expected = expect(decoded_problem);
    p.grad_output = std::move(decoded_problem.grad_output);
  } else {
    // A rational per input costs ~80 bytes and a GMP addition each: the forward expectation
    // sums the patterns as integers instead.
    c.expected = expect_forward(p, c.input_bits);
  }
  c.expected_bits =
      read_role(suite_dir, entry, op.result_role(), element, c.expected.shape, digests).words;
  verify_stored(suite_dir, c, digests);
  return c;
}

loaded_case load_case(const std::filesystem::path& suite_dir, std::string_view name) {
  const golden_manifest manifest = load_manifest(suite_dir);
  for (const golden_case& entry : manifest.cases)
    if (entry.name == name) return load_case(suite_dir, entry);
  throw common::input_error("no golden case '" + std::string(name) + "' in '" + suite_dir.string() +
                            "'");
}

candidate_result candidate_from_floats(std::span<const float> values,
                                       std::span<const std::int64_t> shape) {
  candidate_result result{{shape.begin(), shape.end()}, {}, {}};
  for (float x : values) result.bits.push_back(std::bit_cast<std::uint32_t>(x));
  return result;
}

candidate_result candidate_from_doubles(std::span<const double> values,
                                        std::span<const std::int64_t> shape) {
  candidate_result result{{shape.begin(), shape.end()}, {}, {}};
  for (double x : values) result.bits.push_back(std::bit_cast<std::uint64_t>(x));
  return result;
}

std::vector<std::string> candidate_files(const golden_case& entry) {
  std::vector<std::string> files;
  for (std::string_view suffix : describe(entry.op).candidate_suffixes())
    files.push_back(entry.name + "." + std::string(suffix) + ".npy");
  return files;
}

}  // namespace poolproof::golden

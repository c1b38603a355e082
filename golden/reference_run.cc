// reference_run.h: user tensors through the fast engine, and (on request) the exact values.
#include <poolproof/common/error.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/golden/reference_run.h>
#include <poolproof/reference/adaptive_pool.h>

#include <bit>

namespace poolproof::golden {
namespace {

template <typename T>
std::vector<T> to_native(const std::vector<std::uint64_t>& words) {
  std::vector<T> values(words.size());
  for (std::size_t k = 0; k < words.size(); ++k) {
    if constexpr (std::same_as<T, float>)
      values[k] = std::bit_cast<float>(static_cast<std::uint32_t>(words[k]));
    else if constexpr (std::same_as<T, double>)
      values[k] = std::bit_cast<double>(words[k]);
    else
      values[k] = static_cast<T>(words[k]);
  }
  return values;
}

template <typename T>
std::vector<std::uint64_t> to_words(const std::vector<T>& values) {
  std::vector<std::uint64_t> words(values.size());
  for (std::size_t k = 0; k < values.size(); ++k) {
    if constexpr (std::same_as<T, float>)
      words[k] = std::bit_cast<std::uint32_t>(values[k]);
    else if constexpr (std::same_as<T, double>)
      words[k] = std::bit_cast<std::uint64_t>(values[k]);
    else
      words[k] = values[k];
  }
  return words;
}

void require_storage(const npy_array& array, reference::float_format dtype, std::string_view what) {
  const npy_element element = npy_element_for(dtype);
  if (array.element != element) {
    throw common::input_error(std::string(what) + " has dtype " +
                              std::string(npy_descr(array.element)) + ", " +
                              std::string(reference::format_name(dtype)) + " is stored as " +
                              std::string(npy_descr(element)));
  }
}

template <typename T>
reference_result run_typed(const reference_request& r) {
  const op_description op = describe(r.op);
  const std::vector<std::int64_t> out_shape =
      reference::adaptive_output_shape(r.input.shape, r.output_size);
  const auto out_count = static_cast<std::size_t>(reference::element_count(out_shape));
  const npy_element element = npy_element_for(r.dtype);
  const std::vector<T> input = to_native<T>(r.input.words);
  reference_result result;
  std::vector<std::int64_t> indices;
  if (op.max()) {  // max backward scatters to the forward argmax
    std::vector<T> values(out_count);
    indices.resize(out_count);
    engine::adaptive_max_pool<T>(r.dtype, r.input.shape, input, r.output_size, values, indices,
                                 r.threads);
    if (!op.backward()) result.result = {element, out_shape, to_words(values)};
    result.indices = npy_array{npy_element::i8, out_shape, {indices.begin(), indices.end()}};
  }
  if (!op.backward()) {
    if (op.avg()) {
      std::vector<T> values(out_count);
      engine::adaptive_avg_pool<T>(r.dtype, r.input.shape, input, r.output_size, values, r.threads);
      result.result = {element, out_shape, to_words(values)};
    }
    return result;
  }
  if (!r.grad_output) throw common::input_error(std::string(op.name) + " needs a grad_output");
  require_storage(*r.grad_output, r.dtype, "grad_output");
  if (r.grad_output->shape != out_shape)
    throw common::input_error("grad_output's shape is not the forward output's");
  const std::vector<T> grads = to_native<T>(r.grad_output->words);
  std::vector<T> grad_input(r.input.words.size());
  if (op.avg()) {
    engine::adaptive_avg_pool_backward<T>(r.dtype, r.input.shape, r.output_size, grads, grad_input,
                                          r.threads);
  } else {
    engine::adaptive_max_pool_backward<T>(r.dtype, r.input.shape, r.output_size, grads, indices,
                                          grad_input, r.threads);
  }
  result.result = {element, r.input.shape, to_words(grad_input)};
  return result;
}

reference::exact_tensor decoded(reference::float_format dtype, const npy_array& array) {
  reference::exact_tensor tensor{array.shape, {}};
  tensor.values.reserve(array.words.size());
  for (std::uint64_t word : array.words) tensor.values.push_back(decode(dtype, word));
  return tensor;
}

}  // namespace

reference::float_format dtype_of(const npy_array& input,
                                 std::optional<reference::float_format> dtype,
                                 std::string_view name) {
  if (dtype) {
    require_storage(input, *dtype, "'" + std::string(name) + "'");
    return *dtype;
  }
  for (reference::float_format format : reference::all_formats) {
    const reference::format_spec spec = reference::spec_of(format);
    if (spec.storage == reference::npy_storage::native && npy_element_for(format) == input.element)
      return format;
  }
  throw common::input_error("'" + std::string(name) + "' has dtype " +
                            std::string(npy_descr(input.element)) +
                            ": name its format with --dtype (bfloat16 is stored as '<u2')");
}

reference_result run_reference(const reference_request& request) {
  require_storage(request.input, request.dtype, "the input");
  switch (request.dtype) {
    case reference::float_format::binary16:
    case reference::float_format::bfloat16:
      return run_typed<std::uint16_t>(request);
    case reference::float_format::binary32:
      return run_typed<float>(request);
    case reference::float_format::binary64:
      return run_typed<double>(request);
  }
  POOLPROOF_CHECK(false);
}

std::vector<reference::extended_rational> exact_result(const reference_request& request,
                                                       const reference_result& computed) {
  const reference::exact_tensor input = decoded(request.dtype, request.input);
  const auto dims = request.output_size.size();
  std::vector<reference::extended_rational> exact;
  switch (request.op) {
    case golden_op::adaptive_avg_pool:
      exact = reference::adaptive_avg_pool(input, request.output_size).values;
      break;
    case golden_op::adaptive_max_pool:
      exact = reference::adaptive_max_pool(input, request.output_size).values.values;
      break;
    case golden_op::adaptive_avg_pool_backward:
      exact = reference::adaptive_avg_pool_backward(decoded(request.dtype, *request.grad_output),
                                                    input.shape, dims)
                  .values;
      break;
    case golden_op::adaptive_max_pool_backward: {
      const std::vector<std::int64_t> indices(computed.indices->words.begin(),
                                              computed.indices->words.end());
      exact = reference::adaptive_max_pool_backward(decoded(request.dtype, *request.grad_output),
                                                    indices, input.shape, dims)
                  .values;
      break;
    }
  }
  // The engine is checked against the specification it claims to round.
  POOLPROOF_CHECK(exact.size() == computed.result.words.size());
  for (std::size_t k = 0; k < exact.size(); ++k) {
    const reference::extended_rational got = decode(request.dtype, computed.result.words[k]);
    POOLPROOF_CHECK(got == exact[k] || (got.is_nan() && exact[k].is_nan()) ||
                    computed.result.words[k] == round_to(request.dtype, exact[k]));
  }
  return exact;
}

}  // namespace poolproof::golden

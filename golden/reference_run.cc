// reference_run.h: user tensors through the fast engine, and (on request) the exact values.
#include <poolproof/common/atomic_file.h>
#include <poolproof/common/error.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/golden/exact_values.h>
#include <poolproof/golden/reference_run.h>
#include <poolproof/reference/adaptive_pool.h>

#include <bit>
#include <type_traits>

#include "golden/npy_values.h"

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
std::vector<std::uint64_t> to_words(std::span<const T> values) {
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

// visit(std::type_identity<T>{}) for the element type T the engine takes `dtype`'s values as:
// the 16-bit formats as bit patterns, binary32 and binary64 as float and double.
template <typename Visit>
decltype(auto) with_element_type(reference::float_format dtype, const Visit& visit) {
  switch (dtype) {
    case reference::float_format::binary16:
    case reference::float_format::bfloat16:
      return visit(std::type_identity<std::uint16_t>{});
    case reference::float_format::binary32:
      return visit(std::type_identity<float>{});
    case reference::float_format::binary64:
      return visit(std::type_identity<double>{});
  }
  POOLPROOF_CHECK(false);
}

// A backward op's grad_output (its layout: words may be empty) against the forward output's shape.
void require_grad_output(golden_op op, reference::float_format dtype,
                         std::span<const std::int64_t> out_shape, const npy_array* grad_output) {
  if (grad_output == nullptr)
    throw common::input_error(std::string(describe(op).name) + " needs a grad_output");
  require_storage(*grad_output, dtype, "grad_output");
  if (!std::ranges::equal(grad_output->shape, out_shape))
    throw common::input_error("grad_output's shape is not the forward output's");
}

// The engine's answer in the element type T: the result (forward output or grad_input) and, for
// max ops, the forward argmax.
template <typename T>
struct typed_result {
  std::vector<std::int64_t> shape;
  std::vector<T> values;
  std::optional<std::vector<std::int64_t>> indices;
};

// One op through the engine. Preconditions: `input` holds the product of `shape` values, and a
// backward op's `grads` passed require_grad_output.
template <typename T>
typed_result<T> run_engine(golden_op op_kind, reference::float_format dtype,
                           const std::vector<std::int64_t>& shape,
                           const std::vector<std::int64_t>& output_size, std::span<const T> input,
                           std::span<const T> grads, unsigned threads) {
  const op_description op = describe(op_kind);
  const std::vector<std::int64_t> out_shape = reference::adaptive_output_shape(shape, output_size);
  const auto out_count = static_cast<std::size_t>(reference::element_count(out_shape));
  typed_result<T> result{out_shape, {}, std::nullopt};
  if (op.max()) {  // max backward scatters to the forward argmax
    result.values.resize(out_count);
    result.indices.emplace(out_count);
    engine::adaptive_max_pool<T>(dtype, shape, input, output_size, result.values, *result.indices,
                                 threads);
  } else if (!op.backward()) {
    result.values.resize(out_count);
    engine::adaptive_avg_pool<T>(dtype, shape, input, output_size, result.values, threads);
  }
  if (!op.backward()) return result;
  result.shape = shape;
  result.values.assign(input.size(), T{});
  if (op.avg()) {
    engine::adaptive_avg_pool_backward<T>(dtype, shape, output_size, grads, result.values, threads);
  } else {
    engine::adaptive_max_pool_backward<T>(dtype, shape, output_size, grads, *result.indices,
                                          result.values, threads);
  }
  return result;
}

template <typename T>
reference_result run_typed(const reference_request& r) {
  const op_description op = describe(r.op);
  const std::vector<std::int64_t> out_shape =
      reference::adaptive_output_shape(r.input.shape, r.output_size);
  if (op.backward())
    require_grad_output(r.op, r.dtype, out_shape, r.grad_output ? &*r.grad_output : nullptr);
  const std::vector<T> input = to_native<T>(r.input.words);
  const std::vector<T> grads =
      op.backward() ? to_native<T>(r.grad_output->words) : std::vector<T>{};
  const typed_result<T> typed =
      run_engine<T>(r.op, r.dtype, r.input.shape, r.output_size, input, grads, r.threads);
  reference_result result{{npy_element_for(r.dtype), typed.shape, to_words<T>(typed.values)},
                          std::nullopt};
  if (typed.indices)
    result.indices =
        npy_array{npy_element::i8, out_shape, {typed.indices->begin(), typed.indices->end()}};
  return result;
}

reference::exact_tensor decoded(reference::float_format dtype, const npy_array& array) {
  reference::exact_tensor tensor{array.shape, {}};
  tensor.values.reserve(array.words.size());
  for (std::uint64_t word : array.words) tensor.values.push_back(decode(dtype, word));
  return tensor;
}

// write_reference's exact.json: exact_result of the request and the engine's answer, rebuilt as
// words (the exact values take about 100 bytes an element; the words' copy is small beside them).
template <typename T>
void write_exact_values(const reference_files& files, reference::float_format dtype,
                        const npy_array& input_layout, const std::optional<npy_array>& grad_layout,
                        std::span<const std::int64_t> out_shape, std::span<const T> input,
                        std::span<const T> grads, const typed_result<T>& typed) {
  reference_request request{
      files.op,          dtype,
      files.output_size, {input_layout.element, input_layout.shape, to_words(input)},
      std::nullopt,      files.threads};
  if (describe(files.op).backward())
    request.grad_output = npy_array{grad_layout->element, grad_layout->shape, to_words(grads)};
  reference_result computed{{npy_element_for(dtype), typed.shape, to_words<T>(typed.values)},
                            std::nullopt};
  if (typed.indices) {
    computed.indices = npy_array{npy_element::i8,
                                 {out_shape.begin(), out_shape.end()},
                                 {typed.indices->begin(), typed.indices->end()}};
  }
  common::write_file_atomically((files.out / "exact.json").string(),
                                serialize_exact_values(exact_result(request, computed)));
}

// write_reference in the element type T: the request checked from the files' headers, then their
// payloads read into storage of T and handed to the engine as they lie.
template <typename T>
reference_written write_typed(const reference_files& files, reference::float_format dtype,
                              const npy_array& input_layout,
                              const std::optional<npy_array>& grad_layout) {
  const op_description op = describe(files.op);
  const std::vector<std::int64_t> out_shape =
      reference::adaptive_output_shape(input_layout.shape, files.output_size);
  if (op.backward())
    require_grad_output(files.op, dtype, out_shape, grad_layout ? &*grad_layout : nullptr);
  detail::input_values<T> input;
  detail::read_npy_values(files.input, input_layout, input);
  detail::input_values<T> grads;
  if (op.backward()) detail::read_npy_values(*files.grad_output, *grad_layout, grads);
  const typed_result<T> typed =
      run_engine<T>(files.op, dtype, input_layout.shape, files.output_size, input.values(),
                    grads.values(), files.threads);
  std::filesystem::create_directories(files.out);
  reference_written written{dtype, {std::string(op.candidate_suffixes()[0]) + ".npy"}};
  write_npy_payload(files.out / written.files[0], npy_element_for(dtype), typed.shape,
                    std::as_bytes(std::span<const T>(typed.values)));
  if (typed.indices) {
    written.files.emplace_back("indices.npy");
    write_npy_payload(files.out / written.files.back(), npy_element::i8, out_shape,
                      std::as_bytes(std::span<const std::int64_t>(*typed.indices)));
  }
  if (files.exact) {
    written.files.emplace_back("exact.json");
    write_exact_values<T>(files, dtype, input_layout, grad_layout, out_shape, input.values(),
                          grads.values(), typed);
  }
  return written;
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
  return with_element_type(
      request.dtype, [&]<typename T>(std::type_identity<T>) { return run_typed<T>(request); });
}

reference_written write_reference(const reference_files& files) {
  const npy_array input_layout = read_npy_layout(files.input);
  const reference::float_format dtype = dtype_of(input_layout, files.dtype, files.input.string());
  std::optional<npy_array> grad_layout;
  if (files.grad_output) grad_layout = read_npy_layout(*files.grad_output);
  return with_element_type(dtype, [&]<typename T>(std::type_identity<T>) {
    return write_typed<T>(files, dtype, input_layout, grad_layout);
  });
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

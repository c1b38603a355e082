// Exact pooling from Python: the fast engine on numpy arrays (correctly rounded results in the
// input's format), and the plain reference for exact values.
#include <poolproof/common/error.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/tensor.h>
#include <pybind11/stl.h>

#include <string>

#include "python/binding.h"

namespace poolproof::python {
namespace {

template <typename T>
std::span<const T> elements(const float_array& a) {
  return {static_cast<const T*>(a.array.data()), static_cast<std::size_t>(a.size())};
}

template <typename T>
std::span<T> elements(py::array& a) {
  return {static_cast<T*>(a.mutable_data()), static_cast<std::size_t>(a.size())};
}

std::string shape_text(std::span<const std::int64_t> shape) {
  std::string text = "[";
  for (std::size_t k = 0; k < shape.size(); ++k)
    text += (k == 0 ? "" : ", ") + std::to_string(shape[k]);
  return text + "]";
}

// The output size a backward pass reads off grad_output, after checking that grad_output has
// exactly the forward output's shape for `input_shape`.
std::vector<std::int64_t> backward_out_size(const float_array& grad_output,
                                            std::span<const std::int64_t> input_shape,
                                            std::size_t spatial_dims) {
  if (spatial_dims < 1 || spatial_dims > 3 || spatial_dims > grad_output.shape.size()) {
    throw common::input_error("spatial_dims must be 1, 2 or 3 and at most grad_output's rank " +
                              std::to_string(grad_output.shape.size()) + ", got " +
                              std::to_string(spatial_dims));
  }
  const auto out_size = std::span(grad_output.shape).last(spatial_dims);
  const std::vector<std::int64_t> want = reference::adaptive_output_shape(input_shape, out_size);
  if (want != grad_output.shape) {
    throw common::input_error("grad_output has shape " + shape_text(grad_output.shape) +
                              ", but pooling input " + shape_text(input_shape) + " to " +
                              shape_text(out_size) + " gives " + shape_text(want));
  }
  return {out_size.begin(), out_size.end()};
}

py::array avg_pool(py::handle input, std::string_view dtype,
                   const std::vector<std::int64_t>& out_size, unsigned threads) {
  const float_array x = to_float_array(input, dtype, "input");
  py::array out(x.array.dtype(), reference::adaptive_output_shape(x.shape, out_size));
  with_element(x.format, [&]<typename T>(T) {
    const std::span<const T> in = elements<T>(x);
    const std::span<T> result = elements<T>(out);
    const py::gil_scoped_release unlocked;
    engine::adaptive_avg_pool<T>(x.format, x.shape, in, out_size, result, threads);
  });
  return out;
}

py::tuple max_pool(py::handle input, std::string_view dtype,
                   const std::vector<std::int64_t>& out_size, unsigned threads) {
  const float_array x = to_float_array(input, dtype, "input");
  const std::vector<std::int64_t> shape = reference::adaptive_output_shape(x.shape, out_size);
  py::array out(x.array.dtype(), shape);
  py::array_t<std::int64_t> indices(shape);
  with_element(x.format, [&]<typename T>(T) {
    const std::span<const T> in = elements<T>(x);
    const std::span<T> result = elements<T>(out);
    const std::span<std::int64_t> index_span(indices.mutable_data(),
                                             static_cast<std::size_t>(indices.size()));
    const py::gil_scoped_release unlocked;
    engine::adaptive_max_pool<T>(x.format, x.shape, in, out_size, result, index_span, threads);
  });
  return py::make_tuple(out, indices);
}

py::array avg_pool_backward(py::handle grad_output, std::string_view dtype,
                            const std::vector<std::int64_t>& input_shape, std::size_t spatial_dims,
                            unsigned threads) {
  const float_array g = to_float_array(grad_output, dtype, "grad_output");
  const std::vector<std::int64_t> out_size = backward_out_size(g, input_shape, spatial_dims);
  py::array grad_input(g.array.dtype(), input_shape);
  with_element(g.format, [&]<typename T>(T) {
    const std::span<const T> grads = elements<T>(g);
    const std::span<T> result = elements<T>(grad_input);
    const py::gil_scoped_release unlocked;
    engine::adaptive_avg_pool_backward<T>(g.format, input_shape, out_size, grads, result, threads);
  });
  return grad_input;
}

py::array max_pool_backward(py::handle grad_output, py::handle indices, std::string_view dtype,
                            const std::vector<std::int64_t>& input_shape, std::size_t spatial_dims,
                            unsigned threads) {
  const float_array g = to_float_array(grad_output, dtype, "grad_output");
  const std::vector<std::int64_t> out_size = backward_out_size(g, input_shape, spatial_dims);
  const py::array_t<std::int64_t> argmax = to_index_array(indices, "indices");
  if (!std::ranges::equal(std::span(argmax.shape(), static_cast<std::size_t>(argmax.ndim())),
                          g.shape))
    throw common::input_error("indices must have grad_output's shape " + shape_text(g.shape));
  py::array grad_input(g.array.dtype(), input_shape);
  with_element(g.format, [&]<typename T>(T) {
    const std::span<const T> grads = elements<T>(g);
    const std::span<T> result = elements<T>(grad_input);
    const std::span<const std::int64_t> index_span(argmax.data(),
                                                   static_cast<std::size_t>(argmax.size()));
    const py::gil_scoped_release unlocked;
    engine::adaptive_max_pool_backward<T>(g.format, input_shape, out_size, grads, index_span,
                                          result, threads);
  });
  return grad_input;
}

// The exact paths: the plain reference on the decoded values (poolproof::reference).
py::list avg_pool_exact(py::handle input, std::string_view dtype,
                        const std::vector<std::int64_t>& out_size) {
  const float_array x = to_float_array(input, dtype, "input");
  reference::exact_tensor exact{x.shape, decoded(x)};
  {
    const py::gil_scoped_release unlocked;
    exact = reference::adaptive_avg_pool(exact, out_size);
  }
  return to_python(exact.values);
}

py::tuple max_pool_exact(py::handle input, std::string_view dtype,
                         const std::vector<std::int64_t>& out_size) {
  const float_array x = to_float_array(input, dtype, "input");
  const reference::exact_tensor exact{x.shape, decoded(x)};
  reference::max_pool_result result;
  {
    const py::gil_scoped_release unlocked;
    result = reference::adaptive_max_pool(exact, out_size);
  }
  py::array_t<std::int64_t> indices(result.values.shape);
  std::ranges::copy(result.indices, indices.mutable_data());
  return py::make_tuple(to_python(result.values.values), indices);
}

py::list avg_pool_backward_exact(py::handle grad_output, std::string_view dtype,
                                 const std::vector<std::int64_t>& input_shape,
                                 std::size_t spatial_dims) {
  const float_array g = to_float_array(grad_output, dtype, "grad_output");
  (void)backward_out_size(g, input_shape, spatial_dims);
  reference::exact_tensor exact{g.shape, decoded(g)};
  {
    const py::gil_scoped_release unlocked;
    exact = reference::adaptive_avg_pool_backward(exact, input_shape, spatial_dims);
  }
  return to_python(exact.values);
}

py::list max_pool_backward_exact(py::handle grad_output, py::handle indices, std::string_view dtype,
                                 const std::vector<std::int64_t>& input_shape,
                                 std::size_t spatial_dims) {
  const float_array g = to_float_array(grad_output, dtype, "grad_output");
  (void)backward_out_size(g, input_shape, spatial_dims);
  const py::array_t<std::int64_t> argmax = to_index_array(indices, "indices");
  const std::vector<std::int64_t> index_values(argmax.data(), argmax.data() + argmax.size());
  reference::exact_tensor exact{g.shape, decoded(g)};
  {
    const py::gil_scoped_release unlocked;
    exact = reference::adaptive_max_pool_backward(exact, index_values, input_shape, spatial_dims);
  }
  return to_python(exact.values);
}

}  // namespace

void bind_pool(py::module_& module) {
  using namespace pybind11::literals;
  module.def("resolve_threads", &engine::resolve_threads, "threads"_a);
  module.def("avg_pool", &avg_pool, "input"_a, "dtype"_a, "output_size"_a, "threads"_a);
  module.def("max_pool", &max_pool, "input"_a, "dtype"_a, "output_size"_a, "threads"_a);
  module.def("avg_pool_backward", &avg_pool_backward, "grad_output"_a, "dtype"_a, "input_shape"_a,
             "spatial_dims"_a, "threads"_a);
  module.def("max_pool_backward", &max_pool_backward, "grad_output"_a, "indices"_a, "dtype"_a,
             "input_shape"_a, "spatial_dims"_a, "threads"_a);
  module.def("avg_pool_exact", &avg_pool_exact, "input"_a, "dtype"_a, "output_size"_a);
  module.def("max_pool_exact", &max_pool_exact, "input"_a, "dtype"_a, "output_size"_a);
  module.def("avg_pool_backward_exact", &avg_pool_backward_exact, "grad_output"_a, "dtype"_a,
             "input_shape"_a, "spatial_dims"_a);
  module.def("max_pool_backward_exact", &max_pool_backward_exact, "grad_output"_a, "indices"_a,
             "dtype"_a, "input_shape"_a, "spatial_dims"_a);
}

}  // namespace poolproof::python

// poolproof._poolproof._engine_seconds: the engine timed from C++ on the caller's own arrays, so
// bench/python_overhead.py compares a Python call with the C++ call on identical data.
#include <poolproof/common/error.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/tensor.h>
#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <string>

#include "python/binding.h"

namespace poolproof::python {
namespace {

// What one timed call needs; `sizes` is the output size (forward) or the input's shape.
struct timed_pass {
  std::string pass;
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> out_size;
  std::size_t result_count = 0;
  std::vector<std::int64_t> indices;
  unsigned threads = 1;
};

// One engine call as pool_bench makes it: the result allocated per call, uninitialised.
template <typename T>
void engine_call(const timed_pass& p, const float_array& a) {
  const std::span<const T> in(static_cast<const T*>(a.array.data()),
                              static_cast<std::size_t>(a.size()));
  const std::unique_ptr<T[]> result(new T[p.result_count]);
  const std::span<T> out(result.get(), p.result_count);
  if (p.pass == "avg_forward") {
    engine::adaptive_avg_pool<T>(a.format, a.shape, in, p.sizes, out, p.threads);
  } else if (p.pass == "max_forward") {
    const std::unique_ptr<std::int64_t[]> argmax(new std::int64_t[p.result_count]);
    engine::adaptive_max_pool<T>(a.format, a.shape, in, p.sizes, out,
                                 {argmax.get(), p.result_count}, p.threads);
  } else if (p.pass == "avg_backward") {
    engine::adaptive_avg_pool_backward<T>(a.format, p.sizes, p.out_size, in, out, p.threads);
  } else {
    engine::adaptive_max_pool_backward<T>(a.format, p.sizes, p.out_size, in, p.indices, out,
                                          p.threads);
  }
}

// Seconds per call of `repeats` calls after one untimed call. `array` is the input (forward
// passes) or grad_output (backward passes, whose spatial axes are its last spatial_dims).
std::vector<double> engine_seconds(const std::string& pass, py::handle array,
                                   std::string_view dtype, const std::vector<std::int64_t>& sizes,
                                   std::size_t spatial_dims, py::handle indices, unsigned threads,
                                   int repeats) {
  const float_array a = to_float_array(array, dtype, "array");
  timed_pass p{pass, sizes, {}, 0, {}, threads};
  if (pass == "avg_forward" || pass == "max_forward") {
    p.result_count = static_cast<std::size_t>(
        reference::element_count(reference::adaptive_output_shape(a.shape, sizes)));
  } else if (pass == "avg_backward" || pass == "max_backward") {
    if (spatial_dims < 1 || spatial_dims > a.shape.size())
      throw common::input_error("spatial_dims must be 1 to grad_output's rank");
    p.out_size.assign(a.shape.end() - static_cast<std::ptrdiff_t>(spatial_dims), a.shape.end());
    p.result_count = static_cast<std::size_t>(reference::element_count(sizes));
  } else {
    throw common::input_error("unknown pass '" + pass + "'");
  }
  if (!indices.is_none()) {
    const py::array_t<std::int64_t> argmax = to_index_array(indices, "indices");
    p.indices.assign(argmax.data(), argmax.data() + argmax.size());
  }
  std::vector<double> seconds;
  with_element(a.format, [&]<typename T>(T) {
    const py::gil_scoped_release unlocked;
    engine_call<T>(p, a);
    for (int k = 0; k < repeats; ++k) {
      const auto start = std::chrono::steady_clock::now();
      engine_call<T>(p, a);
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  });
  return seconds;
}

}  // namespace

void bind_bench(py::module_& module) {
  using namespace pybind11::literals;
  module.def("_engine_seconds", &engine_seconds, "pass"_a, "array"_a, "dtype"_a, "sizes"_a,
             "spatial_dims"_a, "indices"_a, "threads"_a, "repeats"_a,
             "For bench/python_overhead.py: seconds per engine call, timed in C++.");
}

}  // namespace poolproof::python

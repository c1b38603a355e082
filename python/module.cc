// poolproof._poolproof: the extension module under the Python package `poolproof`. Bad input
// (common::input_error) becomes ValueError with the C++ message, the one the CLIs print.
#include <poolproof/common/error.h>

#include "python/binding.h"

PYBIND11_MODULE(_poolproof, module) {
  namespace python = poolproof::python;
  module.doc() = "poolproof's C++ libraries (engine, golden checker, solver); use `poolproof`.";
  // pybind11's translator type takes the exception_ptr by value.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  pybind11::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const poolproof::common::input_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  python::bind_pool(module);
  python::bind_check(module);
  python::bind_golden(module);
  python::bind_prove(module);
  python::bind_bench(module);
  python::bind_export(module);
}

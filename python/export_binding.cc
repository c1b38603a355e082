// poolproof.torch from Python: the exporter's PyTorch source of an exact replacement module.
#include <poolproof/common/error.h>
#include <poolproof/exporter/pytorch_module.h>
#include <poolproof/reference/fixed_pool.h>
#include <pybind11/stl.h>

#include <string>
#include <string_view>
#include <vector>

#include "python/binding.h"

namespace poolproof::python {
namespace {

std::string replacement_source(const std::vector<std::int64_t>& in_sizes,
                               const std::vector<std::int64_t>& out_sizes, std::string_view kind) {
  if (kind != "avg" && kind != "max")
    throw common::input_error("kind must be 'avg' or 'max', got '" + common::printable(kind) + "'");
  const py::gil_scoped_release unlocked;
  return exporter::pytorch_module_source(
      in_sizes, out_sizes, kind == "avg" ? reference::pool_kind::avg : reference::pool_kind::max);
}

}  // namespace

void bind_export(py::module_& module) {
  using namespace pybind11::literals;
  module.def("pytorch_module_source", &replacement_source, "input_size"_a, "output_size"_a,
             "kind"_a);
}

}  // namespace poolproof::python

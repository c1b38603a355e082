// The golden suite from Python: the manifest, each case's files as numpy arrays and its exact
// values, all through golden's reader (digests, layout and stored values verified), and checking
// a result against a case.
#include <poolproof/golden/manifest.h>
#include <poolproof/golden/op.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <string>

#include "python/binding.h"

namespace poolproof::python {
namespace {

py::dict entry_dict(const golden::golden_case& entry) {
  py::dict d;
  d["name"] = entry.name;
  d["op"] = std::string(golden::golden_op_name(entry.op));
  d["tier"] = entry.tier;
  d["spatial_dims"] = entry.spatial_dims;
  d["input_shape"] = py::tuple(py::cast(entry.input_shape));
  d["output_size"] = py::tuple(py::cast(entry.output_size));
  d["dtype"] = std::string(reference::format_name(entry.dtype));
  py::dict files;
  for (const auto& [role, file] : entry.files) files[py::str(role)] = file.path;
  d["files"] = files;
  return d;
}

py::list manifest(const std::filesystem::path& suite_dir) {
  golden::golden_manifest m;
  {
    const py::gil_scoped_release unlocked;
    m = golden::load_manifest(suite_dir);
  }
  py::list cases;
  for (const golden::golden_case& entry : m.cases) cases.append(entry_dict(entry));
  return cases;
}

/// One verified case of a suite, as loaded by golden::load_case.
class golden_case_handle {
 public:
  // A case of a manifest already read (a suite's cases one after another read it once).
  golden_case_handle(std::filesystem::path suite_dir, const golden::golden_case& entry)
      : suite_dir_(std::move(suite_dir)) {
    const py::gil_scoped_release unlocked;
    case_ = golden::load_case(suite_dir_, entry);
  }

  [[nodiscard]] py::dict entry() const { return entry_dict(case_.entry); }

  // Every .npy file of the case by role, as golden's .npy reader parses it.
  [[nodiscard]] py::dict arrays() const {
    py::dict result;
    for (const auto& [role, file] : case_.entry.files) {
      if (role == "exact") continue;
      golden::npy_array array;
      {
        const py::gil_scoped_release unlocked;
        array = golden::parse_npy(golden::read_suite_file(suite_dir_, file), file.path);
      }
      result[py::str(role)] = to_numpy(array);
    }
    // The suite leaves a max case's argmax out past 2^15 outputs (FORMAT.md); the reader
    // recomputed it from the input, so a case always carries its indices.
    if (golden::describe(case_.entry.op).returns_indices() && !result.contains("indices")) {
      result["indices"] =
          py::array_t<std::int64_t>(case_.expected.shape, case_.expected.indices.data());
    }
    return result;
  }

  // The exact value of every expected element (verified against the case's "exact" file).
  [[nodiscard]] py::list exact() const {
    std::vector<reference::extended_rational> values;
    values.reserve(case_.expected.elements.size());
    for (const golden::accumulation& element : case_.expected.elements)
      values.push_back(element.value);
    return to_python(values);
  }

  [[nodiscard]] py::dict check(py::handle output, py::handle indices, bool strict,
                               std::string_view ties, std::string_view accumulation) const {
    const golden::check_options options = check_options_of(strict, ties, accumulation);
    const float_array result =
        to_float_array(output, reference::format_name(case_.problem.dtype), "output");
    return check_to_dict(case_, candidate_of(case_.entry.op, result, indices), options);
  }

 private:
  std::filesystem::path suite_dir_;
  golden::loaded_case case_;
};

/// A suite's manifest, read once; its cases loaded one at a time on request.
class golden_suite_handle {
 public:
  explicit golden_suite_handle(std::filesystem::path suite_dir) : suite_dir_(std::move(suite_dir)) {
    const py::gil_scoped_release unlocked;
    manifest_ = golden::load_manifest(suite_dir_);
  }

  [[nodiscard]] py::list entries() const {
    py::list cases;
    for (const golden::golden_case& entry : manifest_.cases) cases.append(entry_dict(entry));
    return cases;
  }

  [[nodiscard]] golden_case_handle load(std::size_t index) const {
    if (index >= manifest_.cases.size()) throw py::index_error("no golden case at that index");
    return {suite_dir_, manifest_.cases[index]};
  }

 private:
  std::filesystem::path suite_dir_;
  golden::golden_manifest manifest_;
};

}  // namespace

void bind_golden(py::module_& module) {
  using namespace pybind11::literals;
  module.def("golden_manifest", &manifest, "suite_dir"_a);
  py::class_<golden_case_handle>(module, "GoldenCaseHandle")
      .def("entry", &golden_case_handle::entry)
      .def("arrays", &golden_case_handle::arrays)
      .def("exact", &golden_case_handle::exact)
      .def("check", &golden_case_handle::check, "output"_a, "indices"_a, "strict"_a, "ties"_a,
           "accumulation"_a);
  py::class_<golden_suite_handle>(module, "GoldenSuiteHandle")
      .def(py::init<std::filesystem::path>(), "suite_dir"_a)
      .def("entries", &golden_suite_handle::entries)
      .def("load", &golden_suite_handle::load, "index"_a);
}

}  // namespace poolproof::python

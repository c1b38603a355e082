// What the binding units of poolproof._poolproof share: array intake, exact values as Python
// objects, and check reports as dicts.
#pragma once

#include <poolproof/golden/check.h>
#include <poolproof/golden/npy.h>
#include <poolproof/reference/exact_number.h>
#include <poolproof/reference/float_format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace poolproof::python {

namespace py = pybind11;

void bind_pool(py::module_& module);
void bind_check(py::module_& module);
void bind_golden(py::module_& module);
void bind_prove(py::module_& module);
void bind_bench(py::module_& module);
void bind_export(py::module_& module);

/// A numpy array of floats the engine can read as it is: C-contiguous, aligned, native byte
/// order (float_array copies the caller's array only when it is not), with its binary format.
struct float_array {
  py::array array;
  reference::float_format format = reference::float_format::binary32;
  std::vector<std::int64_t> shape;

  [[nodiscard]] std::int64_t size() const { return static_cast<std::int64_t>(array.size()); }
};

/// `object` as a float_array. Its numpy dtype names the format (float16, float32, float64), or
/// `dtype` does: "bfloat16" or "float16" for uint16/int16 bit patterns, or the array's own
/// format. Throws py::type_error for anything else (a list, int32, float32 with dtype
/// "bfloat16"), ValueError (through input_error) for an unknown dtype name. `what` names the
/// argument in messages.
[[nodiscard]] float_array to_float_array(py::handle object, std::string_view dtype,
                                         std::string_view what);

/// A C-contiguous int64 array of `object` (any integer dtype, converted exactly; py::type_error
/// for floats and the rest).
[[nodiscard]] py::array_t<std::int64_t> to_index_array(py::handle object, std::string_view what);

/// Each element's bit pattern, zero-extended (float_array's element width: 16, 32 or 64 bits).
[[nodiscard]] std::vector<std::uint64_t> bits_of(const float_array& a);

/// The exact values of the elements of `a`.
[[nodiscard]] std::vector<reference::extended_rational> decoded(const float_array& a);

/// An exact value as Python holds it exactly: fractions.Fraction when finite and not -0, else the
/// float -0.0, inf, -inf or nan.
[[nodiscard]] py::object to_python(const reference::extended_rational& x);

/// A list of to_python values, in order.
[[nodiscard]] py::list to_python(std::span<const reference::extended_rational> values);

/// A .npy array as numpy holds it (f2 float16, u2 uint16 bit patterns, f4, f8, i8), copied.
[[nodiscard]] py::array to_numpy(const golden::npy_array& array);

/// A result array as the checker's candidate for `op` (bits in C order; the indices, which
/// adaptive_max_pool needs and the other ops refuse, with input_error).
[[nodiscard]] golden::candidate_result candidate_of(golden::golden_op op, const float_array& result,
                                                    const py::handle& indices);

/// Checks `candidate` against a loaded case (golden::check_result, without the GIL) and returns
/// the report as a dict: passed, elements, failed_elements, off_rounded, max_error_ulps,
/// max_bound_used, message, worst (a dict, or None).
[[nodiscard]] py::dict check_to_dict(const golden::loaded_case& golden,
                                     const golden::candidate_result& candidate,
                                     const golden::check_options& options);

/// Calls visit(T{}) with the engine's element type for `format` (uint16_t for both 16-bit
/// formats, float, double).
template <typename Visit>
void with_element(reference::float_format format, Visit&& visit) {
  switch (format) {
    case reference::float_format::binary16:
    case reference::float_format::bfloat16:
      visit(std::uint16_t{});
      return;
    case reference::float_format::binary32:
      visit(float{});
      return;
    case reference::float_format::binary64:
      visit(double{});
      return;
  }
}

/// check_options from the Python keywords: ties "first" or "any", accumulation "any" or
/// "float32" (ValueError otherwise).
[[nodiscard]] golden::check_options check_options_of(bool strict, std::string_view ties,
                                                     std::string_view accumulation);

}  // namespace poolproof::python

// Array intake and exact values for poolproof._poolproof (binding.h).
#include <poolproof/common/error.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include "python/binding.h"

namespace poolproof::python {
namespace {

std::string type_name(py::handle object) {
  return py::str(py::type::handle_of(object).attr("__name__")).cast<std::string>();
}

// numpy's dtype.char: 'e' float16, 'f' float32, 'd' float64, 'H' uint16, 'h' int16.
std::string dtype_text(const py::array& array) {
  return py::str(array.dtype()).cast<std::string>();
}

// The format an array's numpy dtype holds by itself, or nullopt for 16-bit integer patterns.
std::optional<reference::float_format> native_format(const py::array& array) {
  switch (array.dtype().char_()) {
    case 'e':
      return reference::float_format::binary16;
    case 'f':
      return reference::float_format::binary32;
    case 'd':
      return reference::float_format::binary64;
    default:
      return std::nullopt;
  }
}

bool is_bit_pattern_array(const py::array& array) {
  const char code = array.dtype().char_();
  return code == 'H' || code == 'h';
}

reference::float_format format_for(const py::array& array, std::string_view dtype,
                                   std::string_view what) {
  const std::optional<reference::float_format> own = native_format(array);
  if (dtype.empty()) {
    if (own) return *own;
    if (is_bit_pattern_array(array))
      throw py::type_error(std::string(what) + " holds " + dtype_text(array) +
                           " bit patterns: say which format with dtype='bfloat16' or 'float16'");
    throw py::type_error(std::string(what) +
                         " must hold float16, bfloat16, float32 or float64, not " +
                         dtype_text(array));
  }
  const std::optional<reference::float_format> named = reference::parse_format(dtype);
  if (!named) {
    throw common::input_error("unknown dtype '" + std::string(dtype) +
                              "': float16, bfloat16, float32 or float64");
  }
  const bool sixteen_bits =
      *named == reference::float_format::binary16 || *named == reference::float_format::bfloat16;
  if (own == named || (sixteen_bits && is_bit_pattern_array(array))) return *named;
  throw py::type_error(std::string(what) + " holds " + dtype_text(array) + ", not " +
                       std::string(dtype) + (sixteen_bits ? " (or its uint16 bit patterns)" : ""));
}

}  // namespace

float_array to_float_array(py::handle object, std::string_view dtype, std::string_view what) {
  if (!py::isinstance<py::array>(object)) {
    throw py::type_error(std::string(what) + " must be a numpy array or a CPU torch tensor, not " +
                         type_name(object));
  }
  auto array = py::reinterpret_borrow<py::array>(object);
  if (array.dtype().byteorder() == '>')
    throw py::type_error(std::string(what) + " is big-endian: convert it with astype");
  float_array result;
  result.format = format_for(array, dtype, what);
  // The engine reads a dense row-major array: numpy returns the same array when it already is
  // one (no copy), else a C-ordered aligned copy.
  constexpr int aligned = py::detail::npy_api::constants::NPY_ARRAY_ALIGNED_;
  result.array = py::array::ensure(array, py::array::c_style | aligned);
  if (!result.array) throw py::error_already_set();
  result.shape.assign(result.array.shape(), result.array.shape() + result.array.ndim());
  return result;
}

py::array_t<std::int64_t> to_index_array(py::handle object, std::string_view what) {
  if (!py::isinstance<py::array>(object)) {
    throw py::type_error(std::string(what) + " must be a numpy array or a CPU torch tensor, not " +
                         type_name(object));
  }
  auto array = py::reinterpret_borrow<py::array>(object);
  if (array.dtype().kind() != 'i' && array.dtype().kind() != 'u')
    throw py::type_error(std::string(what) + " must hold integers, not " + dtype_text(array));
  if (array.dtype().char_() == 'Q' || array.dtype().char_() == 'L') {
    // uint64 values past 2^63 would wrap in a cast; any index that large is out of range anyway.
    if (array.size() > 0 &&
        py::int_(array.attr("max")()) > py::int_(std::numeric_limits<std::int64_t>::max()))
      throw common::input_error(std::string(what) + " holds an index past 2^63");
  }
  return py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(array);
}

std::vector<std::uint64_t> bits_of(const float_array& a) {
  std::vector<std::uint64_t> bits(static_cast<std::size_t>(a.size()));
  const auto width = static_cast<std::size_t>(reference::layout_of(a.format).width() / 8);
  const auto* bytes = static_cast<const unsigned char*>(a.array.data());
  for (std::size_t k = 0; k < bits.size(); ++k) {
    // Little-endian host (x86-64, aarch64): the low `width` bytes of the word are the element.
    std::memcpy(&bits[k], bytes + k * width, width);
  }
  return bits;
}

std::vector<reference::extended_rational> decoded(const float_array& a) {
  std::vector<reference::extended_rational> values;
  values.reserve(static_cast<std::size_t>(a.size()));
  for (std::uint64_t word : bits_of(a)) values.push_back(reference::decode(a.format, word));
  return values;
}

py::object to_python(const reference::extended_rational& x) {
  if (x.is_nan()) return py::float_(std::numeric_limits<double>::quiet_NaN());
  if (x.is_infinite()) return py::float_(x.negative ? -HUGE_VAL : HUGE_VAL);
  if (x.negative && x.value == 0) return py::float_(-0.0);
  // Looked up once and kept for the life of the process (a module-level constant).
  static const py::handle fraction =
      py::object(py::module_::import("fractions").attr("Fraction")).release();
  const auto python_int = [](const reference::integer& n) {
    return py::reinterpret_steal<py::object>(PyLong_FromString(n.str().c_str(), nullptr, 10));
  };
  return fraction(python_int(numerator(x.value)), python_int(denominator(x.value)));
}

py::list to_python(std::span<const reference::extended_rational> values) {
  py::list list(values.size());
  for (std::size_t k = 0; k < values.size(); ++k) list[k] = to_python(values[k]);
  return list;
}

py::array to_numpy(const golden::npy_array& array) {
  const auto fill = [&]<typename T>(const py::dtype& dtype, T /*element*/) {
    py::array result(dtype, array.shape);
    auto* out = static_cast<T*>(result.mutable_data());
    for (std::size_t k = 0; k < array.words.size(); ++k) {
      std::memcpy(out + k, &array.words[k], sizeof(T));  // the low bytes, little-endian
    }
    return result;
  };
  switch (array.element) {
    case golden::npy_element::f2:
      return fill(py::dtype("float16"), std::uint16_t{});
    case golden::npy_element::u2:
      return fill(py::dtype("uint16"), std::uint16_t{});
    case golden::npy_element::f4:
      return fill(py::dtype("float32"), std::uint32_t{});
    case golden::npy_element::f8:
      return fill(py::dtype("float64"), std::uint64_t{});
    case golden::npy_element::i8:
      return fill(py::dtype("int64"), std::uint64_t{});
  }
  common::check_failed("known npy element", __FILE__, __LINE__);
}

}  // namespace poolproof::python

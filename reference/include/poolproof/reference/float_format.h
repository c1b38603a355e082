// The binary float formats, each described once (spec_of: names, field widths, special values,
// NumPy storage), with exact decoding of bit patterns and correctly rounded encoding.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace poolproof::reference {

// exact_number.h: decode and round_to below need it complete only where they are called, so the
// formats' description stays free of GMP for the code that only asks about formats.
struct extended_rational;

/// The formats. Adding one: its enumerator here, its entry in find_spec and in all_formats below;
/// the compiler then names every switch over formats that still needs it (the engine's
/// compile-time traits among them).
enum class float_format { binary16, bfloat16, binary32, binary64 };

/// Field widths of a format; the precision is fraction_bits + 1 (the implicit leading bit).
struct format_layout {
  int exponent_bits;
  int fraction_bits;
  [[nodiscard]] constexpr int width() const { return 1 + exponent_bits + fraction_bits; }
  [[nodiscard]] constexpr int bias() const { return (1 << (exponent_bits - 1)) - 1; }
};

/// What a format does with its special patterns. Every format today follows IEEE 754: the
/// all-ones exponent field holds +-infinity (fraction 0) and NaN (any other fraction; the quiet
/// NaN sets the top fraction bit), magnitudes past the largest finite value round to infinity.
/// A format without infinities (e.g. float8 e4m3fn: one NaN pattern per sign, overflow to NaN)
/// would add an enumerator here, and the switches in float_format.cc name what it changes.
enum class special_values { ieee754 };

/// How a NumPy .npy file stores a tensor of the format: as NumPy's own dtype, or (NumPy has no
/// such dtype) as the raw bit patterns in an unsigned integer of the same width.
enum class npy_storage { native, bit_patterns };

/// One format's description: everything the rest of the code asks about it.
struct format_spec {
  float_format format;
  std::string_view name;  ///< the PyTorch dtype name: "float16", "bfloat16", ...
  format_layout layout;
  special_values specials;
  std::string_view npy_descr;  ///< NumPy descr of the stored tensor: "<f2", "<u2", "<f4", "<f8"
  npy_storage storage;
};

/// The table, as an exhaustive switch (a missing format is a compiler warning, an error in CI);
/// nullopt for a value outside the enumeration.
[[nodiscard]] constexpr std::optional<format_spec> find_spec(float_format format) {
  using enum float_format;
  switch (format) {
    case binary16:
      return format_spec{binary16, "float16",          {5, 10}, special_values::ieee754,
                         "<f2",    npy_storage::native};
    case bfloat16:
      return format_spec{
          bfloat16, "bfloat16", {8, 7}, special_values::ieee754, "<u2", npy_storage::bit_patterns};
    case binary32:
      return format_spec{binary32, "float32",          {8, 23}, special_values::ieee754,
                         "<f4",    npy_storage::native};
    case binary64:
      return format_spec{binary64, "float64",          {11, 52}, special_values::ieee754,
                         "<f8",    npy_storage::native};
  }
  return std::nullopt;
}

/// Every format, in enumeration order (what suites, generators and tests iterate over).
inline constexpr std::array<float_format, 4> all_formats = {
    float_format::binary16, float_format::bfloat16, float_format::binary32, float_format::binary64};

namespace detail {
[[nodiscard]] consteval bool all_formats_is_the_enumeration() {
  for (std::size_t k = 0; k < all_formats.size(); ++k) {
    if (static_cast<std::size_t>(all_formats[k]) != k || !find_spec(all_formats[k])) return false;
  }
  // The value after the last one has no entry, so a format added to find_spec but not to
  // all_formats fails here.
  return !find_spec(static_cast<float_format>(all_formats.size())).has_value();
}
}  // namespace detail
static_assert(detail::all_formats_is_the_enumeration(),
              "all_formats must list every float_format of find_spec, in order");

/// The description of a format (precondition: a valid enumerator).
[[nodiscard]] constexpr format_spec spec_of(float_format format) { return *find_spec(format); }

/// Field widths of a format.
[[nodiscard]] constexpr format_layout layout_of(float_format format) {
  return spec_of(format).layout;
}

/// "float16", "bfloat16", "float32", "float64" (the PyTorch dtype names).
[[nodiscard]] constexpr std::string_view format_name(float_format format) {
  return spec_of(format).name;
}

/// The format named by format_name, or nullopt.
[[nodiscard]] constexpr std::optional<float_format> parse_format(std::string_view name) {
  for (float_format format : all_formats) {
    if (format_name(format) == name) return format;
  }
  return std::nullopt;
}

/// The largest finite magnitude's bit pattern (the positive finite values are the patterns
/// 1 .. largest_finite_bits in increasing order).
[[nodiscard]] std::uint64_t largest_finite_bits(float_format format);

/// The bit pattern of +infinity, or nullopt for a format without infinities.
[[nodiscard]] std::optional<std::uint64_t> infinity_bits(float_format format);

/// The NaN pattern round_to produces: the quiet NaN with a clear sign bit.
[[nodiscard]] std::uint64_t quiet_nan_bits(float_format format);

/// Whether a pattern (its low width() bits) is a NaN.
[[nodiscard]] bool is_nan_bits(float_format format, std::uint64_t bits);

/// The exact value of a bit pattern (its low width() bits; higher bits must be 0), including
/// subnormals, both zeros and infinities. Every NaN pattern decodes to NaN. A caller includes
/// <poolproof/reference/exact_number.h> too, for extended_rational.
[[nodiscard]] extended_rational decode(float_format format, std::uint64_t bits);

/// The correctly rounded bit pattern of x: round half to even; a magnitude that rounds past the
/// largest finite value becomes infinity; the sign of zero and infinity is kept; NaN becomes the
/// quiet NaN with a clear sign bit. A caller includes <poolproof/reference/exact_number.h> too.
[[nodiscard]] std::uint64_t round_to(float_format format, const extended_rational& x);

}  // namespace poolproof::reference

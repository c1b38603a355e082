// The four binary float formats: exact decoding of bit patterns and correctly rounded encoding.
#pragma once

#include <poolproof/reference/exact_number.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace poolproof::reference {

enum class float_format { binary16, bfloat16, binary32, binary64 };

/// Field widths of a format; the precision is fraction_bits + 1 (the implicit leading bit).
struct format_layout {
  int exponent_bits;
  int fraction_bits;
  [[nodiscard]] int width() const { return 1 + exponent_bits + fraction_bits; }
  [[nodiscard]] int bias() const { return (1 << (exponent_bits - 1)) - 1; }
};

[[nodiscard]] format_layout layout_of(float_format format);

/// "float16", "bfloat16", "float32", "float64" (the PyTorch dtype names).
[[nodiscard]] std::string_view format_name(float_format format);

/// The format named by format_name, or nullopt.
[[nodiscard]] std::optional<float_format> parse_format(std::string_view name);

/// The exact value of a bit pattern (its low width() bits; higher bits must be 0), including
/// subnormals, both zeros and infinities. Every NaN pattern decodes to NaN.
[[nodiscard]] extended_rational decode(float_format format, std::uint64_t bits);

/// The correctly rounded bit pattern of x: round half to even; a magnitude that rounds past the
/// largest finite value becomes infinity; the sign of zero and infinity is kept; NaN becomes the
/// quiet NaN with a clear sign bit.
[[nodiscard]] std::uint64_t round_to(float_format format, const extended_rational& x);

}  // namespace poolproof::reference

// RapidCheck generators for the property suite: sizes, float bit patterns, exact tensors, layers.
#pragma once

#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/exact_number.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/reference/float_format.h>
#include <poolproof/reference/tensor.h>
#include <rapidcheck.h>

#include <cstdint>
#include <ostream>
#include <vector>

namespace poolproof::properties {

/// One axis of adaptive pooling, in_size -> out_size, both in [1, 2^62].
struct size_pair {
  std::int64_t in_size = 1;
  std::int64_t out_size = 1;
};

/// A size in [1, 2^62], weighted toward the edges: small sizes, powers of two give or take a few,
/// sizes within 2^16 of 2^62, and uniform sizes (whose range grows with RapidCheck's size).
[[nodiscard]] rc::Gen<std::int64_t> gen_size();

/// Size pairs: independent sizes, and related ones (m | n, n = q*m + 1, n = q*m + r, n = m +- d,
/// m > n) that reach the interesting branches of the window rule, up to 2^62.
[[nodiscard]] rc::Gen<size_pair> gen_size_pair();

/// Pairs with few outputs, m <= 512 (so O(m) checks stay cheap), and n = q*m + r up to 2^62:
/// r weighted toward 0, 1, 2 and m-1; q >= 1 (n >= m) except a fifth of the time q = 0 (n < m).
[[nodiscard]] rc::Gen<size_pair> gen_few_outputs_pair();

/// Size pairs with both sizes in [1, max_size_each].
[[nodiscard]] rc::Gen<size_pair> gen_small_size_pair(std::int64_t max_size_each);

/// 1-3 axes of small size pairs (each size in [1, 16]), for N-D windows.
[[nodiscard]] rc::Gen<std::vector<size_pair>> gen_nd_size_pairs();

/// Indices to probe among [0, count): all of them when count <= 256, else the first three, the
/// last three and 16 uniform ones (so sizes near 2^62 stay cheap).
[[nodiscard]] rc::Gen<std::vector<std::int64_t>> gen_probe_indices(std::int64_t count);

/// A small rational p/q, |p| <= 8, 1 <= q <= 8: a coefficient for linearity.
[[nodiscard]] rc::Gen<reference::rational> gen_small_rational();

/// Which values a generated tensor may hold.
enum class value_mix {
  finite,    ///< Finite values only: random patterns, subnormals, +-0, extremes, small integers.
  specials,  ///< Finite values plus +-inf and NaN patterns.
  ties,      ///< A handful of values (+-0, +-1, 2, +-inf, rare NaN) so maxima tie often.
};

/// Any format of reference::all_formats.
[[nodiscard]] rc::Gen<reference::float_format> gen_format();

/// A bit pattern of `format` (in its low width() bits) drawn according to `mix`.
[[nodiscard]] rc::Gen<std::uint64_t> gen_float_bits(reference::float_format format, value_mix mix);

/// Any bit pattern of `format`, uniformly (from the first case on).
[[nodiscard]] rc::Gen<std::uint64_t> gen_any_bits(reference::float_format format);

/// A finite non-NaN bit pattern of `format` with the sign bit clear (a magnitude), including
/// +0, subnormals and the largest finite value.
[[nodiscard]] rc::Gen<std::uint64_t> gen_finite_magnitude_bits(reference::float_format format);

/// The exact value of a generated pattern of `format`.
[[nodiscard]] rc::Gen<reference::extended_rational> gen_value(reference::float_format format,
                                                              value_mix mix);

/// A rational of any sign whose magnitude spans `format`'s range and beyond (subnormal, normal,
/// overflowing, and exact midpoints between neighbours), for the rounding properties.
[[nodiscard]] rc::Gen<reference::rational> gen_rational_near(reference::float_format format);

/// An adaptive pooling problem: an exact input of rank spatial + 1 or + 2 whose values are those
/// of one float format, and the output size per spatial axis (some larger than the input's).
struct pooling_case {
  reference::float_format format = reference::float_format::binary32;
  reference::exact_tensor input;
  std::vector<std::int64_t> out_size;

  [[nodiscard]] std::size_t spatial_dims() const { return out_size.size(); }
};

/// Pooling cases with `spatial_dims` spatial axes (0: any of 1-3) and at most a few hundred
/// elements.
[[nodiscard]] rc::Gen<pooling_case> gen_pooling_case(value_mix mix, int spatial_dims = 0);

/// Pooling cases where every output size divides its input size.
[[nodiscard]] rc::Gen<pooling_case> gen_divisible_pooling_case(value_mix mix);

/// A tensor of `shape` whose values are those of `format`, drawn according to `mix`.
[[nodiscard]] rc::Gen<reference::exact_tensor> gen_tensor(const std::vector<std::int64_t>& shape,
                                                          reference::float_format format,
                                                          value_mix mix);

/// One axis of a fixed PyTorch pooling layer that require_valid_params accepts.
struct fixed_pool_case {
  std::int64_t in_size = 1;
  reference::pool_kind kind = reference::pool_kind::avg;
  reference::fixed_pool_params params;
};

/// Small valid layers (n <= 24, kernel <= n + 4): both kinds, padding up to kernel/2, dilation
/// (max), ceil_mode, count_include_pad and divisor_override (avg). The output count may be <= 0.
[[nodiscard]] rc::Gen<fixed_pool_case> gen_fixed_pool_case();

/// RapidCheck's printers (found by argument-dependent lookup) for counterexamples.
void showValue(const size_pair& sizes, std::ostream& os);
void showValue(const reference::extended_rational& x, std::ostream& os);
void showValue(const reference::exact_tensor& tensor, std::ostream& os);
void showValue(const pooling_case& c, std::ostream& os);
void showValue(const reference::fixed_pool_params& params, std::ostream& os);
void showValue(const fixed_pool_case& c, std::ostream& os);
void showValue(reference::float_format format, std::ostream& os);
void showValue(reference::pool_kind kind, std::ostream& os);

}  // namespace poolproof::properties

namespace rc {

/// Arbitrary size pairs are gen_size_pair's.
template <>
struct Arbitrary<poolproof::properties::size_pair> {
  static Gen<poolproof::properties::size_pair> arbitrary() {
    return poolproof::properties::gen_size_pair();
  }
};

/// Arbitrary layers are gen_fixed_pool_case's.
template <>
struct Arbitrary<poolproof::properties::fixed_pool_case> {
  static Gen<poolproof::properties::fixed_pool_case> arbitrary() {
    return poolproof::properties::gen_fixed_pool_case();
  }
};

/// Arbitrary formats: any of reference::all_formats.
template <>
struct Arbitrary<poolproof::reference::float_format> {
  static Gen<poolproof::reference::float_format> arbitrary() {
    return poolproof::properties::gen_format();
  }
};

}  // namespace rc

// Properties of the fast exact engine (reference/fast_adaptive_pool.h): bit for bit equal to the
// plain reference, forward and backward, in every format and accumulator width.
#pragma once

#include <poolproof/common/wide_int.h>
#include <poolproof/properties/generators.h>

#include <cstdint>
#include <ostream>
#include <vector>

namespace poolproof::properties {

/// How a fast-engine case spreads its exponents, which picks the engine's accumulator.
enum class exponent_spread {
  any,        ///< gen_float_bits finite: all exponents (GMP and __int128 windows), subnormals, 0
  specials,   ///< the same plus +-inf and NaN patterns of any payload and sign
  ties,       ///< few distinct values: ties for max, cancelling sums, -0
  narrow,     ///< exponent fields within 6 of each other: the int64 plane path
  medium,     ///< fields within 20-60 of each other: the __int128 plane path
  subnormal,  ///< subnormals and the least normals, of both signs, with zeros
};

/// A pooling problem as raw bit patterns (low width() bits of each element) of one format.
struct fast_pool_case {
  reference::float_format format = reference::float_format::binary32;
  exponent_spread spread = exponent_spread::any;
  std::vector<std::int64_t> shape;
  std::vector<std::uint64_t> bits;
  std::vector<std::int64_t> out_size;
  unsigned threads = 1;
};

/// `count` patterns of `format` spread as asked.
[[nodiscard]] rc::Gen<std::vector<std::uint64_t>> gen_spread_bits(reference::float_format format,
                                                                  std::size_t count,
                                                                  exponent_spread spread);

/// Cases with 1-3 spatial axes (some output sizes above the input's, some 1-D inputs up to 300
/// long), 1-6 planes, any format and spread, 1-4 threads.
[[nodiscard]] rc::Gen<fast_pool_case> gen_fast_pool_case();

/// A grad_output (pooled shape, the case's format and spread) for a case.
[[nodiscard]] rc::Gen<std::vector<std::uint64_t>> gen_grad_output_bits(const fast_pool_case& c);

/// fast_adaptive_avg_pool's patterns equal round_to of adaptive_avg_pool's values.
void fast_avg_matches_reference(const fast_pool_case& c);

/// fast_adaptive_max_pool's indices equal adaptive_max_pool's, and its values decode to them.
void fast_max_matches_reference(const fast_pool_case& c);

/// fast_adaptive_avg_pool_backward's patterns equal round_to of the reference's gradient.
void fast_avg_backward_matches_reference(const fast_pool_case& c,
                                         const std::vector<std::uint64_t>& grad_output);

/// fast_adaptive_max_pool_backward (on the reference's argmax) equals the reference after
/// round_to.
void fast_max_backward_matches_reference(const fast_pool_case& c,
                                         const std::vector<std::uint64_t>& grad_output);

/// Max-pool indices for a case's grad_output, not the argmax: per plane, each output picks any
/// input of the plane, or (in crowded planes) mostly one of 1-3 favourites, so inputs get 0, 1,
/// 2 or many choosers.
[[nodiscard]] rc::Gen<std::vector<std::int64_t>> gen_any_indices(const fast_pool_case& c);

/// fast_adaptive_max_pool_backward on any in-plane `indices` (one per grad_output element)
/// equals the reference after round_to.
void fast_max_backward_on_indices_matches_reference(const fast_pool_case& c,
                                                    const std::vector<std::uint64_t>& grad_output,
                                                    const std::vector<std::int64_t>& indices);

/// round_scaled_quotient equals round_to of the exact rational (-1)^negative * m * 2^e / d.
void scaled_quotient_rounds_like_round_to(reference::float_format format, bool negative,
                                          common::uint128 magnitude, int exponent,
                                          std::uint64_t divisor);

/// fast::round_quotient_binary32 (the hardware-double route) equals round_to of the exact
/// (-1)^negative * m * 2^unit / d whenever it gives an answer, and declines only on a binary32
/// midpoint that is not the exact quotient, a non-zero result below 2^-126, or an overflow; so
/// does fast::round_product_binary32 (the multiplication route) with 1 / d rounded once, and
/// with the rounded reciprocals of a split d = d1 * d2 multiplied.
void double_quotient_rounds_like_round_to(bool negative, std::uint64_t magnitude, int unit,
                                          std::uint64_t divisor);

void showValue(const fast_pool_case& c, std::ostream& os);

}  // namespace poolproof::properties

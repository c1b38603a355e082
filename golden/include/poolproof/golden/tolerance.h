// Rigorous per-element error bounds for adaptive pooling computed in floating point, in exact
// arithmetic. The derivation is in golden/CHECKING.md; the notation follows Higham, Accuracy and
// Stability of Numerical Algorithms (2nd ed.), chapter 3: u is the unit roundoff and
// gamma_k = k*u / (1 - k*u).
#pragma once

#include <poolproof/reference/exact_number.h>
#include <poolproof/reference/float_format.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace poolproof::golden {

/// What a kernel promises about the format its sums are carried in (`golden check
/// --accumulation`, CHECKING.md section 3).
enum class accumulator {
  any,     ///< any order, in the case's dtype or any wider format: the weakest promise (default)
  float32  ///< formats narrower than float32 accumulate in float32 and round once to the dtype at
           ///< the end (PyTorch's opmath); float32 and float64 in their own format
};

/// "any", "float32".
[[nodiscard]] std::string_view accumulator_name(accumulator rule);
/// The rule named by accumulator_name, or nullopt.
[[nodiscard]] std::optional<accumulator> parse_accumulator(std::string_view name);

/// The format sums and divisions are carried in under `rule` for a case of `dtype`.
[[nodiscard]] reference::float_format accumulation_format(reference::float_format dtype,
                                                          accumulator rule);

/// The constants of a binary format that its rounding errors are bounded by.
struct format_constants {
  int precision = 0;     ///< p: significand bits, including the implicit one
  int min_exponent = 0;  ///< emin = 1 - bias: the exponent of the smallest normal number
  reference::rational unit_roundoff;   ///< u = 2^-p
  reference::rational underflow_half;  ///< 2^(emin - p): half the smallest subnormal, the largest
                                       ///< absolute error of one rounding in the subnormal range
  reference::rational overflow;  ///< 2^emax * (2 - 2^-p): magnitudes from here on round to infinity
};

[[nodiscard]] format_constants constants_of(reference::float_format format);

/// gamma_k = k*u / (1 - k*u) for k >= 0 (Higham (3.8)), or nullopt when k*u >= 1 and no bound
/// of this form exists.
[[nodiscard]] std::optional<reference::rational> gamma(std::int64_t k,
                                                       const reference::rational& unit_roundoff);

/// How many roundings the division phase of an average may take: one division by the window
/// length (1), one multiplication by its rounded reciprocal (2), or one division per spatial axis
/// by that axis's window length, as PyTorch's CPU kernels do (spatial_dims). max(2, spatial_dims).
[[nodiscard]] std::int64_t division_roundings(int spatial_dims);

/// The error one output element may carry. `bound` is nullopt when no bound exists (the window is
/// too long for the format: gamma undefined), which the generator refuses. When
/// `overflow_possible`, some summation order may round an intermediate to infinity, so a
/// non-finite candidate is admitted (a finite one must still be within the bound).
struct element_bound {
  std::optional<reference::rational> bound;
  bool overflow_possible = false;

  friend bool operator==(const element_bound&, const element_bound&) = default;
};

/// The bound of an exact result (max forward): 0.
[[nodiscard]] element_bound exact_bound();

/// Whether summing finite values of `format` is exact in every order: all of them are multiples
/// of 2^least_exponent (the least power of two dividing each) and sum_abs <= min(2^(p +
/// least_exponent), the largest finite value), so every partial sum is a multiple of
/// 2^least_exponent of magnitude at most sum_abs, which the format (and any wider one) holds.
[[nodiscard]] bool sums_exactly(reference::float_format format, std::int64_t least_exponent,
                                const reference::rational& sum_abs);

/// `inner` bounds a computation carried out in a wider format than `storage`, whose result is
/// then rounded once to `storage`; with u, eta of `storage` and x the exact value:
///   (1 + u) * inner + u * |x| + eta.
/// A non-finite result is admitted when `inner` admits one or |x| + inner reaches storage's
/// overflow threshold.
[[nodiscard]] element_bound rounded_once(reference::float_format storage,
                                         const element_bound& inner,
                                         const reference::rational& exact_abs);

/// Adaptive average of `length` finite inputs with sum of magnitudes `sum_abs` and exact mean
/// `mean`, computed in `format` by any summation order (or in a wider format and rounded once),
/// then divided as division_roundings allows:
///   gamma_{L-1+r} * sum_abs / L + gamma_r * |mean| + r * eta * (1 + gamma_r)
///   [+ (1 + gamma_{L+r}) * sum_abs * eta  when 1/L is below the normal range]
/// with r = division_roundings(spatial_dims) and eta = underflow_half (CHECKING.md, section 2).
/// When `exact_sum` (sums_exactly holds for the window), the sum carries no error and the
/// gamma_{L-1+r} term becomes gamma_r * |mean|'s share only: gamma_r * |mean| + r eta (1 + gamma_r)
/// [+ the reciprocal's underflow term].
[[nodiscard]] element_bound avg_forward_bound(reference::float_format format, int spatial_dims,
                                              std::int64_t length,
                                              const reference::rational& sum_abs,
                                              const reference::rational& mean,
                                              bool exact_sum = false);

/// The absolute underflow error of one avg-backward addend g/L computed in `format`:
///   r * eta * (1 + gamma_r)  [+ (1 + u) * |g| * eta when 1/L is below the normal range].
[[nodiscard]] reference::rational avg_backward_addend_underflow(reference::float_format format,
                                                                int spatial_dims,
                                                                std::int64_t length,
                                                                const reference::rational& g_abs);

/// A grad_input element of avg backward: a sum of `terms` addends g_w / L_w (each from a division
/// phase), with sum of exact magnitudes `sum_abs` and summed addend underflow errors `underflow`:
///   gamma_{K-1+r} * sum_abs + (1 + gamma_{K-1}) * underflow      (CHECKING.md, section 3).
[[nodiscard]] element_bound avg_backward_bound(reference::float_format format, int spatial_dims,
                                               std::int64_t terms,
                                               const reference::rational& sum_abs,
                                               const reference::rational& underflow);

/// A grad_input element of max backward: a sum of `terms` output gradients scattered to the same
/// argmax, magnitudes summing to `sum_abs`: gamma_{K-1} * sum_abs (+ eta when K >= 2, for an
/// accumulation in a wider format rounded once at the end).                (CHECKING.md, section 4)
[[nodiscard]] element_bound max_backward_bound(reference::float_format format, std::int64_t terms,
                                               const reference::rational& sum_abs);

/// The spacing of the format at a finite bit pattern: 2^(max(e, emin) - p + 1) where e is the
/// pattern's exponent (the unit in which errors are reported).
[[nodiscard]] reference::rational ulp_at(reference::float_format format, std::uint64_t bits);

}  // namespace poolproof::golden

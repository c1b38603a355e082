// RapidCheck runs of the fast engine against the plain reference: forward, backward, rounding.
#include <gtest/gtest.h>
#include <poolproof/properties/fast_engine_properties.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "engine/float_bits.h"

namespace poolproof::properties {
namespace {

RC_GTEST_PROP(FastEngineProperties, FastAvgMatchesReference, ()) {
  fast_avg_matches_reference(*gen_fast_pool_case());
}

RC_GTEST_PROP(FastEngineProperties, FastMaxMatchesReference, ()) {
  fast_max_matches_reference(*gen_fast_pool_case());
}

RC_GTEST_PROP(FastEngineProperties, FastAvgBackwardMatchesReference, ()) {
  const fast_pool_case c = *gen_fast_pool_case();
  fast_avg_backward_matches_reference(c, *gen_grad_output_bits(c));
}

RC_GTEST_PROP(FastEngineProperties, FastMaxBackwardMatchesReference, ()) {
  const fast_pool_case c = *gen_fast_pool_case();
  fast_max_backward_matches_reference(c, *gen_grad_output_bits(c));
}

RC_GTEST_PROP(FastEngineProperties, FastMaxBackwardOnAnyIndicesMatchesReference, ()) {
  const fast_pool_case c = *gen_fast_pool_case();
  const std::vector<std::uint64_t> grad_output = *gen_grad_output_bits(c);
  fast_max_backward_on_indices_matches_reference(c, grad_output, *gen_any_indices(c));
}

// A magnitude below 2^127: uniform of a random length, or a short odd significand shifted up,
// which lands on exact ties between neighbours.
rc::Gen<common::uint128> gen_magnitude(int precision) {
  return rc::gen::exec([precision] {
    const auto high = *rc::gen::arbitrary<std::uint64_t>();
    const auto low = *rc::gen::arbitrary<std::uint64_t>();
    const common::uint128 raw = (static_cast<common::uint128>(high) << 64) | low;
    if (*rc::gen::arbitrary<bool>()) return raw >> (128 - *rc::gen::inRange(1, 128));
    const common::uint128 odd = (raw >> (128 - precision - 1)) | 1;
    return odd << *rc::gen::inRange(0, 126 - precision);
  });
}

RC_GTEST_PROP(FastEngineProperties, ScaledQuotientRoundsLikeRoundTo, ()) {
  const reference::float_format format = *gen_format();
  const reference::format_layout layout = reference::layout_of(format);
  const common::uint128 magnitude = *gen_magnitude(layout.fraction_bits + 1);
  const std::uint64_t divisor = *rc::gen::oneOf(
      rc::gen::inRange<std::uint64_t>(1, 17),
      rc::gen::map(rc::gen::inRange(0, 62), [](int k) { return std::uint64_t{1} << k; }),
      rc::gen::apply(
          [](int length, std::uint64_t random) {
            return (std::uint64_t{1} << (length - 1)) | (random >> (65 - length));
          },
          rc::gen::inRange(2, 62), rc::gen::arbitrary<std::uint64_t>()));
  // Aim the quotient's leading bit from below the least subnormal to past the largest finite.
  const int target =
      *rc::gen::inRange(-layout.bias() - layout.fraction_bits - 3, layout.bias() + 3);
  const int exponent =
      target - engine::detail::bit_length(magnitude) + engine::detail::bit_length(divisor);
  scaled_quotient_rounds_like_round_to(format, *rc::gen::arbitrary<bool>(), magnitude, exponent,
                                       divisor);
}

// sum / divisor within 2 / divisor of a binary32 midpoint m * 2^k (m odd, 25 bits): the only
// quotients whose double can land on a midpoint (which needs divisor >= 2^28).
rc::Gen<std::pair<std::uint64_t, std::uint64_t>> gen_near_midpoint() {
  return rc::gen::exec([] {
    const std::uint64_t m = *rc::gen::inRange<std::uint64_t>(1u << 23, 1u << 24) * 2 + 1;
    const std::uint64_t divisor =
        *rc::gen::inRange<std::uint64_t>(std::uint64_t{1} << 28, std::uint64_t{1} << 40);
    const int k = 52 - 25 - engine::detail::bit_length(divisor);  // m * divisor * 2^k < 2^52
    const auto exact = static_cast<common::uint128>(m) * divisor;
    const auto sum = static_cast<std::int64_t>(exact >> -k) + *rc::gen::inRange(-1, 2);
    return std::pair{static_cast<std::uint64_t>(std::max<std::int64_t>(sum, 1)), divisor};
  });
}

RC_GTEST_PROP(FastEngineProperties, Binary32DoubleQuotientRoundsLikeRoundTo, ()) {
  const auto random = rc::gen::apply(
      [](common::uint128 magnitude, std::uint64_t divisor) {
        return std::pair{static_cast<std::uint64_t>(magnitude >> 75), divisor};
      },
      gen_magnitude(24),
      rc::gen::oneOf(rc::gen::inRange<std::uint64_t>(1, 300),
                     rc::gen::inRange<std::uint64_t>(1, std::uint64_t{1} << 52)));
  const auto [magnitude, divisor] = *rc::gen::oneOf(random, gen_near_midpoint());
  const int target = *rc::gen::inRange(-152, 130);
  const int unit = std::clamp(
      target - engine::detail::bit_length(magnitude) + engine::detail::bit_length(divisor), -160,
      110);
  double_quotient_rounds_like_round_to(*rc::gen::arbitrary<bool>(), magnitude, unit, divisor);
}

}  // namespace
}  // namespace poolproof::properties

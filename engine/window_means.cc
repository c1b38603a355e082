// window_means.h: the batches avg forward rounds its windows' exact double sums with
// (narrowed_means.h), behind a public call.
#include <poolproof/common/error.h>
#include <poolproof/common/float_environment.h>
#include <poolproof/engine/window_means.h>

#include <bit>
#include <cmath>
#include <vector>

#include "engine/narrowed_means.h"

namespace poolproof::engine {
namespace {

// The preconditions the rounding relies on, cheap to check: a wrong unit or count would give a
// wrong mean silently.
void check_window(double sum, int unit, std::uint64_t count) {
  POOLPROOF_CHECK(count >= 1 && count < (std::uint64_t{1} << 53));
  POOLPROOF_CHECK(std::isfinite(sum) && unit > -1023 && unit < 1022);
  // 2^-unit from its bits (a normal double in this range): an ldexp per window costs more than
  // the rounding.
  const double in_units =
      sum * std::bit_cast<double>(static_cast<std::uint64_t>(1023 - unit) << 52);
  POOLPROOF_CHECK(in_units == std::trunc(in_units) && std::abs(in_units) < 0x1p53);
}

}  // namespace

void round_window_means(reference::float_format format, std::span<const double> sums,
                        std::span<const int> units, std::span<const std::uint64_t> counts,
                        std::span<std::uint64_t> means) {
  POOLPROOF_CHECK(units.size() == sums.size() && counts.size() == sums.size() &&
                  means.size() == sums.size());
  // The batches assume round to nearest with subnormals kept, whatever the caller set.
  const common::default_float_environment environment;
  // An exact zero mean is +0: a -0 sum (of negative zeros) is made +0 first.
  std::vector<double> totals(sums.size());
  for (std::size_t k = 0; k < sums.size(); ++k) {
    check_window(sums[k], units[k], counts[k]);
    totals[k] = sums[k] + 0.0;
  }
  switch (format) {
    case reference::float_format::binary16:
    case reference::float_format::bfloat16: {
      std::vector<std::uint16_t> narrow(sums.size());
      detail::narrowed_means(format, totals, counts, narrow);
      for (std::size_t k = 0; k < narrow.size(); ++k) means[k] = narrow[k];
      return;
    }
    case reference::float_format::binary32: {
      std::vector<float> single(sums.size());
      detail::binary32_means(totals, counts, units, single);
      for (std::size_t k = 0; k < single.size(); ++k)
        means[k] = std::bit_cast<std::uint32_t>(single[k]);
      return;
    }
    case reference::float_format::binary64:
      break;  // binary64 sums are not exact in one double
  }
  POOLPROOF_CHECK(false);
}

}  // namespace poolproof::engine

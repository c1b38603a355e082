// window_means.h: the batches avg forward rounds its windows' exact double sums with
// (narrowed_means.h), behind a public call.
#include <poolproof/common/error.h>
#include <poolproof/engine/window_means.h>

#include <bit>
#include <vector>

#include "engine/narrowed_means.h"

namespace poolproof::engine {

void round_window_means(reference::float_format format, std::span<const double> sums,
                        std::span<const int> units, std::span<const std::uint64_t> counts,
                        std::span<std::uint64_t> means) {
  POOLPROOF_CHECK(units.size() == sums.size() && counts.size() == sums.size() &&
                  means.size() == sums.size());
  switch (format) {
    case reference::float_format::binary16:
    case reference::float_format::bfloat16: {
      std::vector<std::uint16_t> narrow(sums.size());
      detail::narrowed_means(format, sums, counts, narrow);
      for (std::size_t k = 0; k < narrow.size(); ++k) means[k] = narrow[k];
      return;
    }
    case reference::float_format::binary32: {
      std::vector<float> single(sums.size());
      detail::binary32_means(sums, counts, units, single);
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

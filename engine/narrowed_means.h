// Batched binary16 and bfloat16 means of exact double sums (not a public interface): eight
// quotients an instruction on AVX-512, each rounded once to 16 bits.
#pragma once

#include <poolproof/reference/float_format.h>

#include <cstdint>
#include <span>
#include <vector>

#include "engine/simd.h"

namespace poolproof::engine::detail {

/// means[k] = round_mean_16(sums[k], divisors[k]) in `format` (binary16 or bfloat16) for each
/// k: the mean of an exact finite double sum rounded once (an exact zero mean is +0). On
/// AVX-512 eight lanes divide at once and keep a lane's result when the quotient's binary32
/// neighbours narrow alike (narrowed_near) or the quotient is exact and a binary32 number (its
/// one narrowing is then the answer, midpoints included); every other lane, and every lane
/// below that level, takes round_mean_16. The spans are equally long; 1 <= divisors[k] < 2^53.
void narrowed_means(reference::float_format format, std::span<const double> sums,
                    std::span<const std::uint64_t> divisors, std::span<std::uint16_t> means,
                    simd_level ceiling = simd_level::avx512);

/// Exact sums waiting for their means, each with its position in an output: narrowed_means
/// rounds them together, for outputs whose windows are summed a few at a time.
class positioned_means {
 public:
  void clear() {
    positions_.clear();
    sums_.clear();
    counts_.clear();
  }
  void add(std::int64_t at, double sum, std::uint64_t count) {
    positions_.push_back(at);
    sums_.push_back(sum);
    counts_.push_back(count);
  }
  /// out[position] = the mean of each sum added since clear().
  void write(reference::float_format format, std::uint16_t* out) {
    means_.resize(sums_.size());
    narrowed_means(format, sums_, counts_, means_);
    for (std::size_t k = 0; k < means_.size(); ++k) out[positions_[k]] = means_[k];
  }

 private:
  std::vector<std::int64_t> positions_;
  std::vector<double> sums_;
  std::vector<std::uint64_t> counts_;
  std::vector<std::uint16_t> means_;
};

}  // namespace poolproof::engine::detail

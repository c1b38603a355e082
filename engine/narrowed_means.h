// Batched binary16, bfloat16 and binary32 means of exact double sums (not a public interface):
// eight quotients an instruction on AVX-512, four on AVX2, each rounded once.
#pragma once

#include <poolproof/reference/float_format.h>

#include <cstdint>
#include <span>
#include <vector>

#include "engine/simd.h"

namespace poolproof::engine::detail {

/// means[k] = round_mean_16(sums[k], divisors[k]) in `format` (binary16 or bfloat16) for each
/// k: the mean of an exact finite double sum rounded once (an exact zero mean is +0). On
/// AVX-512 eight lanes, on AVX2 (with FMA and F16C) four, divide at once and keep a lane's result
/// when the quotient's binary32 neighbours narrow alike (narrowed_near; bfloat16 on AVX2 keeps
/// fewer, by the low half's distance to a tie) or the quotient is exact and a binary32 number
/// (its one narrowing is then the answer, midpoints included); the other lanes take
/// round_mean_16, as every lane does on the baseline and in an AVX2 group with a divisor of 2^52
/// or more. The spans are equally long;
/// 1 <= divisors[k] < 2^53.
void narrowed_means(reference::float_format format, std::span<const double> sums,
                    std::span<const std::uint64_t> divisors, std::span<std::uint16_t> means,
                    simd_level ceiling = simd_level::avx512);

/// The binary32 mean of an exact finite double sum of `divisor` binary32 values, rounded once:
/// round_quotient_binary32's fast route, else the exact one (round_double_sum). Preconditions:
/// 1 <= divisor < 2^53; `sum` is a multiple of 2^unit with |sum| < 2^(unit + 53) (a window's sum
/// under its row's range: unit = range.unit_exponent<binary32_traits>(), sum_bits <= 53), and
/// 2^-unit is a normal double.
[[nodiscard]] float binary32_mean(double sum, int unit, std::uint64_t divisor);

/// means[k] = binary32_mean(sums[k], units[k], divisors[k]) for each k. On AVX-512 eight lanes,
/// on AVX2 (with FMA) four, divide at once and keep a lane's result by round_quotient_binary32's
/// rule (a normal or zero quotient, not a binary32 midpoint it is not exactly, finite once
/// rounded); the other lanes, every lane on the baseline, and an AVX2 group with a divisor of
/// 2^52 or more take binary32_mean. The spans are equally long;
/// each (sums[k], units[k], divisors[k]) meets binary32_mean's preconditions.
void binary32_means(std::span<const double> sums, std::span<const std::uint64_t> divisors,
                    std::span<const int> units, std::span<float> means,
                    simd_level ceiling = simd_level::avx512);

/// Exact sums waiting for their means, each with its position in an output: narrowed_means
/// rounds them together, for outputs whose windows are summed a few at a time. Scratch past
/// `kept` entries is released after each write.
class positioned_means {
 public:
  /// Adds out[at]'s exact finite sum of `count` values, 1 <= count < 2^53.
  void add(std::int64_t at, double sum, std::uint64_t count) {
    positions_.push_back(at);
    sums_.push_back(sum);
    counts_.push_back(count);
  }
  /// out[at] = the mean for each sum added since the last write (every `at` inside `out`).
  void write(reference::float_format format, std::uint16_t* out) {
    means_.resize(sums_.size());
    narrowed_means(format, sums_, counts_, means_);
    for (std::size_t k = 0; k < means_.size(); ++k) out[positions_[k]] = means_[k];
    if (sums_.size() > kept) {
      *this = positioned_means();
      return;
    }
    positions_.clear();
    sums_.clear();
    counts_.clear();
  }

 private:
  static constexpr std::size_t kept = std::size_t{1} << 14;
  std::vector<std::int64_t> positions_;
  std::vector<double> sums_;
  std::vector<std::uint64_t> counts_;
  std::vector<std::uint16_t> means_;
};

}  // namespace poolproof::engine::detail

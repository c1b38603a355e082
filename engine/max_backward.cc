// The fast engine's max backward pass: a binary32 or binary64 plane whose inputs have at most
// two choosers each is summed by hardware additions, which are then exact (add_in_hardware); a
// 16-bit plane whose sums doubles hold exactly is summed in doubles and rounded once per input
// (add_in_doubles); other planes chain each input's choosers and sum them exactly.
#include <poolproof/engine/adaptive_pool.h>

#include <algorithm>
#include <optional>

#include "engine/double_sums.h"
#include "engine/planes.h"

namespace poolproof::engine {
namespace detail {
namespace {

// The exact sum of the gradients one input received (count >= 1), rounded once; +0 for zero.
template <typename F>
std::uint64_t chosen_sum(const typename F::storage* grads, std::span<const std::int64_t> outputs) {
  if constexpr (std::same_as<F, binary32_traits>) {
    // One pass: the double sum and the exponent range. When every partial sum is a multiple of
    // 2^unit below 2^(unit + 53) in magnitude each double addition is exact, and the conversion
    // rounds the exact sum once (half to even, overflow to infinity, subnormals, as round_to
    // does); a zero sum is +0.
    std::uint32_t least = ~0u, greatest = 0;
    double sum = 0;
    for (std::int64_t o : outputs) {
      const std::uint32_t magnitude = std::bit_cast<std::uint32_t>(grads[o]) & 0x7FFFFFFFu;
      least = std::min(least, magnitude - 1);
      greatest = std::max(greatest, magnitude);
      sum += static_cast<double>(grads[o]);
    }
    const exponent_range quick = magnitude_range<F>(least, greatest);
    if (!quick.special && quick.sum_bits<F>(outputs.size()) <= 53)
      return sum == 0 ? 0 : std::bit_cast<std::uint32_t>(static_cast<float>(sum));
  }
  exponent_range range;
  special_tally specials;
  for (std::int64_t o : outputs) {
    widen<F>(range, F::to_bits(grads[o]));
    specials.add<F>(F::to_bits(grads[o]));
  }
  if (specials.any()) return specials.result<F>();
  const int bits = range.sum_bits<F>(outputs.size());
  if (bits > 127) {
    reference::rational total = 0;
    for (std::int64_t o : outputs) total += decode(F::format, F::to_bits(grads[o])).value;
    return round_to(F::format, reference::extended_rational::finite(total));
  }
  fast_int128 sum = 0;
  for (std::int64_t o : outputs)
    sum += fixed_point<F, fast_int128>(F::to_bits(grads[o]), range.anchor());
  return round_fixed<F>(sum, range.unit_exponent<F>(), 1);
}

// The gradient of an input chosen once: its own pattern, but +0 for -0 (the sum starts at +0)
// and the quiet NaN for any NaN (round_to's).
template <typename F>
std::uint64_t chosen_once(std::uint64_t bits) {
  const std::uint64_t magnitude = bits & ~F::sign_mask;
  if (magnitude > F::infinity) return F::quiet_nan;
  return magnitude == 0 ? 0 : bits;
}

// Where one plane's outputs put their gradients. The first chooser of an input writes it
// directly (stamped with the plane's tag, so the arrays are never cleared); later choosers are
// chained to it (newest first) and each input chosen more than once is summed exactly once all
// its choosers are known.
class chooser_table {
 public:
  chooser_table(std::int64_t in_plane, std::int64_t out_plane)
      : stamp_(static_cast<std::size_t>(in_plane)),
        head_(static_cast<std::size_t>(in_plane)),
        next_(static_cast<std::size_t>(out_plane)) {}

  template <typename F>
  void scatter(const typename F::storage* grads, const std::int64_t* indices,
               std::int64_t out_plane, std::uint64_t tag, typename F::storage* plane) {
    shared_.clear();
    for (std::int64_t o = 0; o < out_plane; ++o) {
      const auto at = static_cast<std::size_t>(indices[o]);
      std::int64_t& head = head_[at];
      if (stamp_[at] == tag) {
        if (next_[static_cast<std::size_t>(head)] < 0) shared_.push_back(indices[o]);
        next_[static_cast<std::size_t>(o)] = head;
        head = o;
        continue;
      }
      stamp_[at] = tag;
      head = o;
      next_[static_cast<std::size_t>(o)] = -1;
      plane[at] = F::from_bits(chosen_once<F>(F::to_bits(grads[o])));
    }
    for (const std::int64_t target : shared_) {
      outputs_.clear();
      for (std::int64_t o = head_[static_cast<std::size_t>(target)]; o >= 0;
           o = next_[static_cast<std::size_t>(o)])
        outputs_.push_back(o);
      plane[target] = F::from_bits(chosen_sum<F>(grads, outputs_));
    }
  }

 private:
  std::vector<std::uint64_t> stamp_;
  std::vector<std::int64_t> head_;     // per input: its latest chooser
  std::vector<std::int64_t> next_;     // per output: the previous chooser of its input, or -1
  std::vector<std::int64_t> shared_;   // inputs chosen more than once
  std::vector<std::int64_t> outputs_;  // one shared input's choosers
};

// Planes too large for a chooser_table (16 bytes per input, 8 per output): sort the (input, output)
// pairs.
template <typename F>
void scatter_sorted(const typename F::storage* grads, const std::int64_t* indices,
                    std::int64_t out_plane, typename F::storage* plane) {
  std::vector<std::pair<std::int64_t, std::int64_t>> chosen;
  for (std::int64_t o = 0; o < out_plane; ++o) chosen.emplace_back(indices[o], o);
  std::sort(chosen.begin(), chosen.end());
  std::vector<std::int64_t> outputs;
  for (std::size_t i = 0; i < chosen.size();) {
    outputs.clear();
    const std::int64_t target = chosen[i].first;
    for (; i < chosen.size() && chosen[i].first == target; ++i) outputs.push_back(chosen[i].second);
    plane[target] =
        F::from_bits(outputs.size() == 1 ? chosen_once<F>(F::to_bits(grads[outputs.front()]))
                                         : chosen_sum<F>(grads, outputs));
  }
}

// Whether every pattern is finite: the exponent field plus one reaches the sign bit only for
// an infinity or a NaN. One branch-free pass that vectorizes.
template <typename F>
bool all_finite(const typename F::storage* values, std::int64_t count) {
  constexpr std::uint64_t field_unit = std::uint64_t{1} << F::fraction_bits;
  typename F::bits fields = 0;
  for (std::int64_t i = 0; i < count; ++i)
    fields |= static_cast<typename F::bits>((F::to_bits(values[i]) & F::infinity) + field_unit);
  return (fields & F::sign_mask) == 0;
}

// binary32 and binary64, finite gradients: adds each gradient at its input in hardware, on a
// plane of +0, and tells whether that gave round_to of every exact sum: so when no input has
// three or more choosers. Then an input gets +0 (no chooser), +0 + a, or (+0 + a) + b. +0 + a
// is exact (-0 becoming +0, round_to's zero), and IEEE addition in the default environment
// (round to nearest even, no flush to zero, no excess precision) is the correctly rounded exact
// sum: half to even, overflow to infinity, an exact zero as +0; a sum of two finite values is a
// multiple of the least subnormal, so it never rounds to a signed zero. On false the plane
// holds garbage at the chosen inputs only, which chooser_table::scatter overwrites.
// Branch-free: `choosers` (in_plane counts, left all 0) counts, and a count before the
// increment is 2 or more exactly when it has a bit above the lowest.
template <typename F>
bool add_in_hardware(const typename F::storage* grads, const std::int64_t* indices,
                     std::int64_t out_plane, std::uint32_t* choosers, typename F::storage* plane) {
  std::uint32_t counts = 0;
  for (std::int64_t o = 0; o < out_plane; ++o) {
    const std::int64_t at = indices[o];
    counts |= choosers[at]++;
    plane[at] += grads[o];
  }
  for (std::int64_t o = 0; o < out_plane; ++o) choosers[indices[o]] = 0;
  return counts <= 1;
}

void require_indices(std::span<const std::int64_t> indices, std::int64_t in_plane) {
  // One branch-free pass, then the culprit for the error. With last = in_plane - 1 < 2^63,
  // 0 <= index <= last exactly when neither index nor last - index (mod 2^64) has its top bit
  // set: a negative index has it, and for index > last the difference wraps to 2^64 - k with
  // 0 < k < 2^63. Or and subtract in 64-bit lanes vectorize with SSE2 (an unsigned compare
  // would not).
  const auto last = static_cast<std::uint64_t>(in_plane - 1);
  std::uint64_t tops = 0;
  for (std::int64_t index : indices) {
    const auto bits = static_cast<std::uint64_t>(index);
    tops |= bits | (last - bits);
  }
  if ((tops >> 63) == 0) return;
  for (std::int64_t index : indices) {
    if (index < 0 || index >= in_plane) {
      throw common::input_error("max pool index " + std::to_string(index) +
                                " is outside the input plane of " + std::to_string(in_plane));
    }
  }
}

// Whether no index of a plane's can have three choosers because they ascend (never decrease)
// and none equals the one two places on, so no value appears three times. Argmaxes of one row of
// windows usually ascend; checking so is branch-free and vectorizes, where counting choosers
// goes through memory index by index.
bool ascending_without_triples(const std::int64_t* indices, std::int64_t count) {
  bool descends = false, triple = false;
  for (std::int64_t o = 1; o < count; ++o) descends |= indices[o] < indices[o - 1];
  for (std::int64_t o = 2; o < count; ++o) triple |= indices[o] == indices[o - 2];
  return !descends && !triple;
}

// add_in_hardware's additions once ascending_without_triples vouched for them.
template <typename F>
void add_ascending(const typename F::storage* grads, const std::int64_t* indices,
                   std::int64_t out_plane, typename F::storage* plane) {
  for (std::int64_t o = 0; o < out_plane; ++o) plane[indices[o]] += grads[o];
}

// Whether the 16-bit gradients are finite and their exponent range makes every partial sum of
// up to `count` of them a multiple of 2^unit below 2^(unit + 53), so exact in doubles in any
// order (see double_pass). One branch-free pass.
template <typename F>
bool sums_fit_doubles(const std::uint16_t* grads, std::int64_t size, std::int64_t count) {
  // In signed 16-bit lanes (SSE2 has their min and max): magnitude - 1 wraps a zero to 0x7FFF,
  // above every other, so zeros drop out of the least unless all are zero.
  std::int16_t least = 0x7FFF, greatest = 0;
  for (std::int64_t o = 0; o < size; ++o) {
    const auto magnitude = static_cast<std::int16_t>(grads[o] & 0x7FFF);
    least = std::min(least, static_cast<std::int16_t>((magnitude - 1) & 0x7FFF));
    greatest = std::max(greatest, magnitude);
  }
  const exponent_range range =
      magnitude_range<F>(least == 0x7FFF ? ~std::uint64_t{0} : static_cast<std::uint64_t>(least),
                         static_cast<std::uint64_t>(greatest));
  return !range.special && range.sum_bits<F>(static_cast<std::uint64_t>(count)) <= 53;
}

// binary16 and bfloat16 planes whose gradients sums_fit_doubles vouched for: each input's
// gradients are added in a double, exactly, and the sum rounded once (narrowed_exactly); an
// input nobody chose keeps +0, and a zero sum is +0, as the double sums start at +0. `sums`
// holds in_plane doubles, all +0, and is left so.
template <typename F>
void add_in_doubles(const std::uint16_t* grads, const std::int64_t* indices, std::int64_t out_plane,
                    double* sums, std::uint16_t* plane) {
  for (std::int64_t o = 0; o < out_plane; ++o)
    sums[indices[o]] += static_cast<double>(widened<F>(grads[o]));
  for (std::int64_t o = 0; o < out_plane; ++o)
    plane[indices[o]] = narrowed_exactly<F>(sums[indices[o]]);
  for (std::int64_t o = 0; o < out_plane; ++o) sums[indices[o]] = 0;
}

// add_in_doubles for indices that ascend_without_triples: an input has one chooser or two in a
// row. Backwards, each output writes +0 + its gradient + the next output's when that one chose
// the same input (a select, not a branch), exact in doubles and rounded once; the first of a
// pair writes last, with the pair's sum. A single gradient comes back as its own pattern (-0 as
// +0), as chosen_once has it.
template <typename F>
void add_ascending_in_doubles(const std::uint16_t* grads, const std::int64_t* indices,
                              std::int64_t out_plane, std::uint16_t* plane) {
  double next = 0;
  std::int64_t next_at = -1;
  for (std::int64_t o = out_plane - 1; o >= 0; --o) {
    const std::int64_t at = indices[o];
    const auto own = static_cast<double>(widened<F>(grads[o]));
    plane[at] = narrowed_exactly<F>((0.0 + own) + (next_at == at ? next : 0.0));
    next = own;
    next_at = at;
  }
}

template <typename F>
void max_backward_planes(const geometry& g, const typename F::storage* grad_output,
                         const std::int64_t* indices, typename F::storage* grad_input,
                         std::int64_t first, std::int64_t end) {
  constexpr std::int64_t table_limit = std::int64_t{1} << 20;
  constexpr bool hardware = std::same_as<F, binary32_traits> || std::same_as<F, binary64_traits>;
  const bool small = g.in_plane <= table_limit && g.out_plane <= table_limit;
  std::vector<std::uint32_t> choosers(hardware && small ? static_cast<std::size_t>(g.in_plane) : 0);
  constexpr bool sixteen_bit = std::same_as<typename F::storage, std::uint16_t>;
  std::vector<double> sums(sixteen_bit && small ? static_cast<std::size_t>(g.in_plane) : 0);
  // One check of the worker's gradients usually clears every plane; else each plane is checked.
  bool doubles_everywhere = false;
  if constexpr (sixteen_bit) {
    doubles_everywhere = sums_fit_doubles<F>(grad_output + first * g.out_plane,
                                             (end - first) * g.out_plane, g.out_plane);
  }
  std::optional<chooser_table> table;  // built for the first plane that needs it
  // An infinity or NaN anywhere in the worker's gradients leaves the hardware path out.
  const bool finite =
      hardware && all_finite<F>(grad_output + first * g.out_plane, (end - first) * g.out_plane);
  const bool one_row = g.out_plane == g.out[2];  // one row of windows
  for (std::int64_t p = first; p < end; ++p) {
    const typename F::storage* grads = grad_output + p * g.out_plane;
    const std::int64_t* chosen = indices + p * g.out_plane;
    // Checked plane by plane while the indices are in cache (a bad one throws; earlier planes
    // are written by then).
    require_indices({chosen, static_cast<std::size_t>(g.out_plane)}, g.in_plane);
    typename F::storage* plane = grad_input + p * g.in_plane;
    std::fill(plane, plane + g.in_plane, F::from_bits(0));
    if (!small) {
      scatter_sorted<F>(grads, chosen, g.out_plane, plane);
      continue;
    }
    if constexpr (hardware) {
      if (finite && one_row && ascending_without_triples(chosen, g.out_plane)) {
        add_ascending<F>(grads, chosen, g.out_plane, plane);
        continue;
      }
      if (finite && add_in_hardware<F>(grads, chosen, g.out_plane, choosers.data(), plane))
        continue;
    } else if constexpr (sixteen_bit) {
      if (doubles_everywhere || sums_fit_doubles<F>(grads, g.out_plane, g.out_plane)) {
        if (one_row && ascending_without_triples(chosen, g.out_plane)) {
          add_ascending_in_doubles<F>(grads, chosen, g.out_plane, plane);
        } else {
          add_in_doubles<F>(grads, chosen, g.out_plane, sums.data(), plane);
        }
        continue;
      }
    }
    if (!table) table.emplace(g.in_plane, g.out_plane);
    table->scatter<F>(grads, chosen, g.out_plane, static_cast<std::uint64_t>(p) + 1, plane);
  }
}

}  // namespace
}  // namespace detail

template <element T>
void adaptive_max_pool_backward(reference::float_format format,
                                std::span<const std::int64_t> input_shape,
                                std::span<const std::int64_t> out_size,
                                std::span<const T> grad_output,
                                std::span<const std::int64_t> indices, std::span<T> grad_input,
                                unsigned threads) {
  const detail::geometry& g = detail::remembered_geometry<T>(format, input_shape, out_size,
                                                             grad_input.size(), grad_output.size());
  if (indices.size() != grad_output.size()) {
    throw common::input_error("max pool backward got " + std::to_string(indices.size()) +
                              " indices for " + std::to_string(grad_output.size()) +
                              " output gradients");
  }
  detail::with_traits<T>(format, [&](auto traits) {
    using F = decltype(traits);
    detail::parallel_planes(g.planes, threads, [&](std::int64_t first, std::int64_t end) {
      detail::max_backward_planes<F>(g, grad_output.data(), indices.data(), grad_input.data(),
                                     first, end);
    });
  });
}

#define POOLPROOF_MAX_BACKWARD(T)                                                            \
  template void adaptive_max_pool_backward<T>(                                               \
      reference::float_format, std::span<const std::int64_t>, std::span<const std::int64_t>, \
      std::span<const T>, std::span<const std::int64_t>, std::span<T>, unsigned);
POOLPROOF_MAX_BACKWARD(std::uint16_t)
POOLPROOF_MAX_BACKWARD(float)
POOLPROOF_MAX_BACKWARD(double)
#undef POOLPROOF_MAX_BACKWARD

}  // namespace poolproof::engine

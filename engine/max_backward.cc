// The fast engine's max backward pass: 1-D planes whose indices lie in their own windows are
// checked and written a block of planes at a time (rows_in_windows), and a plane of one row of
// windows whose indices ascend without triples in one pass (write_ascending): each input gets
// +0 + a or (+0 + a) + b, rounded once (16-bit formats: in binary32, narrowed_sum). Otherwise a
// plane small enough for per-input scratch, its worker's gradients finite, is summed the same way
// input by input (binary32 and binary64 by hardware additions), exact for inputs of at most two
// choosers, its inputs of more summed again exactly (add_in_hardware); other planes chain each
// input's choosers and sum them exactly. A worker whose share of the output outgrows the
// last-level cache builds each plane in a scratch plane and streams it out (streamed_planes).
#include <emmintrin.h>
#include <poolproof/common/float_environment.h>
#include <poolproof/common/fresh_pages.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/exact_number.h>

#include <algorithm>
#include <concepts>
#include <exception>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/chosen_block.h"
#include "engine/double_sums.h"
#include "engine/planes.h"
#include "engine/streaming.h"

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

// The (input, output) pairs of some of a plane's choices, and from them each input's gradient.
class chosen_pairs {
 public:
  void clear() { pairs_.clear(); }
  void add(std::int64_t input, std::int64_t output) { pairs_.emplace_back(input, output); }

  /// plane[input] = the exact sum of the gradients of the outputs that chose it, rounded once
  /// (one chooser: chosen_once of its gradient), for each input added since the last clear().
  template <typename F>
  void write_sums(const typename F::storage* grads, typename F::storage* plane) {
    std::ranges::sort(pairs_);
    for (std::size_t i = 0; i < pairs_.size();) {
      outputs_.clear();
      const std::int64_t target = pairs_[i].first;
      for (; i < pairs_.size() && pairs_[i].first == target; ++i)
        outputs_.push_back(pairs_[i].second);
      plane[target] =
          F::from_bits(outputs_.size() == 1 ? chosen_once<F>(F::to_bits(grads[outputs_.front()]))
                                            : chosen_sum<F>(grads, outputs_));
    }
  }

  /// counts[input] = 0 for each input added since the last clear().
  template <typename Count>
  void reset_inputs(Count* counts) const {
    for (const auto& pair : pairs_) counts[pair.first] = 0;
  }

 private:
  std::vector<std::pair<std::int64_t, std::int64_t>> pairs_;
  std::vector<std::int64_t> outputs_;  // one input's choosers
};

// Planes too large for a chooser_table (16 bytes per input, 8 per output): sort the (input, output)
// pairs.
template <typename F>
void scatter_sorted(const typename F::storage* grads, const std::int64_t* indices,
                    std::int64_t out_plane, typename F::storage* plane) {
  chosen_pairs chosen;
  for (std::int64_t o = 0; o < out_plane; ++o) chosen.add(indices[o], o);
  chosen.write_sums<F>(grads, plane);
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

// Inputs of a plane with three or more choosers (choosers[at] >= 3, the counts of
// add_in_hardware's pass): each gets the exact sum of its gradients, rounded once, in place of the
// chained hardware additions (which may round more than once). The counts are left all 0: the
// others reset in the scan, the crowded ones after their sums are written. `crowded` is scratch.
template <typename F, typename Count>
void sum_crowded_inputs(const typename F::storage* grads, const std::int64_t* indices,
                        std::int64_t out_plane, Count* choosers, typename F::storage* plane,
                        chosen_pairs& crowded) {
  crowded.clear();
  for (std::int64_t o = 0; o < out_plane; ++o) {
    Count& count = choosers[indices[o]];
    if (count >= 3) {
      crowded.add(indices[o], o);
    } else {
      count = 0;
    }
  }
  crowded.write_sums<F>(grads, plane);
  crowded.reset_inputs(choosers);
}

// One more chooser's gradient `grad` added to an input's value so far, which had `before`
// choosers: binary32 and binary64 add in hardware on the +0 plane. The 16-bit formats write the
// first chooser's pattern (+0 for -0), and for later ones the narrowed_sum of the value and the
// gradient: for the second, (+0 + a) + b in binary32 narrowed, which is round_to of the exact sum
// (finite values). A first chooser is not widened or narrowed. From a third chooser on, the value
// written is meaningless (a rounded sum of a rounded sum, possibly past the finite range), and
// sum_crowded_inputs always replaces it.
template <typename F>
inline void add_chooser(typename F::storage& value, typename F::storage grad,
                        std::uint32_t before) {
  if constexpr (std::same_as<typename F::storage, std::uint16_t>) {
    value = before == 0 ? ((grad & 0x7FFFu) != 0 ? grad : std::uint16_t{0})
                        : narrowed_sum<F>(0.0f + widened<F>(value), widened<F>(grad));
  } else {
    value += grad;
  }
}

// Finite gradients: adds each gradient at its input (add_chooser), on a plane of +0, then sums the
// inputs with three or more choosers again exactly (sum_crowded_inputs). An input with at most two
// gets +0 (no chooser), +0 + a, or (+0 + a) + b, each rounded once. In binary32 and binary64,
// +0 + a is exact (-0 becoming +0, round_to's zero), and IEEE addition in the default environment
// (round to nearest even, no flush to zero, no excess precision) is the correctly rounded exact
// sum: half to even, overflow to infinity, an exact zero as +0; a sum of two finite values is a
// multiple of the least subnormal, so it never rounds to a signed zero. The counting is branch-free
// (the 16-bit add_chooser is not): `choosers` (in_plane counts of a type that holds out_plane,
// so they never wrap; left all 0) counts, and a count before the increment is 2 or more exactly
// when it has a bit above the lowest. (Before, a plane with an input of three choosers went to the
// chooser table in full; where four windows meet at each inner corner, as in the 13x13 max
// backward, that made the pass 1.2x slower: measured. 16-bit planes summed each chooser into a
// double scratch and narrowed each chosen input: 1.1x-1.2x slower on 7x7 and 3-D planes, within
// the noise on 13x13.)
template <typename F, typename Count>
void add_in_hardware(const typename F::storage* grads, const std::int64_t* indices,
                     std::int64_t out_plane, Count* choosers, typename F::storage* plane,
                     chosen_pairs& crowded) {
  std::uint32_t counts = 0;
  for (std::int64_t o = 0; o < out_plane; ++o) {
    const std::int64_t at = indices[o];
    const std::uint32_t before = choosers[at]++;
    counts |= before;
    add_chooser<F>(plane[at], grads[o], before);
  }
  if (counts > 1) {
    sum_crowded_inputs<F>(grads, indices, out_plane, choosers, plane, crowded);
    return;
  }
  for (std::int64_t o = 0; o < out_plane; ++o) choosers[indices[o]] = 0;
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

// Per-thread scratch, all zero between uses (each use resets what it touched): the chooser counts,
// one per input-plane element. Kept while planes have at most kept_scratch elements, so a call does
// not clear in_plane entries again (which cost as much as filling the plane itself); larger ones
// are released when the call ends, and so is any left by an exception (which may leave counts
// set: a failed allocation while crowded inputs are summed).
constexpr std::size_t kept_scratch = std::size_t{1} << 16;

template <typename T>
class zeroed_scratch {
 public:
  explicit zeroed_scratch(std::int64_t size)
      : values_(kept()), exceptions_(std::uncaught_exceptions()) {
    if (values_.size() < static_cast<std::size_t>(size))
      values_.resize(static_cast<std::size_t>(size));
  }
  zeroed_scratch(const zeroed_scratch&) = delete;
  zeroed_scratch& operator=(const zeroed_scratch&) = delete;
  ~zeroed_scratch() {
    if (values_.size() > kept_scratch || std::uncaught_exceptions() > exceptions_)
      std::vector<T>().swap(values_);
  }
  T* data() { return values_.data(); }

 private:
  static std::vector<T>& kept() {
    thread_local std::vector<T> values;
    return values;
  }
  std::vector<T>& values_;
  int exceptions_;
};

// The sum of an input's gradients when it has one chooser or two in a row, +0 + a, or + b too
// when `paired` (by a mask: as a conditional GCC branches on it, and pairs come as the data have
// them), rounded once: in binary32 and binary64 (finite values) (+0 + a) + b is the correctly
// rounded exact sum, and -0 alone comes back as +0; the 16-bit formats add their binary32 values
// (narrowed_sum's rounding), +0 + a being exact there too.
template <typename F, typename T>
inline typename F::storage pair_sum(T own, T next, bool paired) {
  using mask_type = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  const auto mask = static_cast<mask_type>(0 - static_cast<mask_type>(paired));
  const T partner = std::bit_cast<T>(std::bit_cast<mask_type>(next) & mask);
  if constexpr (std::same_as<typename F::storage, std::uint16_t>) {
    return narrowed_sum<F>(T{0} + own, partner);
  } else {
    return (T{0} + own) + partner;
  }
}

// A gradient as pair_sum adds it: binary32 and binary64 as they are, 16-bit ones widened exactly.
template <typename F>
inline auto summand(typename F::storage grad) {
  if constexpr (std::same_as<typename F::storage, std::uint16_t>) {
    return widened<F>(grad);
  } else {
    return grad;
  }
}

// A plane of one row of windows whose inputs have one chooser or two in a row (so when its
// indices ascend without an index repeated three times): backwards, each output writes the
// pair_sum of its gradient and the next output's when that one chose the same input; the first
// of a pair writes last, with the pair's sum. Checks the indices in the same pass and returns
// false when they descend or repeat three times; what was written is then garbage for the
// caller to overwrite. Indices are within the plane (checked before).
template <typename F>
bool write_ascending(const typename F::storage* grads, const std::int64_t* indices,
                     std::int64_t count, typename F::storage* plane) {
  decltype(summand<F>(grads[0])) next = 0;
  std::int64_t next_at = std::numeric_limits<std::int64_t>::max(), after_next = -1;
  bool descends = false, triple = false;
  for (std::int64_t o = count - 1; o >= 0; --o) {
    const std::int64_t at = indices[o];
    const auto own = summand<F>(grads[o]);
    plane[at] = pair_sum<F>(own, next, next_at == at);
    descends |= at > next_at;
    triple |= at == after_next;
    after_next = next_at;
    next_at = at;
    next = own;
  }
  return !descends && !triple;
}

// 1-D planes (one row, n inputs to m <= n outputs): adaptive windows there are sorted and
// neighbours share at most one input (end_o - begin_(o+1) = ceil(x) - floor(x) for x = (o+1)n/m),
// which no third window holds (at most floor(m/n) + 1 <= 2 windows hold an input). So when every
// index lies in its own window, the indices ascend without triples and write_ascending's sums
// are exact without its checks. Then a block of planes (about 8 KiB) is filled with +0 and
// written by position offset + index (chosen_block.h), each output checked in the same pass for
// an index in its window and a finite gradient (begin, last and plane offset laid out per output
// of the block): a check, a fill and a loop per plane (planes of a few dozen inputs spent most of
// their time on those) become one per block. Returns false (earlier outputs written) at an output
// with an index outside its window or a gradient not finite.
template <typename F>
bool rows_in_windows(const geometry& g, const typename F::storage* grad_output,
                     const std::int64_t* indices, typename F::storage* grad_input,
                     std::int64_t first, std::int64_t end) {
  // Blocks of about 8 KiB of planes and at most kept_slots outputs (one plane when a plane has
  // more), a whole number of vectors of eight outputs when a few planes make one:
  // write_chosen_block's lanes then write every output but those past the last whole vector of a
  // worker's last block, and its per-call costs are spread over more outputs. In 2 KiB blocks,
  // whose last few outputs took the scalar route each time, the float32 and float64 1-D max
  // backward read 1.15x-1.2x the time (measured).
  constexpr std::int64_t block_bytes = 8192;
  constexpr std::int64_t kept_slots = std::int64_t{1} << 10;
  std::int64_t block = std::max<std::int64_t>(
      1, std::min(block_bytes / static_cast<std::int64_t>(sizeof(typename F::storage)) / g.in_plane,
                  kept_slots / g.out_plane));
  const std::int64_t planes_per_vectors = 8 / std::gcd(g.out_plane, std::int64_t{8});
  if (block >= planes_per_vectors) block = block / planes_per_vectors * planes_per_vectors;
  block = std::min(end - first, block);
  thread_local std::vector<std::int64_t> begins, lasts, offsets, paired;
  const auto slots = static_cast<std::size_t>(block * g.out_plane);
  begins.resize(slots);
  lasts.resize(slots);
  offsets.resize(slots);
  for (std::size_t k = 0, q = 0; q < static_cast<std::size_t>(block); ++q) {
    for (const reference::window& w : g.windows[2]) {
      begins[k] = w.begin;
      lasts[k] = w.end - 1;
      offsets[k++] = static_cast<std::int64_t>(q) * g.in_plane;
    }
  }
  for (std::int64_t p = first; p < end; p += block) {
    const std::int64_t count = (std::min(end, p + block) - p) * g.out_plane;
    const std::int64_t* chosen = indices + p * g.out_plane;
    const typename F::storage* grads = grad_output + p * g.out_plane;
    typename F::storage* planes = grad_input + p * g.in_plane;
    std::fill(planes, planes + count / g.out_plane * g.in_plane, F::from_bits(0));
    // Each output checked as it is written (the thread_local vectors' data looked up once).
    if (!write_chosen_block<F>(grads, chosen, begins.data(), lasts.data(), offsets.data(), count,
                               planes, paired))
      return false;
  }
  if (slots > static_cast<std::size_t>(kept_slots)) {  // planes past the block size: not kept
    std::vector<std::int64_t>().swap(begins);
    std::vector<std::int64_t>().swap(lasts);
    std::vector<std::int64_t>().swap(offsets);
    std::vector<std::int64_t>().swap(paired);
  }
  return true;
}

// Whether a worker's planes are built in a scratch plane and streamed out (streaming.h) rather
// than zeroed in place and scattered into: when its share of the input gradient is larger than
// the last-level cache, and a plane is at most kept_scratch elements (a scratch plane that
// stays in L2, and is kept between calls: a larger one would be read back from memory, and
// cost its size again).
inline bool streamed_planes(const geometry& g, std::int64_t planes, std::size_t element) {
  return g.in_plane <= static_cast<std::int64_t>(kept_scratch) &&
         past_cache(planes * g.in_plane, element);
}

// Orders a worker's streamed stores before what follows it (the team's join), when it streams,
// on every way out (a bad index's exception included).
struct stream_fence {
  bool stream;
  explicit stream_fence(bool streams) : stream(streams) {}
  stream_fence(const stream_fence&) = delete;
  stream_fence& operator=(const stream_fence&) = delete;
  ~stream_fence() {
    if (stream) _mm_sfence();
  }
};

// Streams a built plane out when the worker streams, and clears what the plane's outputs wrote
// (every route writes only chosen inputs, or the whole plane +0), when it goes out of scope.
template <typename F>
class streamed_plane {
 public:
  streamed_plane(bool stream, typename F::storage* built, typename F::storage* destination,
                 const std::int64_t* chosen, const geometry& g)
      : stream_(stream), built_(built), destination_(destination), chosen_(chosen), g_(g) {}
  streamed_plane(const streamed_plane&) = delete;
  streamed_plane& operator=(const streamed_plane&) = delete;
  ~streamed_plane() {
    if (!stream_) return;
    stream_out(built_, destination_,
               g_.in_plane * static_cast<std::int64_t>(sizeof(typename F::storage)));
    for (std::int64_t k = 0; k < g_.out_plane; ++k) built_[chosen_[k]] = F::from_bits(0);
  }

 private:
  bool stream_;
  typename F::storage* built_;
  typename F::storage* destination_;
  const std::int64_t* chosen_;
  const geometry& g_;
};

template <typename F>
void max_backward_planes(const geometry& g, const typename F::storage* grad_output,
                         const std::int64_t* indices, typename F::storage* grad_input,
                         std::int64_t first, std::int64_t end) {
  constexpr std::int64_t table_limit = std::int64_t{1} << 20;
  const bool small = g.in_plane <= table_limit && g.out_plane <= table_limit;
  const std::int64_t outputs = (end - first) * g.out_plane;
  const bool one_row = g.out_plane == g.out[2];  // one row of windows
  const bool rows_1d = g.in_plane == g.in[2] && one_row && g.out[2] <= g.in[2];
  if (small && rows_1d && rows_in_windows<F>(g, grad_output, indices, grad_input, first, end))
    return;
  // An infinity or NaN anywhere in the worker's gradients leaves the pair-sum and hardware
  // paths out for all its planes (they go to the chooser table).
  const bool finite = all_finite<F>(grad_output + first * g.out_plane, outputs);
  // Chooser counts in bytes when no input can have 256 (the counts then never wrap): a plane's
  // counts in 12 KiB rather than 49 KiB for 112x112 inputs, which stay in L1 beside the plane
  // (measured: the bfloat16 13x13 max backward 1.14x-1.16x -> 1.08x ATen's time on one thread,
  // 1.04x-1.05x -> 0.98x-1.0x on two; float32 ~1.03x -> ~0.97x).
  const bool narrow = g.out_plane <= std::numeric_limits<std::uint8_t>::max();
  zeroed_scratch<std::uint32_t> choosers(small && !narrow ? g.in_plane : 0);
  zeroed_scratch<std::uint8_t> narrow_choosers(small && narrow ? g.in_plane : 0);
  chosen_pairs crowded;
  std::optional<chooser_table> table;  // built for the first plane that needs it
  // Planes are zeroed a group of about 512 KiB at a time, which stays in L2 for its scatters: in
  // a bare loop of 50 KiB planes with 169 scatters each, a memset per plane took 1.06x-1.1x the
  // time of one per group of 4-16 planes, and one memset of the whole range 1.3x (past glibc's
  // non-temporal threshold, its lines leave the cache before the scatters).
  const std::int64_t group = std::max<std::int64_t>(
      1, (std::int64_t{1} << 19) / (g.in_plane * std::int64_t{sizeof(typename F::storage)}));
  std::int64_t zeroed_end = first;
  const bool stream = small && streamed_planes(g, end - first, sizeof(typename F::storage));
  // zeroed_scratch keeps one vector per element type: the plane's must not be a count's.
  static_assert(!std::same_as<typename F::storage, std::uint32_t> &&
                !std::same_as<typename F::storage, std::uint8_t>);
  zeroed_scratch<typename F::storage> built(stream ? g.in_plane : 0);
  // Declared before the loop: its destructor runs after every plane's `out` has streamed, before
  // the worker returns to the team's join.
  const stream_fence fence{stream};
  for (std::int64_t p = first; p < end; ++p) {
    const typename F::storage* grads = grad_output + p * g.out_plane;
    const std::int64_t* chosen = indices + p * g.out_plane;
    // Checked plane by plane while the indices are in cache (a bad one throws; earlier planes
    // are written by then).
    require_indices({chosen, static_cast<std::size_t>(g.out_plane)}, g.in_plane);
    typename F::storage* const destination = grad_input + p * g.in_plane;
    typename F::storage* plane = stream ? built.data() : destination;
    const streamed_plane<F> out{stream, plane, destination, chosen, g};
    if (!stream && p == zeroed_end) {
      zeroed_end = std::min(end, p + group);
      std::fill(plane, grad_input + zeroed_end * g.in_plane, F::from_bits(0));
    }
    if (!small) {
      scatter_sorted<F>(grads, chosen, g.out_plane, plane);
      continue;
    }
    if (finite && one_row) {
      if (write_ascending<F>(grads, chosen, g.out_plane, plane)) continue;
      std::fill(plane, plane + g.in_plane, F::from_bits(0));  // what the attempt wrote
    }
    if (finite) {
      if (narrow) {
        add_in_hardware<F>(grads, chosen, g.out_plane, narrow_choosers.data(), plane, crowded);
      } else {
        add_in_hardware<F>(grads, chosen, g.out_plane, choosers.data(), plane, crowded);
      }
      continue;
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
  // A caller's flush-to-zero or rounding mode would break the exact hardware paths.
  const common::default_float_environment environment;
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
      common::prefault_planes(grad_input, g.in_plane, first, end);
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

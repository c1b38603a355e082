// window_sums.h. The sums are plain double additions: whether they are exact is decided from the
// window's least and top bits (window_sums::exact), never from the sums themselves, so any order
// of addition gives the same decision.
#include "golden/window_sums.h"

#include <immintrin.h>
#include <poolproof/common/error.h>
#include <poolproof/common/float_environment.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/tensor.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <utility>

namespace poolproof::golden::detail {
namespace {

value_bits describe_bits(const reference::format_layout& layout, std::uint64_t bits) {
  const std::uint64_t ones = (std::uint64_t{1} << layout.exponent_bits) - 1;
  const std::uint64_t field = (bits >> layout.fraction_bits) & ones;
  const std::uint64_t fraction = bits & ((std::uint64_t{1} << layout.fraction_bits) - 1);
  const bool negative = ((bits >> (layout.width() - 1)) & 1) != 0;
  value_bits v;
  if (field == ones) {
    v.value = fraction != 0 ? std::numeric_limits<double>::quiet_NaN()
                            : std::numeric_limits<double>::infinity();
  } else if (field != 0 || fraction != 0) {
    const std::uint64_t significand =
        fraction | (field != 0 ? std::uint64_t{1} << layout.fraction_bits : 0);
    const int exponent =
        static_cast<int>(field != 0 ? field : 1) - layout.bias() - layout.fraction_bits;
    // 2^exponent built from its bits (every exponent of a format below binary64 is in double's
    // normal range): the same exact product as an ldexp, without its cost per pattern.
    const auto power = std::bit_cast<double>(static_cast<std::uint64_t>(exponent + 1023) << 52);
    v.value = static_cast<double>(significand) * power;
    v.least = exponent + std::countr_zero(significand);
    v.top = exponent + static_cast<int>(std::bit_width(significand));
  }
  v.value = negative ? -v.value : v.value;
  return v;
}

// describe_bits of a binary32 pattern without an ldexp: the float itself is the value.
value_bits describe_binary32(std::uint32_t bits) {
  value_bits v;
  v.value = static_cast<double>(std::bit_cast<float>(bits));
  const std::uint32_t field = (bits >> 23) & 0xFFu;
  const std::uint32_t significand = (bits & 0x7FFFFFu) | (field != 0 ? 0x800000u : 0);
  if (field == 0xFFu || significand == 0) return v;
  const int exponent = static_cast<int>(field != 0 ? field : 1) - 150;
  v.least = exponent + std::countr_zero(significand);
  v.top = exponent + static_cast<int>(std::bit_width(significand));
  return v;
}

}  // namespace

pattern_table::pattern_table(reference::float_format format)
    : layout_(reference::layout_of(format)) {
  if (layout_.width() == 16) {
    table_.resize(std::size_t{1} << 16);
    for (std::size_t bits = 0; bits < table_.size(); ++bits)
      table_[bits] = describe_bits(layout_, bits);
  }
}

double pattern_value(const reference::format_layout& layout, std::uint64_t bits) {
  return layout.width() == 32 ? describe_binary32(static_cast<std::uint32_t>(bits)).value
                              : describe_bits(layout, bits).value;
}

value_bits pattern_table::operator()(std::uint64_t bits) const {
  return table_.empty() ? describe_binary32(static_cast<std::uint32_t>(bits)) : table_[bits];
}

// The format's table, made on first use and then kept: the load and the check of every case of
// the format share it (a 16-bit table is 65,536 patterns).
const pattern_table& pattern_table_of(reference::float_format format) {
  using reference::float_format;
  switch (format) {
    case float_format::binary16: {
      static const pattern_table binary16(format);
      return binary16;
    }
    case float_format::bfloat16: {
      static const pattern_table bfloat16(format);
      return bfloat16;
    }
    case float_format::binary32: {
      static const pattern_table binary32(format);
      return binary32;
    }
    case float_format::binary64:
      break;  // fast_avg_checkable leaves binary64 to the exact check
  }
  POOLPROOF_CHECK(false);
}

namespace {

// Each output window of a plane as the flat offsets of its rows (the last axis is contiguous)
// and the rows' length; shared by every plane.
struct window_rows {
  std::vector<std::int64_t> starts;
  std::int64_t length = 0;
  [[nodiscard]] std::int64_t count() const {
    return length * static_cast<std::int64_t>(starts.size());
  }
};

std::vector<window_rows> rows_of_windows(std::span<const std::int64_t> spatial,
                                         std::span<const std::int64_t> output_size) {
  std::vector<window_rows> windows;
  reference::for_each_multi_index(
      output_size, [&](std::span<const std::int64_t> index, std::int64_t) {
        const reference::window_box box = reference::adaptive_box(spatial, output_size, index);
        window_rows rows{{box.back().begin}, box.back().length()};
        std::int64_t stride = spatial.back();
        for (std::size_t axis = box.size() - 1; axis-- > 0;) {
          std::vector<std::int64_t> next;
          for (std::int64_t i = box[axis].begin; i < box[axis].end; ++i)
            for (std::int64_t start : rows.starts) next.push_back(start + i * stride);
          rows.starts = std::move(next);
          stride *= spatial[axis];
        }
        std::ranges::sort(rows.starts);  // row-major order, for the caches
        windows.push_back(std::move(rows));
      });
  return windows;
}

// A window's sums while its rows are added: four chains of additions, joined once per window
// (the sums are exact in any order when the window's range allows, and otherwise discarded).
class window_accumulator {
 public:
  template <typename T>
  void add_row(const pattern_table& table, const T* row, std::int64_t length) {
    std::int64_t i = 0;
    for (; i + 4 <= length; i += 4) {
      for (std::size_t lane = 0; lane < 4; ++lane)
        add(lane, table(pattern_of(row[i + static_cast<std::int64_t>(lane)])));
    }
    for (std::size_t lane = 0; i < length; ++i, ++lane) add(lane, table(pattern_of(row[i])));
  }
  [[nodiscard]] window_sums sums(std::int64_t count) const {
    window_sums w;
    w.sum = (sum_[0] + sum_[1]) + (sum_[2] + sum_[3]);
    w.sum_abs = (sum_abs_[0] + sum_abs_[1]) + (sum_abs_[2] + sum_abs_[3]);
    w.least = least_;
    w.top = top_;
    w.count = count;
    return w;
  }

 private:
  void add(std::size_t lane, const value_bits& v) {
    sum_[lane] += v.value;
    sum_abs_[lane] += std::abs(v.value);
    least_ = std::min(least_, v.least);
    top_ = std::max(top_, v.top);
  }
  std::array<double, 4> sum_{}, sum_abs_{};
  int least_ = std::numeric_limits<int>::max();
  int top_ = std::numeric_limits<int>::min();
};

// The window rows' sums in AVX-512 lanes: each value widened exactly to binary32 (binary16 by
// vcvtph2ps, bfloat16 by a shift) and to double for the sums, its set bits read off the binary32
// pattern, 16 lanes at a time, so no table is looked up. One past the highest set bit grows with
// the magnitude's pattern, so only the largest finite one is kept (its top is describe_binary32's);
// the lowest is kept as max(field, 1) - lzcnt(lowest set bit of the significand), the exponent of
// the lowest bit plus 119. Zeros and non-finite values (whose window's sums are not finite) leave
// least and top alone, as describe_bits does.
class window_lanes_accumulator {
 public:
  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] window_lanes_accumulator()
      : sum_low_(_mm512_setzero_pd()),
        sum_high_(_mm512_setzero_pd()),
        abs_low_(_mm512_setzero_pd()),
        abs_high_(_mm512_setzero_pd()),
        least_key_(_mm512_set1_epi32(no_key)),
        top_magnitude_(_mm512_setzero_si512()) {}

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_row(
      reference::float_format format, const std::uint16_t* row, std::int64_t length) {
    for (std::int64_t i = 0; i < length; i += 16) {
      const __mmask16 live = lanes_below(length - i);
      const __m256i bits = _mm256_maskz_loadu_epi16(live, row + i);
      add_sixteen(format == reference::float_format::binary16
                      ? _mm512_maskz_cvtph_ps(all_16, bits)
                      : _mm512_castsi512_ps(_mm512_maskz_slli_epi32(
                            all_16, _mm512_maskz_cvtepu16_epi32(all_16, bits), 16)));
    }
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_row(
      reference::float_format /*binary32*/, const float* row, std::int64_t length) {
    for (std::int64_t i = 0; i < length; i += 16)
      add_sixteen(_mm512_maskz_loadu_ps(lanes_below(length - i), row + i));
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] [[nodiscard]] window_sums sums(
      std::int64_t count) const {
    // Stored and joined in scalars: GCC 12's reduce and extract intrinsics start from an
    // "undefined" vector it then warns of (so do the plain forms the maskz ones replace here).
    alignas(64) std::array<double, 8> sum{}, sum_abs{};
    alignas(64) std::array<std::int32_t, 16> least_key{};
    alignas(64) std::array<std::uint32_t, 16> top_magnitude{};
    _mm512_store_pd(sum.data(), _mm512_add_pd(sum_low_, sum_high_));
    _mm512_store_pd(sum_abs.data(), _mm512_add_pd(abs_low_, abs_high_));
    _mm512_store_si512(least_key.data(), least_key_);
    _mm512_store_si512(top_magnitude.data(), top_magnitude_);
    window_sums w;
    w.sum = ((sum[0] + sum[1]) + (sum[2] + sum[3])) + ((sum[4] + sum[5]) + (sum[6] + sum[7]));
    w.sum_abs = ((sum_abs[0] + sum_abs[1]) + (sum_abs[2] + sum_abs[3])) +
                ((sum_abs[4] + sum_abs[5]) + (sum_abs[6] + sum_abs[7]));
    const std::int32_t key = std::ranges::min(least_key);
    if (key != no_key) w.least = key - 119;
    w.top = describe_binary32(std::ranges::max(top_magnitude)).top;
    w.count = count;
    return w;
  }

 private:
  static constexpr __mmask16 all_16 = 0xFFFF;
  static constexpr __mmask8 all_8 = 0xFF;
  static constexpr std::int32_t no_key = std::numeric_limits<std::int32_t>::max();

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] static __mmask16 lanes_below(
      std::int64_t left) {
    return left >= 16 ? all_16 : static_cast<__mmask16>((1u << left) - 1);
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_sixteen(__m512 values) {
    add_doubles(_mm512_maskz_cvtps_pd(all_8, _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(
                                                 all_8, _mm512_castps_pd(values), 0))),
                sum_low_, abs_low_);
    add_doubles(_mm512_maskz_cvtps_pd(all_8, _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(
                                                 all_8, _mm512_castps_pd(values), 1))),
                sum_high_, abs_high_);
    add_bits(_mm512_castps_si512(values));
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] static void add_doubles(
      __m512d values, __m512d& sum, __m512d& sum_abs) {
    sum = _mm512_add_pd(sum, values);
    const __m512i magnitude = _mm512_set1_epi64(std::numeric_limits<std::int64_t>::max());
    sum_abs = _mm512_add_pd(
        sum_abs, _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(values), magnitude)));
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_bits(__m512i bits) {
    const __m512i zero = _mm512_setzero_si512();
    const __m512i magnitude = _mm512_and_si512(bits, _mm512_set1_epi32(0x7FFFFFFF));
    const __m512i field = _mm512_maskz_srli_epi32(all_16, magnitude, 23);
    const __mmask16 finite = _mm512_cmplt_epu32_mask(magnitude, _mm512_set1_epi32(0x7F800000));
    const __mmask16 counted = _mm512_mask_cmpneq_epi32_mask(finite, magnitude, zero);
    top_magnitude_ = _mm512_mask_max_epu32(top_magnitude_, finite, top_magnitude_, magnitude);
    // The significand's lowest set bit: the magnitude's own when it lies in the fraction; when
    // the fraction is zero (a normal power of two) the magnitude's lies in the field, and the
    // minimum with 2^23 gives the implicit bit instead.
    const __m512i lowest = _mm512_maskz_min_epu32(
        all_16, _mm512_and_si512(magnitude, _mm512_sub_epi32(zero, magnitude)),
        _mm512_set1_epi32(0x800000));
    const __m512i key =
        _mm512_sub_epi32(_mm512_maskz_max_epi32(all_16, field, _mm512_set1_epi32(1)),
                         _mm512_maskz_lzcnt_epi32(all_16, lowest));
    least_key_ = _mm512_mask_min_epi32(least_key_, counted, least_key_, key);
  }

  __m512d sum_low_, sum_high_, abs_low_, abs_high_;
  __m512i least_key_, top_magnitude_;
};

// binary16 rows in AVX-512 lanes, in fixed point: every finite half is an integer multiple of
// 2^-24 below 2^16, so y = v 2^24 (scaled exactly in binary32) is an integer below 2^40, added in
// 64-bit integer lanes. The OR of the |y| holds the window's lowest set bit (its trailing zeros)
// and one past its highest (its width): one operation per eight values, where reading them off
// each pattern took twelve per sixteen. A non-finite half converts to 2^63, which no finite |y|
// reaches: it is dropped from the OR as describe_bits drops it, and it makes the sums NaN (the
// portable loop's are not finite either). The sums are exact integers while no partial sum
// reaches 2^63: windows of fewer than binary16_lanes_limit values.
class binary16_lanes_accumulator {
 public:
  static constexpr std::int64_t binary16_lanes_limit = std::int64_t{1} << 23;

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] binary16_lanes_accumulator()
      : sum_(_mm512_setzero_si512()),
        sum_abs_(_mm512_setzero_si512()),
        bits_(_mm512_setzero_si512()) {}

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_row(
      const std::uint16_t* row, std::int64_t length) {
    for (std::int64_t i = 0; i < length; i += 16) {
      const __mmask16 live =
          length - i >= 16 ? all_16 : static_cast<__mmask16>((1u << (length - i)) - 1);
      const __m512 scaled = _mm512_maskz_mul_ps(
          all_16, _mm512_maskz_cvtph_ps(all_16, _mm256_maskz_loadu_epi16(live, row + i)),
          _mm512_set1_ps(0x1p24F));
      // The maskz extract: GCC 12's cast is an extract from an "undefined" vector it warns of.
      add_eight(_mm512_maskz_extractf32x8_ps(all_8, scaled, 0));
      add_eight(_mm512_maskz_extractf32x8_ps(all_8, scaled, 1));
    }
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] [[nodiscard]] window_sums sums(
      std::int64_t count) const {
    const auto [total, total_abs] = totals(sum_, sum_abs_);
    std::uint64_t seen = either(bits_);
    window_sums w;
    w.count = count;
    if ((seen >> 63) != 0) {  // a non-finite value
      w.sum = std::numeric_limits<double>::quiet_NaN();
      w.sum_abs = std::numeric_limits<double>::infinity();
      seen &= ~(std::uint64_t{1} << 63);
    } else {
      // Integers below 2^63, converted once: exact wherever exact() holds (a multiple of
      // 2^(least + 24) below 2^(least + 24 + 53)).
      w.sum = 0x1p-24 * static_cast<double>(total);
      w.sum_abs = 0x1p-24 * static_cast<double>(total_abs);
    }
    if (seen != 0) {
      w.least = std::countr_zero(seen) - 24;
      w.top = static_cast<int>(std::bit_width(seen)) - 24;
    }
    return w;
  }

 private:
  static constexpr __mmask16 all_16 = 0xFFFF;
  static constexpr __mmask8 all_8 = 0xFF;

  // The lanes of `sum` and of `sum_abs` added, both in one vector (a window's end costs as much
  // as a few of its rows otherwise): the upper and lower halves of each, then the 128-bit
  // blocks, then the two lanes of a block.
  [[gnu::target(
      "avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] static std::pair<std::int64_t, std::int64_t>
  totals(__m512i sum, __m512i sum_abs) {
    // [sum lanes 0-3 + 4-7 | sum_abs lanes 0-3 + 4-7]
    __m512i both = _mm512_add_epi64(_mm512_maskz_shuffle_i64x2(all_8, sum, sum_abs, 0x44),
                                    _mm512_maskz_shuffle_i64x2(all_8, sum, sum_abs, 0xEE));
    both = _mm512_add_epi64(both, _mm512_maskz_shuffle_i64x2(all_8, both, both, 0xB1));
    both = _mm512_add_epi64(both, _mm512_maskz_shuffle_epi32(all_16, both, _MM_PERM_BADC));
    return {_mm_cvtsi128_si64(_mm512_maskz_extracti64x2_epi64(0x3, both, 0)),
            _mm_cvtsi128_si64(_mm512_maskz_extracti64x2_epi64(0x3, both, 2))};
  }

  // The OR of the lanes of `bits`, halving.
  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] static std::uint64_t either(
      __m512i bits) {
    __m512i half = _mm512_or_si512(bits, _mm512_maskz_shuffle_i64x2(all_8, bits, bits, 0x4E));
    half = _mm512_or_si512(half, _mm512_maskz_shuffle_i64x2(all_8, half, half, 0xB1));
    half = _mm512_or_si512(half, _mm512_maskz_shuffle_epi32(all_16, half, _MM_PERM_BADC));
    return static_cast<std::uint64_t>(
        _mm_cvtsi128_si64(_mm512_maskz_extracti64x2_epi64(0x3, half, 0)));
  }

  [[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void add_eight(__m256 scaled) {
    const __m512i values = _mm512_maskz_cvttps_epi64(all_8, scaled);
    const __m512i magnitudes = _mm512_maskz_abs_epi64(all_8, values);
    sum_ = _mm512_add_epi64(sum_, values);
    sum_abs_ = _mm512_add_epi64(sum_abs_, magnitudes);
    bits_ = _mm512_or_si512(bits_, magnitudes);
  }

  __m512i sum_, sum_abs_, bits_;
};

bool lanes_available() {
  // __builtin_cpu_init first: this may run before libgcc's own initialiser. libgcc's checks
  // include the OS's XCR0 bits for the AVX-512 register state.
  static const bool runs = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512cd");
  }();
  return runs;
}

// One plane's windows, each accumulated by the portable loop.
template <typename T>
void plane_window_sums(const pattern_table& table, std::span<const window_rows> windows,
                       const T* plane, window_sums* w) {
  for (const window_rows& rows : windows) {
    window_accumulator sums_so_far;
    for (std::int64_t start : rows.starts) sums_so_far.add_row(table, plane + start, rows.length);
    *w++ = sums_so_far.sums(rows.count());
  }
}

// One plane's windows in the lanes, compiled for AVX-512 as a whole so that a window's
// accumulators stay in registers across its rows (called row by row from code built for the
// baseline, they went through memory, with a call per row).
template <typename T>
[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd")]] void plane_window_sums_lanes(
    reference::float_format format, std::span<const window_rows> windows, const T* plane,
    window_sums* w) {
  for (const window_rows& rows : windows) {
    if constexpr (std::same_as<T, std::uint16_t>) {
      if (format == reference::float_format::binary16 &&
          rows.count() < binary16_lanes_accumulator::binary16_lanes_limit) {
        binary16_lanes_accumulator sums_so_far;
        for (std::int64_t start : rows.starts) sums_so_far.add_row(plane + start, rows.length);
        *w++ = sums_so_far.sums(rows.count());
        continue;
      }
    }
    window_lanes_accumulator sums_so_far;
    for (std::int64_t start : rows.starts) sums_so_far.add_row(format, plane + start, rows.length);
    *w++ = sums_so_far.sums(rows.count());
  }
}

}  // namespace

bool cpu_runs_window_lanes() { return lanes_available(); }

template <typename T>
struct window_sums_as_read<T>::state {
  const T* input = nullptr;
  reference::float_format format = reference::float_format::binary32;
  std::int64_t planes = 0;
  std::int64_t plane_size = 0;
  std::vector<window_rows> windows;
  std::vector<window_sums> sums;
  const pattern_table* table = nullptr;  ///< the portable loop's; none for the lanes
  std::int64_t handed_out = 0;           ///< planes [0, handed_out) are being summed
  tbb::task_group group;

  void sum_planes(std::int64_t first, std::int64_t end) {
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(first, end),
                      [this](const tbb::blocked_range<std::int64_t>& range) {
                        // Each thread's own environment: under denormals-are-zero (a caller's
                        // -ffast-math or torch.set_flush_denormal) widening would zero the
                        // subnormal inputs the bits still count.
                        const common::default_float_environment environment;
                        for (std::int64_t p = range.begin(); p < range.end(); ++p) sum_plane(p);
                      });
  }

  void sum_plane(std::int64_t p) {
    const T* plane = input + p * plane_size;
    window_sums* w = sums.data() + static_cast<std::size_t>(p) * windows.size();
    if (table == nullptr) {
      plane_window_sums_lanes(format, windows, plane, w);
    } else {
      plane_window_sums(*table, windows, plane, w);
    }
  }
};

template <typename T>
window_sums_as_read<T>::window_sums_as_read(const pooling_problem& problem, const T* input,
                                            window_lanes lanes)
    : state_(std::make_unique<state>()) {
  const reference::pooling_layout layout = reference::split_pooling_shape(
      problem.input.shape, static_cast<std::size_t>(problem.spatial_dims));
  state_->input = input;
  state_->format = problem.dtype;
  state_->planes = layout.planes;
  state_->plane_size = layout.plane_size();
  state_->windows = rows_of_windows(layout.spatial, problem.output_size);
  state_->sums.resize(static_cast<std::size_t>(layout.planes) * state_->windows.size());
  bool vector_lanes = false;
  switch (lanes) {
    case window_lanes::best:
      vector_lanes = lanes_available();
      break;
    case window_lanes::portable:
      break;
  }
  // Only the portable loop looks values up in the table (the lanes widen them in registers).
  if (!vector_lanes) state_->table = &pattern_table_of(problem.dtype);
}

template <typename T>
window_sums_as_read<T>::~window_sums_as_read() {
  try {
    state_->group.wait();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a summing error has nowhere to go from here
  }
}

template <typename T>
void window_sums_as_read<T>::input_ready(std::int64_t values) {
  const std::int64_t complete = std::min(state_->planes, values / state_->plane_size);
  if (complete <= state_->handed_out) return;
  state_->group.run(
      [this, first = state_->handed_out, complete] { state_->sum_planes(first, complete); });
  state_->handed_out = complete;
}

template <typename T>
std::vector<window_sums> window_sums_as_read<T>::sums() {
  state_->group.wait();
  POOLPROOF_CHECK(state_->handed_out == state_->planes);
  return std::move(state_->sums);
}

template <typename T>
std::vector<window_sums> all_window_sums(const pooling_problem& problem, std::span<const T> input,
                                         window_lanes lanes) {
  window_sums_as_read<T> sums(problem, input.data(), lanes);
  sums.input_ready(static_cast<std::int64_t>(input.size()));
  return sums.sums();
}

template class window_sums_as_read<std::uint16_t>;
template class window_sums_as_read<float>;
template std::vector<window_sums> all_window_sums<std::uint16_t>(const pooling_problem&,
                                                                 std::span<const std::uint16_t>,
                                                                 window_lanes);
template std::vector<window_sums> all_window_sums<float>(const pooling_problem&,
                                                         std::span<const float>, window_lanes);

}  // namespace poolproof::golden::detail

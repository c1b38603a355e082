// window_sums.h: the pattern tables, the portable loop, and the planes handed out as the input is
// read (the AVX-512 lanes, and binary16's AVX2 ones, are in window_lanes.cc). Whether sums are
// exact is decided from the window's least and top bits (window_sums::exact), never from the sums
// themselves, so any order or way of adding gives the same decision.
#include "golden/window_sums.h"

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

#include "golden/window_lanes.h"

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

}  // namespace

// Without an ldexp: the float itself is the value.
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

}  // namespace

bool cpu_runs_window_lanes() { return window_lanes_available() || binary16_avx2_lanes_available(); }

template <typename T>
struct plane_window_summer<T>::state {
  reference::float_format format = reference::float_format::binary32;
  std::int64_t planes = 0;
  std::int64_t plane_size = 0;
  std::vector<window_rows> windows;
  std::vector<window_sums> sums;
  const pattern_table* table = nullptr;  ///< the portable loop's; none for the lanes
  bool binary16_avx2 = false;            ///< the lanes are binary16's AVX2 ones

  void sum_plane(std::int64_t p, const T* plane) {
    window_sums* w = sums.data() + static_cast<std::size_t>(p) * windows.size();
    if constexpr (std::same_as<T, std::uint16_t>) {
      if (binary16_avx2) return plane_window_sums_binary16_avx2(windows, plane, w);
    }
    if (table == nullptr) {
      plane_window_sums_lanes(format, windows, plane, w);
    } else {
      plane_window_sums(*table, windows, plane, w);
    }
  }
};

template <typename T>
plane_window_summer<T>::plane_window_summer(const pooling_problem& problem, window_lanes lanes)
    : state_(std::make_unique<state>()) {
  const reference::pooling_layout layout = reference::split_pooling_shape(
      problem.input.shape, static_cast<std::size_t>(problem.spatial_dims));
  state_->format = problem.dtype;
  state_->planes = layout.planes;
  state_->plane_size = layout.plane_size();
  state_->windows = rows_of_windows(layout.spatial, problem.output_size);
  state_->sums.resize(static_cast<std::size_t>(layout.planes) * state_->windows.size());
  bool vector_lanes = false;
  switch (lanes) {
    case window_lanes::best:
      vector_lanes = window_lanes_available();
      state_->binary16_avx2 = !vector_lanes && problem.dtype == reference::float_format::binary16 &&
                              binary16_avx2_lanes_available();
      vector_lanes = vector_lanes || state_->binary16_avx2;
      break;
    case window_lanes::avx2:
      state_->binary16_avx2 =
          problem.dtype == reference::float_format::binary16 && binary16_avx2_lanes_available();
      vector_lanes = state_->binary16_avx2;
      break;
    case window_lanes::portable:
      break;
  }
  // Only the portable loop looks values up in the table (the lanes widen them in registers).
  if (!vector_lanes) state_->table = &pattern_table_of(problem.dtype);
}

template <typename T>
plane_window_summer<T>::~plane_window_summer() = default;

template <typename T>
std::int64_t plane_window_summer<T>::planes() const {
  return state_->planes;
}

template <typename T>
std::int64_t plane_window_summer<T>::plane_size() const {
  return state_->plane_size;
}

template <typename T>
void plane_window_summer<T>::sum_planes(std::int64_t first, std::int64_t end, const T* values) {
  POOLPROOF_CHECK(0 <= first && first <= end && end <= state_->planes);
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(first, end),
                    [this, first, values](const tbb::blocked_range<std::int64_t>& range) {
                      // Each thread's own environment: under denormals-are-zero (a caller's
                      // -ffast-math or torch.set_flush_denormal) widening would zero the
                      // subnormal inputs the bits still count.
                      const common::default_float_environment environment;
                      sum_planes_here(range.begin(), range.end(),
                                      values + (range.begin() - first) * state_->plane_size);
                    });
}

template <typename T>
void plane_window_summer<T>::sum_planes_here(std::int64_t first, std::int64_t end,
                                             const T* values) {
  POOLPROOF_CHECK(0 <= first && first <= end && end <= state_->planes);
  for (std::int64_t p = first; p < end; ++p)
    state_->sum_plane(p, values + (p - first) * state_->plane_size);
}

template <typename T>
bool plane_window_summer<T>::exact(std::int64_t first, std::int64_t end) const {
  const auto windows = static_cast<std::int64_t>(state_->windows.size());
  return std::all_of(state_->sums.begin() + first * windows, state_->sums.begin() + end * windows,
                     [](const window_sums& w) { return w.exact(); });
}

template <typename T>
std::vector<window_sums> plane_window_summer<T>::take_sums() {
  return std::move(state_->sums);
}

template <typename T>
struct window_sums_as_read<T>::state {
  state(const pooling_problem& problem, window_lanes lanes) : summer(problem, lanes) {}

  plane_window_summer<T> summer;
  const T* input = nullptr;
  std::int64_t handed_out = 0;  ///< planes [0, handed_out) are being summed
  tbb::task_group group;
};

template <typename T>
window_sums_as_read<T>::window_sums_as_read(const pooling_problem& problem, const T* input,
                                            window_lanes lanes)
    : state_(std::make_unique<state>(problem, lanes)) {
  state_->input = input;
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
  const std::int64_t complete =
      std::min(state_->summer.planes(), values / state_->summer.plane_size());
  if (complete <= state_->handed_out) return;
  state_->group.run([this, first = state_->handed_out, complete] {
    state_->summer.sum_planes(first, complete, state_->input + first * state_->summer.plane_size());
  });
  state_->handed_out = complete;
}

template <typename T>
std::vector<window_sums> window_sums_as_read<T>::sums() {
  state_->group.wait();
  POOLPROOF_CHECK(state_->handed_out == state_->summer.planes());
  return state_->summer.take_sums();
}

template <typename T>
std::vector<window_sums> all_window_sums(const pooling_problem& problem, std::span<const T> input,
                                         window_lanes lanes) {
  window_sums_as_read<T> sums(problem, input.data(), lanes);
  sums.input_ready(static_cast<std::int64_t>(input.size()));
  return sums.sums();
}

template class plane_window_summer<std::uint16_t>;
template class plane_window_summer<float>;
template class window_sums_as_read<std::uint16_t>;
template class window_sums_as_read<float>;
template std::vector<window_sums> all_window_sums<std::uint16_t>(const pooling_problem&,
                                                                 std::span<const std::uint16_t>,
                                                                 window_lanes);
template std::vector<window_sums> all_window_sums<float>(const pooling_problem&,
                                                         std::span<const float>, window_lanes);

}  // namespace poolproof::golden::detail

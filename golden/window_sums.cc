// window_sums.h. The sums are plain double additions: whether they are exact is decided from the
// window's least and top bits (window_sums::exact), never from the sums themselves, so any order
// of addition gives the same decision.
#include "golden/window_sums.h"

#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/tensor.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cmath>
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
    v.value = std::ldexp(static_cast<double>(significand), exponent);
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

value_bits pattern_table::operator()(std::uint64_t bits) const {
  return table_.empty() ? describe_binary32(static_cast<std::uint32_t>(bits)) : table_[bits];
}

// The format's table, made on first use and then kept: the load and the check of every case of
// the format share it (a 16-bit table is 65,536 ldexps, about 0.7 ms).
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

bool window_sums::exact() const {
  if (!std::isfinite(sum) || !std::isfinite(sum_abs)) return false;
  return top < least ||
         top - least + static_cast<int>(std::bit_width(static_cast<std::uint64_t>(count))) <= 53;
}

namespace {

// Each output window of a plane as the flat offsets of its rows (the last axis is contiguous)
// and the rows' length; shared by every plane.
struct window_rows {
  std::vector<std::int64_t> starts;
  std::int64_t length = 0;
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

}  // namespace

template <typename T>
std::vector<window_sums> all_window_sums(const pooling_problem& problem, std::span<const T> input) {
  const pattern_table& table = pattern_table_of(problem.dtype);
  const reference::pooling_layout layout = reference::split_pooling_shape(
      problem.input.shape, static_cast<std::size_t>(problem.spatial_dims));
  const std::vector<window_rows> windows = rows_of_windows(layout.spatial, problem.output_size);
  std::vector<window_sums> sums(static_cast<std::size_t>(layout.planes) * windows.size());
  const auto plane_size = static_cast<std::size_t>(layout.plane_size());
  const auto sum_planes = [&](const tbb::blocked_range<std::int64_t>& planes) {
    for (std::int64_t p = planes.begin(); p < planes.end(); ++p) {
      const T* plane = input.data() + static_cast<std::size_t>(p) * plane_size;
      window_sums* w = sums.data() + static_cast<std::size_t>(p) * windows.size();
      for (const window_rows& rows : windows) {
        window_accumulator sums_so_far;
        for (std::int64_t start : rows.starts)
          sums_so_far.add_row(table, plane + start, rows.length);
        *w++ = sums_so_far.sums(rows.length * static_cast<std::int64_t>(rows.starts.size()));
      }
    }
  };
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, layout.planes), sum_planes);
  return sums;
}

template std::vector<window_sums> all_window_sums<std::uint16_t>(const pooling_problem&,
                                                                 std::span<const std::uint16_t>);
template std::vector<window_sums> all_window_sums<float>(const pooling_problem&,
                                                         std::span<const float>);

}  // namespace poolproof::golden::detail

#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>

#include <string>

namespace poolproof::reference {
namespace {

// i*n reaches 2^124 for sizes up to 2^62: 128-bit products keep the rule exact without the
// quotient/remainder split PyTorch uses, so the specification reads like the formula.
__extension__ using uint128 = unsigned __int128;

std::int64_t narrow(uint128 value) {
  POOLPROOF_CHECK(value <= static_cast<uint128>(max_size));
  return static_cast<std::int64_t>(value);
}

void require_window_index(std::int64_t i, std::int64_t in_size, std::int64_t out_size,
                          std::int64_t last) {
  POOLPROOF_CHECK(in_size >= 1 && in_size <= max_size);
  POOLPROOF_CHECK(out_size >= 1 && out_size <= max_size);
  POOLPROOF_CHECK(i >= 0 && i <= last);
}

}  // namespace

void require_valid_size(std::int64_t size, std::string_view what) {
  if (size < 1) {
    throw common::input_error(std::string(what) + " must be at least 1, got " +
                              std::to_string(size));
  }
  if (size > max_size) {
    throw common::input_error(std::string(what) + " must be at most 2^62, got " +
                              std::to_string(size));
  }
}

std::int64_t start_index(std::int64_t i, std::int64_t in_size, std::int64_t out_size) {
  require_window_index(i, in_size, out_size, out_size);
  const auto product = static_cast<uint128>(i) * static_cast<uint128>(in_size);
  return narrow(product / static_cast<uint128>(out_size));
}

std::int64_t end_index(std::int64_t i, std::int64_t in_size, std::int64_t out_size) {
  require_window_index(i, in_size, out_size, out_size - 1);
  const auto product = static_cast<uint128>(i + 1) * static_cast<uint128>(in_size);
  const auto divisor = static_cast<uint128>(out_size);
  return narrow((product + divisor - 1) / divisor);
}

window adaptive_window(std::int64_t in_size, std::int64_t out_size, std::int64_t i) {
  return {start_index(i, in_size, out_size), end_index(i, in_size, out_size)};
}

std::vector<window> adaptive_windows(std::int64_t in_size, std::int64_t out_size) {
  std::vector<window> windows;
  windows.reserve(static_cast<std::size_t>(out_size));
  for (std::int64_t i = 0; i < out_size; ++i)
    windows.push_back(adaptive_window(in_size, out_size, i));
  return windows;
}

window_box adaptive_box(std::span<const std::int64_t> in_sizes,
                        std::span<const std::int64_t> out_sizes,
                        std::span<const std::int64_t> out_index) {
  POOLPROOF_CHECK(in_sizes.size() == out_sizes.size() && in_sizes.size() == out_index.size());
  window_box box;
  for (std::size_t axis = 0; axis < in_sizes.size(); ++axis) {
    box.push_back(adaptive_window(in_sizes[axis], out_sizes[axis], out_index[axis]));
  }
  return box;
}

}  // namespace poolproof::reference

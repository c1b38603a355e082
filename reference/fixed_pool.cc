#include "reference/fixed_pool.h"

#include <algorithm>
#include <limits>
#include <string>

#include "reference/error.h"

namespace poolproof {
namespace {

// Parameters reach 2^62, so o*s and d*(k-1) need 128 bits before they are clipped back to [0, n].
__extension__ using int128 = __int128;

int128 wide(std::int64_t value) { return static_cast<int128>(value); }

std::int64_t narrow(int128 value) {
  POOLPROOF_CHECK(value >= wide(std::numeric_limits<std::int64_t>::min()) &&
                  value <= wide(std::numeric_limits<std::int64_t>::max()));
  return static_cast<std::int64_t>(value);
}

// Floor division for a positive divisor (PyTorch's div_rtn).
int128 floor_div(int128 numerator, int128 divisor) {
  POOLPROOF_CHECK(divisor > 0);
  const int128 quotient = numerator / divisor;
  return (numerator % divisor != 0 && numerator < 0) ? quotient - 1 : quotient;
}

int128 ceil_div(int128 numerator, int128 divisor) { return -floor_div(-numerator, divisor); }

void require_param(std::int64_t value, std::int64_t least, const char* name) {
  if (value < least || value > max_size) {
    throw input_error(std::string(name) + " must be in [" + std::to_string(least) +
                      ", 2^62], got " + std::to_string(value));
  }
}

}  // namespace

std::string to_string(const window& w) {
  return "[" + std::to_string(w.begin) + "," + std::to_string(w.end) + ")";
}

std::string to_string(const index_progression& indices) {
  if (indices.count == 0) return "{}";
  if (indices.count == 1 || indices.step == 1) {
    return to_string(window{indices.first, indices.first + indices.count});
  }
  const int128 last = wide(indices.first) + wide(indices.count - 1) * wide(indices.step);
  return "[" + std::to_string(indices.first) + ".." + std::to_string(narrow(last)) + " step " +
         std::to_string(indices.step) + "]";
}

const char* pool_kind_name(pool_kind kind) { return kind == pool_kind::avg ? "avg" : "max"; }

void require_valid_params(const fixed_pool_params& params, pool_kind kind) {
  require_param(params.kernel, 1, "kernel");
  require_param(params.stride, 1, "stride");
  require_param(params.dilation, 1, "dilation");
  require_param(params.padding, 0, "padding");
  if (params.padding > params.kernel / 2) {
    throw input_error("padding must be at most kernel/2 = " + std::to_string(params.kernel / 2) +
                      ", got " + std::to_string(params.padding));
  }
  if (kind == pool_kind::avg && params.dilation != 1) {
    throw input_error("avg pooling has no dilation, got " + std::to_string(params.dilation));
  }
  if (params.divisor_override) require_param(*params.divisor_override, 1, "divisor_override");
}

std::int64_t fixed_pool_output_size(std::int64_t in_size, const fixed_pool_params& params) {
  const int128 n = wide(in_size), s = wide(params.stride), p = wide(params.padding);
  const int128 reach = wide(params.dilation) * wide(params.kernel - 1) + 1;
  int128 count = floor_div(n + 2 * p - reach + (params.ceil_mode ? s - 1 : 0), s) + 1;
  // PyTorch: "ensure that the last pooling starts inside the image".
  if (params.ceil_mode && (count - 1) * s >= n + p) --count;
  // d*(k-1) reaches 2^124, so the exact count can lie far below int64; PyTorch refuses every
  // count <= 0 alike, so saturating keeps the sign without wrapping into a positive count.
  count = std::max(count, -wide(max_size));
  return narrow(count);
}

index_progression fixed_pool_indices(std::int64_t in_size, const fixed_pool_params& params,
                                     std::int64_t o) {
  POOLPROOF_CHECK(o >= 0 && o < fixed_pool_output_size(in_size, params));
  const int128 d = wide(params.dilation);
  const int128 raw_first = wide(o) * wide(params.stride) - wide(params.padding);
  const int128 raw_last = raw_first + (wide(params.kernel) - 1) * d;
  // Skip taps left of 0 whole dilation steps at a time, as PyTorch's `while (start < 0)` does.
  const int128 first = raw_first < 0 ? raw_first + ceil_div(-raw_first, d) * d : raw_first;
  const int128 last = std::min(raw_last, wide(in_size) - 1);
  const int128 count = first > last ? 0 : (last - first) / d + 1;
  return {count == 0 ? 0 : narrow(first), narrow(count), params.dilation};
}

bool same_indices(const index_progression& indices, const window& target) {
  if (indices.count != target.length()) return false;
  if (indices.count == 0) return true;
  return indices.first == target.begin && (indices.count == 1 || indices.step == 1);
}

std::int64_t fixed_avg_divisor(std::int64_t in_size, const fixed_pool_params& params,
                               std::int64_t o) {
  if (params.divisor_override) return *params.divisor_override;
  if (!params.count_include_pad) return fixed_pool_indices(in_size, params, o).count;
  const int128 begin = wide(o) * wide(params.stride) - wide(params.padding);
  const int128 end = std::min(begin + wide(params.kernel), wide(in_size) + wide(params.padding));
  return narrow(end - begin);
}

namespace {

std::optional<std::string> count_mismatch(std::int64_t in_size, std::int64_t out_size,
                                          const fixed_pool_params& params) {
  const std::int64_t count = fixed_pool_output_size(in_size, params);
  if (count == out_size) return std::nullopt;
  return "fixed pooling has " + std::to_string(count) + " outputs, adaptive has " +
         std::to_string(out_size);
}

std::optional<std::string> output_mismatch(std::int64_t in_size, std::int64_t out_size,
                                           const fixed_pool_params& params, pool_kind kind,
                                           std::int64_t o) {
  const window target = adaptive_window(in_size, out_size, o);
  const index_progression indices = fixed_pool_indices(in_size, params, o);
  if (!same_indices(indices, target)) {
    return "output " + std::to_string(o) + " reads " + to_string(indices) + ", adaptive reads " +
           to_string(target);
  }
  const std::int64_t divisor = kind == pool_kind::avg ? fixed_avg_divisor(in_size, params, o) : 0;
  if (kind == pool_kind::avg && divisor != target.length()) {
    return "output " + std::to_string(o) + " divides by " + std::to_string(divisor) +
           ", adaptive by " + std::to_string(target.length());
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> fixed_pool_mismatch(std::int64_t in_size, std::int64_t out_size,
                                               const fixed_pool_params& params, pool_kind kind) {
  if (auto mismatch = count_mismatch(in_size, out_size, params)) return mismatch;
  for (std::int64_t o = 0; o < out_size; ++o) {
    if (auto mismatch = output_mismatch(in_size, out_size, params, kind, o)) return mismatch;
  }
  return std::nullopt;
}

std::optional<std::string> fixed_pool_mismatch_at(std::int64_t in_size, std::int64_t out_size,
                                                  const fixed_pool_params& params, pool_kind kind,
                                                  std::span<const std::int64_t> outputs) {
  if (auto mismatch = count_mismatch(in_size, out_size, params)) return mismatch;
  for (std::int64_t o : outputs) {
    POOLPROOF_CHECK(o >= 0 && o < out_size);
    if (auto mismatch = output_mismatch(in_size, out_size, params, kind, o)) return mismatch;
  }
  return std::nullopt;
}

}  // namespace poolproof

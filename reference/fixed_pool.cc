#include <poolproof/common/error.h>
#include <poolproof/common/wide_int.h>
#include <poolproof/reference/fixed_pool.h>

#include <algorithm>
#include <limits>
#include <string>

namespace poolproof::reference {
namespace {

using common::ceil_div;
using common::floor_div;
using common::int128;
using common::narrow;
using common::wide;

void require_param(std::int64_t value, std::int64_t least, const char* name) {
  if (value < least || value > max_size) {
    throw common::input_error(std::string(name) + " must be in [" + std::to_string(least) +
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
    throw common::input_error(
        "padding must be at most kernel/2 = " + std::to_string(params.kernel / 2) + ", got " +
        std::to_string(params.padding));
  }
  if (kind == pool_kind::avg && params.dilation != 1) {
    throw common::input_error("avg pooling has no dilation, got " +
                              std::to_string(params.dilation));
  }
  if (params.divisor_override) require_param(*params.divisor_override, 1, "divisor_override");
}

pool_geometry explicit_pads_geometry(std::int64_t in_size, std::int64_t kernel, std::int64_t stride,
                                     std::int64_t dilation, std::int64_t pad_begin,
                                     std::int64_t pad_end, bool ceil_mode) {
  const int128 n = wide(in_size), s = wide(stride);
  const int128 span = n + wide(pad_begin) + wide(pad_end) - wide(dilation) * wide(kernel - 1) - 1;
  int128 count = (ceil_mode ? ceil_div(span, s) : floor_div(span, s)) + 1;
  if (ceil_mode && (count - 1) * s >= n + wide(pad_begin)) --count;
  // d*(k-1) reaches 2^124, so the exact count can lie far below int64; every count <= 0 is
  // refused alike, so saturating keeps the sign without wrapping into a positive count.
  count = std::max(count, -wide(max_size));
  return {narrow(count), kernel, stride, dilation, pad_begin, pad_end, false, std::nullopt};
}

pool_geometry fixed_pool_geometry(std::int64_t in_size, const fixed_pool_params& params) {
  pool_geometry g = explicit_pads_geometry(in_size, params.kernel, params.stride, params.dilation,
                                           params.padding, params.padding, params.ceil_mode);
  g.divide_by_padded = params.count_include_pad;
  g.divisor_override = params.divisor_override;
  return g;
}

index_progression geometry_indices(std::int64_t in_size, const pool_geometry& g, std::int64_t o) {
  POOLPROOF_CHECK(o >= 0 && o < g.count);
  const int128 d = wide(g.dilation);
  const int128 raw_first = wide(o) * wide(g.stride) - wide(g.pad_begin);
  const int128 raw_last = raw_first + (wide(g.kernel) - 1) * d;
  // Skip taps left of 0 whole dilation steps at a time, as PyTorch's `while (start < 0)` does.
  const int128 first = raw_first < 0 ? raw_first + ceil_div(-raw_first, d) * d : raw_first;
  const int128 last = std::min(raw_last, wide(in_size) - 1);
  const int128 count = first > last ? 0 : (last - first) / d + 1;
  return {count == 0 ? 0 : narrow(first), narrow(count), g.dilation};
}

std::int64_t geometry_avg_divisor(std::int64_t in_size, const pool_geometry& g, std::int64_t o) {
  if (g.divisor_override) return *g.divisor_override;
  if (!g.divide_by_padded) return geometry_indices(in_size, g, o).count;
  POOLPROOF_CHECK(g.dilation == 1);
  const int128 begin = wide(o) * wide(g.stride) - wide(g.pad_begin);
  const int128 end = std::min(begin + wide(g.kernel), wide(in_size) + wide(g.pad_end));
  return narrow(end - begin);
}

std::int64_t fixed_pool_output_size(std::int64_t in_size, const fixed_pool_params& params) {
  return fixed_pool_geometry(in_size, params).count;
}

index_progression fixed_pool_indices(std::int64_t in_size, const fixed_pool_params& params,
                                     std::int64_t o) {
  return geometry_indices(in_size, fixed_pool_geometry(in_size, params), o);
}

bool same_indices(const index_progression& indices, const window& target) {
  if (indices.count != target.length()) return false;
  if (indices.count == 0) return true;
  return indices.first == target.begin && (indices.count == 1 || indices.step == 1);
}

std::int64_t fixed_avg_divisor(std::int64_t in_size, const fixed_pool_params& params,
                               std::int64_t o) {
  return geometry_avg_divisor(in_size, fixed_pool_geometry(in_size, params), o);
}

namespace {

std::optional<std::string> output_mismatch(std::int64_t in_size, std::int64_t out_size,
                                           const pool_geometry& g, pool_kind kind, std::int64_t o) {
  const window target = adaptive_window(in_size, out_size, o);
  const index_progression indices = geometry_indices(in_size, g, o);
  if (!same_indices(indices, target)) {
    return "output " + std::to_string(o) + " reads " + to_string(indices) + ", adaptive reads " +
           to_string(target);
  }
  const std::int64_t divisor = kind == pool_kind::avg ? geometry_avg_divisor(in_size, g, o) : 0;
  if (kind == pool_kind::avg && divisor != target.length()) {
    return "output " + std::to_string(o) + " divides by " + std::to_string(divisor) +
           ", adaptive by " + std::to_string(target.length());
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> geometry_mismatch(std::int64_t in_size, std::int64_t out_size,
                                             const pool_geometry& g, pool_kind kind,
                                             std::span<const std::int64_t> outputs) {
  if (g.count != out_size) {
    return "fixed pooling has " + std::to_string(g.count) + " outputs, adaptive has " +
           std::to_string(out_size);
  }
  if (outputs.empty()) {
    for (std::int64_t o = 0; o < out_size; ++o) {
      if (auto mismatch = output_mismatch(in_size, out_size, g, kind, o)) return mismatch;
    }
    return std::nullopt;
  }
  for (std::int64_t o : outputs) {
    POOLPROOF_CHECK(o >= 0 && o < out_size);
    if (auto mismatch = output_mismatch(in_size, out_size, g, kind, o)) return mismatch;
  }
  return std::nullopt;
}

std::optional<std::string> fixed_pool_mismatch(std::int64_t in_size, std::int64_t out_size,
                                               const fixed_pool_params& params, pool_kind kind) {
  return geometry_mismatch(in_size, out_size, fixed_pool_geometry(in_size, params), kind, {});
}

std::optional<std::string> fixed_pool_mismatch_at(std::int64_t in_size, std::int64_t out_size,
                                                  const fixed_pool_params& params, pool_kind kind,
                                                  std::span<const std::int64_t> outputs) {
  // An empty list checks the count only (geometry_mismatch would read it as "every output").
  const pool_geometry g = fixed_pool_geometry(in_size, params);
  if (outputs.empty() && g.count == out_size) return std::nullopt;
  return geometry_mismatch(in_size, out_size, g, kind, outputs);
}

}  // namespace poolproof::reference

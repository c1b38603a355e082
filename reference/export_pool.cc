#include "reference/export_pool.h"

#include <algorithm>
#include <limits>
#include <string>

#include "reference/error.h"

namespace poolproof {
namespace {

// Parameters reach 2^62, so o*s and d*(k-1) need 128 bits before they are clipped to [0, n].
__extension__ using int128 = __int128;

int128 wide(std::int64_t value) { return static_cast<int128>(value); }

std::int64_t narrow(int128 value) {
  POOLPROOF_CHECK(value >= wide(std::numeric_limits<std::int64_t>::min()) &&
                  value <= wide(std::numeric_limits<std::int64_t>::max()));
  return static_cast<std::int64_t>(value);
}

int128 floor_div(int128 numerator, int128 divisor) {
  POOLPROOF_CHECK(divisor > 0);
  const int128 quotient = numerator / divisor;
  return (numerator % divisor != 0 && numerator < 0) ? quotient - 1 : quotient;
}

int128 ceil_div(int128 numerator, int128 divisor) { return -floor_div(-numerator, divisor); }

// A count far below int64 (d*(k-1) reaches 2^124) keeps its sign without wrapping.
std::int64_t saturated_count(int128 count) { return narrow(std::max(count, -wide(max_size))); }

void require_in_range(std::int64_t value, std::int64_t least, std::int64_t most, const char* name) {
  if (value < least || value > most) {
    throw input_error(std::string(name) + " must be in [" + std::to_string(least) + ", " +
                      (most == max_size ? std::string("2^62") : std::to_string(most)) + "], got " +
                      std::to_string(value));
  }
}

std::optional<std::string> output_mismatch(std::int64_t n, std::int64_t m, const pool_geometry& g,
                                           pool_kind kind, std::int64_t o) {
  const window target = adaptive_window(n, m, o);
  const index_progression indices = geometry_indices(n, g, o);
  if (!same_indices(indices, target)) {
    return "output " + std::to_string(o) + " reads " + to_string(indices) + ", adaptive reads " +
           to_string(target);
  }
  if (kind == pool_kind::avg && geometry_avg_divisor(n, g, o) != target.length()) {
    return "output " + std::to_string(o) + " divides by " +
           std::to_string(geometry_avg_divisor(n, g, o)) + ", adaptive by " +
           std::to_string(target.length());
  }
  return std::nullopt;
}

// SAME padding: o = ceil(n/s) outputs and P = (o-1)*s + k - n split around the input.
pool_geometry same_geometry(std::int64_t n, std::int64_t k, std::int64_t s, bool extra_before) {
  const int128 count = ceil_div(wide(n), wide(s));
  const int128 total = (count - 1) * wide(s) + wide(k) - wide(n);
  pool_geometry g{narrow(count), k, s, 1, 0, 0, false};
  const int128 before = extra_before ? ceil_div(total, 2) : floor_div(total, 2);
  g.pad_begin = narrow(before);
  g.pad_end = narrow(total - before);
  return g;
}

}  // namespace

index_progression geometry_indices(std::int64_t n, const pool_geometry& g, std::int64_t o) {
  POOLPROOF_CHECK(o >= 0 && o < g.count);
  const int128 d = wide(g.dilation);
  const int128 raw_first = wide(o) * wide(g.stride) - wide(g.pad_begin);
  const int128 raw_last = raw_first + (wide(g.kernel) - 1) * d;
  const int128 first = raw_first < 0 ? raw_first + ceil_div(-raw_first, d) * d : raw_first;
  const int128 last = std::min(raw_last, wide(n) - 1);
  const int128 count = first > last ? 0 : (last - first) / d + 1;
  return {count == 0 ? 0 : narrow(first), narrow(count), g.dilation};
}

std::int64_t geometry_avg_divisor(std::int64_t n, const pool_geometry& g, std::int64_t o) {
  if (!g.divide_by_padded) return geometry_indices(n, g, o).count;
  POOLPROOF_CHECK(g.dilation == 1);
  const int128 begin = wide(o) * wide(g.stride) - wide(g.pad_begin);
  const int128 end = std::min(begin + wide(g.kernel), wide(n) + wide(g.pad_end));
  return narrow(end - begin);
}

std::optional<std::string> geometry_mismatch(std::int64_t n, std::int64_t m, const pool_geometry& g,
                                             pool_kind kind,
                                             std::span<const std::int64_t> outputs) {
  if (g.count != m) {
    return "fixed pooling has " + std::to_string(g.count) + " outputs, adaptive has " +
           std::to_string(m);
  }
  if (outputs.empty()) {
    for (std::int64_t o = 0; o < m; ++o) {
      if (auto mismatch = output_mismatch(n, m, g, kind, o)) return mismatch;
    }
    return std::nullopt;
  }
  for (std::int64_t o : outputs) {
    POOLPROOF_CHECK(o >= 0 && o < m);
    if (auto mismatch = output_mismatch(n, m, g, kind, o)) return mismatch;
  }
  return std::nullopt;
}

const char* onnx_auto_pad_name(onnx_auto_pad auto_pad) {
  switch (auto_pad) {
    case onnx_auto_pad::same_upper:
      return "SAME_UPPER";
    case onnx_auto_pad::same_lower:
      return "SAME_LOWER";
    case onnx_auto_pad::valid:
      return "VALID";
    case onnx_auto_pad::notset:
      break;
  }
  return "NOTSET";
}

void require_valid_onnx_params(const onnx_pool_params& p, pool_kind kind) {
  require_in_range(p.kernel, 1, max_size, "kernel");
  require_in_range(p.stride, 1, max_size, "stride");
  require_in_range(p.dilation, 1, max_size, "dilation");
  if (kind == pool_kind::avg && p.dilation != 1) {
    throw input_error("ONNX avg pooling is searched without dilation, got " +
                      std::to_string(p.dilation));
  }
  if (p.auto_pad == onnx_auto_pad::notset) {
    require_in_range(p.pad_begin, 0, p.kernel - 1, "pad_begin");
    require_in_range(p.pad_end, 0, p.kernel - 1, "pad_end");
    return;
  }
  if (p.pad_begin != 0 || p.pad_end != 0 || p.ceil_mode || p.dilation != 1) {
    throw input_error(std::string("auto_pad ") + onnx_auto_pad_name(p.auto_pad) +
                      " takes no pads, ceil_mode or dilation");
  }
}

pool_geometry onnx_pool_geometry(std::int64_t n, const onnx_pool_params& p, pool_kind kind) {
  const bool padded_divisor = kind == pool_kind::avg && p.count_include_pad;
  if (p.auto_pad == onnx_auto_pad::same_upper || p.auto_pad == onnx_auto_pad::same_lower) {
    pool_geometry g = same_geometry(n, p.kernel, p.stride, p.auto_pad == onnx_auto_pad::same_lower);
    g.divide_by_padded = padded_divisor;
    if (g.pad_begin < 0 || g.pad_end < 0) g.count = 0;
    return g;
  }
  const bool valid = p.auto_pad == onnx_auto_pad::valid;
  pool_geometry g{0,
                  p.kernel,
                  p.stride,
                  p.dilation,
                  valid ? 0 : p.pad_begin,
                  valid ? 0 : p.pad_end,
                  padded_divisor};
  const int128 s = wide(p.stride);
  const int128 span =
      wide(n) + wide(g.pad_begin) + wide(g.pad_end) - wide(p.dilation) * (wide(p.kernel) - 1) - 1;
  int128 count = (p.ceil_mode ? ceil_div(span, s) : floor_div(span, s)) + 1;
  if (p.ceil_mode && (count - 1) * s >= wide(n) + wide(g.pad_begin)) --count;
  g.count = saturated_count(count);
  return g;
}

std::optional<std::string> onnx_pool_mismatch(std::int64_t n, std::int64_t m,
                                              const onnx_pool_params& params, pool_kind kind,
                                              std::span<const std::int64_t> outputs) {
  return geometry_mismatch(n, m, onnx_pool_geometry(n, params, kind), kind, outputs);
}

const char* tflite_padding_name(tflite_padding padding) {
  return padding == tflite_padding::same ? "SAME" : "VALID";
}

void require_valid_tflite_params(const tflite_pool_params& p) {
  require_in_range(p.kernel, 1, max_size, "kernel");
  require_in_range(p.stride, 1, max_size, "stride");
}

pool_geometry tflite_pool_geometry(std::int64_t n, const tflite_pool_params& p) {
  if (p.padding == tflite_padding::same) {
    pool_geometry g = same_geometry(n, p.kernel, p.stride, false);
    // TFLite clamps a negative total padding to 0 (ComputePaddingWithOffset).
    if (g.pad_begin < 0 || g.pad_end < 0) g.pad_begin = g.pad_end = 0;
    return g;
  }
  const int128 count = ceil_div(wide(n) - wide(p.kernel) + 1, wide(p.stride));
  return {saturated_count(count), p.kernel, p.stride, 1, 0, 0, false};
}

std::optional<std::string> tflite_pool_mismatch(std::int64_t n, std::int64_t m,
                                                const tflite_pool_params& params, pool_kind kind,
                                                std::span<const std::int64_t> outputs) {
  return geometry_mismatch(n, m, tflite_pool_geometry(n, params), kind, outputs);
}

}  // namespace poolproof

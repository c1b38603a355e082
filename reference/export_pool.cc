#include <poolproof/common/error.h>
#include <poolproof/common/wide_int.h>
#include <poolproof/reference/export_pool.h>

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

void require_in_range(std::int64_t value, std::int64_t least, std::int64_t most, const char* name) {
  if (value < least || value > most) {
    throw common::input_error(std::string(name) + " must be in [" + std::to_string(least) + ", " +
                              (most == max_size ? std::string("2^62") : std::to_string(most)) +
                              "], got " + std::to_string(value));
  }
}

// SAME padding: o = ceil(n/s) outputs and P = (o-1)*s + k - n split around the input.
pool_geometry same_geometry(std::int64_t n, std::int64_t k, std::int64_t s, bool extra_before) {
  const int128 count = ceil_div(wide(n), wide(s));
  const int128 total = (count - 1) * wide(s) + wide(k) - wide(n);
  pool_geometry g{narrow(count), k, s, 1, 0, 0, false, std::nullopt};
  const int128 before = extra_before ? ceil_div(total, 2) : floor_div(total, 2);
  g.pad_begin = narrow(before);
  g.pad_end = narrow(total - before);
  return g;
}

}  // namespace

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
    throw common::input_error("ONNX avg pooling is searched without dilation, got " +
                              std::to_string(p.dilation));
  }
  if (p.auto_pad == onnx_auto_pad::notset) {
    require_in_range(p.pad_begin, 0, p.kernel - 1, "pad_begin");
    require_in_range(p.pad_end, 0, p.kernel - 1, "pad_end");
    return;
  }
  if (p.pad_begin != 0 || p.pad_end != 0 || p.ceil_mode || p.dilation != 1) {
    throw common::input_error(std::string("auto_pad ") + onnx_auto_pad_name(p.auto_pad) +
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
  pool_geometry g =
      explicit_pads_geometry(n, p.kernel, p.stride, p.dilation, valid ? 0 : p.pad_begin,
                             valid ? 0 : p.pad_end, p.ceil_mode);
  g.divide_by_padded = padded_divisor;
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
  // VALID: ceil((n - k + 1)/s) = floor((n - k)/s) + 1, the explicit rule without pads.
  return explicit_pads_geometry(n, p.kernel, p.stride, 1, 0, 0, false);
}

std::optional<std::string> tflite_pool_mismatch(std::int64_t n, std::int64_t m,
                                                const tflite_pool_params& params, pool_kind kind,
                                                std::span<const std::int64_t> outputs) {
  return geometry_mismatch(n, m, tflite_pool_geometry(n, params), kind, outputs);
}

}  // namespace poolproof::reference

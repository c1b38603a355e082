#include <poolproof/reference/adaptive_window.h>
#include <poolproof/solver/closed_form.h>

namespace poolproof::solver {
namespace {

reference::fixed_pool_params layer(std::int64_t kernel, std::int64_t stride, std::int64_t padding,
                                   bool count_include_pad) {
  reference::fixed_pool_params params;
  params.kernel = kernel;
  params.stride = stride;
  params.padding = padding;
  params.count_include_pad = count_include_pad;
  return params;
}

}  // namespace

const char* branch_name(closed_form_branch branch) {
  switch (branch) {
    case closed_form_branch::divisible:
      return "divisible";
    case closed_form_branch::remainder_one:
      return "n=1 mod m";
    case closed_form_branch::remainder_minus:
      return "n=-1 mod m";
    case closed_form_branch::input_one:
      return "n=1";
    case closed_form_branch::none:
      break;
  }
  return "none";
}

closed_form_answer closed_form(std::int64_t n, std::int64_t m, reference::pool_kind kind) {
  reference::require_valid_size(n, "input size");
  reference::require_valid_size(m, "output size");
  if (n % m == 0) {
    // With one output the stride is never used, so the least one, 1, is the witness's.
    const std::int64_t stride = m == 1 ? 1 : n / m;
    return {closed_form_branch::divisible, layer(n / m, stride, 0, true)};
  }
  if (n > m && n % m == 1) {
    return {closed_form_branch::remainder_one, layer(n / m + 1, n / m, 0, true)};
  }
  if (n % m == m - 1) {
    // Both end windows lose one padded tap, so avg must not count the padding.
    const std::int64_t stride = n / m + 1;
    return {closed_form_branch::remainder_minus,
            layer(stride + 1, stride, 1, kind == reference::pool_kind::max)};
  }
  return {};
}

namespace {

reference::onnx_pool_params onnx_layer(std::int64_t kernel, std::int64_t stride,
                                       std::int64_t pad_begin, std::int64_t pad_end,
                                       bool ceil_mode) {
  reference::onnx_pool_params params;
  params.kernel = kernel;
  params.stride = stride;
  params.pad_begin = pad_begin;
  params.pad_end = pad_end;
  params.ceil_mode = ceil_mode;
  return params;
}

// ONNX: PyTorch's branches with pads (begin, end) and the n = 1 branch; never counting padding.
family_closed_form_answer onnx_closed_form(std::int64_t n, std::int64_t m,
                                           reference::pool_kind kind) {
  const closed_form_answer pytorch = closed_form(n, m, kind);
  if (pytorch.branch == closed_form_branch::none) {
    if (n != 1) return {};
    return {closed_form_branch::input_one, onnx_layer(m, 1, m - 1, m - 1, false)};
  }
  const reference::fixed_pool_params& p = *pytorch.witness;
  if (pytorch.branch != closed_form_branch::remainder_minus) {
    return {pytorch.branch, onnx_layer(p.kernel, p.stride, 0, 0, false)};
  }
  // n = q*m - 1: with q >= 2 the last window's raw end n + 1 is one past n, so pads (1, 0) reach
  // m outputs only by ceil_mode; with q = 1 (m = n + 1) the end pad is needed.
  const bool q_is_one = p.stride == 1;
  return {pytorch.branch, onnx_layer(p.kernel, p.stride, 1, q_is_one ? 1 : 0, !q_is_one)};
}

// TFLite: at most n outputs, so PyTorch's branches with m <= n: VALID, and SAME for n=-1 mod m.
family_closed_form_answer tflite_closed_form(std::int64_t n, std::int64_t m,
                                             reference::pool_kind kind) {
  const closed_form_answer pytorch = closed_form(n, m, kind);
  if (pytorch.branch == closed_form_branch::none || m > n) return {};
  const reference::fixed_pool_params& p = *pytorch.witness;
  const bool same = pytorch.branch == closed_form_branch::remainder_minus;
  return {pytorch.branch, reference::tflite_pool_params{p.kernel, p.stride,
                                                        same ? reference::tflite_padding::same
                                                             : reference::tflite_padding::valid}};
}

}  // namespace

family_closed_form_answer closed_form(std::int64_t n, std::int64_t m, pool_family family,
                                      reference::pool_kind kind) {
  switch (family) {
    case pool_family::onnx:
      return onnx_closed_form(n, m, kind);
    case pool_family::tflite:
      return tflite_closed_form(n, m, kind);
    case pool_family::pytorch:
      break;
  }
  const closed_form_answer answer = closed_form(n, m, kind);
  if (!answer.witness) return {answer.branch, std::nullopt};
  return {answer.branch, family_params{*answer.witness}};
}

}  // namespace poolproof::solver

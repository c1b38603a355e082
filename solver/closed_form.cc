#include "solver/closed_form.h"

#include "reference/adaptive_window.h"

namespace poolproof {
namespace {

fixed_pool_params layer(std::int64_t kernel, std::int64_t stride, std::int64_t padding,
                        bool count_include_pad) {
  fixed_pool_params params;
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
    case closed_form_branch::none:
      break;
  }
  return "none";
}

closed_form_answer closed_form(std::int64_t n, std::int64_t m, pool_kind kind) {
  require_valid_size(n, "input size");
  require_valid_size(m, "output size");
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
            layer(stride + 1, stride, 1, kind == pool_kind::max)};
  }
  return {};
}

}  // namespace poolproof

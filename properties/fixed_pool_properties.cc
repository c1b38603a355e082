#include <poolproof/common/error.h>
#include <poolproof/properties/brute_force.h>
#include <poolproof/properties/fixed_pool_properties.h>
#include <poolproof/reference/adaptive_pool.h>

#include <optional>
#include <string>

namespace poolproof::properties {
namespace {

std::string window_text(std::int64_t begin, std::int64_t end) {
  return "[" + std::to_string(begin) + "," + std::to_string(end) + ")";
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

bool output_count_positive(const fixed_pool_case& c) {
  return reference::fixed_pool_output_size(c.in_size, c.params) >= 1;
}

}  // namespace

reference::fixed_pool_params naive_fixed_params(std::int64_t in_size, std::int64_t out_size) {
  reference::fixed_pool_params params;
  params.stride = in_size / out_size;
  params.kernel = in_size - (out_size - 1) * params.stride;
  return params;
}

void naive_rule_matches_exactly_when_remainder_is_below_two(const size_pair& sizes) {
  const std::int64_t n = sizes.in_size, m = sizes.out_size;
  RC_PRE(n >= m);
  const std::int64_t q = n / m, r = n % m;
  const reference::fixed_pool_params params = naive_fixed_params(n, m);
  reference::require_valid_params(params, reference::pool_kind::avg);
  for (reference::pool_kind kind : {reference::pool_kind::avg, reference::pool_kind::max}) {
    const std::optional<std::string> mismatch = reference::fixed_pool_mismatch(n, m, params, kind);
    if (r <= 1) {
      RC_ASSERT(!mismatch.has_value());
      continue;
    }
    RC_ASSERT(mismatch.has_value());
    RC_ASSERT(*mismatch == "output 0 reads " + window_text(0, q + r) + ", adaptive reads " +
                               window_text(0, q + 1));
  }
}

void naive_rule_is_invalid_when_output_exceeds_input(const size_pair& sizes) {
  RC_PRE(sizes.out_size > sizes.in_size);
  const reference::fixed_pool_params params = naive_fixed_params(sizes.in_size, sizes.out_size);
  RC_ASSERT(params.stride == 0);
  RC_ASSERT_THROWS_AS(reference::require_valid_params(params, reference::pool_kind::max),
                      common::input_error);
}

void divisible_fixed_pooling_gives_adaptive_values(const pooling_case& c) {
  std::vector<reference::fixed_pool_params> layers;
  const auto spatial = std::span(c.input.shape).last(c.spatial_dims());
  for (std::size_t axis = 0; axis < c.spatial_dims(); ++axis) {
    RC_PRE(spatial[axis] % c.out_size[axis] == 0);
    layers.push_back(naive_fixed_params(spatial[axis], c.out_size[axis]));
  }
  const fixed_pool_output fixed_avg =
      fixed_pool_evaluate(c.input, layers, reference::pool_kind::avg);
  const reference::exact_tensor adaptive_avg = reference::adaptive_avg_pool(c.input, c.out_size);
  RC_ASSERT(fixed_avg.values.shape == adaptive_avg.shape);
  RC_ASSERT(fixed_avg.values.values == adaptive_avg.values);
  const fixed_pool_output fixed_max =
      fixed_pool_evaluate(c.input, layers, reference::pool_kind::max);
  const reference::max_pool_result adaptive_max = reference::adaptive_max_pool(c.input, c.out_size);
  RC_ASSERT(fixed_max.values.values == adaptive_max.values.values);
  RC_ASSERT(fixed_max.indices == adaptive_max.indices);
}

void fixed_indices_match_the_taps(const fixed_pool_case& c) {
  RC_PRE(output_count_positive(c));
  const std::int64_t count = reference::fixed_pool_output_size(c.in_size, c.params);
  for (std::int64_t o = 0; o < count; ++o) {
    const reference::index_progression indices =
        reference::fixed_pool_indices(c.in_size, c.params, o);
    std::vector<std::int64_t> listed;
    for (std::int64_t j = 0; j < indices.count; ++j)
      listed.push_back(indices.first + j * indices.step);
    RC_ASSERT(listed == fixed_taps(c.in_size, c.params, o));
  }
}

void fixed_output_size_matches_the_search(const fixed_pool_case& c) {
  const std::int64_t count = reference::fixed_pool_output_size(c.in_size, c.params);
  RC_ASSERT(std::max<std::int64_t>(count, 0) == fixed_output_count_by_search(c.in_size, c.params));
}

void fixed_avg_divisor_counts_the_padded_extent(const fixed_pool_case& c) {
  RC_PRE(c.kind == reference::pool_kind::avg);
  RC_PRE(output_count_positive(c));
  const std::int64_t count = reference::fixed_pool_output_size(c.in_size, c.params);
  for (std::int64_t o = 0; o < count; ++o) {
    RC_ASSERT(reference::fixed_avg_divisor(c.in_size, c.params, o) ==
              fixed_divisor_by_counting(c.in_size, c.params, o));
  }
}

void fixed_pool_mismatch_agrees_with_the_taps(const fixed_pool_case& c, std::int64_t out_size) {
  const std::optional<std::int64_t> expected =
      first_fixed_difference(c.in_size, out_size, c.params, c.kind);
  const std::optional<std::string> mismatch =
      reference::fixed_pool_mismatch(c.in_size, out_size, c.params, c.kind);
  RC_ASSERT(mismatch.has_value() == expected.has_value());
  if (!expected) return;
  const std::string prefix =
      *expected < 0 ? "fixed pooling has " : "output " + std::to_string(*expected) + " ";
  RC_ASSERT(starts_with(*mismatch, prefix));
}

}  // namespace poolproof::properties

// What a golden case expects of an implementation: exact values, argmax, and per-element bounds.
#pragma once

#include <poolproof/golden/manifest.h>
#include <poolproof/golden/tolerance.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/tensor.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <vector>

namespace poolproof::golden {

/// One pooling to perform: the op, its dtype, the exact inputs (already values of the dtype).
/// expect() and the functions below read input.values, which must hold input.shape's count
/// (a loaded_case leaves it empty: golden::decoded_input decodes it).
struct pooling_problem {
  golden_op op = golden_op::adaptive_avg_pool;
  int spatial_dims = 1;
  reference::float_format dtype = reference::float_format::binary32;
  reference::exact_tensor input;
  reference::exact_tensor grad_output;  ///< backward ops only: the forward output's shape
  std::vector<std::int64_t> output_size;
};

/// [N, C, *output_size] or [C, *output_size]: the forward output's shape.
[[nodiscard]] std::vector<std::int64_t> forward_output_shape(const pooling_problem& problem);

/// An exact result element together with what bounds an implementation's error on it: the
/// number of addends, the sum of their magnitudes (finite addends only) and, for avg backward,
/// the summed underflow errors of the addends. For a forward avg, `terms` is the window length and
/// `least_exponent` the least e such that every finite non-zero input of the window is a multiple
/// of 2^e (the largest int64 when there is none), which decides whether the window sums exactly
/// (sums_exactly); other accumulations leave it at its default.
struct accumulation {
  reference::extended_rational value = reference::extended_rational::finite(0);
  reference::rational sum_abs;
  std::int64_t terms = 0;
  reference::rational underflow;
  std::int64_t least_exponent = std::numeric_limits<std::int64_t>::max();
};

/// Component-wise sum (values by IEEE's exact rules) and difference (finite values only), so a
/// change of windows can be applied to a precomputed accumulation (a difference keeps
/// least_exponent, which only makes sums_exactly more cautious).
void add_to(accumulation& total, const accumulation& part);
void subtract_from(accumulation& total, const accumulation& part);

/// The bound of one result element of `problem`'s op (exact for max forward and for non-finite
/// values), for kernels that keep `rule`: computed in accumulation_format(dtype, rule), then
/// rounded_once to the dtype when that format is wider.
[[nodiscard]] element_bound bound_of(const pooling_problem& problem, const accumulation& element,
                                     accumulator rule = accumulator::any);

/// One adaptive window replaced: window `index` of spatial axis `axis` reads `replacement`.
struct window_change {
  std::size_t axis = 0;
  std::int64_t index = 0;
  reference::window replacement;
};

/// A forward output: its value (avg mean or max) with its bound inputs, and the max's argmax.
struct forward_element {
  accumulation element;
  std::int64_t argmax = -1;
};

/// Calls visit(plane, out_flat, forward_element) for every output, or with `change` only for the
/// outputs whose window on change->axis is change->index, computed with the replaced window.
void for_each_forward(
    const pooling_problem& problem, const std::optional<window_change>& change,
    const std::function<void(std::int64_t, std::int64_t, const forward_element&)>& visit);

/// Calls add(flat_input_position, addend) for every addend a backward pass scatters, restricted
/// and changed as in for_each_forward. Forward ops scatter nothing.
void for_each_backward_addend(const pooling_problem& problem,
                              const std::optional<window_change>& change,
                              const std::function<void(std::int64_t, const accumulation&)>& add);

/// The full expectation of a problem: its result's shape, element accumulations (exact values
/// with bound inputs), bounds, and for max ops the argmax of every forward output.
struct expectation {
  std::vector<std::int64_t> shape;
  std::vector<accumulation> elements;
  std::vector<element_bound> bounds;
  std::vector<std::int64_t> indices;
};

[[nodiscard]] expectation expect(const pooling_problem& problem);

/// expect(problem) for a forward op (avg or max) whose input is given as the dtype's bit patterns
/// (`input_bits`, in problem.input.shape's order; problem.input.values is not read), without a
/// rational per input: each window is summed as an integer in units of its least exponent (128
/// bits, or GMP past that) and turned into rationals once. Equal to expect() of the decoded
/// input, element by element; memory O(output + the members of one plane's windows).
[[nodiscard]] expectation expect_forward(const pooling_problem& problem,
                                         std::span<const std::uint64_t> input_bits);

/// Output k (flat, C order) of expect_forward alone, from the bit patterns of the input plane it
/// reads (plane k / the output plane's size): its accumulation and, for max, its argmax (-1 for
/// avg); bound_of gives its bound. Memory O(its window).
[[nodiscard]] forward_element expect_forward_element(const pooling_problem& problem,
                                                     std::span<const std::uint64_t> plane_bits,
                                                     std::int64_t k);

/// The accumulation of an avg window of `terms` values from exact sums alone, equal to the one
/// expect_forward_element computes from the values: `sum` and `sum_abs` are the exact sum and
/// sum of magnitudes of its values, all finite, each a multiple of 2^least_exponent, the lowest
/// set bit over them (nullopt when every value is zero).
[[nodiscard]] accumulation mean_of_exact_sums(double sum, double sum_abs, std::int64_t terms,
                                              std::optional<int> least_exponent);

}  // namespace poolproof::golden

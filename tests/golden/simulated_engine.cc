#include "simulated_engine.h"

#include <cmath>

namespace poolproof::golden::test {
namespace {

reference::extended_rational rounded(reference::float_format format,
                                     const reference::extended_rational& x) {
  return decode(format, round_to(format, x));
}

reference::window engine_window(window_rule rule, std::int64_t n, std::int64_t m, std::int64_t i) {
  switch (rule) {
    case window_rule::adaptive:
      return reference::adaptive_window(n, m, i);
    case window_rule::float32_index: {
      const auto f = [](std::int64_t v) { return static_cast<float>(v); };
      const auto begin = static_cast<std::int64_t>(std::floor(f(i) * f(n) / f(m)));
      const auto end = static_cast<std::int64_t>(std::ceil(f(i + 1) * f(n) / f(m)));
      return {std::clamp<std::int64_t>(begin, 0, n), std::clamp<std::int64_t>(end, 0, n)};
    }
    case window_rule::floor_end:
      return {i * n / m, (i + 1) * n / m};
    case window_rule::int32_product: {
      // The products wrap like int32_t arithmetic on two's complement hardware.
      const auto wrap = [](std::int64_t v) {
        return static_cast<std::int64_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(v)));
      };
      const std::int64_t begin = wrap(i * n) / m;
      const std::int64_t end = (wrap((i + 1) * n) + m - 1) / m;
      return {std::clamp<std::int64_t>(begin, 0, n), std::clamp<std::int64_t>(end, 0, n)};
    }
    case window_rule::naive_stride: {
      const std::int64_t stride = n / m, kernel = n - (m - 1) * stride;
      return stride == 0 ? reference::window{0, n}
                         : reference::window{i * stride, i * stride + kernel};
    }
  }
  return {};
}

// Sums `terms` as the configured hardware would, in `format` (float32 for the accumulator mode).
reference::extended_rational reduce(std::vector<reference::extended_rational> terms, summation mode,
                                    reference::float_format format) {
  reference::extended_rational total = reference::extended_rational::finite(0);
  if (mode == summation::exact) {
    for (const auto& t : terms) total = add(total, t);
    return total;
  }
  if (mode == summation::pairwise) {
    if (terms.empty()) return total;
    if (terms.size() == 1) return terms.front();
    const auto middle = terms.begin() + static_cast<std::ptrdiff_t>(terms.size() / 2);
    return rounded(format, add(reduce({terms.begin(), middle}, mode, format),
                               reduce({middle, terms.end()}, mode, format)));
  }
  if (mode == summation::reversed) std::reverse(terms.begin(), terms.end());
  for (const auto& t : terms) total = rounded(format, add(total, t));
  return total;
}

struct engine {
  const loaded_case& golden;
  const engine_config& config;
  reference::pooling_layout layout;
  reference::float_format accumulator;
  reference::exact_tensor input;  // decoded_input(golden)

  std::vector<std::int64_t> members(std::span<const std::int64_t> out_index) const {
    reference::window_box box;
    for (std::size_t axis = 0; axis < out_index.size(); ++axis)
      box.push_back(engine_window(config.windows, layout.spatial[axis],
                                  golden.problem.output_size[axis], out_index[axis]));
    for (const reference::window& w : box)
      if (w.length() <= 0) return {};
    return reference::box_flat_indices(box, layout.spatial);
  }

  // g / L (or g * fl(1/L)) in the accumulator format; exact when summing exactly.
  reference::extended_rational divided(const reference::extended_rational& x,
                                       std::int64_t length) const {
    if (length == 0) return reference::extended_rational::not_a_number();
    if (config.sum == summation::exact) return divide(x, length);
    if (!config.multiply_by_reciprocal || !x.is_finite())
      return rounded(accumulator, divide(x, length));
    const reference::extended_rational reciprocal =
        rounded(accumulator, reference::extended_rational::finite(reference::rational(1, length)));
    return rounded(accumulator, reference::extended_rational::finite(x.value * reciprocal.value));
  }

  std::pair<reference::extended_rational, std::int64_t> maximum(
      std::span<const reference::extended_rational> plane,
      const std::vector<std::int64_t>& ids) const {
    std::pair<reference::extended_rational, std::int64_t> best{
        reference::extended_rational::infinity(true), ids.empty() ? 0 : ids.front()};
    for (std::int64_t id : ids) {
      const reference::extended_rational& x = plane[static_cast<std::size_t>(id)];
      const bool tie =
          config.last_tie && !x.is_nan() && !best.first.is_nan() && !greater(best.first, x);
      if (greater(x, best.first) || x.is_nan() || tie) best = {x, id};
    }
    return best;
  }
};

// The channel of a plane and the channel count ([N, C, *spatial] or [C, *spatial]).
std::pair<std::int64_t, std::int64_t> channel_of(const pooling_problem& p, std::int64_t plane) {
  const std::int64_t channels = p.input.shape[p.input.shape.size() - p.output_size.size() - 1];
  return {plane % channels, channels};
}

// The argmax as a buggy engine reports it: through the dtype, or flattened channels-last.
std::int64_t reported_index(const engine& e, std::int64_t plane, std::int64_t index) {
  const pooling_problem& p = e.golden.problem;
  if (e.config.index_in_dtype) {
    const reference::extended_rational stored =
        rounded(p.dtype, reference::extended_rational::finite(index));
    index = static_cast<std::int64_t>(stored.value.convert_to<double>());
  }
  if (e.config.channels_last == channels_last_bug::index_in_nhwc) {
    const auto [channel, channels] = channel_of(p, plane);
    index = index * channels + channel;
  }
  return index;
}

// A tail channel's extra division by the last axis's window length (1 when the bug is off).
std::int64_t tail_divisor(const engine& e, std::int64_t plane,
                          std::span<const std::int64_t> index) {
  const pooling_problem& p = e.golden.problem;
  const auto [channel, channels] = channel_of(p, plane);
  if (e.config.channels_last != channels_last_bug::tail_divides_twice || p.spatial_dims < 2 ||
      channel < channels - channels % 8)
    return 1;
  const std::size_t last = index.size() - 1;
  return reference::adaptive_window(e.layout.spatial[last], p.output_size[last], index[last])
      .length();
}

// The engine's outputs as exact values before the final rounding, plus gradient addends.
struct engine_outputs {
  std::vector<reference::extended_rational> values;
  std::vector<std::int64_t> indices;
  std::vector<std::vector<reference::extended_rational>> scattered;
};

// One output window of one plane: its value (forward) or its gradient addends (backward).
void run_window(const engine& e, std::int64_t plane, std::span<const std::int64_t> index,
                std::int64_t flat, engine_outputs& out) {
  const pooling_problem& p = e.golden.problem;
  const auto plane_size = static_cast<std::size_t>(e.layout.plane_size());
  const auto input =
      std::span(e.input.values).subspan(static_cast<std::size_t>(plane) * plane_size, plane_size);
  const std::vector<std::int64_t> ids = e.members(index);
  const auto at = static_cast<std::size_t>(plane * reference::element_count(p.output_size) + flat);
  const bool avg = describe(p.op).avg();
  const auto length = static_cast<std::int64_t>(ids.size());
  if (!out.scattered.empty()) {
    const reference::extended_rational& g = p.grad_output.values[at];
    const std::size_t base = static_cast<std::size_t>(plane) * plane_size;
    if (!avg) {
      const std::int64_t target = reported_index(e, plane, e.maximum(input, ids).second);
      out.scattered[base + static_cast<std::size_t>(target) % plane_size].push_back(g);
      return;
    }
    const std::int64_t twice = tail_divisor(e, plane, index);
    for (std::int64_t id : ids) {
      const reference::extended_rational share = e.divided(g, length);
      out.scattered[base + static_cast<std::size_t>(id)].push_back(
          twice == 1 ? share : e.divided(share, twice));
    }
  } else if (avg) {
    std::vector<reference::extended_rational> terms;
    terms.reserve(ids.size());
    for (std::int64_t id : ids) terms.push_back(input[static_cast<std::size_t>(id)]);
    out.values[at] = e.divided(reduce(terms, e.config.sum, e.accumulator), length);
    if (const std::int64_t twice = tail_divisor(e, plane, index); twice != 1)
      out.values[at] = e.divided(out.values[at], twice);
  } else {
    std::tie(out.values[at], out.indices[at]) = e.maximum(input, ids);
    out.indices[at] = reported_index(e, plane, out.indices[at]);
  }
}

}  // namespace

candidate_result run_engine(const loaded_case& golden, const engine_config& config) {
  const pooling_problem& p = golden.problem;
  // Formats below float32's precision accumulate in float32 in this mode, as PyTorch's CPU does.
  const bool narrow = reference::layout_of(p.dtype).fraction_bits <
                      reference::layout_of(reference::float_format::binary32).fraction_bits;
  const engine e{
      golden, config, reference::split_pooling_shape(p.input.shape, p.output_size.size()),
      config.sum == summation::float32_accumulator && narrow ? reference::float_format::binary32
                                                             : p.dtype,
      decoded_input(golden)};
  const bool backward = !p.grad_output.values.empty();
  candidate_result result;
  result.shape = backward ? p.input.shape : forward_output_shape(p);
  const auto count = static_cast<std::size_t>(reference::element_count(result.shape));
  engine_outputs out{std::vector<reference::extended_rational>(count), {}, {}};
  if (backward) out.scattered.resize(count);
  if (describe(p.op).returns_indices()) out.indices.resize(count);
  for (std::int64_t plane = 0; plane < e.layout.planes; ++plane) {
    reference::for_each_multi_index(p.output_size,
                                    [&](std::span<const std::int64_t> index, std::int64_t flat) {
                                      run_window(e, plane, index, flat, out);
                                    });
  }
  for (std::size_t k = 0; k < out.scattered.size(); ++k)
    out.values[k] = reduce(out.scattered[k], config.sum, e.accumulator);
  for (const reference::extended_rational& x : out.values)
    result.bits.push_back(round_to(p.dtype, x));
  result.indices = std::move(out.indices);
  return result;
}

}  // namespace poolproof::golden::test

// boundary_patterns.h: per-axis tables from the adaptive windows, combined per element.
#include "golden/boundary_patterns.h"

#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/tensor.h>

#include <array>
#include <set>

namespace poolproof::golden::detail {
namespace {

// Positions next to a window edge on one axis: b - 1, b, e - 1, e of every window, inside [0, n).
// Moving any edge by one adds or drops one of them.
std::set<std::int64_t> edge_neighbours(std::int64_t n, std::int64_t m) {
  std::set<std::int64_t> positions;
  for (std::int64_t i = 0; i < m; ++i) {
    const reference::window w = reference::adaptive_window(n, m, i);
    for (std::int64_t p : {w.begin - 1, w.begin, w.end - 1, w.end})
      if (p >= 0 && p < n) positions.insert(p);
  }
  return positions;
}

// Avg: 0 away from edges, and alternately "first" (1) and "second" (2) along the edge neighbours,
// so a window's sum is a few small integers (exact in every order). A plane reads first and second
// as 1 and 2 or, swapped, as 2 and 1: a shift goes unseen only when the edge neighbour it moves
// equals the window's mean, which cannot hold for both readings unless every position of the
// window is an edge neighbour, and then values alternate along it and the mean is no integer.
std::vector<std::int64_t> product_factors(std::int64_t n, std::int64_t m) {
  std::vector<std::int64_t> factors(static_cast<std::size_t>(n), 0);
  std::int64_t k = 0;
  for (std::int64_t p : edge_neighbours(n, m)) factors[static_cast<std::size_t>(p)] = 1 + k++ % 2;
  return factors;
}

// Max: a level that rises by one at b, b + 1, e - 1 and e of every window (inside (0, n)), so an
// increasing plane's maximum moves with any end and a decreasing plane's with any start.
std::vector<std::int64_t> step_levels(std::int64_t n, std::int64_t m) {
  std::set<std::int64_t> steps;
  for (std::int64_t i = 0; i < m; ++i) {
    const reference::window w = reference::adaptive_window(n, m, i);
    for (std::int64_t p : {w.begin, w.begin + 1, w.end - 1, w.end})
      if (p > 0 && p < n) steps.insert(p);
  }
  std::vector<std::int64_t> levels(static_cast<std::size_t>(n), 0);
  for (std::int64_t j = 1; j < n; ++j)
    levels[static_cast<std::size_t>(j)] =
        levels[static_cast<std::size_t>(j - 1)] + (steps.contains(j) ? 1 : 0);
  return levels;
}

}  // namespace

boundary_pattern::boundary_pattern(const case_spec& spec, int variant)
    : spec_(spec), variant_(variant) {
  const reference::pooling_layout layout =
      reference::split_pooling_shape(spec.input_shape, spec.output_size.size());
  const bool steps = spec.pattern == input_pattern::boundary_steps;
  POOLPROOF_CHECK(steps || spec.pattern == input_pattern::boundary_product);
  for (std::size_t axis = 0; axis < spec.output_size.size(); ++axis) {
    const std::int64_t n = layout.spatial[axis], m = spec.output_size[axis];
    tables_.push_back(steps ? step_levels(n, m) : product_factors(n, m));
    top_level_ += tables_.back().back();
  }
  if (!steps) return;
  // Levels are the integers 1, 2, ... while the format holds them all (short exact values), else
  // consecutive floats from 1.0 up; planes add an offset below 8.
  const reference::format_layout l = reference::layout_of(spec.dtype);
  const std::int64_t levels = top_level_ + 8;
  const bool integers = levels < (std::int64_t{1} << (l.fraction_bits + 1));
  const std::uint64_t first = static_cast<std::uint64_t>(l.bias()) << l.fraction_bits;
  if (!integers &&
      first + static_cast<std::uint64_t>(levels) > reference::largest_finite_bits(spec.dtype)) {
    throw common::input_error("case '" + spec.name + "': " + std::to_string(levels) +
                              " distinct values needed, more than " +
                              std::string(reference::format_name(spec.dtype)) + " holds above 1");
  }
  for (std::int64_t level = 0; level < levels; ++level) {
    level_bits_.push_back(integers ? round_to(spec.dtype, reference::extended_rational::finite(
                                                              reference::rational(1 + level)))
                                   : first + static_cast<std::uint64_t>(level));
  }
}

std::uint64_t boundary_pattern::bits(std::int64_t plane, std::span<const std::int64_t> index) {
  return spec_.pattern == input_pattern::boundary_steps ? steps_bits(plane, index)
                                                        : product_bits(plane, index);
}

std::uint64_t boundary_pattern::product_bits(std::int64_t plane,
                                             std::span<const std::int64_t> index) {
  // The readings of (first, second): planes alternate the first two; variants 2 and 3 (tried on
  // a single plane) read them as 1 and 3, whose means fall elsewhere.
  constexpr std::array<std::array<std::int64_t, 2>, 4> readings = {
      {{1, 2}, {2, 1}, {1, 3}, {3, 1}}};
  const std::int64_t pair = (variant_ / 2) % 2, order = (plane + variant_) % 2;
  const auto& reading = readings[static_cast<std::size_t>(2 * pair + order)];
  std::int64_t product = 1;
  for (std::size_t axis = 0; axis < index.size(); ++axis) {
    const std::int64_t factor = tables_[axis][static_cast<std::size_t>(index[axis])];
    product *= factor == 0 ? 0 : reading[static_cast<std::size_t>(factor - 1)];
  }
  // Planes differ by a power-of-two scale and a sign, which keeps every sum exact.
  const std::int64_t exponent = plane % 4 - 1;
  const std::int64_t value = (plane / 4) % 2 == 0 ? product : -product;
  const auto [at, fresh] = encoded_.try_emplace({value, exponent}, 0);
  if (fresh) {
    const reference::rational scale = exponent >= 0
                                          ? reference::rational(std::int64_t{1} << exponent)
                                          : reference::rational(1, std::int64_t{1} << -exponent);
    at->second =
        round_to(spec_.dtype, value == 0 ? reference::extended_rational::finite(0)
                                         : reference::extended_rational::finite(value * scale));
  }
  return at->second;
}

std::uint64_t boundary_pattern::steps_bits(std::int64_t plane,
                                           std::span<const std::int64_t> index) const {
  std::int64_t level = 0;
  for (std::size_t axis = 0; axis < index.size(); ++axis)
    level += tables_[axis][static_cast<std::size_t>(index[axis])];
  // Even planes rise with the level, odd planes fall; each pair of planes is offset differently.
  const std::int64_t oriented = plane % 2 == 0 ? level : top_level_ - level;
  return level_bits_[static_cast<std::size_t>(oriented + (plane / 2) % 8)];
}

}  // namespace poolproof::golden::detail

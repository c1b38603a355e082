// check_result (golden/check.h): element by element, decided in exact arithmetic.
#include <poolproof/common/error.h>
#include <poolproof/golden/check.h>

#include <algorithm>
#include <limits>

#include "golden/check_parts.h"

namespace poolproof::golden {
namespace {

double as_double(const reference::rational& x) { return x.convert_to<double>(); }

bool both_zero(const reference::extended_rational& a, const reference::extended_rational& b) {
  return a.is_finite() && b.is_finite() && a.value == 0 && b.value == 0;
}

// Candidate value against the expected element: bits (exact ops, --strict, non-finite values) or
// the element's bound.
bool value_passes(const detail::expected_element& e, std::uint64_t bits,
                  const check_options& options) {
  const reference::extended_rational candidate = decode(e.format, bits);
  if (e.exact.is_nan() || candidate.is_nan()) return e.exact.is_nan() && candidate.is_nan();
  const bool max_forward = describe(e.op).exact_result();
  if (options.strict || max_forward || !e.exact.is_finite()) {
    const reference::extended_rational rounded = decode(e.format, e.rounded_bits);
    if (max_forward && options.ties == tie_rule::any && both_zero(candidate, rounded)) return true;
    return bits == e.rounded_bits;
  }
  if (!candidate.is_finite()) return e.bound.overflow_possible;
  return e.bound.bound && abs(candidate.value - e.exact.value) <= *e.bound.bound;
}

}  // namespace

namespace detail {

element_outcome value_outcome(std::int64_t k, const expected_element& e, std::uint64_t bits,
                              const check_options& options) {
  const reference::float_format format = e.format;
  const reference::extended_rational candidate = decode(format, bits);
  const reference::extended_rational rounded = decode(format, e.rounded_bits);
  element_outcome o;
  o.passed = value_passes(e, bits, options);
  o.off_rounded = !(candidate == rounded || (candidate.is_nan() && rounded.is_nan()));
  element_report& r = o.report;
  r = {k,
       "value",
       to_string(candidate),
       to_string(e.exact),
       to_string(rounded),
       std::nullopt,
       std::nullopt,
       std::nullopt};
  if (candidate == rounded || (candidate.is_nan() && rounded.is_nan())) r.error_ulps = 0;
  if (candidate.is_finite() && rounded.is_finite()) {
    const reference::rational ulp = ulp_at(format, e.rounded_bits);
    r.error_ulps = as_double(abs(candidate.value - rounded.value) / ulp);
    const auto& bound = e.bound.bound;
    if (bound && e.exact.is_finite() && !options.strict && !bound->is_zero()) {
      r.bound_ulps = as_double(*bound / ulp);
      r.bound_used = as_double(abs(candidate.value - e.exact.value) / *bound);
    }
  }
  const double infinite = std::numeric_limits<double>::infinity();
  o.rank =
      o.passed ? r.bound_used.value_or(r.error_ulps.value_or(0)) : r.error_ulps.value_or(infinite);
  return o;
}

}  // namespace detail

namespace {

using detail::element_outcome;

element_outcome value_outcome(const loaded_case& g, std::size_t k, std::uint64_t bits,
                              const element_bound& bound, const check_options& options) {
  return detail::value_outcome(
      static_cast<std::int64_t>(k),
      {g.problem.dtype, g.problem.op, g.expected.elements[k].value, g.expected_bits[k], bound},
      bits, options);
}

// Whether input position `index` of output k's window holds a maximal element.
bool is_maximal_index(const loaded_case& g, std::size_t k, std::int64_t index) {
  const reference::pooling_layout layout =
      reference::split_pooling_shape(g.problem.input.shape, g.problem.output_size.size());
  const std::int64_t out_plane = reference::element_count(g.problem.output_size);
  const auto plane = static_cast<std::int64_t>(k) / out_plane;
  std::int64_t rest = static_cast<std::int64_t>(k) % out_plane;
  std::vector<std::int64_t> out_index(g.problem.output_size.size());
  for (std::size_t axis = out_index.size(); axis-- > 0;) {
    out_index[axis] = rest % g.problem.output_size[axis];
    rest /= g.problem.output_size[axis];
  }
  const std::vector<std::int64_t> members = reference::box_flat_indices(
      reference::adaptive_box(layout.spatial, g.problem.output_size, out_index), layout.spatial);
  if (std::find(members.begin(), members.end(), index) == members.end()) return false;
  const reference::extended_rational x = decode(
      g.problem.dtype, g.input_bits[static_cast<std::size_t>(plane * layout.plane_size() + index)]);
  const reference::extended_rational& best = g.expected.elements[k].value;
  if (best.is_nan()) return x.is_nan();
  return !x.is_nan() && !greater(x, best) && !greater(best, x);
}

element_outcome index_outcome(const loaded_case& g, std::size_t k, std::int64_t index,
                              const check_options& options) {
  const std::int64_t expected = g.expected.indices[k];
  element_outcome o;
  o.passed = index == expected || (options.ties == tie_rule::any && is_maximal_index(g, k, index));
  o.off_rounded = index != expected;
  o.report = {
      static_cast<std::int64_t>(k), "index",      std::to_string(index), std::to_string(expected),
      std::to_string(expected),     std::nullopt, std::nullopt,          std::nullopt};
  o.rank = o.passed ? 0 : std::numeric_limits<double>::infinity();
  return o;
}

std::optional<double> larger(const std::optional<double>& a, const std::optional<double>& b) {
  if (!a || !b) return a ? a : b;
  return std::max(*a, *b);
}

}  // namespace

namespace detail {

void require_shape(const golden_case& entry, std::span<const std::int64_t> shape,
                   std::size_t elements, const candidate_result& result) {
  const auto fail = [&](const std::string& why) {
    throw common::input_error("candidate for golden case '" + entry.name + "': " + why);
  };
  if (!std::ranges::equal(result.shape, shape)) fail("wrong shape");
  if (result.bits.size() != elements)
    fail(std::to_string(result.bits.size()) + " values for " + std::to_string(elements) +
         " elements");
  const int width = reference::layout_of(entry.dtype).width();
  for (std::uint64_t bits : result.bits)
    if (width < 64 && (bits >> width) != 0) fail("a value has more bits than the dtype");
  if (describe(entry.op).returns_indices() && result.indices.size() != result.bits.size())
    fail(std::to_string(result.indices.size()) + " indices for " +
         std::to_string(result.bits.size()) + " outputs");
}

// Failing beats passing; then the larger rank; the first such element wins ties.
void consider(case_report& report, const element_outcome& o, double& best_rank) {
  if (!o.passed) ++report.failed_elements;
  if (o.report.what == "value") {
    report.off_rounded += o.off_rounded ? 1 : 0;
    report.max_error_ulps = larger(report.max_error_ulps, o.report.error_ulps);
    report.max_bound_used = larger(report.max_bound_used, o.report.bound_used);
  }
  const bool first_failure = !o.passed && report.passed;
  if (first_failure) {
    report.passed = false;
    report.message = o.report.what + " at element " + std::to_string(o.report.index) + ": " +
                     o.report.candidate + ", expected " + o.report.exact;
  }
  const bool worse =
      first_failure || !report.worst || (o.passed == report.passed && o.rank > best_rank);
  if (worse && (o.passed == report.passed)) {
    report.worst = o.report;
    best_rank = o.rank;
  }
}

}  // namespace detail

case_report check_result(const loaded_case& golden, const candidate_result& result,
                         const check_options& options) {
  using detail::consider;
  detail::require_shape(golden.entry, golden.expected.shape, golden.expected_bits.size(), result);
  case_report report;
  report.name = golden.entry.name;
  report.passed = true;
  report.elements = static_cast<std::int64_t>(result.bits.size());
  // The stored bounds assume any summation; another contract recomputes them.
  std::vector<element_bound> own_bounds;
  if (options.accumulation != accumulator::any) {
    own_bounds.reserve(golden.expected.elements.size());
    for (const accumulation& element : golden.expected.elements)
      own_bounds.push_back(bound_of(golden.problem, element, options.accumulation));
  }
  const std::vector<element_bound>& bounds =
      own_bounds.empty() ? golden.expected.bounds : own_bounds;
  double best_rank = -1;
  for (std::size_t k = 0; k < result.bits.size(); ++k) {
    consider(report, value_outcome(golden, k, result.bits[k], bounds[k], options), best_rank);
    if (describe(golden.problem.op).returns_indices())
      consider(report, index_outcome(golden, k, result.indices[k], options), best_rank);
  }
  report.status = report.passed ? case_status::pass : case_status::fail;
  return report;
}

}  // namespace poolproof::golden

// check_avg_case (golden/avg_check.h). An element passes when |c - S/L| <= B (tolerance.cc's
// avg_forward_bound), i.e. |c L - S| <= B L. For a window whose double sums are exact (every
// value a multiple of 2^least, every partial sum below 2^(least + 53)), S and the sum of
// magnitudes A are exact doubles, c L - S is rounded once by a fused multiply-add, and B L is a
// few products of exact values and rounded gammas: both sides within a relative 2^-48 of the
// truth, so a side that wins by a relative 2^-40 wins in exact arithmetic too. Elements off
// the correctly rounded value, non-finite ones and near-ties go to the exact path, as does any
// element whose share of its bound may be the case's largest (the report names it), so the
// report is check_result's.
#include "golden/avg_check.h"

#include <poolproof/common/error.h>
#include <poolproof/common/float_environment.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/engine/window_means.h>
#include <poolproof/golden/expectation.h>
#include <poolproof/golden/npy.h>
#include <poolproof/golden/tolerance.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <future>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "golden/avg_exact_values.h"
#include "golden/check_parts.h"
#include "golden/read_ahead.h"
#include "golden/streamed_sums.h"
#include "golden/suite_file.h"

namespace poolproof::golden::detail {
namespace {

// The format's tolerance constants in doubles (tolerance.cc's format_constants).
struct double_constants {
  reference::format_layout layout{};
  int precision = 0;
  int min_exponent = 0;
  double unit_roundoff = 0;
  double underflow_half = 0;
  double overflow = 0;
  std::int64_t r = 0;             ///< division_roundings(spatial_dims)
  std::optional<double> gamma_r;  ///< gamma(r): g_div, and g_growth of an exact sum
};

// gamma(k) rounded once (k u and 1 - k u are exact), or nullopt where tolerance.cc's is.
std::optional<double> gamma_in_doubles(std::int64_t k, double unit_roundoff) {
  const double ku = static_cast<double>(k) * unit_roundoff;
  if (ku >= 1) return std::nullopt;
  return ku / (1 - ku);
}

double_constants constants_in_doubles(reference::float_format format, int spatial_dims) {
  const reference::format_layout layout = reference::layout_of(format);
  double_constants constants;
  constants.layout = layout;
  constants.precision = layout.fraction_bits + 1;
  constants.min_exponent = 1 - layout.bias();
  constants.unit_roundoff = std::ldexp(1.0, -constants.precision);
  constants.underflow_half = std::ldexp(1.0, constants.min_exponent - constants.precision);
  constants.overflow = std::ldexp(2 - constants.unit_roundoff, layout.bias());
  constants.r = division_roundings(spatial_dims);
  constants.gamma_r = gamma_in_doubles(constants.r, constants.unit_roundoff);
  return constants;
}

// The gammas of an inexact sum over `length` values, kept for the next window of that length
// (every window of a case has one of a few lengths; two divisions per element were a tenth of
// the elements' time).
struct length_gammas {
  std::int64_t length = -1;
  std::optional<double> g_sum;     ///< gamma(length - 1 + r)
  std::optional<double> g_growth;  ///< gamma(length + r)

  void use_length(const double_constants& constants, std::int64_t window_length) {
    if (window_length == length) return;
    length = window_length;
    g_sum = gamma_in_doubles(length - 1 + constants.r, constants.unit_roundoff);
    g_growth = gamma_in_doubles(length + constants.r, constants.unit_roundoff);
  }
};

// 2^exponent, exactly, from its bits where it is a normal double (ldexp, a library call, costs
// as much as the rest of the bound).
double power_of_two(int exponent) {
  if (exponent < -1022 || exponent > 1023) return std::ldexp(1.0, exponent);
  return std::bit_cast<double>(static_cast<std::uint64_t>(exponent + 1023) << 52);
}

constexpr double margin = 0x1p-40;

// L times avg_forward_bound of a window with exact double sums, within a relative 2^-48; or
// nullopt where that bound is absent (then the exact path decides).
std::optional<double> scaled_bound(const double_constants& constants, length_gammas& gammas,
                                   const window_sums& w) {
  const std::int64_t length = w.count;
  const std::int64_t r = constants.r;
  const bool exact_sum =
      w.sum_abs == 0 ||
      (w.sum_abs <= power_of_two(w.least + constants.precision) && w.sum_abs < constants.overflow);
  if (!exact_sum) gammas.use_length(constants, length);
  const std::optional<double> g_sum = exact_sum ? std::optional<double>(0) : gammas.g_sum;
  const std::optional<double>& g_div = constants.gamma_r;
  const std::optional<double>& g_growth = exact_sum ? constants.gamma_r : gammas.g_growth;
  if (!g_sum || !g_div || !g_growth) return std::nullopt;
  const auto l = static_cast<double>(length);
  double bound = *g_sum * w.sum_abs + *g_div * std::abs(w.sum) +
                 l * (static_cast<double>(r) * constants.underflow_half * (1 + *g_div));
  // 1 / length below the normal range: length > 2^-min_exponent (never past binary16's).
  const int reciprocal_limit = -constants.min_exponent;
  if (reciprocal_limit < 63 && length > (std::int64_t{1} << reciprocal_limit))
    bound += l * ((1 + *g_growth) * w.sum_abs * constants.underflow_half);
  return bound;
}

// The correctly rounded means of the case's input, by the fast engine, as bit patterns.
template <typename T>
std::vector<std::uint64_t> engine_means(const pooling_problem& problem, std::span<const T> input,
                                        std::size_t count) {
  std::vector<T> output(count);
  engine::adaptive_avg_pool<T>(problem.dtype, problem.input.shape, input, problem.output_size,
                               output, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::uint64_t> bits(count);
  for (std::size_t k = 0; k < count; ++k) bits[k] = pattern_of(output[k]);
  return bits;
}

// means_of_sums over windows [range.begin(), range.end()), into `means` (the whole result's).
void round_means_part(reference::float_format format, std::span<const window_sums> sums,
                      const tbb::blocked_range<std::size_t>& range,
                      std::span<std::uint64_t> means) {
  std::vector<double> totals(range.size());
  std::vector<int> units(range.size());
  std::vector<std::uint64_t> counts(range.size());
  for (std::size_t i = 0; i < range.size(); ++i) {
    const window_sums& w = sums[range.begin() + i];
    totals[i] = w.sum;
    // Every value is a multiple of 2^least (none nonzero: the sum is 0, any unit will do), and
    // exact() bounds every partial sum below 2^(least + 53).
    units[i] = w.least_set_bit().value_or(0);
    counts[i] = static_cast<std::uint64_t>(w.count);
  }
  engine::round_window_means(format, totals, units, counts,
                             means.subspan(range.begin(), range.size()));
}

// The correctly rounded means of exact window sums, rounded as the engine rounds its own (the
// input is not read again); nullopt when some window's sums are not exact. Rounded in parts on
// TBB's workers: on one thread this took a twelfth of the check.
std::optional<std::vector<std::uint64_t>> means_of_sums(reference::float_format format,
                                                        std::span<const window_sums> sums) {
  if (!std::ranges::all_of(sums, [](const window_sums& w) { return w.exact() && w.count >= 1; }))
    return std::nullopt;
  std::vector<std::uint64_t> means(sums.size());
  // A context of its own: a caller's cancelled TBB work must not leave parts unrounded.
  tbb::task_group_context isolated(tbb::task_group_context::isolated);
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, sums.size(), 4096),
      [&](const tbb::blocked_range<std::size_t>& range) {
        round_means_part(format, sums, range, means);
      },
      isolated);
  return means;
}

}  // namespace

bool fast_avg_checkable(const golden_case& entry, const check_options& options) {
  const op_description op = describe(entry.op);
  return op.avg() && !op.backward() && entry.dtype != reference::float_format::binary64 &&
         !options.strict && options.accumulation == accumulator::any;
}

namespace {

// An element's share of its bound, |c L - S| / (B L), in doubles when that certainly passes by
// the margin (and so is the element's bound_used within a relative 2^-40); NaN where the exact
// path must decide.
double share_in_doubles(const double_constants& constants, length_gammas& gammas,
                        const window_sums& w, std::uint64_t bits, std::uint64_t rounded) {
  constexpr double undecided = std::numeric_limits<double>::quiet_NaN();
  if (bits != rounded || !w.exact()) return undecided;
  const double value = pattern_value(constants.layout, bits);
  if (!std::isfinite(value)) return undecided;
  const auto bound = scaled_bound(constants, gammas, w);
  if (!bound) return undecided;
  const double distance = std::abs(std::fma(value, static_cast<double>(w.count), -w.sum));
  if (!(distance * (1 + margin) < *bound * (1 - margin))) return undecided;
  return distance / *bound;
}

// A case's result and exact values files, read on TBB's workers while the input is read and
// summed; their errors are thrown in load_case's order, after the input's.
struct files_read_ahead {
  files_read_ahead(const std::filesystem::path& suite_dir, const avg_case& loaded)
      : result([&suite_dir, &loaded] {
          const golden_case& entry = loaded.entry;
          return read_role(suite_dir, entry, describe(entry.op).result_role(),
                           npy_element_for(entry.dtype), loaded.shape)
              .words;
        }),
        exact([&suite_dir, &loaded] {
          return read_exact_values_text(
              suite_dir, loaded.entry,
              static_cast<std::size_t>(reference::element_count(loaded.shape)));
        }) {}

  computed_meanwhile<std::vector<std::uint64_t>> result;
  computed_meanwhile<exact_values_text> exact;
};

// load_avg_case once the input and its window sums are in place: the stored result (and exact
// values) against those the inputs imply.
template <typename T>
void verify_avg_result(files_read_ahead& files, avg_case& loaded, std::span<const T> input) {
  const golden_case& entry = loaded.entry;
  loaded.expected_bits = std::move(files.result.get());
  const std::size_t count = loaded.expected_bits.size();
  POOLPROOF_CHECK(loaded.sums.size() == count);
  // The stored exact values' errors come first. Rounding the sums takes little, so the exact
  // values are then checked here; the engine's pass over the input (where some sums are not
  // exact) runs beside their check on another thread: both only read the inputs and sums.
  const exact_values_text& exact_text = files.exact.get();
  const auto check_exact = [&exact_text, &loaded] {
    const common::default_float_environment environment;
    verify_exact_values(exact_text, loaded);
  };
  std::optional<std::vector<std::uint64_t>> from_sums =
      means_of_sums(loaded.problem.dtype, loaded.sums);
  std::vector<std::uint64_t> rounded;
  if (from_sums) {
    check_exact();
    rounded = std::move(*from_sums);
  } else {
    // Only a streamed read leaves no input, and it gives exact sums only.
    POOLPROOF_CHECK(!input.empty() || count == 0);
    std::future<void> exact_checked = detail::start_meanwhile(check_exact);
    rounded = engine_means(loaded.problem, input, count);
    exact_checked.get();
  }
  for (std::size_t k = 0; k < count; ++k) {
    if (rounded[k] != loaded.expected_bits[k])
      throw common::input_error("golden case '" + entry.name + "': expected element " +
                                std::to_string(k) + " is not the correctly rounded value");
  }
}

// load_avg_case's reading of the input: streamed (streamed_sums.h), keeping no values, when
// that gives every window's sums; else into `input` (loaded's, of the case's element type),
// read where it is used (no copy), hashed on another thread once read, and its window sums
// started while the rest of the file is read, at the payload offset the file's size implies (a
// .npy file is exactly its header and payload, so a header that parses with the case's shape puts
// the payload there). Without an early start (an offset not aligned for T, or a start that
// failed) the sums are made once the file is in.
template <typename T>
void read_avg_input(const std::filesystem::path& suite_dir, avg_case& loaded,
                    input_values<T>& input) {
  const golden_case& entry = loaded.entry;
  files_read_ahead files(suite_dir, loaded);
  if (std::optional<std::vector<window_sums>> sums =
          streamed_window_sums<T>(suite_dir, entry, loaded.problem)) {
    loaded.sums = std::move(*sums);
    verify_avg_result(files, loaded, std::span<const T>());
    return;
  }
  const golden_file& input_entry = role_entry(entry, role::input);
  const npy_element element = npy_element_for(entry.dtype);
  const auto inputs = static_cast<std::size_t>(reference::element_count(entry.input_shape));
  std::optional<window_sums_as_read<T>> early;
  std::size_t early_offset = 0;
  // Starting early is an optimisation only: if it fails (out of memory, no thread), it is given
  // up, and `use` makes the sums after the digest is checked, so its errors keep their order.
  const auto storage = [&](std::size_t size) {
    const std::span<std::byte> bytes = input.storage(size);
    const std::size_t payload = inputs * sizeof(T);
    if (size >= payload && (size - payload) % sizeof(T) == 0) {
      early_offset = size - payload;
      try {
        early.emplace(loaded.problem, reinterpret_cast<const T*>(bytes.data() + early_offset));
      } catch (const std::exception&) {
        early.reset();
      }
    }
    return bytes;
  };
  const auto progress = [&](std::size_t bytes_read) {
    if (!early || bytes_read <= early_offset) return;
    try {
      early->input_ready(static_cast<std::int64_t>((bytes_read - early_offset) / sizeof(T)));
    } catch (const std::exception&) {
      early.reset();
    }
  };
  const auto use = [&](std::span<const std::byte> bytes) {
    const std::size_t offset = role_payload_offset(bytes, input_entry, element, entry.input_shape);
    input.set_payload(offset, inputs);
    if (early) {
      // parse_npy_header accepts no byte after the payload and no short payload.
      POOLPROOF_CHECK(offset == early_offset);
      early->input_ready(static_cast<std::int64_t>(inputs));
      loaded.sums = early->sums();
    } else {
      loaded.sums = all_window_sums(loaded.problem, input.values());
    }
    verify_avg_result(files, loaded, input.values());
  };
  with_suite_file(suite_dir, input_entry, role_max_bytes(element, entry.input_shape), storage, use,
                  progress);
}

}  // namespace

avg_case load_avg_case(const std::filesystem::path& suite_dir, const golden_case& entry) {
  // The margins below assume doubles rounded to nearest, subnormals kept (the sums' threads hold
  // the same; so does the exact values' check).
  const common::default_float_environment environment;
  avg_case loaded;
  loaded.entry = entry;
  loaded.problem = case_problem(entry);
  loaded.shape = forward_output_shape(loaded.problem);
  if (reference::layout_of(entry.dtype).width() == 32) {
    read_avg_input(suite_dir, loaded, loaded.input_32);
  } else {
    read_avg_input(suite_dir, loaded, loaded.input_16);
  }
  return loaded;
}

case_report check_avg_case(const avg_case& the_case, const candidate_result& result,
                           const check_options& options) {
  const common::default_float_environment environment;
  require_shape(the_case.entry, the_case.shape, the_case.expected_bits.size(), result);
  const double_constants constants =
      constants_in_doubles(the_case.problem.dtype, the_case.problem.spatial_dims);
  // Each element's share in doubles; the largest, and the first exact zero.
  std::vector<double> shares(result.bits.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, shares.size(), 4096),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      const common::default_float_environment worker_environment;
                      length_gammas gammas;
                      for (std::size_t k = range.begin(); k < range.end(); ++k) {
                        shares[k] = share_in_doubles(constants, gammas, the_case.sums[k],
                                                     result.bits[k], the_case.expected_bits[k]);
                      }
                    });
  double largest = 0;
  std::optional<std::size_t> first_zero;
  for (std::size_t k = 0; k < shares.size(); ++k) {
    if (shares[k] > largest) largest = shares[k];
    if (shares[k] == 0 && !first_zero) first_zero = k;
  }
  case_report report;
  report.name = the_case.entry.name;
  report.passed = true;
  report.elements = static_cast<std::int64_t>(result.bits.size());
  double best_rank = -1;
  exact_elements exact(the_case);
  for (std::size_t k = 0; k < shares.size(); ++k) {
    // Exactly: the undecided, and whatever may rank first (consider() then picks as it would).
    // The others pass on the rounded value (0 ulp) below the largest share: leaving them out
    // changes nothing, as one element decided in doubles, the largest, is always computed.
    const double share = shares[k];
    if (!std::isnan(share) && !(share > 0 && share >= largest * (1 - margin)) && k != first_zero)
      continue;
    const auto at = static_cast<std::int64_t>(k);
    const forward_element element = exact(at);
    // The loader checked the stored result against the engine; here, against the reference.
    POOLPROOF_CHECK(round_to(the_case.problem.dtype, element.element.value) ==
                    the_case.expected_bits[k]);
    const element_bound bound = bound_of(the_case.problem, element.element);
    const expected_element expected{the_case.problem.dtype, the_case.problem.op,
                                    element.element.value, the_case.expected_bits[k], bound};
    consider(report, value_outcome(at, expected, result.bits[k], options), best_rank);
  }
  report.status = report.passed ? case_status::pass : case_status::fail;
  return report;
}

}  // namespace poolproof::golden::detail

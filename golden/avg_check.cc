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
#include <poolproof/common/fresh_pages.h>
#include <poolproof/common/wide_int.h>
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/engine/window_means.h>
#include <poolproof/golden/exact_values.h>
#include <poolproof/golden/expectation.h>
#include <poolproof/golden/npy.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <functional>
#include <future>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "golden/check_parts.h"
#include "golden/json_limits.h"
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
};

double_constants constants_in_doubles(reference::float_format format) {
  const reference::format_layout layout = reference::layout_of(format);
  double_constants constants;
  constants.layout = layout;
  constants.precision = layout.fraction_bits + 1;
  constants.min_exponent = 1 - layout.bias();
  constants.unit_roundoff = std::ldexp(1.0, -constants.precision);
  constants.underflow_half = std::ldexp(1.0, constants.min_exponent - constants.precision);
  constants.overflow = std::ldexp(2 - constants.unit_roundoff, layout.bias());
  return constants;
}

// gamma(k) rounded once (k u and 1 - k u are exact), or nullopt where tolerance.cc's is.
std::optional<double> gamma_in_doubles(std::int64_t k, double unit_roundoff) {
  const double ku = static_cast<double>(k) * unit_roundoff;
  if (ku >= 1) return std::nullopt;
  return ku / (1 - ku);
}

constexpr double margin = 0x1p-40;

// L times avg_forward_bound of a window with exact double sums, within a relative 2^-48; or
// nullopt where that bound is absent (then the exact path decides).
std::optional<double> scaled_bound(const double_constants& constants, int spatial_dims,
                                   const window_sums& w) {
  const std::int64_t length = w.count;
  const std::int64_t r = std::max(2, spatial_dims);
  const bool exact_sum =
      w.sum_abs == 0 || (w.sum_abs <= std::ldexp(1.0, w.least + constants.precision) &&
                         w.sum_abs < constants.overflow);
  const auto g_sum = exact_sum ? std::optional<double>(0)
                               : gamma_in_doubles(length - 1 + r, constants.unit_roundoff);
  const auto g_div = gamma_in_doubles(r, constants.unit_roundoff);
  const auto g_growth = gamma_in_doubles(exact_sum ? r : length + r, constants.unit_roundoff);
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

// The correctly rounded means of exact window sums, rounded as the engine rounds its own (the
// input is not read again); nullopt when some window's sums are not exact.
std::optional<std::vector<std::uint64_t>> means_of_sums(reference::float_format format,
                                                        std::span<const window_sums> sums) {
  std::vector<double> totals(sums.size());
  std::vector<int> units(sums.size());
  std::vector<std::uint64_t> counts(sums.size());
  for (std::size_t k = 0; k < sums.size(); ++k) {
    const window_sums& w = sums[k];
    if (!w.exact() || w.count < 1) return std::nullopt;
    totals[k] = w.sum;
    // Every value is a multiple of 2^least (none nonzero: the sum is 0, any unit will do), and
    // exact() bounds every partial sum below 2^(least + 53).
    units[k] = w.top < w.least ? 0 : w.least;
    counts[k] = static_cast<std::uint64_t>(w.count);
  }
  std::vector<std::uint64_t> means(sums.size());
  engine::round_window_means(format, totals, units, counts, means);
  return means;
}

// A mean's text as exact_values writes it, built in place: at most a sign, two 39-digit numbers
// and a slash.
class mean_text_buffer {
 public:
  void append(char c) { text_[size_++] = c; }
  // `x` in decimal: 64-bit values by to_chars (most means here), wider ones digit by digit.
  void append_decimal(common::uint128 x) {
    char* const end = text_.data() + text_.size();
    if (x <= std::numeric_limits<std::uint64_t>::max()) {
      const auto [last, error] =
          std::to_chars(text_.data() + size_, end, static_cast<std::uint64_t>(x));
      POOLPROOF_CHECK(error == std::errc());
      size_ = static_cast<std::size_t>(last - text_.data());
      return;
    }
    std::array<char, 40> digits{};
    char* at = digits.data() + digits.size();
    do {
      *--at = static_cast<char>('0' + static_cast<int>(x % 10));
      x /= 10;
    } while (x != 0);
    for (; at != digits.data() + digits.size(); ++at) append(*at);
  }
  [[nodiscard]] std::string_view view() const { return {text_.data(), size_}; }

 private:
  std::array<char, 84> text_{};
  std::size_t size_ = 0;
};

// Whether `text` is the exact mean sum / length in exact_values' text ("7/2", "-3", "0"); false
// also when its numerator or denominator is past 127 bits (the exact path decides then).
// Precondition: sum finite, length >= 1.
bool is_mean_text(std::string_view text, double sum, std::int64_t length) {
  if (sum == 0) return text == "0";
  // |sum| = m 2^exponent, read off its bits (an frexp and ldexp per element cost as much as the
  // rest of this function).
  const auto bits = std::bit_cast<std::uint64_t>(sum);
  const auto field = static_cast<int>((bits >> 52) & 0x7FF);
  std::uint64_t m =
      (bits & ((std::uint64_t{1} << 52) - 1)) | (field != 0 ? std::uint64_t{1} << 52 : 0);
  int exponent = (field != 0 ? field : 1) - 1075;
  const int zeros = std::countr_zero(m);
  m >>= zeros;
  exponent += zeros;
  auto l = static_cast<std::uint64_t>(length);
  const int twos = std::countr_zero(l);
  l >>= twos;
  const std::uint64_t common = std::gcd(m, l);  // both odd
  m /= common;
  l /= common;
  const int shift = exponent - twos;  // the mean is m 2^shift / l
  const int width = static_cast<int>(std::bit_width(shift >= 0 ? m : l));
  if (width + std::abs(shift) > 127) return false;
  const common::uint128 numerator = shift >= 0 ? static_cast<common::uint128>(m) << shift : m;
  const common::uint128 denominator = shift >= 0 ? l : static_cast<common::uint128>(l) << -shift;
  mean_text_buffer mean;
  if (sum < 0) mean.append('-');
  mean.append_decimal(numerator);
  if (denominator != 1) {
    mean.append('/');
    mean.append_decimal(denominator);
  }
  return text == mean.view();
}

}  // namespace

bool fast_avg_checkable(const golden_case& entry, const check_options& options) {
  const op_description op = describe(entry.op);
  return op.avg() && !op.backward() && entry.dtype != reference::float_format::binary64 &&
         !options.strict && options.accumulation == accumulator::any;
}

namespace {

// The exact expectation of single elements, from the bit patterns of their input plane (kept
// for the next element: elements computed exactly come plane by plane).
class exact_elements {
 public:
  explicit exact_elements(const avg_case& the_case)
      : case_(the_case), out_plane_(reference::element_count(the_case.problem.output_size)) {}

  [[nodiscard]] forward_element operator()(std::int64_t k) {
    if (k / out_plane_ != plane_) load_plane(k / out_plane_);
    return expect_forward_element(case_.problem, bits_, k);
  }

 private:
  void load_plane(std::int64_t plane) {
    const reference::pooling_layout layout = reference::split_pooling_shape(
        case_.problem.input.shape, static_cast<std::size_t>(case_.problem.spatial_dims));
    const auto size = static_cast<std::size_t>(layout.plane_size());
    const auto first = static_cast<std::size_t>(plane) * size;
    const std::span<const std::uint16_t> input_16 = case_.input_16.values();
    const std::span<const float> input_32 = case_.input_32.values();
    bits_.resize(size);
    for (std::size_t i = 0; i < size; ++i)
      bits_[i] = input_16.empty() ? pattern_of(input_32[first + i]) : input_16[first + i];
    plane_ = plane;
  }

  const avg_case& case_;
  std::int64_t out_plane_;
  std::int64_t plane_ = -1;
  std::vector<std::uint64_t> bits_;
};

// An element's share of its bound, |c L - S| / (B L), in doubles when that certainly passes by
// the margin (and so is the element's bound_used within a relative 2^-40); NaN where the exact
// path must decide.
double share_in_doubles(const avg_case& the_case, const double_constants& constants,
                        const window_sums& w, std::uint64_t bits, std::uint64_t rounded) {
  constexpr double undecided = std::numeric_limits<double>::quiet_NaN();
  if (bits != rounded || !w.exact()) return undecided;
  const double value = pattern_value(constants.layout, bits);
  if (!std::isfinite(value)) return undecided;
  const auto bound = scaled_bound(constants, the_case.problem.spatial_dims, w);
  if (!bound) return undecided;
  const double distance = std::abs(std::fma(value, static_cast<double>(w.count), -w.sum));
  if (!(distance * (1 + margin) < *bound * (1 - margin))) return undecided;
  return distance / *bound;
}

// One stored exact value against its inputs: the canonical text of the mean of exact window
// sums passes as it is; any other text is parsed (a malformed one throws parse_exact_value's
// error) and compared with the exact path's value. Returns whether it disagrees.
bool exact_value_disagrees(const avg_case& the_case, exact_elements& exact, std::size_t k,
                           std::string_view text, const std::string& path) {
  const window_sums& w = the_case.sums[k];
  if (w.exact() && is_mean_text(text, w.sum, w.count)) return false;
  const reference::extended_rational stored = parse_exact_value(text, k, path);
  return !(stored == exact(static_cast<std::int64_t>(k)).element.value);
}

// exact_value_disagrees over texts[begin, end): the first disagreement, and the first error (with
// its index), after which the part stops. Past a disagreement the texts are only parsed.
struct exact_values_part {
  std::optional<std::size_t> first_disagreement;
  std::optional<std::size_t> error_at;
  std::exception_ptr error;
};

exact_values_part check_exact_values_part(const avg_case& the_case,
                                          std::span<const std::string_view> texts,
                                          std::size_t begin, std::size_t end,
                                          const std::string& path) {
  exact_values_part part;
  exact_elements exact(the_case);
  for (std::size_t k = begin; k < end; ++k) {
    try {
      if (part.first_disagreement) {
        (void)parse_exact_value(texts[k], k, path);
      } else if (exact_value_disagrees(the_case, exact, k, texts[k], path)) {
        part.first_disagreement = k;
      }
    } catch (...) {
      part.error_at = k;
      part.error = std::current_exception();
      break;
    }
  }
  return part;
}

// verify_exact_values of a plain text (json_limits.h): its elements checked in parts on TBB's
// workers, the outcome that of the one pass in order (the first error, else a count past
// `count`, else the first disagreement).
std::optional<std::size_t> plain_exact_values_disagreement(
    const avg_case& the_case, std::span<const std::string_view> texts, std::size_t count,
    const std::string& path, const std::function<void(const std::string&)>& fail_reading) {
  const std::size_t checked = std::min(texts.size(), count);
  constexpr std::size_t part_size = 4096;
  std::vector<exact_values_part> parts((checked + part_size - 1) / part_size);
  tbb::parallel_for(std::size_t{0}, parts.size(), [&](std::size_t p) {
    const common::default_float_environment environment;
    parts[p] = check_exact_values_part(the_case, texts, p * part_size,
                                       std::min(checked, (p + 1) * part_size), path);
  });
  std::optional<std::size_t> first_disagreement;
  for (const exact_values_part& part : parts) {
    // The first part's error stands, disagreement before it or not: the pass in order parses
    // every text past a disagreement too, so it meets the same parse errors first.
    if (part.error) std::rethrow_exception(part.error);
    if (!first_disagreement) first_disagreement = part.first_disagreement;
  }
  if (texts.size() > count) fail_reading("more than " + std::to_string(count) + " elements");
  return first_disagreement;
}

// The case's stored exact values, when it has them, against its inputs (load_case's checks and
// messages, in its order: the whole file read and counted before any value is compared): each
// element's text against the mean of its exact window sums, else (a window without them, or a
// text that is not the canonical one) the parsed value against the exact path's.
void verify_exact_values(const std::filesystem::path& suite_dir, const avg_case& the_case) {
  const auto file = the_case.entry.files.find(std::string(role::exact));
  if (file == the_case.entry.files.end()) return;
  const auto fail = [&](const std::string& why) {
    throw common::input_error("golden case '" + the_case.entry.name + "': " + why);
  };
  const std::function<void(const std::string&)> fail_reading = [&](const std::string& reason) {
    throw common::input_error("cannot read exact values '" + file->second.path + "': " + reason);
  };
  const std::size_t count = the_case.sums.size();
  const std::vector<std::byte> bytes = read_suite_file(
      suite_dir, file->second, max_exact_values_bytes(static_cast<std::int64_t>(count)));
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::size_t seen = 0;
  std::optional<std::size_t> first_disagreement;
  if (const auto plain = plain_json_strings(text)) {
    first_disagreement =
        plain_exact_values_disagreement(the_case, *plain, count, file->second.path, fail_reading);
    seen = plain->size();
  } else {
    exact_elements exact(the_case);
    for_each_json_string(
        text, count,
        [&](std::size_t k, std::string_view element) {
          seen = k + 1;
          if (first_disagreement) {
            (void)parse_exact_value(element, k, file->second.path);
          } else if (exact_value_disagrees(the_case, exact, k, element, file->second.path)) {
            first_disagreement = k;
          }
        },
        fail_reading);
  }
  if (seen != count) fail("exact values have the wrong count");
  if (first_disagreement)
    fail("exact value " + std::to_string(*first_disagreement) + " disagrees with its inputs");
}

// load_avg_case once the input and its window sums are in place: the stored result (and exact
// values) against those the inputs imply.
template <typename T>
void verify_avg_result(const std::filesystem::path& suite_dir, avg_case& loaded,
                       std::span<const T> input) {
  const golden_case& entry = loaded.entry;
  loaded.expected_bits = read_role(suite_dir, entry, describe(entry.op).result_role(),
                                   npy_element_for(entry.dtype), loaded.shape)
                             .words;
  const std::size_t count = loaded.expected_bits.size();
  POOLPROOF_CHECK(loaded.sums.size() == count);
  // The stored exact values' errors come first. Rounding the sums takes little, so the exact
  // values are then checked here; the engine's pass over the input (where some sums are not
  // exact) runs beside their check on another thread: both only read the inputs and sums.
  const auto check_exact = [&suite_dir, &loaded] {
    const common::default_float_environment environment;
    verify_exact_values(suite_dir, loaded);
  };
  std::optional<std::vector<std::uint64_t>> from_sums =
      means_of_sums(loaded.problem.dtype, loaded.sums);
  std::vector<std::uint64_t> rounded;
  if (from_sums) {
    check_exact();
    rounded = std::move(*from_sums);
  } else {
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

// load_avg_case's reading of the input into `input` (loaded's, of the case's element type):
// read where it is used (no copy), hashed on another thread once read, and its window sums
// started while the rest of the file is read, at the payload offset the file's size implies (a
// .npy file is exactly its header and payload, so a header that parses with the case's shape puts
// the payload there). Without an early start (an offset not aligned for T, or a start that
// failed) the sums are made once the file is in.
template <typename T>
void read_avg_input(const std::filesystem::path& suite_dir, avg_case& loaded,
                    input_values<T>& input) {
  const golden_case& entry = loaded.entry;
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
    verify_avg_result(suite_dir, loaded, input.values());
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
  loaded.problem.op = entry.op;
  loaded.problem.spatial_dims = entry.spatial_dims;
  loaded.problem.dtype = entry.dtype;
  loaded.problem.output_size = entry.output_size;
  loaded.problem.input.shape = entry.input_shape;
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
  const double_constants constants = constants_in_doubles(the_case.problem.dtype);
  // Each element's share in doubles; the largest, and the first exact zero.
  std::vector<double> shares(result.bits.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, shares.size(), 4096),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      const common::default_float_environment worker_environment;
                      for (std::size_t k = range.begin(); k < range.end(); ++k) {
                        shares[k] = share_in_doubles(the_case, constants, the_case.sums[k],
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

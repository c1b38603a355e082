// avg_exact_values.h. A plain exact.json (json_limits.h) is checked in parts on TBB's workers;
// any other goes through the JSON parser in one pass, as load_case reads it.
#include "golden/avg_exact_values.h"

#include <poolproof/common/error.h>
#include <poolproof/common/float_environment.h>
#include <poolproof/common/wide_int.h>
#include <poolproof/golden/exact_values.h>
#include <poolproof/golden/manifest.h>
#include <poolproof/reference/tensor.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "golden/json_limits.h"

namespace poolproof::golden::detail {
namespace {

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
  // Not zeroed: only text_[0, size_) is ever read, and a zeroing (rep stos) per element took a
  // fifth of this check's time.
  std::array<char, 84> text_;  // NOLINT(cppcoreguidelines-pro-type-member-init)
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
  if (common != 1) {  // mostly 1 (l is often 1): two 64-bit divisions saved
    m /= common;
    l /= common;
  }
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

exact_elements::exact_elements(const avg_case& the_case)
    : case_(the_case), out_plane_(reference::element_count(the_case.problem.output_size)) {}

forward_element exact_elements::operator()(std::int64_t k) {
  // A window with exact double sums needs no values: its sums are its exact sums (the streamed
  // read keeps no input at all when every window's are).
  const window_sums& w = case_.sums[static_cast<std::size_t>(k)];
  if (w.exact()) return {mean_of_exact_sums(w.sum, w.sum_abs, w.count, w.least_set_bit()), -1};
  if (k / out_plane_ != plane_) load_plane(k / out_plane_);
  return expect_forward_element(case_.problem, bits_, k);
}

void exact_elements::load_plane(std::int64_t plane) {
  const reference::pooling_layout layout = reference::split_pooling_shape(
      case_.problem.input.shape, static_cast<std::size_t>(case_.problem.spatial_dims));
  const auto size = static_cast<std::size_t>(layout.plane_size());
  const auto first = static_cast<std::size_t>(plane) * size;
  const std::span<const std::uint16_t> input_16 = case_.input_16.values();
  const std::span<const float> input_32 = case_.input_32.values();
  // Only a window without exact sums gets here, and the input is kept whenever one has none.
  POOLPROOF_CHECK(input_16.size() + input_32.size() >= first + size);
  bits_.resize(size);
  for (std::size_t i = 0; i < size; ++i)
    bits_[i] = input_16.empty() ? pattern_of(input_32[first + i]) : input_16[first + i];
  plane_ = plane;
}

namespace {

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
  if (texts.size() > count) fail_reading(more_than_elements(count));
  return first_disagreement;
}

}  // namespace

exact_values_text read_exact_values_text(const std::filesystem::path& suite_dir,
                                         const golden_case& entry, std::size_t count) {
  exact_values_text text;
  const auto file = entry.files.find(std::string(role::exact));
  if (file == entry.files.end()) return text;
  text.present = true;
  text.path = file->second.path;
  text.bytes = read_suite_file(suite_dir, file->second,
                               max_exact_values_bytes(static_cast<std::int64_t>(count)));
  text.plain = plain_json_strings(
      std::string_view(reinterpret_cast<const char*>(text.bytes.data()), text.bytes.size()), count);
  return text;
}

void verify_exact_values(const exact_values_text& text, const avg_case& the_case) {
  if (!text.present) return;
  const auto fail = [&](const std::string& why) {
    throw common::input_error("golden case '" + the_case.entry.name + "': " + why);
  };
  const std::function<void(const std::string&)> fail_reading = [&](const std::string& reason) {
    throw common::input_error("cannot read exact values '" + text.path + "': " + reason);
  };
  const std::size_t count = the_case.sums.size();
  std::size_t seen = 0;
  std::optional<std::size_t> first_disagreement;
  if (text.plain) {
    first_disagreement =
        plain_exact_values_disagreement(the_case, *text.plain, count, text.path, fail_reading);
    seen = text.plain->size();
  } else {
    exact_elements exact(the_case);
    for_each_json_string(
        std::string_view(reinterpret_cast<const char*>(text.bytes.data()), text.bytes.size()),
        count,
        [&](std::size_t k, std::string_view element) {
          seen = k + 1;
          if (first_disagreement) {
            (void)parse_exact_value(element, k, text.path);
          } else if (exact_value_disagrees(the_case, exact, k, element, text.path)) {
            first_disagreement = k;
          }
        },
        fail_reading);
  }
  if (seen != count) fail("exact values have the wrong count");
  if (first_disagreement)
    fail("exact value " + std::to_string(*first_disagreement) + " disagrees with its inputs");
}

}  // namespace poolproof::golden::detail

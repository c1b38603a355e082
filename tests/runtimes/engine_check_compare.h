// engine_check's exact comparison of a real engine's float32 pooling outputs with the reference:
// the float32 error bound of an average, the JSON fields it reads, and the tallies it keeps.
#pragma once

#include <poolproof/reference/exact_number.h>
#include <poolproof/reference/tensor.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace poolproof::runtimes {

using json = nlohmann::json;

// --- The float32 error bound for an average -----------------------------------------------------

/// The largest error of an engine's float32 mean of `length` float32 inputs whose exact mean is
/// `exact` and whose magnitudes sum to `sum_abs`: gamma_{L+1} * sum|x_i| / L + gamma_2 * |A|, with
/// gamma_k = k*u / (1 - k*u), u = 2^-24 (Higham, Accuracy and Stability of Numerical Algorithms,
/// 2nd ed., eq. 4.6 and Lemma 3.3). Exact rationals; any summation order, division or reciprocal.
/// Precondition: integer inputs of magnitude < 2^24, length >= 1 (no overflow or underflow).
[[nodiscard]] reference::rational avg_error_bound(const reference::rational& sum_abs,
                                                  std::int64_t length,
                                                  const reference::rational& exact);

/// The same for a fixed pooling that sums `length` inputs and divides by `divisor` (which
/// count_include_pad may make larger): gamma_{max(L,1)+1} * sum|x_i| / divisor + gamma_2 * |A|.
[[nodiscard]] reference::rational avg_error_bound(const reference::rational& sum_abs,
                                                  std::int64_t length, std::int64_t divisor,
                                                  const reference::rational& exact);

// --- Reading the files --------------------------------------------------------------------------

/// The JSON document in the file at `path`; throws common::input_error naming the file.
[[nodiscard]] json read_json(const std::string& path);

/// object[key]; throws common::input_error naming `where` when it is missing.
[[nodiscard]] const json& field(const json& object, const char* key, const std::string& where);

/// object[key] as a size in [1, 4096]; throws common::input_error otherwise.
[[nodiscard]] std::int64_t size_field(const json& object, const char* key,
                                      const std::string& where);

/// An engine output as a float32 bit pattern (a uint32); throws common::input_error otherwise.
[[nodiscard]] std::uint32_t bits_of(const json& value, const std::string& where);

/// The exact rows of one input size, as a [rows, 1, n] tensor; values must be float32 integers
/// (magnitude <= 2^24) and there must be at least one row, else common::input_error.
[[nodiscard]] reference::exact_tensor input_tensor(const json& rows, std::int64_t n,
                                                   const std::string& where);

// --- Tallies ------------------------------------------------------------------------------------

/// One group's counts: runs passed and failed, and for avg how close the outputs came.
struct tally {
  std::int64_t passed = 0;
  std::int64_t failed = 0;
  std::int64_t outputs = 0;
  std::int64_t correctly_rounded = 0;   ///< avg outputs bit-identical to the rounded exact mean
  reference::rational worst_ratio = 0;  ///< avg: largest |engine - exact| / bound seen
};

/// Everything one engine_check run found, printed at the end.
struct report {
  std::map<std::string, tally> groups;
  std::vector<std::string> failures;
  std::map<std::string, std::string> detections;  ///< per group, the first wrong layer caught

  void fail(const std::string& group, const std::string& message) {
    ++groups[group].failed;
    failures.push_back(group + ": " + message);
  }
};

// --- Checking pooled outputs --------------------------------------------------------------------

/// One engine run: adaptive pooling (witness -1), or fixed pooling with witness 0 (Z3's) or a
/// variant (1, 2, ... in the order of the case's "variants"). Family "onnx": the ONNX family's
/// closed-form witness (0) or an auto_pad variant (1, 2, ... in the order of the case's
/// "auto_pad_variants"), or (`wrong`) the case's deliberately wrong layer, which must fail.
struct case_key {
  std::int64_t in_size, out_size;
  std::string kind, pooling;
  std::int64_t witness = -1;
  std::string family = "pytorch";
  bool wrong = false;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>.
  auto operator<=>(const case_key&) const = default;
};

/// "n -> m", with " wrong layer", " variant w" or (ONNX family) " auto_pad variant w".
[[nodiscard]] std::string describe(const case_key& key);

/// The tally a run counts in: "fixed avg", "adaptive max"; for the ONNX family "onnx witness avg",
/// "onnx auto_pad max", "onnx wrong avg".
[[nodiscard]] std::string group_of(const case_key& key);

/// An empty string when an engine's output `bits` agrees with the exact value, else why not: max
/// (and any non-finite value) bit-identical to round_to(binary32, exact), avg within
/// avg_error_bound(sum_abs, length, exact). Counts the output (and its error ratio) in `counts`.
[[nodiscard]] std::string check_output(const std::string& kind, std::uint32_t bits,
                                       const reference::extended_rational& exact,
                                       const reference::rational& sum_abs, std::int64_t length,
                                       tally& counts);

/// An empty string when every row of one engine output (`bits`: rows of float32 patterns) agrees
/// with the exact adaptive pooling (key.kind, key.in_size -> key.out_size) of `input`, else why
/// not, naming the first row and output that disagrees.
[[nodiscard]] std::string check_pooled(const case_key& key, const json& bits,
                                       const reference::exact_tensor& input, tally& counts);

}  // namespace poolproof::runtimes

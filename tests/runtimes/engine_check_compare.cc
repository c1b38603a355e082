// engine_check's exact comparison of engine outputs with the reference: every comparison is in
// rationals on decoded float32 bit patterns, never in floating point.
#include "engine_check_compare.h"

#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_pool.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/reference/float_format.h>

#include <algorithm>
#include <fstream>

namespace poolproof::runtimes {
namespace {

using poolproof::common::input_error;
using poolproof::reference::extended_rational;
using poolproof::reference::rational;

// --- The float32 error bound for an average -----------------------------------------------------
//
// An engine computes the mean of a window x_1..x_L of float32 values in float32 (round to
// nearest, unit roundoff u = 2^-24, no overflow or underflow: inputs here are integers of
// magnitude < 2^24 and L <= 64). Let S = sum x_i and A = S/L, the exact mean.
//  1. Summation in ANY order (left to right, pairwise, several SIMD lanes, any binary tree; zeros
//     added for padding change nothing) takes each x_i through at most L-1 roundings, so the
//     computed sum is S' = S + e with |e| <= gamma_{L-1} * sum|x_i| (Higham, Accuracy and
//     Stability of Numerical Algorithms, 2nd ed., section 4.2, eq. 4.6), where
//     gamma_k = k*u / (1 - k*u). A sum accumulated in a wider format and rounded once to
//     float32 is also within this (|e| <= (u + gamma^{wide}_{L-1}) * sum|x_i|).
//  2. The division either rounds once, fl(S'/L) = (S'/L)(1 + d), or is a multiplication by a
//     rounded reciprocal, fl(S' * fl(1/L)) = (S'/L)(1 + d1)(1 + d2), with |d|, |d1|, |d2| <= u.
//     In both cases the result is (S'/L)(1 + t) with |t| <= 2u + u^2 <= gamma_2, so
//       |result - A| <= (1 + u)^2 |e| / L + gamma_2 |A|
//                    <= gamma_{L+1} * sum|x_i| / L + gamma_2 * |A|,
//     using (1 + u) gamma_k <= gamma_{k+1} (Higham, Lemma 3.3) twice.
// The bound is evaluated in exact rationals. A plain division would allow only u|A| for the
// second term; gamma_2 also admits engines that multiply by 1/L, which is not an error.
rational unit_roundoff() { return rational(1, std::int64_t{1} << 24); }

rational gamma(std::int64_t k) {
  const rational ku = rational(k) * unit_roundoff();
  return ku / (1 - ku);
}

rational window_sum_abs(const poolproof::reference::exact_tensor& input, std::int64_t row,
                        const poolproof::reference::window& w) {
  rational sum = 0;
  const std::int64_t n = input.shape[2];
  for (std::int64_t j = w.begin; j < w.end; ++j) {
    sum += abs(input.values[static_cast<std::size_t>(row * n + j)].value);
  }
  return sum;
}

}  // namespace

rational avg_error_bound(const rational& sum_abs, std::int64_t length, const rational& exact) {
  return gamma(length + 1) * sum_abs / length + gamma(2) * abs(exact);
}

// The same for a fixed pooling that sums `length` inputs and divides by `divisor` (which
// count_include_pad may make larger): the argument above with S'/divisor in place of S'/L.
rational avg_error_bound(const rational& sum_abs, std::int64_t length, std::int64_t divisor,
                         const rational& exact) {
  return gamma(std::max<std::int64_t>(length, 1) + 1) * sum_abs / divisor + gamma(2) * abs(exact);
}

// --- Reading the files --------------------------------------------------------------------------

json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw input_error("cannot read '" + path + "'");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw input_error("cannot parse '" + path + "': " + e.what());
  }
}

const json& field(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) {
    throw input_error(where + ": missing field '" + key + "'");
  }
  return object.at(key);
}

std::int64_t size_field(const json& object, const char* key, const std::string& where) {
  const json& value = field(object, key, where);
  if (!value.is_number_integer() || value.get<std::int64_t>() < 1 ||
      value.get<std::int64_t>() > 4096) {
    throw input_error(where + ": '" + key + "' is not a size in [1, 4096]");
  }
  return value.get<std::int64_t>();
}

std::uint32_t bits_of(const json& value, const std::string& where) {
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() > 0xFFFF'FFFFu) {
    throw input_error(where + ": output is not a float32 bit pattern (uint32)");
  }
  return static_cast<std::uint32_t>(value.get<std::uint64_t>());
}

poolproof::reference::exact_tensor input_tensor(const json& rows, std::int64_t n,
                                                const std::string& where) {
  poolproof::reference::exact_tensor tensor{{0, 1, n}, {}};
  for (const json& row : rows) {
    if (!row.is_array() || static_cast<std::int64_t>(row.size()) != n) {
      throw input_error(where + ": an input row does not have " + std::to_string(n) + " values");
    }
    for (const json& v : row) {
      if (!v.is_number_integer() || v.get<std::int64_t>() > (1 << 24) ||
          v.get<std::int64_t>() < -(1 << 24)) {
        throw input_error(where + ": an input value is not an integer of magnitude <= 2^24");
      }
      tensor.values.push_back(extended_rational::finite(rational(v.get<std::int64_t>())));
    }
    ++tensor.shape[0];
  }
  if (tensor.shape[0] == 0) throw input_error(where + ": no input rows");
  return tensor;
}

// --- Checking pooled outputs --------------------------------------------------------------------

std::string describe(const case_key& key) {
  std::string text = std::to_string(key.in_size) + " -> " + std::to_string(key.out_size);
  if (key.wrong) return text + " wrong layer";
  if (key.witness <= 0) return text;
  return text + (key.family == "onnx" ? " auto_pad variant " : " variant ") +
         std::to_string(key.witness);
}

std::string group_of(const case_key& key) {
  if (key.family != "onnx") return key.pooling + " " + key.kind;
  const char* layer = key.wrong ? "wrong" : key.witness > 0 ? "auto_pad" : "witness";
  return "onnx " + std::string(layer) + " " + key.kind;
}

std::string check_output(const std::string& kind, std::uint32_t bits,
                         const extended_rational& exact, const rational& sum_abs,
                         std::int64_t length, tally& counts) {
  const extended_rational got =
      poolproof::reference::decode(poolproof::reference::float_format::binary32, bits);
  const std::uint64_t expected_bits =
      poolproof::reference::round_to(poolproof::reference::float_format::binary32, exact);
  ++counts.outputs;
  if (kind == "max" || !exact.is_finite() || !got.is_finite()) {
    if (bits == expected_bits) return "";
    return "got " + to_string(got) + " (bits " + std::to_string(bits) + "), exact " +
           to_string(exact);
  }
  if (bits == expected_bits) ++counts.correctly_rounded;
  const rational error = abs(got.value - exact.value);
  const rational bound = avg_error_bound(sum_abs, length, exact.value);
  if (bound > 0 && error / bound > counts.worst_ratio) counts.worst_ratio = error / bound;
  if (error <= bound) return "";
  return "got " + to_string(got) + ", exact " + to_string(exact) + ", error " +
         to_string(extended_rational::finite(error)) + " exceeds the float32 bound " +
         to_string(extended_rational::finite(bound));
}

std::string check_pooled(const case_key& key, const json& bits,
                         const poolproof::reference::exact_tensor& input, tally& counts) {
  const std::int64_t n = key.in_size, m = key.out_size;
  const std::vector<std::int64_t> out_size{m};
  const poolproof::reference::exact_tensor exact =
      key.kind == "avg" ? poolproof::reference::adaptive_avg_pool(input, out_size)
                        : poolproof::reference::adaptive_max_pool(input, out_size).values;
  const std::int64_t rows = input.shape[0];
  if (!bits.is_array() || static_cast<std::int64_t>(bits.size()) != rows) {
    return "expected " + std::to_string(rows) + " output rows";
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    const json& row = bits[static_cast<std::size_t>(r)];
    if (!row.is_array() || static_cast<std::int64_t>(row.size()) != m) {
      return "row " + std::to_string(r) + " has " + std::to_string(row.size()) +
             " outputs, adaptive pooling has " + std::to_string(m);
    }
    for (std::int64_t i = 0; i < m; ++i) {
      const poolproof::reference::window w = poolproof::reference::adaptive_window(n, m, i);
      const std::string why =
          check_output(key.kind, bits_of(row[static_cast<std::size_t>(i)], describe(key)),
                       exact.values[static_cast<std::size_t>(r * m + i)],
                       window_sum_abs(input, r, w), w.length(), counts);
      if (!why.empty()) {
        return "row " + std::to_string(r) + " output " + std::to_string(i) + ": " + why;
      }
    }
  }
  return "";
}

}  // namespace poolproof::runtimes

// `golden reference`: the correctly rounded answer (and on request the exact one) for any input a
// user brings, computed by the fast exact engine (poolproof::engine) on the .npy arrays as stored.
#pragma once

#include <poolproof/golden/npy.h>
#include <poolproof/golden/op.h>
#include <poolproof/reference/exact_number.h>
#include <poolproof/reference/float_format.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace poolproof::golden {

/// One op on a user's tensors, as read from .npy files (values stored as the format table says:
/// bfloat16 as '<u2' bit patterns).
struct reference_request {
  golden_op op = golden_op::adaptive_avg_pool;
  reference::float_format dtype = reference::float_format::binary32;
  std::vector<std::int64_t> output_size;
  npy_array input;
  std::optional<npy_array> grad_output;  ///< backward ops: the forward output's shape
  unsigned threads = 0;                  ///< engine worker threads (0: all cores)
};

/// The result: `result` (forward output or grad_input, each element round_to of the exact value)
/// and, for max ops, `indices`: the int64 argmax of every forward output (flat within the spatial
/// plane, the first maximal element, the last NaN), which max backward scatters to.
struct reference_result {
  npy_array result;
  std::optional<npy_array> indices;
};

/// The dtype of an input array: `dtype` if given (its storage must be the array's descr), else
/// the format stored natively under that descr. Throws input_error for '<u2' without a dtype
/// (bfloat16 bit patterns cannot be told from integers) and for a descr of no format.
[[nodiscard]] reference::float_format dtype_of(const npy_array& input,
                                               std::optional<reference::float_format> dtype,
                                               std::string_view name);

/// Runs the engine. Throws input_error on a bad request: arrays of another storage than the
/// dtype's, a rank that is not spatial_dims + 1 or + 2, sizes out of range, a grad_output missing
/// (backward) or of the wrong shape.
[[nodiscard]] reference_result run_reference(const reference_request& request);

/// The exact value of every result element by the plain specification (reference::adaptive_*),
/// about 100 bytes per input element; `computed` (run_reference's) is checked against it: each
/// element must be its correct rounding (an internal check).
[[nodiscard]] std::vector<reference::extended_rational> exact_result(
    const reference_request& request, const reference_result& computed);

/// `golden reference` on files: the op, the .npy files it reads, and where its answer goes.
struct reference_files {
  golden_op op = golden_op::adaptive_avg_pool;       ///< the op to run
  std::optional<reference::float_format> dtype;      ///< dtype_of's `dtype`
  std::vector<std::int64_t> output_size;             ///< one size per spatial axis
  std::filesystem::path input;                       ///< [N, C, *spatial] or [C, *spatial]
  std::optional<std::filesystem::path> grad_output;  ///< backward ops
  std::filesystem::path out;                         ///< a directory, created if absent
  bool exact = false;                                ///< also write exact.json
  unsigned threads = 0;                              ///< engine worker threads (0: all cores)
};

/// What write_reference wrote: the dtype it read the input as, and the files' names in `out`.
struct reference_written {
  reference::float_format dtype = reference::float_format::binary32;
  std::vector<std::string> files;
};

/// run_reference on files, written as `golden reference` writes them: <result>.npy (output.npy
/// or grad_input.npy, the result of run_reference), indices.npy for max ops, and with `exact`
/// exact.json (serialize_exact_values of exact_result), each atomically. The files' headers are
/// checked before any payload is read, and each payload is read once into storage of the engine's
/// element type and used there. Throws input_error as run_reference and read_npy_as do (a
/// grad_output given to a forward op must still be a readable .npy header).
[[nodiscard]] reference_written write_reference(const reference_files& files);

}  // namespace poolproof::golden

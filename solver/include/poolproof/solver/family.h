// The export targets whose fixed pooling the solver searches, and their layers as one type.
#pragma once

#include <poolproof/reference/export_pool.h>
#include <poolproof/reference/fixed_pool.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace poolproof::solver {

/// Which framework's fixed pooling stands in for adaptive pooling: PyTorch's AvgPool/MaxPool
/// (fixed_pool.h), ONNX's AveragePool/MaxPool or TFLite's pooling (export_pool.h). Each family
/// is one unit, solver/families/<name>.cc, registered in solver/families/registry.cc in this
/// order (docs/adding_a_family.md).
enum class pool_family { pytorch, onnx, tflite };

/// The family searched when none is named; its reports keep their unprefixed form.
inline constexpr pool_family default_family = pool_family::pytorch;

/// Every family, in registration order (--target all).
[[nodiscard]] std::vector<pool_family> all_families();

/// "pytorch", "onnx", "tflite": the --target names.
[[nodiscard]] const char* pool_family_name(pool_family family);

/// The family named `name` (as pool_family_name spells it); throws input_error otherwise.
[[nodiscard]] pool_family parse_pool_family(std::string_view name);

/// "pytorch, onnx, tflite": the --target names in registration order.
[[nodiscard]] std::string pool_family_names();

/// One axis of a layer of any family, in that family's own parameters; the alternative held
/// names the family (index = pool_family).
using family_params = std::variant<reference::fixed_pool_params, reference::onnx_pool_params,
                                   reference::tflite_pool_params>;

[[nodiscard]] pool_family family_of(const family_params& params);

/// The reference's first difference between the layer and adaptive pooling n -> m (count, index
/// set, avg divisor): every window when `outputs` is empty, else the count and those outputs.
[[nodiscard]] std::optional<std::string> family_mismatch(
    std::int64_t in_size, std::int64_t out_size, const family_params& params,
    reference::pool_kind kind, std::span<const std::int64_t> outputs = {});

/// Throws input_error where the layer lies outside its family (require_valid_params and kin).
void require_valid_family_params(const family_params& params, reference::pool_kind kind);

/// The layer's windows resolved by its family's reference model (PyTorch: padding on both sides,
/// count_include_pad as the divisor rule). Precondition: valid params and in_size.
[[nodiscard]] reference::pool_geometry family_geometry(std::int64_t in_size,
                                                       const family_params& params,
                                                       reference::pool_kind kind);

}  // namespace poolproof::solver

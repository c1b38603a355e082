// A decomposition of adaptive pooling as a self-contained PyTorch nn.Module (Python source).
#pragma once

#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/decomposition.h>

#include <cstdint>
#include <span>
#include <string>

namespace poolproof::exporter {

/// Python source of one nn.Module class (named AdaptiveAvgPool2dExact and the like) that
/// reproduces nn.AdaptiveAvgPoolNd / AdaptiveMaxPoolNd (values) for inputs [N, C, *in_size] or
/// [C, *in_size] of those spatial sizes, built from F.avg_pool / F.max_pool, torch.index_select
/// and torch.cat only, so torch.onnx.export accepts it. It imports torch alone. Preconditions:
/// d.family is pytorch. Throws input_error when a gather would hold more than 2^26 indices.
[[nodiscard]] std::string pytorch_module_source(const solver::decomposition& d);

/// The same for adaptive pooling in_sizes -> out_sizes of `kind`, decomposed here (the entry
/// point for the Python bindings). Throws input_error on invalid sizes.
[[nodiscard]] std::string pytorch_module_source(std::span<const std::int64_t> in_sizes,
                                                std::span<const std::int64_t> out_sizes,
                                                reference::pool_kind kind);

}  // namespace poolproof::exporter

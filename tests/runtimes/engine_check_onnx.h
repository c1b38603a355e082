// engine_check's checks of the ONNX family's deliberately wrong layers: the engine must run each
// as the reference model of the layer says, and the comparison with adaptive pooling must fail.
#pragma once

#include <poolproof/reference/tensor.h>

#include "engine_check_compare.h"

namespace poolproof::runtimes {

/// Counts in `out` (group group_of(key)) whether the engine's run `entry` of the wrong ONNX
/// `layer` (pads [begin, end], auto_pad, ceil_mode, ...) on `input` is proof that the check can
/// say no: it passes when the engine's outputs are those of onnx_pool_geometry's model of the
/// layer (exactly for max, within avg_error_bound for avg) and check_pooled rejects them; an
/// engine error, a disagreement with the model, or outputs that match adaptive pooling fail.
/// Throws common::input_error on a malformed layer.
void check_wrong(const case_key& key, const json& entry, const json& layer,
                 const reference::exact_tensor& input, report& out);

}  // namespace poolproof::runtimes

// Adaptive pooling rebuilt from a family's fixed pooling and static data movement, at any size.
#pragma once

#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/equivalence.h>
#include <poolproof/solver/family.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace poolproof::solver {

/// How one axis of adaptive pooling n -> m is rebuilt (docs/decomposition.md). Adaptive windows
/// have at most two lengths, q+1 and q+2 where q = floor(n/m) (one length, n/m, when m | n).
enum class axis_method {
  identity,      ///< n = m: the axis is left alone.
  single_layer,  ///< one fixed layer of the family (the theorem's witness; docs/theorem.md).
  gather,        ///< every window has one element: one gather, no pooling.
  gather_pool,   ///< one gather lays the windows out as blocks, one pool reads each block.
  gather_pools,  ///< avg with two window lengths: per length one gather and one pool (none for
                 ///< windows of one element), then one concat and one gather that restores the
                 ///< adaptive order.
};

/// "identity", "single layer", "gather", "gather + pool", "gathers + pools".
[[nodiscard]] const char* axis_method_name(axis_method method);

/// One run of blocks on a gathered copy of the axis: `windows` adaptive windows laid back to
/// back, each `kernel` long (max: shorter windows repeat their last index to fill the block;
/// avg: windows of one length), except that with `short_first` / `short_last` the first / last
/// block is one shorter and its pool output reads one padded cell (divisor: the inputs read).
/// `pool` is the family's layer on this axis, `gathered_size` the copy's length.
struct axis_segment {
  std::int64_t kernel = 1;
  std::int64_t windows = 0;
  std::int64_t window_length = 1;  ///< the adaptive windows' length (max: up to `kernel`)
  bool short_first = false;
  bool short_last = false;
  std::int64_t gathered_size = 0;
  bool pooled = true;  ///< false: windows of one element, taken by the gather alone
  family_params pool{};
};

/// One axis of a decomposition. Segments hold the windows in layout order: gather_pool has one
/// segment (windows in adaptive order, except that avg's at most two shorter windows sit at the
/// ends); gather_pools has two, the shorter windows first, each in adaptive order.
struct axis_decomposition {
  std::int64_t in_size = 1;
  std::int64_t out_size = 1;
  axis_method method = axis_method::identity;
  std::optional<family_params> layer;  ///< single_layer's witness
  std::vector<axis_segment> segments;
  /// The layout differs from the adaptive order, so a last gather puts the outputs back.
  bool reorders = false;
  int pooling_ops = 0;
  /// Why no decomposition of the axis in the stated class has fewer pooling ops: "Z3: unsat
  /// (...)" for m <= 64 where that takes a proof, else the lemma or theorem that says so.
  std::string minimality;
};

/// A whole adaptive pooling layer in_size -> out_size (1-3 spatial axes of an [N, C, *] input).
/// Either `layer` (one fixed N-D layer of the family, per axis) or `axes`, applied one axis at a
/// time from the first spatial axis to the last (the outer axis first: its gathers copy whole rows,
/// and its pools shrink what the inner axes copy): pooling over a product window is separable
/// (max exactly; avg in real arithmetic, rounding once per axis). Every window was re-checked by
/// the reference (`rechecked_windows` per axis summed; all of them up to 10^7 outputs per axis).
struct decomposition {
  pool_family family = default_family;
  reference::pool_kind kind = reference::pool_kind::avg;
  std::vector<std::int64_t> in_size;
  std::vector<std::int64_t> out_size;
  std::vector<family_params> layer;
  std::vector<axis_decomposition> axes;
  std::int64_t rechecked_windows = 0;

  /// The pooling ops of the whole decomposition (1 for a single layer).
  [[nodiscard]] int pooling_ops() const;
};

/// Rebuilds adaptive pooling in_size -> out_size of `kind` from `family`'s fixed pooling and
/// static gathers, concats and slices: one N-D layer when the prover finds one
/// (prove_equivalence_nd), else per axis the method with the fewest pooling ops in the class "a
/// static gather of the axis, fixed pooling layers of the family on gathered copies, static data
/// movement of their outputs": 0 when every window has one element, 1 for max or when avg's windows
/// have one length or at most two have the shorter one, else 2. Those counts are proven least: by
/// Z3 for the axes with m <= 64 (a relaxation whose unsat says one pool cannot produce the
/// windows), by the theorem of docs/decomposition.md beyond. Re-checked window by window and
/// divisor by divisor by the family's reference model before it is returned. Preconditions: as
/// prove_equivalence_nd. Throws input_error on invalid sizes.
[[nodiscard]] decomposition decompose(std::span<const std::int64_t> in_sizes,
                                      std::span<const std::int64_t> out_sizes,
                                      reference::pool_kind kind, pool_family family,
                                      const solver_options& options);

/// Segment `segment`'s adaptive windows in layout order. O(windows).
[[nodiscard]] std::vector<std::int64_t> segment_windows(const axis_decomposition& axis,
                                                        std::size_t segment);

/// The gather that builds segment `segment`'s copy of the axis: for each gathered position the
/// input index it reads (0-based, increasing within a block). O(gathered_size).
[[nodiscard]] std::vector<std::int64_t> segment_gather(const axis_decomposition& axis,
                                                       std::size_t segment);

/// method gather: the input index of each output. O(m).
[[nodiscard]] std::vector<std::int64_t> single_gather(const axis_decomposition& axis);

/// With `reorders`: for each adaptive output i, its position in the segments' outputs laid end
/// to end (the last gather's indices). O(m).
[[nodiscard]] std::vector<std::int64_t> output_order(const axis_decomposition& axis);

/// The decomposition as text: one line per op in the family's own vocabulary, then the count of
/// pooling ops and why none fewer do.
[[nodiscard]] std::string decomposition_text(const decomposition& d);

/// The same as a JSON object (its dump): "method", per axis "segments" with each pool's "call"
/// (the framework's own argument names), "pooling_ops", "minimality".
[[nodiscard]] std::string decomposition_json(const decomposition& d);

/// `pool` on spatial axis `axis` of `rank` as one layer of its family: the family's untouched
/// axis (kernel 1, stride 1, no pads, `pool`'s shared flags) on every other axis.
[[nodiscard]] std::vector<family_params> axis_pool_layer(pool_family family,
                                                         const family_params& pool,
                                                         std::size_t axis, std::size_t rank);

/// One axis's pool in the family's own call syntax, applied to axis `axis` of `rank` spatial
/// axes (kernel 1 elsewhere): e.g. "AvgPool2d(kernel_size=(1, 2), stride=(1, 2), ...)".
[[nodiscard]] std::string axis_pool_text(pool_family family, const family_params& pool,
                                         std::size_t axis, std::size_t rank,
                                         reference::pool_kind kind);

}  // namespace poolproof::solver

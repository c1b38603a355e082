#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <poolproof/common/error.h>
#include <poolproof/exporter/onnx_model.h>
#include <poolproof/reference/export_pool.h>

#include <string>
#include <vector>

#include "exporter/emit_limits.h"

namespace poolproof::exporter {
namespace {

using reference::onnx_pool_params;
using solver::axis_decomposition;
using solver::axis_method;

void add_ints(onnx::NodeProto& node, const char* name, const std::vector<std::int64_t>& values) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (std::int64_t v : values) a->add_ints(v);
}

void add_int(onnx::NodeProto& node, const char* name, std::int64_t value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void add_string(onnx::NodeProto& node, const char* name, const std::string& value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

// [N, C, sizes...] with N and C symbolic.
void set_shape(onnx::ValueInfoProto& value, const std::string& name,
               const std::vector<std::int64_t>& sizes) {
  value.set_name(name);
  onnx::TypeProto_Tensor* tensor = value.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* shape = tensor->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  shape->add_dim()->set_dim_param("C");
  for (std::int64_t size : sizes) shape->add_dim()->set_dim_value(size);
}

class graph_builder {
 public:
  explicit graph_builder(onnx::GraphProto& graph) : graph_(graph) {}

  std::string gather(const std::string& input, std::size_t axis,
                     const std::vector<std::int64_t>& indices) {
    if (indices.size() > static_cast<std::size_t>(detail::max_gather)) {
      throw common::input_error(
          fmt::format("a gather of {} indices is too large to emit", indices.size()));
    }
    const std::string name = fresh("indices");
    onnx::TensorProto* tensor = graph_.add_initializer();
    tensor->set_name(name);
    // int32 indices: ONNX Runtime gathers with them about 15% faster than with int64 ones, and
    // every emittable axis is far below 2^31.
    tensor->set_data_type(onnx::TensorProto::INT32);
    tensor->add_dims(static_cast<std::int64_t>(indices.size()));
    for (std::int64_t index : indices) {
      POOLPROOF_CHECK(index >= 0 && index < (std::int64_t{1} << 31));
      tensor->add_int32_data(static_cast<std::int32_t>(index));
    }
    onnx::NodeProto& node = add("Gather", {input, name}, "gathered");
    add_int(node, "axis", static_cast<std::int64_t>(axis));
    return node.output(0);
  }

  std::string pool(const std::string& input, const std::vector<solver::family_params>& axes,
                   reference::pool_kind kind) {
    const bool avg = kind == reference::pool_kind::avg;
    onnx::NodeProto& node = add(avg ? "AveragePool" : "MaxPool", {input}, "pooled");
    std::vector<std::int64_t> kernel, strides, begins, ends, dilations;
    for (const solver::family_params& axis : axes) {
      const auto& p = std::get<onnx_pool_params>(axis);
      kernel.push_back(p.kernel);
      strides.push_back(p.stride);
      begins.push_back(p.pad_begin);
      ends.push_back(p.pad_end);
      dilations.push_back(p.dilation);
    }
    const auto& shared = std::get<onnx_pool_params>(axes.front());
    add_ints(node, "kernel_shape", kernel);
    add_ints(node, "strides", strides);
    if (shared.auto_pad == reference::onnx_auto_pad::notset) {
      begins.insert(begins.end(), ends.begin(), ends.end());
      add_ints(node, "pads", begins);
      add_int(node, "ceil_mode", shared.ceil_mode ? 1 : 0);
    } else {
      add_string(node, "auto_pad", reference::onnx_auto_pad_name(shared.auto_pad));
    }
    if (avg) {
      add_int(node, "count_include_pad", shared.count_include_pad ? 1 : 0);
    } else {
      add_ints(node, "dilations", dilations);
    }
    return node.output(0);
  }

  std::string concat(const std::vector<std::string>& inputs, std::size_t axis) {
    onnx::NodeProto& node = add("Concat", inputs, "joined");
    add_int(node, "axis", static_cast<std::int64_t>(axis));
    return node.output(0);
  }

  std::string transpose(const std::string& input, const std::vector<std::int64_t>& perm) {
    onnx::NodeProto& node = add("Transpose", {input}, "transposed");
    add_ints(node, "perm", perm);
    return node.output(0);
  }

  std::string reshape(const std::string& input, const std::string& shape) {
    return add("Reshape", {input, shape}, "reshaped").output(0);
  }

  // The input's leading dimensions [N, C], read at run time (they are symbolic).
  std::string batch_and_channels(const std::string& input) {
    onnx::NodeProto& node = add("Shape", {input}, "shape");
    add_int(node, "start", 0);
    add_int(node, "end", 2);
    return node.output(0);
  }

  std::string int64s(const std::vector<std::int64_t>& values) {
    std::string name = fresh("shape");
    onnx::TensorProto* tensor = graph_.add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::INT64);
    tensor->add_dims(static_cast<std::int64_t>(values.size()));
    for (std::int64_t v : values) tensor->add_int64_data(v);
    return name;
  }

  // The last node writes the graph's output "y".
  void rename_last_output(const std::string& name) {
    graph_.mutable_node(graph_.node_size() - 1)->set_output(0, name);
  }

  [[nodiscard]] std::int64_t nodes() const { return graph_.node_size(); }

 private:
  std::string fresh(const std::string& stem) { return fmt::format("{}_{}", stem, next_++); }

  onnx::NodeProto& add(const char* op, const std::vector<std::string>& inputs,
                       const std::string& stem) {
    onnx::NodeProto& node = *graph_.add_node();
    node.set_op_type(op);
    node.set_name(fresh(op));
    for (const std::string& input : inputs) node.add_input(input);
    node.add_output(fresh(stem));
    return node;
  }

  onnx::GraphProto& graph_;
  int next_ = 0;
};

// The axis's gathers and pools on `input`, whose axis `tensor_axis` is the one pooled and whose
// pools are `layer(pool)`.
template <typename Layer>
std::string gathers_and_pools(graph_builder& b, const solver::decomposition& d,
                              const axis_decomposition& a, const std::string& input,
                              std::size_t tensor_axis, const Layer& layer) {
  if (a.method == axis_method::gather)
    return b.gather(input, tensor_axis, solver::single_gather(a));
  std::vector<std::string> parts;
  for (std::size_t s = 0; s < a.segments.size(); ++s) {
    const std::string gathered = b.gather(input, tensor_axis, solver::segment_gather(a, s));
    parts.push_back(a.segments[s].pooled ? b.pool(gathered, layer(a.segments[s].pool), d.kind)
                                         : gathered);
  }
  const std::string joined = parts.size() == 1 ? parts.front() : b.concat(parts, tensor_axis);
  return a.reorders ? b.gather(joined, tensor_axis, solver::output_order(a)) : joined;
}

// The innermost axis, where ONNX Runtime's Gather copies one element per index (about 4 ns
// each): the axis is moved to the front and the rest flattened, [1, 1, n, N*C*...], so each
// index copies a whole row; pools there take kernel (k, 1). Then back to [N, C, ..., m].
std::string innermost_axis(graph_builder& b, const solver::decomposition& d, std::size_t axis,
                           const std::string& input) {
  const axis_decomposition& a = d.axes[axis];
  const std::size_t rank = d.in_size.size() + 2;
  std::vector<std::int64_t> to_front{static_cast<std::int64_t>(rank - 1)}, to_back;
  for (std::size_t k = 0; k + 1 < rank; ++k) to_front.push_back(static_cast<std::int64_t>(k));
  for (std::size_t k = 1; k < rank; ++k) to_back.push_back(static_cast<std::int64_t>(k));
  to_back.push_back(0);
  const std::string rows = b.reshape(b.transpose(input, to_front), b.int64s({1, 1, a.in_size, -1}));
  const auto layer = [&](const solver::family_params& pool) {
    return solver::axis_pool_layer(d.family, pool, 0, 2);
  };
  const std::string pooled = gathers_and_pools(b, d, a, rows, 2, layer);
  // [1, 1, m, N*C*...] -> [m, N, C, out sizes of the axes before] -> [N, C, ..., m].
  std::vector<std::int64_t> before(d.out_size.begin(),
                                   d.out_size.begin() + static_cast<std::ptrdiff_t>(axis));
  std::vector<std::string> shape{b.int64s({a.out_size}), b.batch_and_channels("x")};
  if (!before.empty()) shape.push_back(b.int64s(before));
  return b.transpose(b.reshape(pooled, b.concat(shape, 0)), to_back);
}

// One axis's ops, from `input`; returns the tensor holding that axis pooled.
std::string emit_axis(graph_builder& b, const solver::decomposition& d, std::size_t axis,
                      const std::string& input) {
  const axis_decomposition& a = d.axes[axis];
  const std::size_t tensor_axis = axis + 2, rank = d.in_size.size();
  const auto layer = [&](const solver::family_params& pool) {
    return solver::axis_pool_layer(d.family, pool, axis, rank);
  };
  switch (a.method) {
    case axis_method::identity:
      return input;
    case axis_method::single_layer:
      return b.pool(input, layer(*a.layer), d.kind);
    case axis_method::gather:
    case axis_method::gather_pool:
    case axis_method::gather_pools:
      break;
  }
  if (axis + 1 == rank) return innermost_axis(b, d, axis, input);
  return gathers_and_pools(b, d, a, input, tensor_axis, layer);
}

std::string doc_string(const solver::decomposition& d) {
  return fmt::format(
      "poolproof: exact replacement of adaptive {} pooling {} -> {} (PyTorch's "
      "AdaptiveAvgPool/AdaptiveMaxPool windows: floor(i*n/m) to ceil((i+1)*n/m)); {} pooling "
      "op(s), every window re-checked against the exact reference. Special values: ONNX "
      "Runtime's MaxPool skips NaN where PyTorch returns NaN, and gives -3.4028235e38 for a "
      "window of only -inf; AveragePool propagates NaN as PyTorch does "
      "(golden/KNOWN_DIVERGENCES.md).",
      reference::pool_kind_name(d.kind), fmt::join(d.in_size, "x"), fmt::join(d.out_size, "x"),
      d.pooling_ops());
}

}  // namespace

onnx_model make_onnx_model(const solver::decomposition& d) {
  POOLPROOF_CHECK(d.family == solver::pool_family::onnx);
  detail::require_emittable(d);
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("poolproof");
  model.set_doc_string(doc_string(d));
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(onnx_opset);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name(fmt::format("adaptive_{}_pool", reference::pool_kind_name(d.kind)));
  set_shape(*graph.add_input(), "x", d.in_size);
  set_shape(*graph.add_output(), "y", d.out_size);
  graph_builder b(graph);
  std::string current = "x";
  if (!d.layer.empty()) {
    current = b.pool(current, d.layer, d.kind);
  } else {
    for (std::size_t axis = 0; axis < d.axes.size(); ++axis)
      current = emit_axis(b, d, axis, current);
  }
  if (b.nodes() == 0) {
    // n = m on every axis: the layer is the identity, which a graph still needs a node for.
    onnx::NodeProto& node = *graph.add_node();
    node.set_op_type("Identity");
    node.add_input("x");
    node.add_output("y");
  } else {
    b.rename_last_output("y");
  }
  // A model the checker or strict shape inference refuses is a bug here, never an answer.
  try {
    onnx::checker::check_model(model);
    onnx::ShapeInferenceOptions strict{true, 1, false};
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), strict);
  } catch (const std::exception& e) {
    const std::string what = std::string("the emitted model passes onnx::checker: ") + e.what();
    common::check_failed(what.c_str(), __FILE__, __LINE__);
  }
  return {model.SerializeAsString(), graph.node_size(), onnx_opset};
}

}  // namespace poolproof::exporter

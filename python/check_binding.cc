// poolproof.check from Python: a user's result against the golden checker's rigorous bounds, for
// any input the user brings (the expectation is golden::expect_forward on the input's patterns
// for forward ops, golden::expect on its decoded values for backward ones).
#include <poolproof/common/error.h>
#include <poolproof/golden/expectation.h>
#include <poolproof/golden/op.h>
#include <poolproof/golden/tolerance.h>
#include <poolproof/reference/tensor.h>
#include <pybind11/stl.h>

#include <cmath>
#include <string>

#include "python/binding.h"

namespace poolproof::python {
namespace {

golden::golden_op op_of(std::string_view name) {
  const std::optional<golden::golden_op> op = golden::parse_golden_op(name);
  if (!op) {
    throw common::input_error("unknown op '" + std::string(name) +
                              "': adaptive_avg_pool, adaptive_max_pool, "
                              "adaptive_avg_pool_backward or adaptive_max_pool_backward");
  }
  return *op;
}

std::string shape_text(std::span<const std::int64_t> shape) {
  std::string text = "[";
  for (std::size_t k = 0; k < shape.size(); ++k)
    text += (k == 0 ? "" : ", ") + std::to_string(shape[k]);
  return text + "]";
}

py::object optional_number(const std::optional<double>& x) {
  return x ? py::object(py::float_(*x)) : py::object(py::none());
}

py::dict element_dict(const golden::element_report& r) {
  py::dict d;
  d["index"] = r.index;
  d["what"] = r.what;
  d["candidate"] = r.candidate;
  d["exact"] = r.exact;
  d["rounded"] = r.rounded;
  d["error_ulps"] = optional_number(r.error_ulps);
  d["bound_ulps"] = optional_number(r.bound_ulps);
  d["bound_used"] = optional_number(r.bound_used);
  return d;
}

// The case a user's own problem makes: what load_case builds from a suite's files, built from
// memory (the rounded expectation is round_to of the exact values, as the suite stores it).
golden::loaded_case user_case(golden::pooling_problem problem,
                              std::vector<std::uint64_t> input_bits, std::string_view name) {
  golden::loaded_case c;
  c.entry.name = name;
  c.entry.op = problem.op;
  c.entry.tier = "user";
  c.entry.spatial_dims = problem.spatial_dims;
  c.entry.input_shape = problem.input.shape;
  c.entry.output_size = problem.output_size;
  c.entry.dtype = problem.dtype;
  c.problem = std::move(problem);
  c.input_bits = std::move(input_bits);
  // Forward ops read the patterns (no rational per input); backward ops the decoded values.
  c.expected = golden::describe(c.problem.op).backward()
                   ? golden::expect(c.problem)
                   : golden::expect_forward(c.problem, c.input_bits);
  c.expected_bits.reserve(c.expected.elements.size());
  for (const golden::accumulation& element : c.expected.elements)
    c.expected_bits.push_back(reference::round_to(c.problem.dtype, element.value));
  return c;
}

py::dict check(std::string_view op_name, py::handle output, py::handle input,
               const std::vector<std::int64_t>& out_size, std::string_view dtype,
               py::handle indices, py::handle grad_output, bool strict, std::string_view ties,
               std::string_view accumulation, std::string_view name) {
  const golden::check_options options = check_options_of(strict, ties, accumulation);
  golden::pooling_problem problem;
  problem.op = op_of(op_name);
  const float_array x = to_float_array(input, dtype, "input");
  const std::string format(reference::format_name(x.format));
  problem.dtype = x.format;
  problem.spatial_dims = static_cast<int>(out_size.size());
  problem.output_size = out_size;
  const std::vector<std::int64_t> out_shape = reference::adaptive_output_shape(x.shape, out_size);
  problem.input.shape = x.shape;
  if (golden::describe(problem.op).backward()) {
    problem.input.values = decoded(x);
    if (grad_output.is_none())
      throw common::input_error(std::string(op_name) + " needs grad_output");
    const float_array g = to_float_array(grad_output, format, "grad_output");
    if (g.shape != out_shape) {
      throw common::input_error("grad_output has shape " + shape_text(g.shape) + ", expected " +
                                shape_text(out_shape));
    }
    problem.grad_output = {g.shape, decoded(g)};
  }
  const float_array result = to_float_array(output, format, "output");
  const std::vector<std::int64_t> want =
      golden::describe(problem.op).backward() ? x.shape : out_shape;
  if (result.shape != want) {
    throw common::input_error("output has shape " + shape_text(result.shape) + ", expected " +
                              shape_text(want));
  }
  const golden::candidate_result candidate = candidate_of(problem.op, result, indices);
  std::vector<std::uint64_t> input_bits = bits_of(x);  // reads the array: with the GIL held
  golden::loaded_case golden_case;
  {
    const py::gil_scoped_release unlocked;
    golden_case = user_case(std::move(problem), std::move(input_bits), name);
  }
  return check_to_dict(golden_case, candidate, options);
}

}  // namespace

golden::check_options check_options_of(bool strict, std::string_view ties,
                                       std::string_view accumulation) {
  golden::check_options options;
  options.strict = strict;
  const std::optional<golden::accumulator> rule = golden::parse_accumulator(accumulation);
  if (!rule) {
    throw common::input_error("accumulation must be 'any' or 'float32', got '" +
                              std::string(accumulation) + "'");
  }
  options.accumulation = *rule;
  if (ties == "first") {
    options.ties = golden::tie_rule::first;
  } else if (ties == "any") {
    options.ties = golden::tie_rule::any;
  } else {
    throw common::input_error("ties must be 'first' or 'any', got '" + std::string(ties) + "'");
  }
  return options;
}

golden::candidate_result candidate_of(golden::golden_op op, const float_array& result,
                                      const py::handle& indices) {
  golden::candidate_result candidate{result.shape, bits_of(result), {}};
  const bool max_forward = golden::describe(op).returns_indices();
  if (max_forward && indices.is_none())
    throw common::input_error("adaptive_max_pool is checked with its indices: pass indices=");
  if (!max_forward && !indices.is_none()) {
    throw common::input_error("indices are checked for adaptive_max_pool only, not " +
                              std::string(golden::golden_op_name(op)));
  }
  if (max_forward) {
    const py::array_t<std::int64_t> argmax = to_index_array(indices, "indices");
    if (!std::ranges::equal(std::span(argmax.shape(), static_cast<std::size_t>(argmax.ndim())),
                            result.shape)) {
      throw common::input_error("indices must have the output's shape " + shape_text(result.shape));
    }
    candidate.indices.assign(argmax.data(), argmax.data() + argmax.size());
  }
  return candidate;
}

py::dict check_to_dict(const golden::loaded_case& golden, const golden::candidate_result& candidate,
                       const golden::check_options& options) {
  golden::case_report report;
  {
    const py::gil_scoped_release unlocked;
    report = golden::check_result(golden, candidate, options);
  }
  py::dict d;
  d["passed"] = report.passed;
  d["elements"] = report.elements;
  d["failed_elements"] = report.failed_elements;
  d["off_rounded"] = report.off_rounded;
  d["max_error_ulps"] = optional_number(report.max_error_ulps);
  d["max_bound_used"] = optional_number(report.max_bound_used);
  d["message"] = report.message;
  d["worst"] = report.worst ? py::object(element_dict(*report.worst)) : py::object(py::none());
  return d;
}

void bind_check(py::module_& module) {
  using namespace pybind11::literals;
  module.def("check", &check, "op"_a, "output"_a, "input"_a, "output_size"_a, "dtype"_a,
             "indices"_a, "grad_output"_a, "strict"_a, "ties"_a, "accumulation"_a, "name"_a);
}

}  // namespace poolproof::python

// implementation_properties.h: generated problems, the user's result, the golden checker's verdict.
#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/properties/implementation_properties.h>

#include <algorithm>

namespace poolproof::properties {
namespace {

std::vector<std::uint64_t> bits_of(reference::float_format format,
                                   const std::vector<reference::extended_rational>& values) {
  std::vector<std::uint64_t> bits;
  bits.reserve(values.size());
  for (const auto& x : values) bits.push_back(round_to(format, x));
  return bits;
}

// A problem of options.op with generated inputs: the shapes, formats and values of
// gen_pooling_case, and for backward ops a grad_output of the same mix.
golden::pooling_problem draw(const implementation_options& options) {
  const pooling_case c = *gen_pooling_case(options.mix);
  RC_PRE(std::find(options.formats.begin(), options.formats.end(), c.format) !=
         options.formats.end());
  golden::pooling_problem p{options.op, static_cast<int>(c.spatial_dims()), c.format, c.input, {},
                            c.out_size};
  if (golden::describe(options.op).backward()) {
    const auto shape = golden::forward_output_shape(p);
    p.grad_output = *gen_tensor(shape, c.format, options.mix);
  }
  return p;
}

// The problem as the checker's loaded case: expectation, correctly rounded bits, a manifest entry.
golden::loaded_case as_loaded(const golden::pooling_problem& p) {
  golden::loaded_case g;
  g.entry.name = "generated";
  g.entry.op = p.op;
  g.entry.tier = "core";
  g.entry.spatial_dims = p.spatial_dims;
  g.entry.input_shape = p.input.shape;
  g.entry.output_size = p.output_size;
  g.entry.dtype = p.dtype;
  g.problem = p;
  g.input_bits = bits_of(p.dtype, p.input.values);
  g.expected = golden::expect(p);
  for (const auto& element : g.expected.elements)
    g.expected_bits.push_back(round_to(p.dtype, element.value));
  return g;
}

}  // namespace

std::vector<std::uint64_t> input_bits(const golden::pooling_problem& problem) {
  return bits_of(problem.dtype, problem.input.values);
}

std::vector<std::uint64_t> grad_output_bits(const golden::pooling_problem& problem) {
  return bits_of(problem.dtype, problem.grad_output.values);
}

void implementation_property(const implementation& impl, const implementation_options& options,
                             const std::function<void(const implementation_failure&)>& on_failure) {
  const golden::pooling_problem problem = draw(options);
  const golden::loaded_case golden = as_loaded(problem);
  // Windows too long for the format's any-order bound say nothing about an implementation.
  RC_PRE(std::all_of(golden.expected.bounds.begin(), golden.expected.bounds.end(),
                     [](const golden::element_bound& b) { return b.bound.has_value(); }));
  golden::case_report report;
  try {
    report = golden::check_result(golden, impl(problem), options.check);
  } catch (const common::input_error& error) {
    report.name = golden.entry.name;
    report.status = golden::case_status::malformed;
    report.message = error.what();
  }
  if (report.passed) return;
  if (on_failure) on_failure({problem, report});
  RC_FAIL(describe(implementation_failure{problem, report}));
}

std::optional<implementation_failure> check_implementation(const std::string& description,
                                                           const implementation& impl,
                                                           const implementation_options& options) {
  // RapidCheck evaluates shrink candidates after the first failure; the last failing one it
  // evaluates is the shrunk counterexample it reports.
  std::optional<implementation_failure> last;
  const bool passed = rc::check(description, [&] {
    implementation_property(impl, options, [&](const implementation_failure& f) { last = f; });
  });
  if (passed) return std::nullopt;
  return last;
}

std::string describe(const implementation_failure& failure) {
  const golden::pooling_problem& p = failure.problem;
  return fmt::format("{} {} input [{}] -> [{}]: {}", golden::golden_op_name(p.op),
                     reference::format_name(p.dtype), fmt::join(p.input.shape, ", "),
                     fmt::join(p.output_size, ", "), failure.report.message);
}

}  // namespace poolproof::properties

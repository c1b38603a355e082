// user_cases.h: a case at the user's shape, drawn as bit patterns, computed by the engine, and
// verified plane by plane in exact arithmetic.
#include <fmt/format.h>
#include <poolproof/common/error.h>
#include <poolproof/golden/discrimination.h>
#include <poolproof/golden/exact_values.h>
#include <poolproof/golden/npy.h>
#include <poolproof/golden/reference_run.h>
#include <poolproof/golden/user_cases.h>
#include <poolproof/reference/size_text.h>
#include <poolproof/reference/tensor.h>

#include <chrono>
#include <stdexcept>

#include "golden/boundary_patterns.h"

namespace poolproof::golden {
namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t end = std::min(text.find(separator), text.size());
    parts.push_back(text.substr(0, end));
    if (end == text.size()) return parts;
    text.remove_prefix(end + 1);
  }
}

// The plane's elements of `all` (planes of `plane_size` elements) as exact values.
std::vector<reference::extended_rational> decoded_plane(reference::float_format dtype,
                                                        const std::vector<std::uint64_t>& all,
                                                        std::int64_t plane,
                                                        std::int64_t plane_size) {
  std::vector<reference::extended_rational> values;
  values.reserve(static_cast<std::size_t>(plane_size));
  for (std::int64_t k = 0; k < plane_size; ++k)
    values.push_back(decode(dtype, all[static_cast<std::size_t>(plane * plane_size + k)]));
  return values;
}

// The core tier's output gradients, +-(1/2 + r), as bit patterns.
std::vector<std::uint64_t> draw_grads(const case_spec& spec, std::uint64_t seed,
                                      std::int64_t count) {
  case_spec grads = spec;  // draw_problem's gradients, on a one-element input per output
  grads.input_shape = {1, count};
  grads.output_size = {count};
  grads.op = describe(spec.op).avg() ? golden_op::adaptive_avg_pool_backward
                                     : golden_op::adaptive_max_pool_backward;
  grads.pattern = input_pattern::ramp;
  const pooling_problem p = draw_problem(grads, seed);
  std::vector<std::uint64_t> bits;
  bits.reserve(p.grad_output.values.size());
  for (const auto& g : p.grad_output.values) bits.push_back(round_to(spec.dtype, g));
  return bits;
}

// Throttled progress lines: at most one every two seconds.
struct progress_reporter {
  const user_case_options& options;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();

  void note(const std::string& line, bool always = false) {
    if (!options.progress) return;
    const auto now = std::chrono::steady_clock::now();
    if (!always && now - last < std::chrono::seconds(2)) return;
    last = now;
    options.progress(line);
  }
};

struct plane_check {
  const case_spec& spec;
  const reference_request& request;
  const reference_result& result;
  reference::pooling_layout layout;
  std::vector<window_shift> pending;  // shifts no plane has exposed yet
  std::vector<reference::extended_rational> exact;
  bool keep_exact = false;

  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("golden case '" + spec.name + "': " + why);
  }

  // Plane p as a problem of its own ([1, *spatial]), its expectation against the engine's bits.
  void run(std::int64_t plane) {
    pooling_problem p{spec.op, spec.spatial_dims(), spec.dtype, {}, {}, spec.output_size};
    std::vector<std::int64_t> shape{1};
    shape.insert(shape.end(), layout.spatial.begin(), layout.spatial.end());
    p.input = {shape, decoded_plane(spec.dtype, request.input.words, plane, layout.plane_size())};
    const std::int64_t out_plane = reference::element_count(spec.output_size);
    if (request.grad_output) {
      p.grad_output = {forward_output_shape(p),
                       decoded_plane(spec.dtype, request.grad_output->words, plane, out_plane)};
    }
    const expectation e = expect(p);
    const auto offset = static_cast<std::size_t>(plane) * e.elements.size();
    for (std::size_t k = 0; k < e.elements.size(); ++k) {
      if (round_to(spec.dtype, e.elements[k].value) != result.result.words[offset + k])
        fail(fmt::format("plane {} element {}: engine and specification differ", plane, k));
      if (!e.bounds[k].bound) fail(fmt::format("plane {} element {} has no error bound", plane, k));
      if (keep_exact) exact.push_back(e.elements[k].value);
    }
    const auto index_offset = static_cast<std::size_t>(plane * out_plane);
    for (std::size_t k = 0; k < e.indices.size(); ++k) {
      if (static_cast<std::int64_t>(result.indices->words[index_offset + k]) != e.indices[k])
        fail(fmt::format("plane {} output {}: engine and specification argmax differ", plane, k));
    }
    std::erase_if(pending, [&](const window_shift& s) { return exposes(p, e, s); });
  }
};

}  // namespace

case_spec parse_case_spec(std::string_view text) {
  const auto bad = [&](const std::string& why) -> common::input_error {
    return common::input_error("bad case spec " + quote_for_message(text) + ": " + why +
                               " (OP:DTYPE:SHAPE:OUTPUT_SIZE, e.g. "
                               "adaptive_avg_pool:float16:2x3x300x300:7x7)");
  };
  const std::vector<std::string_view> parts = split(text, ':');
  if (parts.size() != 4) throw bad("4 fields separated by ':'");
  case_spec spec;
  const auto op = parse_golden_op(parts[0]);
  if (!op) throw bad("unknown op " + quote_for_message(parts[0]));
  const auto dtype = reference::parse_format(parts[1]);
  if (!dtype) throw bad("unknown dtype " + quote_for_message(parts[1]));
  spec.op = *op;
  spec.dtype = *dtype;
  spec.tier = "core";
  try {
    for (std::string_view size : split(parts[2], 'x'))
      spec.input_shape.push_back(reference::parse_sizes(size, "input size").front());
    spec.output_size = reference::parse_sizes(parts[3], "output size");
    (void)reference::adaptive_output_shape(spec.input_shape, spec.output_size);
  } catch (const common::input_error& error) {
    throw bad(error.what());
  }
  spec.pattern =
      describe(spec.op).avg() ? input_pattern::boundary_product : input_pattern::boundary_steps;
  spec.name =
      fmt::format("{}_{}_{}_{}", describe(spec.op).short_name, parts[1], parts[2], parts[3]);
  return spec;
}

namespace {

// The case's inputs as the engine reads them: the boundary pattern (`variant`) and gradients.
reference_request draw_request(const case_spec& spec, std::uint64_t seed, int variant) {
  reference_request request{spec.op, spec.dtype, spec.output_size, {}, std::nullopt, 0};
  const npy_element element = npy_element_for(spec.dtype);
  request.input = {element, spec.input_shape, {}};
  const reference::pooling_layout layout =
      reference::split_pooling_shape(spec.input_shape, spec.output_size.size());
  request.input.words.reserve(static_cast<std::size_t>(layout.planes * layout.plane_size()));
  detail::boundary_pattern pattern(spec, variant);
  for (std::int64_t p = 0; p < layout.planes; ++p) {
    reference::for_each_multi_index(layout.spatial,
                                    [&](std::span<const std::int64_t> index, std::int64_t) {
                                      request.input.words.push_back(pattern.bits(p, index));
                                    });
  }
  const std::vector<std::int64_t> out_shape =
      forward_output_shape(spec.input_shape, spec.output_size);
  if (describe(spec.op).backward()) {
    request.grad_output =
        npy_array{element, out_shape, draw_grads(spec, seed, reference::element_count(out_shape))};
  }
  return request;
}

// Every plane verified in exact arithmetic; the shifts no plane exposes are left in `pending`.
plane_check verify_planes(const case_spec& spec, const reference_request& request,
                          const reference_result& result, const user_case_options& options,
                          progress_reporter& progress) {
  const reference::pooling_layout layout =
      reference::split_pooling_shape(spec.input_shape, spec.output_size.size());
  plane_check check{spec, request, result, layout, {}, {}, false};
  check.keep_exact =
      static_cast<std::int64_t>(result.result.words.size()) <= options.max_exact_elements;
  pooling_problem shape_only{spec.op, spec.spatial_dims(), spec.dtype, {}, {}, spec.output_size};
  shape_only.input.shape = spec.input_shape;
  check.pending = window_shifts(shape_only);
  for (std::int64_t p = 0; p < layout.planes; ++p) {
    check.run(p);
    progress.note(fmt::format("case {}: verified plane {} of {}", spec.name, p + 1, layout.planes));
  }
  return check;
}

built_case assemble(const case_spec& spec, const reference_request& request,
                    const reference_result& result, const plane_check& check) {
  const op_description op = describe(spec.op);
  built_case built;
  built.entry = {spec.name,        spec.op,          spec.tier,  spec.spatial_dims(),
                 spec.input_shape, spec.output_size, spec.dtype, {}};
  const auto add = [&](std::string_view role_name, std::string_view extension,
                       std::vector<std::byte> bytes) {
    const std::string path = spec.name + "/" + std::string(role_name) + std::string(extension);
    built.entry.files[std::string(role_name)] = file_of(path, bytes);
    built.files.emplace_back(path, std::move(bytes));
  };
  add(role::input, ".npy", serialize_npy(request.input));
  if (op.backward()) add(role::grad_output, ".npy", serialize_npy(*request.grad_output));
  add(op.result_role(), ".npy", serialize_npy(result.result));
  if (op.stores_indices()) add(role::indices, ".npy", serialize_npy(*result.indices));
  if (check.keep_exact) {
    const std::string text = serialize_exact_values(check.exact);
    const auto* data = reinterpret_cast<const std::byte*>(text.data());
    add(role::exact, ".json", {data, data + text.size()});
  }
  return built;
}

}  // namespace

built_case build_user_case(const case_spec& spec, std::uint64_t seed,
                           const user_case_options& options) {
  progress_reporter progress{options};
  const std::int64_t planes =
      reference::split_pooling_shape(spec.input_shape, spec.output_size.size()).planes;
  // Two planes read the avg pattern both ways; a single plane tries the readings in turn.
  const int variants = describe(spec.op).avg() && planes == 1 ? 4 : 1;
  for (int variant = 0;; ++variant) {
    progress.note("case " + spec.name + ": drawing inputs", true);
    const reference_request request = draw_request(spec, seed, variant);
    progress.note("case " + spec.name + ": computing with the engine", true);
    const reference_result result = run_reference(request);
    const plane_check check = verify_planes(spec, request, result, options, progress);
    if (check.pending.empty()) {
      progress.note("case " + spec.name + ": verified", true);
      return assemble(spec, request, result, check);
    }
    if (variant + 1 < variants) continue;
    check.fail("inputs do not discriminate: " + describe(check.pending.front()) +
               " goes unnoticed" +
               (planes < 2 ? " (with N*C >= 2 planes the inputs can expose every shift)" : ""));
  }
}

}  // namespace poolproof::golden

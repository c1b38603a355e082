// The committed suite's case list (golden/cases.h).
#include <fmt/format.h>
#include <poolproof/golden/cases.h>

#include <string>

namespace poolproof::golden {
namespace {

struct size_config {
  std::string name;
  std::vector<std::int64_t> input_shape;
  std::vector<std::int64_t> output_size;
};

// Per spatial rank: non-divisible, divisible, m > n, n = m (1-D), m = 1; batch and channels > 1,
// and at least two planes so max cases get an increasing and a decreasing plane.
std::vector<size_config> size_configs(int dims) {
  switch (dims) {
    case 1:
      return {{"nd", {2, 3, 10}, {4}},
              {"div", {3, 12}, {4}},
              {"up", {2, 5}, {8}},
              {"same", {3, 7}, {7}},
              {"global", {2, 4}, {1}}};
    case 2:
      return {{"nd", {2, 2, 5, 7}, {3, 4}},
              {"div", {3, 4, 6}, {2, 3}},
              {"up", {2, 3, 2}, {5, 3}},
              {"global", {2, 3, 2}, {1, 1}}};
    default:
      return {{"nd", {2, 3, 4, 5}, {2, 3, 3}},
              {"div", {1, 2, 4, 4, 2}, {2, 2, 2}},
              {"up", {2, 2, 2, 3}, {3, 3, 4}},
              {"global", {2, 2, 2, 2}, {1, 1, 1}}};
  }
}

// The seed issue's examples, in float32: 5 -> 3 on [0, 1, 2, 3, 4] gives [1/2, 2, 7/2].
void add_seed_cases(std::vector<case_spec>& cases) {
  for (auto [n, m] : {std::pair<std::int64_t, std::int64_t>{5, 3}, {6, 3}, {10, 4}}) {
    const std::string size = std::to_string(n) + "_" + std::to_string(m);
    for (golden_op op : {golden_op::adaptive_avg_pool, golden_op::adaptive_max_pool}) {
      const std::string kind(describe(op).short_name);
      // avg: one increasing ramp; max: increasing and decreasing ramps (starts show in the second).
      cases.push_back({fmt::format("seed_{}_ramp_{}", size, kind),
                       op,
                       "core",
                       {describe(op).avg() ? 1 : 2, n},
                       {m},
                       reference::float_format::binary32,
                       input_pattern::ramp});
      if (n != 10) {
        cases.push_back({fmt::format("seed_{}_onehot_{}", size, kind),
                         op,
                         "core",
                         {n, n},
                         {m},
                         reference::float_format::binary32,
                         input_pattern::one_hot});
      }
    }
  }
}

void add_core_cases(std::vector<case_spec>& cases) {
  for (reference::float_format format : reference::all_formats) {
    for (int dims = 1; dims <= 3; ++dims) {
      for (const size_config& config : size_configs(dims)) {
        for (golden_op op : all_golden_ops) {
          cases.push_back(
              {fmt::format("{}_{}d_{}_{}", describe(op).short_name, dims, config.name,
                           reference::format_name(format)),
               op, "core", config.input_shape, config.output_size, format,
               describe(op).avg() ? input_pattern::alternating : input_pattern::monotone});
        }
      }
    }
  }
}

// One long axis, where float32 index arithmetic goes wrong (windows 249 and 748 of 100003 -> 997).
void add_large_cases(std::vector<case_spec>& cases) {
  const auto f32 = reference::float_format::binary32;
  cases.push_back({"large_avg_1d_100003_997_float32",
                   golden_op::adaptive_avg_pool,
                   "core",
                   {1, 100003},
                   {997},
                   f32,
                   input_pattern::alternating});
  cases.push_back({"large_max_1d_100003_997_float32",
                   golden_op::adaptive_max_pool,
                   "core",
                   {2, 100003},
                   {997},
                   f32,
                   input_pattern::monotone});
  cases.push_back({"large_avg_backward_1d_10007_97_float32",
                   golden_op::adaptive_avg_pool_backward,
                   "core",
                   {1, 10007},
                   {97},
                   f32,
                   input_pattern::alternating});
  cases.push_back({"large_max_backward_1d_10007_97_float32",
                   golden_op::adaptive_max_pool_backward,
                   "core",
                   {2, 10007},
                   {97},
                   f32,
                   input_pattern::monotone});
}

// The bug classes of the public record (CHECKING.md section 4), each in a core case per op.
void add_bug_class_cases(std::vector<case_spec>& cases) {
  using enum reference::float_format;
  const auto spec = [&](const std::string& prefix, golden_op op, std::vector<std::int64_t> shape,
                        std::int64_t m, reference::float_format dtype, input_pattern pattern) {
    cases.push_back({fmt::format("{}_{}_1d_{}_{}_{}", prefix, describe(op).short_name, shape[1], m,
                                 reference::format_name(dtype)),
                     op,
                     "core",
                     std::move(shape),
                     {m},
                     dtype,
                     pattern});
  };
  // Window bounds in float32 arithmetic: 3065 -> 5517 has two wrong windows ((i+1)*n > 2^24); the
  // forward ops have the large cases.
  spec("f32bounds", golden_op::adaptive_avg_pool_backward, {1, 3065}, 5517, binary32,
       input_pattern::alternating);
  spec("f32bounds", golden_op::adaptive_max_pool_backward, {2, 3065}, 5517, binary32,
       input_pattern::monotone);
  // Index products in 32 bits wrap once in*out > 2^31 (pytorch#176784): 46349 -> 46341.
  for (golden_op op : all_golden_ops) {
    const bool avg = describe(op).avg();
    spec("i32products", op, {2, 46349}, 46341, avg ? binary16 : binary32,
         avg ? input_pattern::boundary_product : input_pattern::boundary_steps);
  }
  // Argmax indices kept in the dtype round past 2048 (float16) or 256 (bfloat16) (PR #159936).
  for (auto dtype : {binary16, bfloat16}) {
    for (golden_op op : {golden_op::adaptive_max_pool, golden_op::adaptive_max_pool_backward})
      spec("argmax16", op, {2, 4500}, 9, dtype, input_pattern::boundary_steps);
  }
}

void add_special_cases(std::vector<case_spec>& cases) {  // five per dtype
  for (reference::float_format format : reference::all_formats) {
    const std::string suffix = "_" + std::string(reference::format_name(format));
    cases.push_back({"special_avg_1d" + suffix,
                     golden_op::adaptive_avg_pool,
                     "special",
                     {3, 48},
                     {16},
                     format,
                     input_pattern::special_1d});
    cases.push_back({"special_max_1d" + suffix,
                     golden_op::adaptive_max_pool,
                     "special",
                     {3, 36},
                     {12},
                     format,
                     input_pattern::special_1d});
    cases.push_back({"special_max_ties_2d" + suffix,
                     golden_op::adaptive_max_pool,
                     "special",
                     {2, 6, 6},
                     {2, 2},
                     format,
                     input_pattern::special_ties});
    cases.push_back({"special_avg_backward_1d" + suffix,
                     golden_op::adaptive_avg_pool_backward,
                     "special",
                     {1, 12},
                     {5},
                     format,
                     input_pattern::special_1d});
    cases.push_back({"special_max_backward_1d" + suffix,
                     golden_op::adaptive_max_pool_backward,
                     "special",
                     {1, 12},
                     {5},
                     format,
                     input_pattern::special_1d});
  }
}

}  // namespace

std::vector<case_spec> suite_cases() {
  std::vector<case_spec> cases;
  add_seed_cases(cases);
  add_core_cases(cases);
  add_large_cases(cases);
  add_special_cases(cases);
  add_bug_class_cases(cases);
  return cases;
}

}  // namespace poolproof::golden

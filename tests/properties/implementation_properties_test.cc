// The property entry point for other implementations (properties/implementation_properties.h),
// on an example implementation written as a user would: doubles, windows by formula. The right
// one passes; the same one with floor for the window end fails, shrunk to a minimal case.
#include <gtest/gtest.h>
#include <poolproof/properties/implementation_properties.h>
#include <poolproof/reference/tensor.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <iostream>

namespace poolproof::properties {
namespace {

// A user's adaptive average pooling: decode to double (exact for every format but float64), sum
// each window in double, divide, round to the dtype. `floor_end` plants the classic bug.
golden::candidate_result user_avg_pool(const golden::pooling_problem& p, bool floor_end) {
  const reference::pooling_layout layout =
      reference::split_pooling_shape(p.input.shape, p.output_size.size());
  const std::vector<std::uint64_t> input = input_bits(p);
  golden::candidate_result result{golden::forward_output_shape(p), {}, {}};
  for (std::int64_t plane = 0; plane < layout.planes; ++plane) {
    reference::for_each_multi_index(p.output_size, [&](std::span<const std::int64_t> out,
                                                       std::int64_t) {
      reference::window_box box;
      for (std::size_t axis = 0; axis < out.size(); ++axis) {
        const std::int64_t n = layout.spatial[axis], m = p.output_size[axis], i = out[axis];
        const std::int64_t end = floor_end ? (i + 1) * n / m : ((i + 1) * n + m - 1) / m;
        box.push_back({i * n / m, std::max(end, i * n / m + 1)});
      }
      double sum = 0;
      const std::vector<std::int64_t> members = reference::box_flat_indices(box, layout.spatial);
      for (std::int64_t k : members) {
        const std::uint64_t bits = input[static_cast<std::size_t>(plane * layout.plane_size() + k)];
        const reference::extended_rational x = decode(p.dtype, bits);
        sum += x.is_nan()        ? NAN
               : x.is_infinite() ? (x.negative ? -INFINITY : INFINITY)
                                 : x.value.convert_to<double>();
      }
      const double mean = sum / static_cast<double>(members.size());
      const reference::extended_rational exact =
          std::isnan(mean)   ? reference::extended_rational::not_a_number()
          : std::isinf(mean) ? reference::extended_rational::infinity(mean < 0)
                             : reference::extended_rational::finite(reference::rational(mean));
      result.bits.push_back(round_to(p.dtype, exact));
    });
  }
  return result;
}

implementation_options avg_options() {
  implementation_options options;
  options.op = golden::golden_op::adaptive_avg_pool;
  options.mix = value_mix::finite;
  return options;
}

TEST(ImplementationProperties, TheRightImplementationPasses) {
  const auto failure = check_implementation(
      "a double-precision adaptive_avg_pool passes the golden checker",
      [](const golden::pooling_problem& p) { return user_avg_pool(p, false); }, avg_options());
  EXPECT_FALSE(failure.has_value()) << (failure ? describe(*failure) : "");
}

TEST(ImplementationProperties, APlantedWindowBugShrinksToAMinimalCase) {
  const implementation planted = [](const golden::pooling_problem& p) {
    return user_avg_pool(p, true);
  };
  const auto failure =
      check_implementation("floor for the window end (planted)", planted, avg_options());
  ASSERT_TRUE(failure.has_value()) << "the planted bug went unnoticed";
  std::cout << "shrunk counterexample: " << describe(*failure) << "\n";
  EXPECT_FALSE(failure->report.passed);
  // m does not divide n on some axis (else floor is ceil), so the window bug shows.
  bool non_divisible = false;
  const reference::pooling_layout layout = reference::split_pooling_shape(
      failure->problem.input.shape, failure->problem.output_size.size());
  for (std::size_t axis = 0; axis < layout.spatial.size(); ++axis)
    non_divisible |= layout.spatial[axis] % failure->problem.output_size[axis] != 0;
  EXPECT_TRUE(non_divisible);
  // Shrinking only ever makes the case smaller than the first failure RapidCheck found.
  std::vector<implementation_failure> seen;
  EXPECT_FALSE(rc::check("planted, all failures kept", [&] {
    implementation_property(planted, avg_options(),
                            [&](const implementation_failure& f) { seen.push_back(f); });
  }));
  ASSERT_GE(seen.size(), 1U);
  EXPECT_LE(reference::element_count(seen.back().problem.input.shape),
            reference::element_count(seen.front().problem.input.shape));
  EXPECT_EQ(describe(seen.back()), describe(*failure));  // the same seed, the same minimum
}

// The same entry point inside RapidCheck's gtest integration.
RC_GTEST_PROP(ImplementationProperties, UsableAsAProperty, ()) {
  implementation_property([](const golden::pooling_problem& p) { return user_avg_pool(p, false); },
                          avg_options());
}

}  // namespace
}  // namespace poolproof::properties

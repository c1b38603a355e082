#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/equivalence.h>

#include <optional>
#include <vector>

namespace poolproof::solver {
namespace {

// The lexicographically least layer of the family (kernel, stride, padding, then ceil_mode=false
// before true, then count_include_pad=true before false or the least dilation) that the
// reference judges identical to adaptive pooling, searched exhaustively within bounds. Z3's
// answer must match it; a witness outside the bounds would show up as a disagreement.
std::optional<reference::fixed_pool_params> brute_force(std::int64_t n, std::int64_t m,
                                                        reference::pool_kind kind) {
  const std::int64_t bound = 2 * n + 2;
  const std::int64_t max_dilation = kind == reference::pool_kind::max ? n + 1 : 1;
  for (std::int64_t k = 1; k <= bound; ++k) {
    for (std::int64_t s = 1; s <= bound; ++s) {
      for (std::int64_t p = 0; p <= k / 2; ++p) {
        for (bool ceil_mode : {false, true}) {
          for (bool count_include_pad : {true, false}) {
            if (kind == reference::pool_kind::max && !count_include_pad) continue;
            for (std::int64_t d = 1; d <= max_dilation; ++d) {
              const reference::fixed_pool_params params{
                  k, s, p, d, ceil_mode, count_include_pad, std::nullopt};
              if (reference::fixed_pool_output_size(n, params) != m) continue;
              if (!reference::fixed_pool_mismatch(n, m, params, kind)) return params;
            }
          }
        }
      }
    }
  }
  return std::nullopt;
}

const solver_options default_options{};

// The PyTorch layer of a PyTorch-family verdict.
const reference::fixed_pool_params& pytorch_layer(const equivalent& found) {
  return std::get<reference::fixed_pool_params>(found.witness);
}

void expect_brute_force_agrees(std::int64_t n, std::int64_t m, reference::pool_kind kind,
                               const solver_options& options = default_options) {
  const verdict answer = prove_equivalence(n, m, kind, options);
  const std::optional<reference::fixed_pool_params> expected = brute_force(n, m, kind);
  if (expected) {
    const auto* found = std::get_if<equivalent>(&answer);
    ASSERT_NE(found, nullptr) << n << " -> " << m << " " << reference::pool_kind_name(kind);
    EXPECT_TRUE(found->minimal);
    EXPECT_EQ(pytorch_layer(*found), *expected)
        << n << " -> " << m << " " << reference::pool_kind_name(kind)
        << ": solver k=" << pytorch_layer(*found).kernel << " s=" << pytorch_layer(*found).stride
        << " p=" << pytorch_layer(*found).padding;
  } else {
    EXPECT_TRUE(std::holds_alternative<not_equivalent>(answer))
        << n << " -> " << m << " " << reference::pool_kind_name(kind);
  }
}

TEST(ProveEquivalence, AgreesWithBruteForceUpTo32Avg) {
  for (std::int64_t n = 1; n <= 32; ++n) {
    for (std::int64_t m = 1; m <= 32; ++m)
      expect_brute_force_agrees(n, m, reference::pool_kind::avg);
  }
}

TEST(ProveEquivalence, AgreesWithBruteForceUpTo32Max) {
  for (std::int64_t n = 1; n <= 32; ++n) {
    for (std::int64_t m = 1; m <= 32; ++m)
      expect_brute_force_agrees(n, m, reference::pool_kind::max);
  }
}

// The refinement path (a few windows, then one constant-size query per candidate) must give
// exactly the answers of the exhaustive search too; forcing it on small sizes checks it there.
TEST(ProveEquivalence, RefinementAgreesWithBruteForceUpTo24) {
  solver_options refining;
  refining.max_unrolled_outputs = 0;
  for (std::int64_t n = 1; n <= 24; ++n) {
    for (std::int64_t m = 1; m <= 24; ++m) {
      expect_brute_force_agrees(n, m, reference::pool_kind::avg, refining);
      expect_brute_force_agrees(n, m, reference::pool_kind::max, refining);
    }
  }
}

TEST(ProveEquivalence, RefinementRefutesWithTheWindowsItUsed) {
  solver_options refining;
  refining.max_unrolled_outputs = 0;
  const auto refuted =
      std::get<not_equivalent>(prove_equivalence(10, 4, reference::pool_kind::avg, refining));
  EXPECT_FALSE(refuted.refuting_outputs.empty());
  EXPECT_LE(refuted.refuting_outputs.size(), 4U);
}

TEST(ProveEquivalence, HugeOutputCountsAreDecidedWithSampledRecheck) {
  const std::int64_t m = reference::max_size - 1;
  const auto found = std::get<equivalent>(
      prove_equivalence(reference::max_size, m, reference::pool_kind::avg, default_options));
  EXPECT_EQ(pytorch_layer(found),
            (reference::fixed_pool_params{2, 1, 0, 1, false, true, std::nullopt}));
  EXPECT_GT(found.rechecked_windows, 4000);
  EXPECT_LT(found.rechecked_windows, m);
  const auto small =
      std::get<equivalent>(prove_equivalence(5, 3, reference::pool_kind::avg, default_options));
  EXPECT_EQ(small.rechecked_windows, 3);
  EXPECT_TRUE(std::holds_alternative<not_equivalent>(prove_equivalence(
      reference::max_size, 1'000'000'007, reference::pool_kind::max, default_options)));
}

TEST(ProveEquivalence, FiveToThreeNeedsPaddingWithoutCountingIt) {
  const auto avg =
      std::get<equivalent>(prove_equivalence(5, 3, reference::pool_kind::avg, default_options));
  EXPECT_EQ(pytorch_layer(avg),
            (reference::fixed_pool_params{3, 2, 1, 1, false, false, std::nullopt}));
  const auto max =
      std::get<equivalent>(prove_equivalence(5, 3, reference::pool_kind::max, default_options));
  EXPECT_EQ(pytorch_layer(max),
            (reference::fixed_pool_params{3, 2, 1, 1, false, true, std::nullopt}));
}

TEST(ProveEquivalence, SixToThreeIsThePlainStride) {
  for (reference::pool_kind kind : {reference::pool_kind::avg, reference::pool_kind::max}) {
    const auto found = std::get<equivalent>(prove_equivalence(6, 3, kind, default_options));
    EXPECT_EQ(pytorch_layer(found).kernel, 2);
    EXPECT_EQ(pytorch_layer(found).stride, 2);
    EXPECT_EQ(pytorch_layer(found).padding, 0);
    EXPECT_FALSE(pytorch_layer(found).ceil_mode);
  }
}

TEST(ProveEquivalence, TenToFourHasNoFixedPooling) {
  for (reference::pool_kind kind : {reference::pool_kind::avg, reference::pool_kind::max}) {
    EXPECT_TRUE(
        std::holds_alternative<not_equivalent>(prove_equivalence(10, 4, kind, default_options)));
  }
}

TEST(ProveEquivalence, LargestSizesStayExact) {
  const std::int64_t n = reference::max_size;
  const auto found =
      std::get<equivalent>(prove_equivalence(n, 4, reference::pool_kind::avg, default_options));
  EXPECT_EQ(pytorch_layer(found).kernel, n / 4);
  EXPECT_EQ(pytorch_layer(found).stride, n / 4);
  EXPECT_FALSE(
      reference::fixed_pool_mismatch(n, 4, pytorch_layer(found), reference::pool_kind::avg));
  // 2^62 - 1 = 3 * 1537228672809129301: divisible, so stride = kernel = n/3.
  const auto odd =
      std::get<equivalent>(prove_equivalence(n - 1, 3, reference::pool_kind::max, default_options));
  EXPECT_EQ(pytorch_layer(odd).kernel, (n - 1) / 3);
  // 2^62 = 3 * 1537228672809129301 + 1: kernel one longer than the stride.
  const auto plus_one =
      std::get<equivalent>(prove_equivalence(n, 3, reference::pool_kind::max, default_options));
  EXPECT_EQ(pytorch_layer(plus_one).kernel, pytorch_layer(plus_one).stride + 1);
}

TEST(ProveEquivalence, LargeNonDivisibleSizeIsRefuted) {
  EXPECT_TRUE(std::holds_alternative<not_equivalent>(
      prove_equivalence(1000000007, 999, reference::pool_kind::avg, default_options)));
}

TEST(ProveEquivalence, ExhaustedBudgetIsUnknownNotAGuess) {
  solver_options starved;
  starved.resource_limit = 1;
  const verdict answer = prove_equivalence(100003, 997, reference::pool_kind::max, starved);
  ASSERT_TRUE(std::holds_alternative<unknown>(answer));
  EXPECT_NE(std::get<unknown>(answer).reason.find("Z3"), std::string::npos);
}

TEST(ProveEquivalence, RefinementOutOfRoundsIsUnknown) {
  solver_options no_rounds;
  no_rounds.max_unrolled_outputs = 0;
  no_rounds.max_refinements = 0;
  EXPECT_TRUE(std::holds_alternative<unknown>(
      prove_equivalence(22, 11, reference::pool_kind::avg, no_rounds)));
}

TEST(ProveEquivalence, RejectsInvalidSizes) {
  EXPECT_THROW((void)prove_equivalence(0, 3, reference::pool_kind::avg, default_options),
               common::input_error);
  EXPECT_THROW((void)prove_equivalence(5, reference::max_size + 1, reference::pool_kind::avg,
                                       default_options),
               common::input_error);
}

TEST(ProveEquivalenceNd, AxesShareOneCountIncludePad) {
  // Axis 0 (5 -> 3) needs count_include_pad=False; axis 1 (6 -> 3) would take the default True
  // alone, so the layer must fall back to False for both.
  const std::vector<std::int64_t> in{5, 6}, out{3, 3};
  const nd_verdict result =
      prove_equivalence_nd(in, out, reference::pool_kind::avg, default_options);
  ASSERT_EQ(result.status, verdict_status::equivalent);
  EXPECT_TRUE(pytorch_layer(std::get<equivalent>(result.axes[1])).count_include_pad);
  for (const verdict& axis : result.layer) {
    EXPECT_FALSE(pytorch_layer(std::get<equivalent>(axis)).count_include_pad);
  }
}

TEST(ProveEquivalenceNd, OneRefutedAxisRefutesTheLayer) {
  const std::vector<std::int64_t> in{224, 10}, out{7, 4};
  const nd_verdict result =
      prove_equivalence_nd(in, out, reference::pool_kind::max, default_options);
  EXPECT_EQ(result.status, verdict_status::not_equivalent);
  EXPECT_EQ(status_of(result.axes[0]), verdict_status::equivalent);
  EXPECT_EQ(status_of(result.axes[1]), verdict_status::not_equivalent);
}

}  // namespace
}  // namespace poolproof::solver

// The ONNX and TFLite families: Z3 against an exhaustive search over each family's parameters,
// the closed form against its reference models, and the CLI's family plumbing.
#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/export_pool.h>
#include <poolproof/solver/closed_form.h>
#include <poolproof/solver/equivalence.h>

#include <optional>
#include <vector>

#include "solver/families/family_unit.h"
#include "solver/z3_encoding.h"

namespace poolproof::solver {
namespace {

// Every ONNX layer within bounds, in the solver's preference order: kernel, stride, pad_begin,
// pad_end (auto_pad layers by their derived pads), ceil_mode, auto_pad, count_include_pad
// (false first) or dilation.
std::optional<reference::onnx_pool_params> onnx_brute_force(std::int64_t n, std::int64_t m,
                                                            reference::pool_kind kind) {
  // n = 1 -> m needs kernel m (docs/theorem.md), so the kernel bound grows with m too.
  const std::int64_t max_dilation = kind == reference::pool_kind::max ? n + 1 : 1;
  std::optional<reference::onnx_pool_params> best;
  std::vector<std::int64_t> best_key;
  for (std::int64_t k = 1; k <= n + m + 1; ++k) {
    for (std::int64_t s = 1; s <= 2 * n + 2 && !best; ++s) {
      for (int a = 0; a < 4; ++a) {
        const auto auto_pad = static_cast<reference::onnx_auto_pad>(a);
        const bool notset = auto_pad == reference::onnx_auto_pad::notset;
        for (std::int64_t pb = 0; pb < (notset ? k : 1); ++pb) {
          for (std::int64_t pe = 0; pe < (notset ? k : 1); ++pe) {
            for (bool ceil_mode : {false, true}) {
              for (bool cip : {false, true}) {
                for (std::int64_t d = 1; d <= (notset ? max_dilation : 1); ++d) {
                  if ((ceil_mode && !notset) || (cip && kind == reference::pool_kind::max))
                    continue;
                  const reference::onnx_pool_params p{k, s, pb, pe, d, auto_pad, ceil_mode, cip};
                  if (reference::onnx_pool_mismatch(n, m, p, kind)) continue;
                  const reference::pool_geometry g = reference::onnx_pool_geometry(n, p, kind);
                  const std::vector<std::int64_t> key{k,
                                                      s,
                                                      g.pad_begin,
                                                      g.pad_end,
                                                      ceil_mode,
                                                      a,
                                                      kind == reference::pool_kind::max ? d : cip};
                  if (!best || key < best_key) best = p, best_key = key;
                }
              }
            }
          }
        }
      }
      if (best) return best;
    }
  }
  return best;
}

std::optional<reference::tflite_pool_params> tflite_brute_force(std::int64_t n, std::int64_t m,
                                                                reference::pool_kind kind) {
  for (std::int64_t k = 1; k <= 2 * n + 2; ++k) {
    for (std::int64_t s = 1; s <= 2 * n + 2; ++s) {
      for (reference::tflite_padding padding :
           {reference::tflite_padding::valid, reference::tflite_padding::same}) {
        const reference::tflite_pool_params p{k, s, padding};
        if (!reference::tflite_pool_mismatch(n, m, p, kind)) return p;
      }
    }
  }
  return std::nullopt;
}

template <typename Params>
void expect_agrees(std::int64_t n, std::int64_t m, reference::pool_kind kind, pool_family family,
                   const std::optional<Params>& expected, const solver_options& options = {}) {
  const verdict answer = prove_equivalence(n, m, kind, options, {}, family);
  if (!expected) {
    EXPECT_TRUE(std::holds_alternative<not_equivalent>(answer))
        << n << " -> " << m << " " << reference::pool_kind_name(kind);
    return;
  }
  const auto* found = std::get_if<equivalent>(&answer);
  ASSERT_NE(found, nullptr) << n << " -> " << m << " " << reference::pool_kind_name(kind);
  EXPECT_TRUE(found->minimal);
  EXPECT_EQ(std::get<Params>(found->witness), *expected)
      << n << " -> " << m << " " << reference::pool_kind_name(kind);
}

TEST(OnnxFamily, AgreesWithBruteForceUpTo12) {
  for (std::int64_t n = 1; n <= 12; ++n) {
    for (std::int64_t m = 1; m <= 12; ++m) {
      for (reference::pool_kind kind : {reference::pool_kind::avg, reference::pool_kind::max}) {
        expect_agrees(n, m, kind, pool_family::onnx, onnx_brute_force(n, m, kind));
      }
    }
  }
}

TEST(TfliteFamily, AgreesWithBruteForceUpTo24) {
  for (std::int64_t n = 1; n <= 24; ++n) {
    for (std::int64_t m = 1; m <= 24; ++m) {
      for (reference::pool_kind kind : {reference::pool_kind::avg, reference::pool_kind::max}) {
        expect_agrees(n, m, kind, pool_family::tflite, tflite_brute_force(n, m, kind));
      }
    }
  }
}

// The refinement path (telling windows, then constant-size mismatch queries) per family.
TEST(ExportFamilies, RefinementAgreesWithBruteForceUpTo12) {
  solver_options refining;
  refining.max_unrolled_outputs = 0;
  for (std::int64_t n = 1; n <= 12; ++n) {
    for (std::int64_t m = 1; m <= 12; ++m) {
      expect_agrees(n, m, reference::pool_kind::avg, pool_family::onnx,
                    onnx_brute_force(n, m, reference::pool_kind::avg), refining);
      expect_agrees(n, m, reference::pool_kind::max, pool_family::tflite,
                    tflite_brute_force(n, m, reference::pool_kind::max), refining);
    }
  }
}

TEST(ExportFamilies, ClosedFormWitnessesPassTheirReferenceAtLargeSizes) {
  const std::int64_t n = 1'000'003;
  for (std::int64_t m : {1'000'002, 1'000'004, 500'001, 333'334, 1'000'003, 7, 997, 1}) {
    for (pool_family family : {pool_family::onnx, pool_family::tflite}) {
      for (reference::pool_kind kind : {reference::pool_kind::avg, reference::pool_kind::max}) {
        const closed_form_answer answer = closed_form(n, m, kind, family);
        if (answer.witness) {
          EXPECT_FALSE(family_mismatch(n, m, *answer.witness, kind)) << m;
        }
      }
    }
  }
  const auto one = closed_form(1, 1000, reference::pool_kind::avg, pool_family::onnx);
  EXPECT_EQ(one.branch, closed_form_branch::input_one);
  EXPECT_FALSE(family_mismatch(1, 1000, *one.witness, reference::pool_kind::avg));
  EXPECT_EQ(closed_form(1, 1000, reference::pool_kind::avg, pool_family::tflite).branch,
            closed_form_branch::none);
  EXPECT_EQ(closed_form(3, 4, reference::pool_kind::max, pool_family::tflite).branch,
            closed_form_branch::none);
  const auto huge =
      closed_form(reference::max_size, 3, reference::pool_kind::max, pool_family::onnx);
  EXPECT_EQ(huge.branch, closed_form_branch::remainder_one);
  EXPECT_FALSE(family_mismatch(reference::max_size, 3, *huge.witness, reference::pool_kind::max));
}

TEST(ExportFamilies, FiveToThreeWitnesses) {
  const auto onnx = std::get<reference::onnx_pool_params>(
      std::get<equivalent>(
          prove_equivalence(5, 3, reference::pool_kind::avg, {}, {}, pool_family::onnx))
          .witness);
  EXPECT_EQ(onnx, (reference::onnx_pool_params{3, 2, 1, 0, 1, reference::onnx_auto_pad::notset,
                                               true, false}));
  const auto tflite = std::get<reference::tflite_pool_params>(
      std::get<equivalent>(
          prove_equivalence(5, 3, reference::pool_kind::max, {}, {}, pool_family::tflite))
          .witness);
  EXPECT_EQ(tflite, (reference::tflite_pool_params{3, 2, reference::tflite_padding::same}));
}

// The sweep's check can say no for every family: a bound past the least witness has one below.
TEST(ExportFamilies, WitnessBelowFindsSmallerAndProvesTheLeast) {
  for (pool_family family : {pool_family::onnx, pool_family::tflite}) {
    const family_params least = *closed_form(5, 3, reference::pool_kind::avg, family).witness;
    std::string reason;
    EXPECT_EQ(detail::witness_below_exists(5, 3, reference::pool_kind::avg, least, {}, reason),
              detail::solve_status::unsat);
    family_params later = least;
    std::visit([](auto& p) { p.kernel += 1; }, later);
    EXPECT_EQ(detail::witness_below_exists(5, 3, reference::pool_kind::avg, later, {}, reason),
              detail::solve_status::sat);
  }
}

TEST(ExportFamilies, NdLayerSharesAutoPadAndFlags) {
  // Axis 0 (5 -> 3) alone takes pads (1, 0) with ceil_mode; the layer tries ceil_mode=0 first,
  // under which axis 0 takes pads (1, 1).
  const std::vector<std::int64_t> in{5, 6}, out{3, 3};
  const nd_verdict onnx =
      prove_equivalence_nd(in, out, reference::pool_kind::avg, {}, pool_family::onnx);
  ASSERT_EQ(onnx.status, verdict_status::equivalent);
  EXPECT_TRUE(
      std::get<reference::onnx_pool_params>(std::get<equivalent>(onnx.axes[0]).witness).ceil_mode);
  const auto axis0 =
      std::get<reference::onnx_pool_params>(std::get<equivalent>(onnx.layer[0]).witness);
  EXPECT_FALSE(axis0.ceil_mode);
  EXPECT_EQ(axis0.pad_end, 1);
  EXPECT_FALSE(
      std::get<reference::onnx_pool_params>(std::get<equivalent>(onnx.layer[1]).witness).ceil_mode);
  // TFLite: 5 -> 3 needs SAME, 6 -> 3 alone takes VALID; one layer has one padding.
  const nd_verdict tflite =
      prove_equivalence_nd(in, out, reference::pool_kind::max, {}, pool_family::tflite);
  ASSERT_EQ(tflite.status, verdict_status::equivalent);
  EXPECT_EQ(
      std::get<reference::tflite_pool_params>(std::get<equivalent>(tflite.axes[1]).witness).padding,
      reference::tflite_padding::valid);
  for (const verdict& axis : tflite.layer) {
    EXPECT_EQ(std::get<reference::tflite_pool_params>(std::get<equivalent>(axis).witness).padding,
              reference::tflite_padding::same);
  }
}

// Every registered family answers for itself: its name parses back to it, its unit sits at its
// index, and its bound above every layer is its own kind of layer that has no geometry to check.
TEST(FamilyRegistry, EveryFamilyIsRegisteredAtItsIndex) {
  const std::vector<pool_family> families = all_families();
  ASSERT_EQ(families.size(), std::variant_size_v<family_params>);
  std::string names;
  for (std::size_t index = 0; index < families.size(); ++index) {
    const pool_family family = families[index];
    EXPECT_EQ(static_cast<std::size_t>(family), index);
    EXPECT_EQ(parse_pool_family(pool_family_name(family)), family);
    EXPECT_EQ(detail::unit_of(family).id(), family);
    EXPECT_EQ(family_of(detail::unit_of(family).above_every_layer()), family);
    names += (index ? ", " : "") + std::string(pool_family_name(family));
  }
  EXPECT_EQ(pool_family_names(), names);
  EXPECT_EQ(names, "pytorch, onnx, tflite");
}

TEST(ExportFamilies, ParsesTargetNames) {
  EXPECT_EQ(parse_pool_family("onnx"), pool_family::onnx);
  EXPECT_EQ(parse_pool_family("tflite"), pool_family::tflite);
  EXPECT_THROW((void)parse_pool_family("tensorflow"), common::input_error);
}

}  // namespace
}  // namespace poolproof::solver

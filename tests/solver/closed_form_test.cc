#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/solver/closed_form.h>
#include <poolproof/solver/sweep.h>

#include <atomic>

#include "solver/z3_encoding.h"

namespace poolproof::solver {
namespace {

std::optional<family_params> layer(std::int64_t k, std::int64_t s, std::int64_t p,
                                   bool count_include_pad) {
  return reference::fixed_pool_params{k, s, p, 1, false, count_include_pad, std::nullopt};
}

TEST(ClosedForm, SeedExamples) {
  EXPECT_EQ(closed_form(5, 3, reference::pool_kind::avg).witness, layer(3, 2, 1, false));
  EXPECT_EQ(closed_form(5, 3, reference::pool_kind::max).witness, layer(3, 2, 1, true));
  EXPECT_EQ(closed_form(6, 3, reference::pool_kind::avg).witness, layer(2, 2, 0, true));
  EXPECT_EQ(closed_form(10, 4, reference::pool_kind::avg).branch, closed_form_branch::none);
  EXPECT_FALSE(closed_form(10, 4, reference::pool_kind::max).witness);
}

TEST(ClosedForm, Branches) {
  EXPECT_EQ(closed_form(7, 3, reference::pool_kind::avg).branch, closed_form_branch::remainder_one);
  EXPECT_EQ(closed_form(7, 3, reference::pool_kind::avg).witness, layer(3, 2, 0, true));
  EXPECT_EQ(closed_form(3, 4, reference::pool_kind::avg).branch,
            closed_form_branch::remainder_minus);
  EXPECT_EQ(closed_form(3, 4, reference::pool_kind::avg).witness, layer(2, 1, 1, false));
  EXPECT_EQ(closed_form(1, 2, reference::pool_kind::max).witness, layer(2, 1, 1, true));
  EXPECT_EQ(closed_form(1, 3, reference::pool_kind::max).branch, closed_form_branch::none);
  EXPECT_EQ(closed_form(9, 1, reference::pool_kind::avg).witness, layer(9, 1, 0, true));
  EXPECT_EQ(closed_form(3, 7, reference::pool_kind::avg).branch, closed_form_branch::none);
}

TEST(ClosedForm, WitnessesReproduceLargeSizesInTheReference) {
  const std::int64_t n = 1'000'003;
  for (std::int64_t m : {1'000'002, 1'000'004, 500'001, 333'334, 1'000'003, 7, 997}) {
    for (reference::pool_kind kind : {reference::pool_kind::avg, reference::pool_kind::max}) {
      const closed_form_answer answer = closed_form(n, m, kind);
      if (!answer.witness) continue;
      EXPECT_FALSE(family_mismatch(n, m, *answer.witness, kind)) << m;
    }
  }
  EXPECT_EQ(closed_form(reference::max_size, 3, reference::pool_kind::avg).branch,
            closed_form_branch::remainder_one);
  EXPECT_EQ(closed_form(reference::max_size - 1, 3, reference::pool_kind::avg).branch,
            closed_form_branch::divisible);
  EXPECT_EQ(closed_form(reference::max_size - 2, 3, reference::pool_kind::avg).branch,
            closed_form_branch::remainder_minus);
  EXPECT_FALSE(
      family_mismatch(reference::max_size, 3,
                      *closed_form(reference::max_size, 3, reference::pool_kind::avg).witness,
                      reference::pool_kind::avg));
}

TEST(ClosedForm, RejectsInvalidSizes) {
  EXPECT_THROW((void)closed_form(0, 1, reference::pool_kind::avg), common::input_error);
  EXPECT_THROW((void)closed_form(1, reference::max_size + 1, reference::pool_kind::avg),
               common::input_error);
}

// The sweep's check must be able to say no: a bound past the least witness has a witness below.
TEST(WitnessBelow, FindsSmallerWitnessAndProvesTheLeastOne) {
  std::string reason;
  const family_params least = *closed_form(5, 3, reference::pool_kind::avg).witness;
  EXPECT_EQ(detail::witness_below_exists(5, 3, reference::pool_kind::avg, least, {}, reason),
            detail::solve_status::unsat);
  family_params later = least;
  std::get<reference::fixed_pool_params>(later).kernel += 1;
  EXPECT_EQ(detail::witness_below_exists(5, 3, reference::pool_kind::avg, later, {}, reason),
            detail::solve_status::sat);
  family_params padded_default = least;
  std::get<reference::fixed_pool_params>(padded_default).count_include_pad =
      true;  // not a witness, but "True" sorts first
  EXPECT_EQ(
      detail::witness_below_exists(5, 3, reference::pool_kind::avg, padded_default, {}, reason),
      detail::solve_status::unsat);
}

// The sweep's queries share one solver per thread, rebuilt every 250 queries and after an
// unknown: an answer must not depend on what was asked before.
TEST(WitnessBelow, AnswersDoNotDependOnEarlierQueries) {
  std::string reason;
  const family_params least = *closed_form(5, 3, reference::pool_kind::avg).witness;
  family_params later = least;
  std::get<reference::fixed_pool_params>(later).kernel += 1;
  solver_options starved;
  starved.resource_limit = 1;
  EXPECT_EQ(detail::witness_below_exists(5, 3, reference::pool_kind::avg, later, starved, reason),
            detail::solve_status::unknown);
  for (int round = 0; round < 300; ++round) {
    ASSERT_EQ(detail::witness_below_exists(5, 3, reference::pool_kind::avg, later, {}, reason),
              detail::solve_status::sat);
    ASSERT_EQ(detail::witness_below_exists(5, 3, reference::pool_kind::avg, least, {}, reason),
              detail::solve_status::unsat);
  }
}

TEST(Sweep, AgreesOnASmallRangeWithCounts) {
  sweep_options options;
  options.in = {1, 12};
  options.out = {1, 12};
  options.threads = 2;
  std::atomic<bool> stop{false};
  std::int64_t last_progress = 0;
  const sweep_result result = sweep(
      options, [&](std::int64_t done, std::int64_t) { last_progress = done; }, stop);
  EXPECT_EQ(result.total, 12 * 12 * 2);
  EXPECT_EQ(result.checked, result.total);
  EXPECT_EQ(last_progress, result.total);
  EXPECT_FALSE(result.disagreement);
  EXPECT_EQ(result.unknown, 0);
  EXPECT_EQ(result.agreed_equivalent + result.agreed_not_equivalent, result.total);
  // Both kinds share the theorem: each count is even.
  EXPECT_EQ(result.agreed_equivalent % 2, 0);
}

TEST(Sweep, StopsEarlyWhenAsked) {
  sweep_options options;
  options.in = {1, 40};
  options.out = {1, 40};
  std::atomic<bool> stop{true};
  const sweep_result result = sweep(
      options, [](std::int64_t, std::int64_t) {}, stop);
  EXPECT_TRUE(result.interrupted);
  EXPECT_LT(result.checked, result.total);
}

TEST(Sweep, StarvedSolverCountsUnknownsAndGoesOn) {
  sweep_options options;
  options.in = {20, 22};
  options.out = {5, 6};
  options.solver.resource_limit = 1;
  std::atomic<bool> stop{false};
  const sweep_result result = sweep(
      options, [](std::int64_t, std::int64_t) {}, stop);
  EXPECT_EQ(result.checked, result.total);
  EXPECT_EQ(result.unknown, result.total);
  EXPECT_FALSE(result.disagreement);
}

}  // namespace
}  // namespace poolproof::solver

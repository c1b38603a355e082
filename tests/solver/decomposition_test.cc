// Decompositions: every family and kind for every n, m <= 40 evaluated on integer inputs against
// the reference's exact pooling (a simulation independent of the plan's own re-check), the
// window classes' O(1) formulas against a count, and Z3's minimality proofs against the rule.
#include <gtest/gtest.h>
#include <poolproof/common/error.h>
#include <poolproof/reference/adaptive_window.h>
#include <poolproof/solver/decomposition.h>

#include <numeric>
#include <random>
#include <vector>

#include "solver/decomposition_detail.h"
#include "solver/window_classes.h"

namespace poolproof::solver {
namespace {

using reference::pool_kind;

// One value per output as a fraction sum/count (max: count 1), so avg compares exactly.
struct value {
  std::int64_t sum = 0;
  std::int64_t count = 1;
  friend bool operator==(const value& a, const value& b) {
    return a.sum * b.count == b.sum * a.count;
  }
};

// A pool of the family on `input`, through its reference model.
std::vector<value> pool_through(const std::vector<value>& input, const family_params& pool,
                                pool_kind kind) {
  const auto n = static_cast<std::int64_t>(input.size());
  const reference::pool_geometry g = family_geometry(n, pool, kind);
  std::vector<value> out;
  for (std::int64_t o = 0; o < g.count; ++o) {
    const reference::index_progression read = reference::geometry_indices(n, g, o);
    value v{0, kind == pool_kind::avg ? reference::geometry_avg_divisor(n, g, o) : 1};
    for (std::int64_t j = 0; j < read.count; ++j) {
      const value& x = input[static_cast<std::size_t>(read.first + j * read.step)];
      // Inputs to a pool are whole numbers here: the decomposition pools each axis once.
      if (kind == pool_kind::avg) {
        v.sum += x.sum;
      } else if (j == 0 || x.sum > v.sum) {
        v.sum = x.sum;
      }
    }
    out.push_back(v);
  }
  return out;
}

std::vector<value> gather(const std::vector<value>& input, const std::vector<std::int64_t>& at) {
  std::vector<value> out;
  out.reserve(at.size());
  for (std::int64_t i : at) out.push_back(input.at(static_cast<std::size_t>(i)));
  return out;
}

// The 1-D decomposition evaluated on `x`, op by op as the emitters build it.
std::vector<value> evaluate(const decomposition& d, const std::vector<value>& x) {
  if (!d.layer.empty()) return pool_through(x, d.layer.front(), d.kind);
  const axis_decomposition& a = d.axes.front();
  switch (a.method) {
    case axis_method::identity:
      return x;
    case axis_method::single_layer:
      return pool_through(x, *a.layer, d.kind);
    case axis_method::gather:
      return gather(x, single_gather(a));
    case axis_method::gather_pool:
    case axis_method::gather_pools:
      break;
  }
  std::vector<value> joined;
  for (std::size_t s = 0; s < a.segments.size(); ++s) {
    const std::vector<value> part = gather(x, segment_gather(a, s));
    const std::vector<value> pooled =
        a.segments[s].pooled ? pool_through(part, a.segments[s].pool, d.kind) : part;
    joined.insert(joined.end(), pooled.begin(), pooled.end());
  }
  return a.reorders ? gather(joined, output_order(a)) : joined;
}

std::vector<value> adaptive(const std::vector<value>& x, std::int64_t m, pool_kind kind) {
  const auto n = static_cast<std::int64_t>(x.size());
  std::vector<value> out;
  for (std::int64_t i = 0; i < m; ++i) {
    const reference::window w = reference::adaptive_window(n, m, i);
    std::vector<value> window(x.begin() + w.begin, x.begin() + w.end);
    const reference::fixed_pool_params all{w.length(), 1, 0, 1, false, true, std::nullopt};
    out.push_back(pool_through(window, all, kind).front());
  }
  return out;
}

TEST(Decompose, EveryFamilyAndKindUpTo40MatchesAdaptivePooling) {
  std::mt19937_64 random(20261203);
  int decomposed = 0;
  for (pool_family family : all_families()) {
    for (pool_kind kind : {pool_kind::avg, pool_kind::max}) {
      for (std::int64_t n = 1; n <= 40; ++n) {
        for (std::int64_t m = 1; m <= 40; ++m) {
          std::vector<value> x(static_cast<std::size_t>(n));
          for (value& v : x) v.sum = static_cast<std::int64_t>(random() % 2001) - 1000;
          const std::vector<std::int64_t> in{n}, out{m};
          const decomposition d = decompose(in, out, kind, family, {});
          ASSERT_EQ(evaluate(d, x), adaptive(x, m, kind))
              << pool_family_name(family) << " " << reference::pool_kind_name(kind) << " " << n
              << " -> " << m << "\n"
              << decomposition_text(d);
          decomposed += d.layer.empty() ? 1 : 0;
        }
      }
    }
  }
  EXPECT_GT(decomposed, 3000);  // most pairs need more than one layer
}

// The evaluation can say no: a plan with a window moved by one gives other values.
TEST(Decompose, TheEvaluationSeesAShiftedGather) {
  const std::vector<std::int64_t> in{9}, out{7};
  decomposition d = decompose(in, out, pool_kind::max, pool_family::onnx, {});
  ASSERT_EQ(d.axes.front().method, axis_method::gather_pool);
  std::vector<value> x(9);
  for (std::size_t i = 0; i < x.size(); ++i) x[i].sum = static_cast<std::int64_t>(i * i % 7);
  EXPECT_EQ(evaluate(d, x), adaptive(x, 7, pool_kind::max));
  d.axes.front().segments.front().kernel -= 1;  // blocks one shorter: windows drift
  d.axes.front().segments.front().gathered_size -= 7;
  EXPECT_TRUE(detail::segment_mismatch(d.axes.front().segments.front(), pool_kind::max));
}

TEST(Decompose, PoolingOpsFollowTheRule) {
  const auto ops = [](std::int64_t n, std::int64_t m, pool_kind kind) {
    const std::vector<std::int64_t> in{n}, out{m};
    return decompose(in, out, kind, pool_family::pytorch, {}).pooling_ops();
  };
  EXPECT_EQ(ops(9, 7, pool_kind::avg), 2);  // six windows of 2, one of 3
  EXPECT_EQ(ops(9, 7, pool_kind::max), 1);  // blocks of 3, shorter windows repeat an input
  EXPECT_EQ(ops(3, 6, pool_kind::avg), 0);  // every window one input: a gather
  EXPECT_EQ(ops(3, 7, pool_kind::avg), 1);  // one-input windows gathered, pairs pooled
  EXPECT_EQ(ops(5, 3, pool_kind::avg), 1);  // the theorem's single layer
  EXPECT_EQ(ops(7, 7, pool_kind::avg), 1);  // n = m: the identity layer (kernel 1)
  // 2-D, axes separately: 9 -> 7 needs 2 per axis for avg, 1 for max.
  const std::vector<std::int64_t> in{9, 9}, out{7, 7};
  EXPECT_EQ(decompose(in, out, pool_kind::avg, pool_family::onnx, {}).pooling_ops(), 4);
  EXPECT_EQ(decompose(in, out, pool_kind::max, pool_family::onnx, {}).pooling_ops(), 2);
}

// Two shorter windows at most: one pool, the shorter ones at the ends read through padding.
TEST(Decompose, AtMostTwoShorterWindowsTakeOnePool) {
  for (pool_family family : all_families()) {
    for (std::int64_t n = 2; n <= 64; ++n) {
      for (std::int64_t m = 1; m < n; ++m) {
        const detail::window_classes c = detail::classes_of(n, m);
        const std::vector<std::int64_t> in{n}, out{m};
        const decomposition d = decompose(in, out, pool_kind::avg, family, {});
        if (!d.layer.empty()) continue;
        const bool one_pool = c.longs == 0 || c.shorts <= 2;
        EXPECT_EQ(d.pooling_ops(), one_pool ? 1 : 2) << n << " -> " << m;
      }
    }
  }
}

TEST(WindowClasses, CountsAndRanksMatchTheWindows) {
  for (std::int64_t n = 1; n <= 60; ++n) {
    for (std::int64_t m = 1; m <= 60; ++m) {
      const detail::window_classes c = detail::classes_of(n, m);
      std::int64_t longs = 0;
      for (std::int64_t i = 0; i < m; ++i) {
        const std::int64_t length = reference::adaptive_window(n, m, i).length();
        ASSERT_TRUE(length == c.short_length || (c.longs > 0 && length == c.long_length()));
        ASSERT_EQ(c.longs_before(i), longs) << n << " -> " << m << " at " << i;
        ASSERT_EQ(c.kth(length == c.long_length() && c.longs > 0,
                        length == c.long_length() && c.longs > 0 ? longs : i - longs),
                  i);
        longs += c.longs > 0 && length == c.long_length() ? 1 : 0;
      }
      ASSERT_EQ(longs, c.longs) << n << " -> " << m;
      ASSERT_EQ(c.shorts + c.longs, m);
    }
  }
}

// Beyond 64 outputs the theorem speaks; up to 64 Z3 proves each two-pool claim (and the huge
// sizes still decompose, re-checked on a sample).
TEST(Decompose, MinimalityIsProvenOrStatedByTheTheorem) {
  const std::vector<std::int64_t> small_in{97}, small_out{13};
  const decomposition small = decompose(small_in, small_out, pool_kind::avg, pool_family::onnx, {});
  EXPECT_EQ(small.axes.front().minimality.rfind("Z3: unsat", 0), 0U)
      << small.axes.front().minimality;
  const std::vector<std::int64_t> big_in{reference::max_size - 5}, big_out{1'000'003};
  const decomposition big = decompose(big_in, big_out, pool_kind::avg, pool_family::onnx, {});
  ASSERT_EQ(big.axes.front().method, axis_method::gather_pools);
  EXPECT_EQ(big.axes.front().minimality.rfind("theorem", 0), 0U);
  EXPECT_GT(big.rechecked_windows, 4000);
}

}  // namespace
}  // namespace poolproof::solver

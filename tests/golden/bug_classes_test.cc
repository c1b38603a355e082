// The committed suite against the bug classes of the public record (issue 15 item 6): each class,
// planted in the simulated engine, must fail at least one core case of every op it applies to,
// while the right implementations (several summation orders) pass those cases.
#include <gtest/gtest.h>
#include <poolproof/golden/check.h>

#include <functional>
#include <map>
#include <set>

#include "simulated_engine.h"

namespace poolproof::golden::test {
namespace {

const golden_manifest& manifest() {
  static const golden_manifest m = load_manifest(POOLPROOF_GOLDEN_SUITE);
  return m;
}

const loaded_case& loaded(const std::string& name) {
  static std::map<std::string, loaded_case> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, load_case(POOLPROOF_GOLDEN_SUITE, name)).first;
  return it->second;
}

struct bug_class {
  std::string name;
  engine_config wrong;
  std::vector<golden_op> ops;                   // the ops the class applies to
  std::vector<reference::float_format> dtypes;  // the dtypes it is about
  check_options options;
  /// Engines that keep the contract `options` checks, which must pass the cases that catch it.
  std::vector<summation> right = {summation::sequential, summation::pairwise, summation::reversed,
                                  summation::float32_accumulator};
};

// The core cases of `ops` x `dtypes` that the wrong engine fails, by op, and the right engines'
// failures on them (which must be none).
void expect_caught(const bug_class& bug) {
  std::map<golden_op, std::vector<std::string>> caught;
  std::vector<std::string> wrongly_failed;
  for (const golden_case& c : manifest().cases) {
    if (c.tier != "core" || std::find(bug.ops.begin(), bug.ops.end(), c.op) == bug.ops.end() ||
        std::find(bug.dtypes.begin(), bug.dtypes.end(), c.dtype) == bug.dtypes.end())
      continue;
    const loaded_case& golden = loaded(c.name);
    if (check_result(golden, run_engine(golden, bug.wrong), bug.options).passed) continue;
    caught[c.op].push_back(c.name);
    for (summation sum : bug.right) {
      if (!check_result(golden, run_engine(golden, {window_rule::adaptive, sum}), bug.options)
               .passed)
        wrongly_failed.push_back(c.name);
    }
  }
  for (golden_op op : bug.ops) {
    EXPECT_FALSE(caught[op].empty())
        << bug.name << ": no core case of " << golden_op_name(op) << " catches it";
  }
  EXPECT_TRUE(wrongly_failed.empty())
      << bug.name << ": right engines fail " << ::testing::PrintToString(wrongly_failed);
}

const std::vector<golden_op> all_ops(all_golden_ops.begin(), all_golden_ops.end());
const std::vector<golden_op> max_ops = {golden_op::adaptive_max_pool,
                                        golden_op::adaptive_max_pool_backward};
const std::vector<reference::float_format> all_dtypes(reference::all_formats.begin(),
                                                      reference::all_formats.end());
constexpr auto f16 = reference::float_format::binary16;
constexpr auto bf16 = reference::float_format::bfloat16;

TEST(BugClasses, WindowBoundsInFloat32) {
  expect_caught({"float32 window bounds",
                 {window_rule::float32_index, summation::sequential},
                 all_ops,
                 {reference::float_format::binary32},
                 {}});
}

TEST(BugClasses, IndexProductsIn32Bits) {
  expect_caught({"32-bit index products",
                 {window_rule::int32_product, summation::sequential},
                 all_ops,
                 all_dtypes,
                 {}});
}

TEST(BugClasses, ArgmaxStoredInTheDtype) {
  for (auto dtype : {f16, bf16}) {
    engine_config wrong{window_rule::adaptive, summation::exact};
    wrong.index_in_dtype = true;
    expect_caught({"argmax through " + std::string(reference::format_name(dtype)),
                   wrong,
                   max_ops,
                   {dtype},
                   {}});
  }
}

TEST(BugClasses, ChannelsLastKernels) {
  engine_config tail{window_rule::adaptive, summation::sequential};
  tail.channels_last = channels_last_bug::tail_divides_twice;
  expect_caught({"channels-last tail divides twice",
                 tail,
                 {golden_op::adaptive_avg_pool, golden_op::adaptive_avg_pool_backward},
                 all_dtypes,
                 {}});
  engine_config index{window_rule::adaptive, summation::exact};
  index.channels_last = channels_last_bug::index_in_nhwc;
  expect_caught({"channels-last argmax", index, max_ops, all_dtypes, {}});
}

TEST(BugClasses, SixteenBitAccumulation) {
  // Under PyTorch's contract (opmath: float32 accumulation) only float32 accumulators are right.
  for (auto dtype : {f16, bf16}) {
    bug_class bug{"accumulation in " + std::string(reference::format_name(dtype)),
                  {window_rule::adaptive, summation::sequential},
                  {golden_op::adaptive_avg_pool, golden_op::adaptive_avg_pool_backward,
                   golden_op::adaptive_max_pool_backward},
                  {dtype},
                  {}};
    bug.options.accumulation = accumulator::float32;
    bug.right = {summation::float32_accumulator, summation::exact};
    expect_caught(bug);
  }
}

}  // namespace
}  // namespace poolproof::golden::test

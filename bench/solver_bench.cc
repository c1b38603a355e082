// Google Benchmark of the prover: prove_equivalence latency on small, 2^40 and N-D sizes, and
// sweep throughput (checked pairs per second). Default family; add a family by adding a row.
// `--small` runs a reduced sweep (the ctest smoke run); other flags go to Google Benchmark.
#include <benchmark/benchmark.h>
#include <poolproof/solver/equivalence.h>
#include <poolproof/solver/sweep.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_main.h"

namespace poolproof::bench {
namespace {

// One prove_equivalence case: sizes per axis (one axis: the 1-D call).
struct proof_case {
  std::string name;
  std::vector<std::int64_t> in_sizes;
  std::vector<std::int64_t> out_sizes;
};

std::vector<proof_case> proof_cases() {
  constexpr std::int64_t big = std::int64_t{1} << 40;
  return {{"5->3", {5}, {3}},
          {"10->4", {10}, {4}},
          {"2^40->1000", {big}, {1000}},
          {"2^40+1->2^20", {big + 1}, {std::int64_t{1} << 20}},
          {"224x224->7x7", {224, 224}, {7, 7}},
          {"16x56x56->5x7x7", {16, 56, 56}, {5, 7, 7}}};
}

void prove(const proof_case& c, reference::pool_kind kind) {
  const solver::solver_options options;
  if (c.in_sizes.size() == 1) {
    benchmark::DoNotOptimize(
        solver::prove_equivalence(c.in_sizes[0], c.out_sizes[0], kind, options));
  } else {
    benchmark::DoNotOptimize(solver::prove_equivalence_nd(c.in_sizes, c.out_sizes, kind, options));
  }
}

void register_proofs() {
  for (const proof_case& c : proof_cases()) {
    for (reference::pool_kind kind : {reference::pool_kind::avg, reference::pool_kind::max}) {
      const std::string name = std::string("prove_equivalence/") +
                               (kind == reference::pool_kind::avg ? "avg/" : "max/") + c.name;
      benchmark::RegisterBenchmark(name.c_str(),
                                   [c, kind](benchmark::State& state) {
                                     for (auto _ : state) prove(c, kind);
                                   })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
}

// Every (n, m) in [1, limit]^2, both kinds, on `threads` threads; reports checks (n, m, kind)
// per second: two per pair.
void register_sweep(std::int64_t limit, unsigned threads) {
  const std::string name =
      "sweep/n,m<=" + std::to_string(limit) + "/threads:" + std::to_string(threads);
  benchmark::RegisterBenchmark(name.c_str(),
                               [limit, threads](benchmark::State& state) {
                                 solver::sweep_options options;
                                 options.in = {1, limit};
                                 options.out = {1, limit};
                                 options.threads = threads;
                                 const std::atomic<bool> stop{false};
                                 std::int64_t checked = 0;
                                 for (auto _ : state) {
                                   const solver::sweep_result result = sweep(
                                       options, [](std::int64_t, std::int64_t) {}, stop);
                                   if (result.disagreement) state.SkipWithError("disagreement");
                                   checked += result.checked;
                                 }
                                 state.counters["checks_per_second"] = benchmark::Counter(
                                     static_cast<double>(checked), benchmark::Counter::kIsRate);
                               })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

}  // namespace
}  // namespace poolproof::bench

int main(int argc, char** argv) {
  using namespace poolproof::bench;
  return run_benchmark_main(argc, argv, [](bool small_only) {
    register_proofs();
    register_sweep(small_only ? 4 : 16, 1);
    if (!small_only) register_sweep(16, std::max(1u, std::thread::hardware_concurrency()));
  });
}

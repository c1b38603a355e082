// The benchmark programs' shared main: a --small flag for CI's smoke runs, then Google Benchmark.
#pragma once

#include <benchmark/benchmark.h>

#include <cstring>
#include <functional>
#include <vector>

namespace poolproof::bench {

/// Registers the benchmarks with `register_all(small_only)` and runs Google Benchmark on the
/// remaining arguments; `--small` (consumed here) asks for the small shapes only, as ctest's
/// smoke runs do. Returns the exit status (2 on an unrecognised argument).
inline int run_benchmark_main(int argc, char** argv,
                              const std::function<void(bool small_only)>& register_all) {
  bool small_only = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--small") == 0) {
      small_only = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  register_all(small_only);
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace poolproof::bench

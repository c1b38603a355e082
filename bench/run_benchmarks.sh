#!/usr/bin/env bash
# Runs every benchmark side by side in one session and prints the RESULTS.md tables.
#   bash bench/run_benchmarks.sh [BUILD_DIR] [OUT_DIR]
# BUILD_DIR: a Release build with pool_bench, solver_bench and stream_pool built
# (default build/bench, the `bench` preset); OUT_DIR keeps the raw JSON and logs (default /tmp/poolproof-bench).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/bench}"
out="${2:-/tmp/poolproof-bench}"
repetitions="${REPETITIONS:-5}"
mkdir -p "$out"

"$build/bench/pool_bench" --benchmark_repetitions="$repetitions" --benchmark_min_time=0.2 \
  --benchmark_report_aggregates_only=true --benchmark_out="$out/pool.json" \
  --benchmark_out_format=json > "$out/pool.txt"
/usr/bin/python3 "$root/bench/torch_pool_bench.py" --repetitions 15 > "$out/torch.json"
"$build/bench/solver_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/solver.json" --benchmark_out_format=json > "$out/solver.txt"
/usr/bin/time -v "$build/bench/stream_pool" --mib 1024 > "$out/stream.txt" 2> "$out/stream.time"

python3 "$root/bench/compare.py" "$out/pool.json" "$out/torch.json" "$out/solver.json"
echo
echo "### 1 GiB streaming (stream_pool --mib 1024)"
cat "$out/stream.txt"
grep -E "Maximum resident set size|Elapsed \(wall" "$out/stream.time"

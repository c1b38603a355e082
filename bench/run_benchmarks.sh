#!/usr/bin/env bash
# Runs every benchmark side by side in one session and prints the RESULTS.md tables.
#   bash bench/run_benchmarks.sh [BUILD_DIR] [OUT_DIR]
# BUILD_DIR: a Release build with pool_bench, aten_pool_bench, solver_bench, stream_pool,
# golden_bench, prove_equivalence and golden built
# (default build/bench, the `bench` preset); OUT_DIR keeps the raw JSON and logs (default /tmp/poolproof-bench).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/bench}"
out="${2:-/tmp/poolproof-bench}"
repetitions="${REPETITIONS:-5}"
mkdir -p "$out"

# Both sides allocate each output per call through glibc's malloc. Left to itself, malloc serves
# an output over 32 MiB (the float64 backward passes of the large shapes) from a fresh mapping,
# whose pages fault in on first write, unless its heap happens to hold a free block that large: a
# matter of each process's history (PyTorch's float64 3-D max backward read 13.8 ms in one run and
# 2.2 ms in the next). With these settings neither process maps or trims: after the first call
# every output reuses memory already in place, on both sides alike.
malloc_tunables="glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296"
GLIBC_TUNABLES="$malloc_tunables" "$build/bench/pool_bench" --benchmark_repetitions="$repetitions" \
  --benchmark_min_time=0.1 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/pool.json" --benchmark_out_format=json > "$out/pool.txt"
GLIBC_TUNABLES="$malloc_tunables" /usr/bin/python3 "$root/bench/torch_pool_bench.py" \
  --repetitions 15 --dtypes float32,float64,bfloat16,float16 > "$out/torch.json"
# The engine and ATen called alternately in one process (the formats PyTorch has kernels for).
GLIBC_TUNABLES="$malloc_tunables" "$build/bench/aten_pool_bench" \
  --dtypes float32,float64,bfloat16 > "$out/aten.json"
"$build/bench/solver_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/solver.json" --benchmark_out_format=json > "$out/solver.txt"
/usr/bin/time -v "$build/bench/stream_pool" --mib 1024 > "$out/stream.txt" 2> "$out/stream.time"

# Sweep throughput per family on one thread (1152 pairs, avg and max: 2304 Z3 checks each), and
# the golden suite's generation, verification and check of PyTorch's candidates: wall s, peak KB.
# (GNU time writes "Command exited with non-zero status" first when it did: golden check does,
# for the cases PyTorch has no kernel for.)
timed() { /usr/bin/time -f "%e %M" -o "$out/time.tmp" "$@" > /dev/null 2>&1; tail -n 1 "$out/time.tmp"; }
for target in pytorch onnx tflite; do
  echo "sweep $target $(timed "$build/solver/prove_equivalence" --sweep 120:128 1:128 \
    --target "$target" --threads 1)"
done > "$out/sweeps.txt"
rm -rf "$out/suite" "$out/candidate"
/usr/bin/python3 "$root/golden/adapters/pytorch_adapter.py" --golden "$root/golden/suite" \
  --out "$out/candidate" > /dev/null 2>&1
{
  echo "generate $(timed "$build/golden/golden" generate --out "$out/suite")"
  echo "identical $(diff -r -q "$out/suite" "$root/golden/suite" > /dev/null && echo yes || echo no)"
  echo "verify $(timed "$build/golden/golden" verify --golden "$out/suite")"
  echo "check $(timed "$build/golden/golden" check --golden "$root/golden/suite" \
    --candidate "$out/candidate")"
} > "$out/golden.txt"

# golden check at a user's shape (#19 item 4): a float16 [8,64,112,112] -> 7x7 case, its own
# expected output as the candidate; five runs, each: wall ms (the shell's clock), peak KB.
user_case=avg_float16_8x64x112x112_7x7
rm -rf "$out/user" "$out/user_candidate" && mkdir -p "$out/user_candidate"
"$build/golden/golden" generate --out "$out/user" \
  --case adaptive_avg_pool:float16:8x64x112x112:7x7 > /dev/null
cp "$out/user/$user_case/expected.npy" "$out/user_candidate/$user_case.output.npy"
for run in 1 2 3 4 5; do
  start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$out/time.tmp" "$build/golden/golden" check --golden "$out/user" \
    --candidate "$out/user_candidate" > /dev/null
  end=$EPOCHREALTIME
  echo "user check $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", (b - a) * 1000 }') ms \
$(tail -n 1 "$out/time.tmp") KB"
done > "$out/user_check.txt"
# golden reference on the same input (the engine as a program: reads the .npy, writes output.npy),
# one thread and both; five runs each, as above.
for threads in 1 2; do
  for run in 1 2 3 4 5; do
    start=$EPOCHREALTIME
    /usr/bin/time -f "%M" -o "$out/time.tmp" "$build/golden/golden" reference \
      --op adaptive_avg_pool --output-size 7x7 --input "$out/user/$user_case/input.npy" \
      --out "$out/user_reference" --threads "$threads" > /dev/null
    end=$EPOCHREALTIME
    echo "user reference --threads $threads $(awk -v a="$start" -v b="$end" \
      'BEGIN { printf "%.1f", (b - a) * 1000 }') ms $(tail -n 1 "$out/time.tmp") KB"
  done
done >> "$out/user_check.txt"
cmp -s "$out/user_reference/output.npy" "$out/user/$user_case/expected.npy" ||
  echo "user reference: output.npy differs from the case's expected.npy" >> "$out/user_check.txt"
# The same check in process (check_suite), beside the engine on that input and a read of it.
"$build/bench/golden_bench" --benchmark_repetitions="$repetitions" \
  --benchmark_report_aggregates_only=true > "$out/golden_bench.txt" 2>&1

python3 "$root/bench/compare.py" "$out/pool.json" "$out/torch.json" "$out/solver.json" \
  --paired "$out/aten.json"
echo
echo "### 1 GiB streaming (stream_pool --mib 1024)"
cat "$out/stream.txt"
grep -E "Maximum resident set size|Elapsed \(wall" "$out/stream.time"
echo
echo "### Sweeps (wall s, peak KB) and golden suite (wall s, peak KB)"
cat "$out/sweeps.txt" "$out/golden.txt"
echo
echo "### golden check and golden reference at a user's shape (float16 [8,64,112,112] -> 7x7; wall ms, peak KB)"
cat "$out/user_check.txt"
echo
echo "### the same check in process (golden_bench, medians of $repetitions)"
grep -E "_median" "$out/golden_bench.txt"

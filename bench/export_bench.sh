#!/usr/bin/env bash
# bash bench/export_bench.sh [BUILD_DIR] [ROUNDS]: emits poolproof's exact replacements of the
# issue-17 shapes with prove_equivalence --emit-onnx, then times them in ONNX Runtime beside
# per-window slicing and the two-pool gather (bench/export_bench.mjs) and prints the table of
# bench/RESULTS.md with the machine's load before and after.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build/ci}
rounds=${2:-21}
prover=$build/solver/prove_equivalence
[[ -x $prover ]] || { echo "export_bench: no $prover (build the prove_equivalence target)" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
emit() {  # NAME IN OUT
  for kind in avg max; do "$prover" "$2" "$3" --kind "$kind" --emit-onnx "$dir/$1_$kind.onnx" >/dev/null; done
}
emit 9x9_7x7 9x9 7x7
emit 14x14_5x5 14x14 5x5
emit 33_10 33 10
emit 112x112_13x13 112x112 13x13
emit 19x19_7x7 19x19 7x7
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
node bench/export_bench.mjs "$dir" --rounds "$rounds"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

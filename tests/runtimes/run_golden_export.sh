#!/usr/bin/env bash
# run_golden_export.sh SUITE PROVE_EQUIVALENCE GOLDEN WORK_DIR SOURCE_DIR
# The golden suite through emitted ONNX models in ONNX Runtime (golden_onnx_adapter.mjs): avg
# cases must pass `golden check` (the checker's error bound), max values must be exact or depart
# only as golden/KNOWN_DIVERGENCES.md records. Then the check must say no to a planted error.
set -euo pipefail
suite=$1 prover=$2 golden=$3 work=$4 source_dir=$5
out=$work/golden-export
rm -rf "$out"
node "$source_dir/golden_onnx_adapter.mjs" "$suite" "$prover" "$out"
mapfile -t avg_cases < "$out/avg_cases.txt"
args=()
for name in "${avg_cases[@]}"; do args+=(--case "$name"); done
"$golden" check --golden "$suite" --candidate "$out" "${args[@]}" | tail -n 1
# One avg output moved by 4096 ulps (its bit pattern + 4096) must fail the check.
/usr/bin/python3 - "$out/${avg_cases[5]}.output.npy" <<'PY'
import sys, numpy
path = sys.argv[1]
a = numpy.load(path)
a.view(numpy.uint32).flat[0] += 4096
numpy.save(path, a)
PY
status=0
"$golden" check --golden "$suite" --candidate "$out" "${args[@]}" > "$out/planted.txt" || status=$?
[[ $status -eq 1 ]] || { echo "golden export: a planted error passed the check" >&2; exit 1; }
echo "golden export: caught planted error: $(grep -m 1 '^FAIL' "$out/planted.txt")"

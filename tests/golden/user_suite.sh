#!/usr/bin/env bash
# user_suite.sh GOLDEN_BIN WORK_DIR
# `golden generate --case` writes a suite of just those cases that `golden verify` accepts; the
# engine's answers (`golden reference`) pass `golden check` on it, and a value moved by one ulp
# fails.
set -euo pipefail
golden=$1 work=$2
dir=$work/user-suite
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "golden.user_suite: FAIL: $*" >&2; exit 1; }
specs=(adaptive_avg_pool:float16:2x3x300x300:7x7 adaptive_max_pool:bfloat16:2x3x100x90:6x7
       adaptive_avg_pool_backward:float32:2x2x40x30:7x5 adaptive_max_pool_backward:float64:3x50:7)
args=()
for spec in "${specs[@]}"; do args+=(--case "$spec"); done
"$golden" generate --out "$dir/suite" "${args[@]}" 2>"$dir/progress.txt" >"$dir/out.txt"
grep -q "wrote 4 cases" "$dir/out.txt" || fail "$(cat "$dir/out.txt")"
grep -q "avg_float16_2x3x300x300_7x7: verified" "$dir/progress.txt" || fail "no progress lines"
"$golden" verify --golden "$dir/suite" | grep -q "4 cases intact" || fail "verify"
mkdir -p "$dir/candidate"
for spec in "${specs[@]}"; do
  IFS=: read -r op dtype shape size <<<"$spec"
  name=$(ls "$dir/suite" | grep "_${dtype}_${shape}_${size}\$")
  grads=()
  [[ -f $dir/suite/$name/grad_output.npy ]] && grads=(--grad-output "$dir/suite/$name/grad_output.npy")
  "$golden" reference --op "$op" --dtype "$dtype" --output-size "$size" \
    --input "$dir/suite/$name/input.npy" "${grads[@]}" --out "$dir/ref/$name" >/dev/null
  for file in "$dir/ref/$name"/*.npy; do cp "$file" "$dir/candidate/$name.$(basename "$file")"; done
done
"$golden" check --golden "$dir/suite" --candidate "$dir/candidate" >"$dir/check.txt" ||
  fail "the engine's answers fail: $(cat "$dir/check.txt")"
/usr/bin/python3 -c 'import numpy, sys
p = sys.argv[1] + "/avg_float16_2x3x300x300_7x7.output.npy"
a = numpy.load(p); a.view(numpy.uint16)[1, 2, 3, 4] += 1; numpy.save(p, a)' "$dir/candidate"
status=0
"$golden" check --golden "$dir/suite" --candidate "$dir/candidate" --strict >/dev/null || status=$?
[[ $status -eq 1 ]] || fail "a one-ulp change passed --strict"
echo "golden.user_suite: 4 user cases generated, verified and checked"

#!/usr/bin/env bash
# run_engine_test.sh ENGINE CASES_JSON ENGINE_CHECK SOURCE_DIR
# Runs one real engine (onnxruntime or pytorch) on the cases, checks its results exactly with
# engine_check, then shows the checker can say no: each planted error must fail it.
# A missing engine is a failure with a message that says how to install it, never a skip.
set -euo pipefail

engine=$1 cases=$2 checker=$3 source_dir=$4
work_dir=$(dirname "$cases")
results="$work_dir/results-$engine.json"
python=/usr/bin/python3  # Debian's interpreter, the one python3-torch installs into

fail() {
  echo "engine.$engine: FAIL: $*" >&2
  exit 1
}

[[ -f $cases ]] || fail "no cases file '$cases' (the engine.cases test writes it)"
[[ -x $python ]] || fail "$python is missing; run: bash scripts/setup-engines.sh"
case $engine in
  onnxruntime)
    command -v node >/dev/null || fail "node is missing; run: bash scripts/setup-engines.sh"
    for package in onnxruntime-node onnx-proto; do
      [[ -d $source_dir/node_modules/$package ]] ||
        fail "npm package $package is not installed in $source_dir; run: bash scripts/setup-engines.sh"
    done
    run=(node "$source_dir/run_onnxruntime.mjs" "$cases" "$results")
    require=fixed
    ;;
  pytorch)
    "$python" -c 'import torch, numpy' 2>/dev/null ||
      fail "PyTorch is not importable by $python; run: bash scripts/setup-engines.sh"
    run=("$python" "$source_dir/run_pytorch.py" "$cases" "$results")
    require=fixed,adaptive,windows
    ;;
  *) fail "unknown engine '$engine' (onnxruntime or pytorch)" ;;
esac

seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
start=$EPOCHREALTIME
"${run[@]}" || fail "the $engine script failed"
echo "engine.$engine: $engine ran in $(seconds_since "$start") s"
start=$EPOCHREALTIME
"$checker" "$cases" "$results" --require "$require" || fail "the results disagree with the reference"
echo "engine.$engine: checked in $(seconds_since "$start") s"

# plant PYTHON_EXPRESSION: a copy of the results with one error planted by the expression (which
# edits `r`, the parsed results) must make the checker report exactly one failure.
plant() {
  local planted="$work_dir/results-$engine-planted.json" output status=0
  "$python" -c 'import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(r, open(sys.argv[2], "w"))' "$results" "$planted" "$1"
  output=$("$checker" "$cases" "$planted" --require "$require") || status=$?
  [[ $status -eq 1 && $(tail -n 1 <<<"$output") == *", 1 failed" ]] ||
    fail "the checker did not catch a planted error ($1): exit $status, $(tail -n 1 <<<"$output")"
  echo "engine.$engine: caught planted error: $(grep -m 1 '^FAIL' <<<"$output")"
}

# Row 2 is the one-hot e_0, so output 0 is 1 (max) or 1/L (avg) in every case.
first='next(o for o in r["outputs"] if o["kind"] == "KIND")'
plant "o = ${first/KIND/max}; o[\"bits\"][2][0] += 1"   # max: one ulp off
plant "o = ${first/KIND/avg}; o[\"bits\"][2][0] += 64"  # avg: 64 ulps off, 16x the bound
plant 'r["outputs"].pop()'                                  # a case not reported
if [[ $engine == pytorch ]]; then
  plant 'w = next(w for w in r["windows"] if w["out_size"] > 1); w["windows"][0][1] += 1'
fi

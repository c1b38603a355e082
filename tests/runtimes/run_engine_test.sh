#!/usr/bin/env bash
# run_engine_test.sh ENGINE CASES_JSON ENGINE_CHECK SOURCE_DIR [FAMILY]
# Runs one real engine (onnxruntime or pytorch) on the cases, checks its results exactly with
# engine_check, then shows the checker can say no: each planted error must fail it. FAMILY onnx
# (onnxruntime only) runs the ONNX family's layers instead of the PyTorch witnesses: the closed
# form's witnesses, the auto_pad variants, and one wrong layer per case that must fail the check.
# A missing engine is a failure with a message that says how to install it, never a skip.
set -euo pipefail

engine=$1 cases=$2 checker=$3 source_dir=$4 family=${5:-pytorch}
work_dir=$(dirname "$cases")
name=$engine
[[ $family == pytorch ]] || name=$engine-$family
results="$work_dir/results-$name.json"
python=/usr/bin/python3  # Debian's interpreter, the one python3-torch installs into

fail() {
  echo "engine.$name: FAIL: $*" >&2
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
    run=(node "$source_dir/run_onnxruntime.mjs" "$cases" "$results" --family "$family")
    case $family in
      pytorch) require=fixed ;;
      onnx) require=onnx ;;
      *) fail "unknown family '$family' (pytorch or onnx)" ;;
    esac
    ;;
  pytorch)
    [[ $family == pytorch ]] || fail "pytorch runs the pytorch family only"
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
echo "engine.$name: $engine ran in $(seconds_since "$start") s"
start=$EPOCHREALTIME
"$checker" "$cases" "$results" --require "$require" || fail "the results disagree with the reference"
echo "engine.$name: checked in $(seconds_since "$start") s"

# plant PYTHON_EXPRESSION: a copy of the results with one error planted by the expression (which
# edits `r`, the parsed results) must make the checker report exactly one failure.
plant() {
  local planted="$work_dir/results-$name-planted.json" output status=0
  "$python" -c 'import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(r, open(sys.argv[2], "w"))' "$results" "$planted" "$1"
  output=$("$checker" "$cases" "$planted" --require "$require") || status=$?
  [[ $status -eq 1 && $(tail -n 1 <<<"$output") == *", 1 failed" ]] ||
    fail "the checker did not catch a planted error ($1): exit $status, $(tail -n 1 <<<"$output")"
  echo "engine.$name: caught planted error: $(grep -m 1 '^FAIL' <<<"$output")"
}

# Row 2 is the one-hot e_0, so output 0 is 1 (max) or 1/L (avg) in every case.
first='next(o for o in r["outputs"] if o["kind"] == "KIND" and not o.get("wrong"))'
plant "o = ${first/KIND/max}; o[\"bits\"][2][0] += 1"   # max: one ulp off
plant "o = ${first/KIND/avg}; o[\"bits\"][2][0] += 64"  # avg: 64 ulps off, 16x the bound
plant 'r["outputs"].pop()'                                  # a case not reported
if [[ $family == onnx ]]; then
  # An auto_pad variant off by one ulp; and a wrong layer whose outputs are replaced by its case's
  # witness outputs (adaptive pooling's), which the reference model of that layer must reject.
  plant 'o = next(o for o in r["outputs"] if o.get("witness", 0) > 0 and o["kind"] == "max"); o["bits"][2][0] += 1'
  plant 'o = next(o for o in r["outputs"] if o.get("wrong")); o["bits"] = next(w for w in r["outputs"] if not w.get("wrong") and all(w[k] == o[k] for k in ("in_size", "out_size", "kind")))["bits"]'
fi
if [[ $engine == pytorch ]]; then
  plant 'w = next(w for w in r["windows"] if w["out_size"] > 1); w["windows"][0][1] += 1'
fi

#!/usr/bin/env bash
# run_pytorch_adapter.sh GOLDEN_BIN SUITE WORK_DIR SOURCE_DIR
# Runs golden/adapters/pytorch_adapter.py (Debian's PyTorch, CPU) on every golden input in both
# memory formats (contiguous and channels_last) and checks its files with `golden check`, under
# the default bound and under --accumulation float32, with PyTorch 1.13's known divergences as
# expected failures (golden/adapters/pytorch-1.13-cpu-*.xfail; evidence in
# golden/KNOWN_DIVERGENCES.md). Every run must exit 0: a new failure fails it, and so does a listed
# case that starts passing. The cases the adapter reports unsupported must be exactly the kernels
# list. A missing PyTorch fails, it never skips.
set -euo pipefail
golden=$1 suite=$2 work=$3 source_dir=$4
python=/usr/bin/python3
adapters=$source_dir/golden/adapters
fail() { echo "golden.pytorch: FAIL: $*" >&2; exit 1; }
"$python" -c 'import torch, numpy' 2>/dev/null ||
  fail "PyTorch is not importable by $python; run: bash scripts/setup-engines.sh"
for layout in contiguous channels_last; do
  candidate=$work/pytorch-$layout
  rm -rf "$candidate"
  "$python" "$adapters/pytorch_adapter.py" --golden "$suite" --out "$candidate" \
    --memory-format "$layout"
  "$python" - "$candidate/unsupported.json" "$adapters/pytorch-1.13-cpu-kernels.xfail" <<'PY'
import json, sys
unsupported = set(json.load(open(sys.argv[1])))
listed = {line.split()[0] for line in open(sys.argv[2]) if line.strip() and line[0] != "#"}
if unsupported != listed:
    sys.exit(f"golden.pytorch: FAIL: unsupported but not listed: {sorted(unsupported - listed)}; "
             f"listed but now supported: {sorted(listed - unsupported)}")
PY
  for accumulation in any float32; do
    lists=(--expected-failures "$adapters/pytorch-1.13-cpu-kernels.xfail")
    [[ $layout == contiguous ]] &&
      lists+=(--expected-failures "$adapters/pytorch-1.13-cpu-contiguous.xfail")
    [[ $accumulation == float32 ]] &&
      lists+=(--expected-failures "$adapters/pytorch-1.13-cpu-opmath.xfail")
    report=$work/pytorch-$layout-$accumulation.json
    status=0
    "$golden" check --golden "$suite" --candidate "$candidate" --accumulation "$accumulation" \
      "${lists[@]}" --json >"$report" || status=$?
    [[ $status -eq 0 ]] || fail "$layout, --accumulation $accumulation: golden check exited $status:
$("$python" -c 'import json, sys
print([(c["name"], c["status"], c["message"]) for c in json.load(open(sys.argv[1]))["cases"]
       if c["status"] in ("fail", "malformed", "missing", "xpass")])' "$report")"
    "$python" -c 'import json, sys
r = json.load(open(sys.argv[1]))
passing = [c for c in r["cases"] if c["status"] == "pass"]
used = max(c["max_bound_used"] or 0 for c in passing)
ulps = max(c["max_error_ulps"] or 0 for c in passing)
skipped = r["skipped"]
print(f"golden.pytorch: {sys.argv[2]}, --accumulation {sys.argv[3]}: {len(passing)} pass, "
      f"{skipped} expected failures; worst {used:.3f} of its bound, {ulps:g} ulp")' \
      "$report" "$layout" "$accumulation"
  done
done
# The checker can say no on PyTorch's own files: one ulp off in a max output must fail.
planted=$work/pytorch-planted
rm -rf "$planted" && cp -r "$work/pytorch-contiguous" "$planted"
"$python" -c 'import numpy, sys
p = sys.argv[1] + "/max_1d_nd_float32.output.npy"
a = numpy.load(p); a.view(numpy.uint32)[0, 0, 1] += 1; numpy.save(p, a)' "$planted"
status=0
"$golden" check --golden "$suite" --candidate "$planted" --case max_1d_nd_float32 >/dev/null ||
  status=$?
[[ $status -eq 1 ]] || fail "a planted one-ulp error in max_1d_nd_float32 was not caught"
echo "golden.pytorch: caught a planted one-ulp error"

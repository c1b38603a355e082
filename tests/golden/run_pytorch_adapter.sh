#!/usr/bin/env bash
# run_pytorch_adapter.sh GOLDEN_BIN SUITE WORK_DIR SOURCE_DIR
# Runs golden/adapters/pytorch_adapter.py (Debian's PyTorch, CPU) on every golden input and checks
# its files with `golden check`. Every case must pass, except exactly the ones PyTorch cannot run,
# which must be the list in golden/KNOWN_DIVERGENCES.md (so a new failure, or a kernel that starts
# working, both turn this test red). A missing PyTorch fails, it never skips.
set -euo pipefail
golden=$1 suite=$2 work=$3 source_dir=$4
python=/usr/bin/python3
candidate=$work/pytorch-candidate
fail() { echo "golden.pytorch: FAIL: $*" >&2; exit 1; }
"$python" -c 'import torch, numpy' 2>/dev/null ||
  fail "PyTorch is not importable by $python; run: bash scripts/setup-engines.sh"
rm -rf "$candidate"
"$python" "$source_dir/golden/adapters/pytorch_adapter.py" --golden "$suite" --out "$candidate"
status=0
"$golden" check --golden "$suite" --candidate "$candidate" --json >"$work/pytorch-report.json" ||
  status=$?
[[ $status -le 1 ]] || fail "golden check exited $status"
"$python" - "$work/pytorch-report.json" "$candidate/unsupported.json" \
  "$source_dir/golden/KNOWN_DIVERGENCES.md" <<'PY'
import json, re, sys
report = json.load(open(sys.argv[1]))
unsupported = set(json.load(open(sys.argv[2])))
text = open(sys.argv[3]).read()
block = text.split("<!-- known:begin -->")[1].split("<!-- known:end -->")[0]
known = set(re.findall(r"^- `([A-Za-z0-9_.-]+)`", block, re.M))
failing = {c["name"] for c in report["cases"] if c["status"] == "fail"}
problems = []
if failing - unsupported:
    problems.append(f"cases PyTorch ran that fail: {sorted(failing - unsupported)}")
if unsupported != known:
    problems.append(f"unsupported but not listed: {sorted(unsupported - known)}; "
                    f"listed but now supported: {sorted(known - unsupported)}")
passing = [c for c in report["cases"] if c["status"] == "pass"]
used = max((c["worst"].get("bound_used") or 0) for c in passing if c.get("worst"))
ulps = max((c["worst"].get("error_ulps") or 0) for c in passing if c.get("worst"))
print(f"golden.pytorch: {len(passing)} cases pass, {len(unsupported)} known unsupported; "
      f"worst error {used:.3f} of its bound, {ulps:g} ulp")
if problems:
    sys.exit("golden.pytorch: FAIL: " + "; ".join(problems))
PY
# The checker can say no on PyTorch's own files: one ulp off in a max output must fail.
planted=$work/pytorch-planted
rm -rf "$planted" && cp -r "$candidate" "$planted"
"$python" -c 'import numpy, sys
p = sys.argv[1] + "/max_1d_nd_float32.output.npy"
a = numpy.load(p); a.view(numpy.uint32)[0, 0, 1] += 1; numpy.save(p, a)' "$planted"
status=0
"$golden" check --golden "$suite" --candidate "$planted" --case max_1d_nd_float32 >/dev/null ||
  status=$?
[[ $status -eq 1 ]] || fail "a planted one-ulp error in max_1d_nd_float32 was not caught"
echo "golden.pytorch: caught a planted one-ulp error"

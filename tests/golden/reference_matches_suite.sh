#!/usr/bin/env bash
# reference_matches_suite.sh GOLDEN_BIN SUITE WORK_DIR
# `golden reference` (the fast engine on a user's .npy files) must reproduce, byte for byte, every
# committed case's expected tensor, indices and (--exact) exact values from its input files; and
# refuse bad requests with exit status 2.
set -euo pipefail
golden=$1 suite=$2 work=$3
out=$work/reference-run
rm -rf "$out" && mkdir -p "$out"
/usr/bin/python3 - "$golden" "$suite" "$out" <<'PY'
import filecmp, json, subprocess, sys
golden, suite, out = sys.argv[1:]
manifest = json.load(open(f"{suite}/manifest.json"))
checked = 0
for case in manifest["cases"]:
    files = {role: f"{suite}/{entry['path']}" for role, entry in case["files"].items()}
    target = f"{out}/{case['name']}"
    args = [golden, "reference", "--op", case["op"], "--input", files["input"], "--out", target,
            "--dtype", case["dtype"], "--threads", "1",
            "--output-size", "x".join(str(s) for s in case["output_size"])]
    if "grad_output" in files:
        args += ["--grad-output", files["grad_output"]]
    if "exact" in files:  # the suite leaves it out for big results (FORMAT.md)
        args.append("--exact")
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    backward = case["op"].endswith("_backward")
    pairs = [("grad_input.npy" if backward else "output.npy",
              files["expected_grad_input" if backward else "expected"])]
    if "exact" in files:
        pairs.append(("exact.json", files["exact"]))
    if "indices" in files:
        pairs.append(("indices.npy", files["indices"]))
    for mine, theirs in pairs:
        if not filecmp.cmp(f"{target}/{mine}", theirs, shallow=False):
            sys.exit(f"golden.reference: {case['name']}: {mine} differs from {theirs}")
    checked += 1
print(f"golden.reference: {checked} cases reproduced byte for byte")
PY
# Bad requests: one line on stderr, exit status 2.
expect_2() {
  local status=0
  "$golden" reference "$@" --out "$out/bad" 2>"$out/err" >/dev/null || status=$?
  [[ $status -eq 2 && $(wc -l <"$out/err") -eq 1 ]] ||
    { echo "golden.reference: expected exit 2 and one line for: $*" >&2; cat "$out/err" >&2; exit 1; }
}
c=$suite/avg_backward_1d_nd_float32
expect_2 --op adaptive_avg_pool_backward --output-size 4 --input "$c/input.npy"  # no grad_output
expect_2 --op adaptive_avg_pool_backward --output-size 5 --input "$c/input.npy" \
  --grad-output "$c/grad_output.npy"  # grad_output of another output size
expect_2 --op adaptive_avg_pool --output-size 4x0 --input "$c/input.npy"
expect_2 --op adaptive_avg_pool --output-size 4 --input "$suite/avg_1d_nd_bfloat16/input.npy"
expect_2 --op adaptive_avg_pool --output-size 4 --input "$c/input.npy" --dtype float64
expect_2 --op adaptive_avg_pool --output-size 4x4x4 --input "$c/input.npy"  # rank too small
# A header claiming 2^31 elements (past the reader's limit): refused from the header.
/usr/bin/python3 -c "
import sys
header = \"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2147483648), }\"
header += ' ' * (63 - (10 + len(header)) % 64) + '\\n'
sys.stdout.buffer.write(b'\\x93NUMPY\\x01\\x00' + len(header).to_bytes(2, 'little') + header.encode())
" >"$out/big.npy"
expect_2 --op adaptive_avg_pool --output-size 2 --input "$out/big.npy"
expect_2 --op adaptive_avg_pool_backward --output-size 4 --input "$c/input.npy" \
  --grad-output "$out/big.npy"
echo "golden.reference: bad requests refused"

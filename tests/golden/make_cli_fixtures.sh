#!/usr/bin/env bash
# make_cli_fixtures.sh SUITE WORK_DIR
# The inputs of tests/golden/cli_cases.txt, under WORK_DIR/cli: candidates good and malformed,
# and broken suites (a tampered file, a bad manifest), all built from the committed suite.
set -euo pipefail
suite=$1 dir=$2/cli
python=/usr/bin/python3
rm -rf "$dir" && mkdir -p "$dir"/{good,wrong_dtype,wrong_shape,truncated,off_by_one,empty,not_a_suite}
echo "mine" >"$dir/not_a_suite/notes.txt"
seed=seed_5_3_ramp_avg max=seed_5_3_ramp_max
cp "$suite/$seed/expected.npy" "$dir/good/$seed.output.npy"
"$python" - "$suite" "$dir" <<'PY'
import numpy, sys
suite, d = sys.argv[1], sys.argv[2]
x = numpy.load(f"{suite}/seed_5_3_ramp_avg/expected.npy")
numpy.save(f"{d}/wrong_dtype/seed_5_3_ramp_avg.output.npy", x.astype(numpy.float64))
numpy.save(f"{d}/wrong_shape/seed_5_3_ramp_avg.output.npy", x.reshape(3, 1))
open(f"{d}/truncated/seed_5_3_ramp_avg.output.npy", "wb").write(
    open(f"{suite}/seed_5_3_ramp_avg/expected.npy", "rb").read()[:70])
y = x.copy(); y[0, 2] = 3.0
numpy.save(f"{d}/off_by_one/seed_5_3_ramp_avg.output.npy", y)
PY
cp -r "$suite" "$dir/tampered_suite"
printf '\x01' | dd of="$dir/tampered_suite/$seed/input.npy" bs=1 seek=130 conv=notrunc status=none
mkdir -p "$dir/bad_manifest_suite" && echo '{"version": 1,' >"$dir/bad_manifest_suite/manifest.json"
# Intact files under a manifest whose one sha256 is wrong (its xxh128 right): check reads the
# fast digest and passes, verify reads every digest and refuses it.
cp -r "$suite" "$dir/wrong_sha256_suite"
"$python" - "$dir/wrong_sha256_suite" <<'PY'
import json, sys
d = sys.argv[1]
manifest = json.load(open(f"{d}/manifest.json"))
for case in manifest["cases"]:
    if case["name"] == "seed_5_3_ramp_avg":
        digest = case["files"]["input"]["sha256"]
        case["files"]["input"]["sha256"] = ("1" if digest[0] == "0" else "0") + digest[1:]
json.dump(manifest, open(f"{d}/manifest.json", "w"), indent=2, sort_keys=True)
PY
cp -r "$suite" "$dir/wrong_exact_suite"
# A consistent manifest (digests updated) over a wrong exact value: caught by recomputation.
"$python" - "$dir/wrong_exact_suite" <<'PY'
import hashlib, json, sys, xxhash
d = sys.argv[1]
path = f"{d}/seed_5_3_ramp_avg/exact.json"
text = open(path).read().replace('"7/2"', '"4"')
open(path, "w").write(text)
manifest = json.load(open(f"{d}/manifest.json"))
for case in manifest["cases"]:
    if case["name"] == "seed_5_3_ramp_avg":
        case["files"]["exact"]["sha256"] = hashlib.sha256(text.encode()).hexdigest()
        case["files"]["exact"]["xxh128"] = xxhash.xxh3_128_hexdigest(text.encode())
json.dump(manifest, open(f"{d}/manifest.json", "w"), indent=2, sort_keys=True)
PY
# CI-ready checking: a malformed candidate beside a good one, expected-failure lists.
mkdir -p "$dir/mixed"
cp "$suite/$seed/expected.npy" "$dir/mixed/$seed.output.npy"
head -c 70 "$suite/seed_6_3_ramp_avg/expected.npy" >"$dir/mixed/seed_6_3_ramp_avg.output.npy"
printf '# cases expected to fail, with the reason\nseed_5_3_ramp_max   no max kernel yet\n' \
  >"$dir/xfail.txt"
printf 'seed_5_3_*  listed although they pass\n' >"$dir/xpass.txt"
printf 'seed_5_3_ramp_max\n' >"$dir/xfail_no_reason.txt"

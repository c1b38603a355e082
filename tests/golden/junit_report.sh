#!/usr/bin/env bash
# junit_report.sh GOLDEN_BIN SUITE WORK_DIR XSD
# `golden check --junit` on candidates of every outcome (pass, fail, malformed, missing, expected
# failure, unexpected pass, skipped) must write JUnit XML that the schema accepts, with the right
# counts; and the schema must reject a report that breaks it (so the validation can say no).
set -euo pipefail
golden=$1 suite=$2 work=$3 xsd=$4
dir=$work/junit
rm -rf "$dir" && mkdir -p "$dir/candidate"
fail() { echo "golden.junit: FAIL: $*" >&2; exit 1; }
command -v xmllint >/dev/null || fail "xmllint missing: bash scripts/setup.sh installs libxml2-utils"
cp "$suite/seed_5_3_ramp_avg/expected.npy" "$dir/candidate/seed_5_3_ramp_avg.output.npy"
cp "$suite/seed_6_3_ramp_avg/expected.npy" "$dir/candidate/seed_6_3_ramp_avg.output.npy"
cp "$suite/avg_1d_div_float32/expected.npy" "$dir/candidate/avg_1d_div_float32.output.npy"
head -c 70 "$suite/seed_10_4_ramp_avg/expected.npy" >"$dir/candidate/seed_10_4_ramp_avg.output.npy"
/usr/bin/python3 - "$suite" "$dir/candidate" <<'PY'
import numpy, sys
x = numpy.load(f"{sys.argv[1]}/seed_5_3_onehot_avg/expected.npy")
x[0, 0] = 7.0  # far off: a failure
numpy.save(f"{sys.argv[2]}/seed_5_3_onehot_avg.output.npy", x)
PY
printf 'seed_6_3_* listed, passes: an unexpected pass\nseed_5_3_ramp_max has no candidate <&">\n' \
  >"$dir/xfail.txt"
status=0
"$golden" check --golden "$suite" --candidate "$dir/candidate" --expected-failures "$dir/xfail.txt" \
  --case 'seed_*_avg' --case seed_5_3_ramp_max --case seed_6_3_ramp_max --case seed_10_4_ramp_max --case avg_1d_div_float32 \
  --junit "$dir/report.xml" >"$dir/report.txt" || status=$?
[[ $status -eq 1 ]] || fail "golden check exited $status, expected 1"
xmllint --noout --schema "$xsd" "$dir/report.xml" || fail "the report does not validate"
# 5 seed avg + 3 seed max + 1 = 9 cases: seed_5_3_onehot_avg fails, seed_6_3_ramp_avg passes
# although listed (failures); seed_10_4_ramp_avg is malformed, seed_10_4_ramp_max missing
# (errors); seed_6_3_onehot_avg, seed_5_3_ramp_max and seed_6_3_ramp_max are listed and fail
# (skipped); seed_5_3_ramp_avg and avg_1d_div_float32 pass.
head=$(grep -o '<testsuite name="golden"[^>]*>' "$dir/report.xml")
expected='tests="9" failures="2" errors="2" skipped="3"'
[[ $head == *"$expected"* ]] || fail "counts: $head, expected $expected"
grep -q '<failure type="mismatch"' "$dir/report.xml" || fail "no <failure> for the wrong value"
grep -q '<error type="malformed"' "$dir/report.xml" || fail "no <error> for the malformed file"
# The schema says no: a testcase without a name, a negative count.
sed 's/<testcase classname="golden" name="[^"]*"/<testcase classname="golden"/' \
  "$dir/report.xml" >"$dir/no_name.xml"
sed 's/tests="9"/tests="-1"/' "$dir/report.xml" >"$dir/negative.xml"
for broken in no_name negative; do
  if xmllint --noout --schema "$xsd" "$dir/$broken.xml" 2>/dev/null; then
    fail "the schema accepted $broken.xml"
  fi
done
echo "golden.junit: report valid ($expected); the schema rejects broken reports"

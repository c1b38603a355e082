#!/usr/bin/env bash
# golden against hostile surroundings (issue 14), one line per check: generate replaces only what
# is a suite of ours, leaves no temporary on a full disk, a signal or a race; a manifest that is
# a link is refused; files that claim far more than the case needs are refused within a memory
# limit (prlimit --as), with one clean line and no abort.
set -u
golden=$1
work=$(mktemp -d)
trap 'umount "$work/full" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
passed=0 failed=0
check() {  # NAME COMMAND...: the command must succeed
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
one_line() { [[ $(wc -l <"$1") -eq 1 && $(wc -c <"$1") -lt 600 ]]; }
no_temporaries() { [[ -z $(find "$1" -maxdepth 1 -name '.*.tmp-*' -print -quit) ]]; }
status_is() { [[ $1 -eq $2 ]]; }
small=adaptive_avg_pool:float32:2x5:3

# Someone's directory, a foreign manifest, a suite with a stranger's file, a link: refused, kept.
mkdir theirs && echo mine >theirs/notes.txt
"$golden" generate --out theirs --case "$small" >/dev/null 2>err.txt
check "someone's directory is refused" status_is $? 2
check "someone's file is kept" grep -qx mine theirs/notes.txt
check "the refusal is one line" one_line err.txt
mkdir foreign && echo '{"name": "not a suite"}' >foreign/manifest.json
"$golden" generate --out foreign --case "$small" >/dev/null 2>err.txt
check "a foreign manifest.json is refused" status_is $? 2
check "the foreign manifest is kept" grep -q "not a suite" foreign/manifest.json
"$golden" generate --out suite --case "$small" >/dev/null 2>&1
check "a small suite is generated" "$golden" verify --golden suite
echo keep >suite/stranger.txt
"$golden" generate --out suite --case "$small" >/dev/null 2>err.txt
check "a suite holding a stranger's file is refused" status_is $? 2
check "the stranger's file is kept" grep -qx keep suite/stranger.txt
rm suite/stranger.txt
ln -s suite linked
"$golden" generate --out linked --case "$small" >/dev/null 2>err.txt
check "a link as --out is refused" status_is $? 2
check "the link is kept" test -L linked
check "no temporaries after refusals" no_temporaries "$work"

# A manifest that is a link (to a file outside the suite) is refused.
mkdir escaped && cp suite/manifest.json outside.json && cp -r suite/* escaped/
ln -sf "$work/outside.json" escaped/manifest.json
"$golden" verify --golden escaped >/dev/null 2>err.txt
check "a linked manifest is refused" status_is $? 2
check "the linked manifest error says so" grep -q "symbolic link" err.txt

# A full disk (a tmpfs filled up): exit 2, the old suite intact, no temporary.
mkdir full
if mount -t tmpfs -o size=256k tmpfs full 2>/dev/null; then
  "$golden" generate --out full/suite --case "$small" >/dev/null 2>&1
  old=$(sha256sum full/suite/manifest.json)
  dd if=/dev/zero of=full/filler bs=4k 2>/dev/null
  "$golden" generate --out full/suite --case "$small" --seed 9 >/dev/null 2>err.txt
  check "a full disk is exit 2" status_is $? 2
  check "a full disk keeps the old suite" "$golden" verify --golden full/suite
  check "a full disk keeps the old manifest" test "$(sha256sum full/suite/manifest.json)" = "$old"
  check "a full disk leaves no temporary" no_temporaries full
  umount full
else
  echo "SKIP part: mounting a tmpfs is not allowed here (not root or no CAP_SYS_ADMIN)"
fi

# SIGTERM during generate (the whole committed suite takes about a second): 130 or finished,
# never a temporary or a broken suite.
"$golden" generate --out sig --case "$small" >/dev/null 2>&1
"$golden" generate --out sig >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -TERM "$pid"
wait "$pid"
status=$?
check "SIGTERM stops generate with 130 (or it had finished)" test "$status" -eq 130 -o "$status" -eq 0
check "SIGTERM leaves a verified suite" "$golden" verify --golden sig
check "SIGTERM leaves no temporary" no_temporaries "$work"

# Two generates racing for one directory: both end cleanly, one suite, no temporary.
"$golden" generate --out race --seed 1 >/dev/null 2>&1 &
first=$!
"$golden" generate --out race --seed 2 >/dev/null 2>&1 &
second=$!
wait "$first"
a=$?
wait "$second"
b=$?
check "racing generates end cleanly" test "$a" -le 2 -a "$b" -le 2 -a $((a + b)) -le 2
check "racing generates leave a verified suite" "$golden" verify --golden race
check "racing generates leave no temporary" no_temporaries "$work"

# Files that claim more than the case needs, under a 400 MiB address-space limit.
limited() { prlimit --as=$((400 << 20)) -- "$@"; }
python3 - <<'PY'
import json, os
# a manifest of nested arrays and one of empty objects, each just under the 16 MiB cap
open("nested.json", "w").write('{"cases": [' + ",".join(["[[]]"] * 3_000_000) + "]}")
open("objects.json", "w").write('{"cases": [' + ",".join(["{}"] * 5_000_000) + "]}")
os.makedirs("big_exact", exist_ok=True)
PY
for manifest in nested objects; do
  mkdir "m_$manifest" && mv "$manifest.json" "m_$manifest/manifest.json"
  limited "$golden" verify --golden "m_$manifest" >/dev/null 2>err.txt
  status=$?
  check "a $manifest manifest is exit 2 under the limit" status_is "$status" 2
  check "a $manifest manifest error is one line" one_line err.txt
done
# a 64 MiB manifest: refused by its size before it is read
head -c $((64 << 20)) /dev/zero | tr '\0' ' ' >big_manifest.json
mkdir m_big && mv big_manifest.json m_big/manifest.json
limited "$golden" verify --golden m_big >/dev/null 2>err.txt
check "a 64 MiB manifest is exit 2" status_is $? 2
check "a 64 MiB manifest is refused by size" grep -q "past the limit" err.txt
# a 64 MiB exact.json (digests in order) for a 3-element case: refused before it is read
cp -r suite big_exact_suite
/usr/bin/python3 - <<'PY'
import hashlib, json, xxhash
path = "big_exact_suite/manifest.json"
manifest = json.load(open(path))
case = manifest["cases"][0]
text = '["' + "1" * (64 << 20) + '"]'
name = case["name"] + "/exact.json"
open("big_exact_suite/" + name, "w").write(text)
case["files"]["exact"] = {"path": name, "sha256": hashlib.sha256(text.encode()).hexdigest(),
                          "xxh128": xxhash.xxh3_128_hexdigest(text.encode())}
json.dump(manifest, open(path, "w"), indent=2, sort_keys=True)
PY
limited "$golden" verify --golden big_exact_suite >/dev/null 2>err.txt
check "a 64 MiB exact.json is exit 2" status_is $? 2
check "a 64 MiB exact.json is refused by size" grep -q "past the limit" err.txt
# a sparse 2 GiB float16 candidate for the 3-element case: its header alone refuses it
case_name=$(python3 -c 'import json; print(json.load(open("suite/manifest.json"))["cases"][0]["name"])')
mkdir cand
python3 - "$case_name" <<'PY'
import sys
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 536870912), }"
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(f"cand/{sys.argv[1]}.output.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
    f.truncate(2 << 30)
PY
limited "$golden" check --golden suite --candidate cand >out.txt 2>err.txt
status=$?
check "a sparse 2 GiB candidate fails its case (exit 1)" status_is "$status" 1
check "a sparse 2 GiB candidate is named malformed" grep -q "shape" out.txt

# The documented memory bound on a legitimate case: 64 MiB + 1 KiB per input and result element.
"$golden" generate --out legit --case adaptive_avg_pool_backward:float16:2x64x40x40:13x13 \
  >/dev/null 2>&1
elements=$((2 * 64 * 40 * 40 + 2 * 64 * 13 * 13))
bound_kb=$((64 * 1024 + elements))
/usr/bin/time -f "%M" -o rss.txt "$golden" verify --golden legit >/dev/null 2>&1
check "verify of a legitimate case succeeds" status_is $? 0
rss_kb=$(tail -n 1 rss.txt)
echo "golden verify: peak RSS $rss_kb KB for $elements elements (bound $bound_kb KB)"
check "verify stays within 64 MiB + 1 KiB per element" test "$rss_kb" -le "$bound_kb"

echo "$passed passed, $failed failed"
((failed == 0))

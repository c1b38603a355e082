#!/usr/bin/env bash
# kill_during_generate.sh GOLDEN_BIN WORK_DIR ITERATIONS
# SIGKILLs `golden generate` at random moments, weighted towards the end of a run where the files
# are written and swapped in; after each kill the directory must hold a complete suite (the old
# one or the new one: seeds alternate, so they differ) that `golden verify` accepts, sha256 and all.
set -euo pipefail
golden=$1 work=$2 iterations=$3
target=$work/killed-suite
fail() { echo "golden.kill_during_generate: FAIL: $*" >&2; exit 1; }
RANDOM=20261125  # reproducible kill times
rm -rf "$target" "$work"/.killed-suite.tmp-*
start=$EPOCHREALTIME
"$golden" generate --out "$target" --seed 1 >/dev/null
full_ms=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
echo "golden.kill_during_generate: a full run takes $full_ms ms"
for ((i = 1; i <= iterations; i++)); do
  seed=$((i % 2 + 1))
  # uniformly in [0.6, 1.1] of a full run; the first iteration kills almost at once
  delay_ms=$(( i == 1 ? 50 : full_ms * (60 + RANDOM % 51) / 100 ))
  "$golden" generate --out "$target" --seed "$seed" >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v ms="$delay_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
  kill -9 "$pid" 2>/dev/null && state=killed || state=finished
  wait "$pid" 2>/dev/null || true
  "$golden" verify --golden "$target" >/dev/null || fail "after a kill at $delay_ms ms the suite is broken"
  found=$(grep -o '"seed": [0-9]*' "$target/manifest.json")
  [[ $found == '"seed": 1' || $found == '"seed": 2' ]] || fail "unexpected $found"
  echo "golden.kill_during_generate: $state at $delay_ms ms: intact suite with $found"
done
"$golden" generate --out "$target" --seed 1 >/dev/null
leftovers=$(find "$work" -maxdepth 1 -name '.killed-suite.tmp-*' | wc -l)
[[ $leftovers -eq 0 ]] || fail "$leftovers temporary directories left after a complete run"
"$golden" verify --golden "$target"

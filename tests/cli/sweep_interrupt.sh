#!/usr/bin/env bash
# Ctrl-C during a sweep: the sweep stops, prints its partial counts and exits 130.
set -u
program=$1
output=$(mktemp)
"$program" --sweep 1:400 1:400 --threads 1 > "$output" 2>/dev/null &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
status=$?
cat "$output"
grep -q "(interrupted)" "$output" || { echo "no partial counts printed"; exit 1; }
[[ $status -eq 130 ]] || { echo "exit status $status, expected 130"; exit 1; }
rm -f "$output"
echo "1 passed, 0 failed"

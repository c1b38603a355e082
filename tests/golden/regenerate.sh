#!/usr/bin/env bash
# regenerate.sh GOLDEN_BIN COMMITTED_SUITE WORK_DIR
# `golden generate` with the default seed must reproduce the committed suite byte for byte.
set -euo pipefail
golden=$1 suite=$2 work=$3
out=$work/regenerated-suite
"$golden" generate --out "$out"
if ! diff -r "$suite" "$out" >"$work/regenerate.diff"; then
  echo "golden.regenerate: the committed suite differs from a fresh generate:" >&2
  head -20 "$work/regenerate.diff" >&2
  exit 1
fi
echo "golden.regenerate: $(find "$out" -type f | wc -l) files identical to $suite"

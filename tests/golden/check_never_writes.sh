#!/usr/bin/env bash
# check_never_writes.sh GOLDEN_BIN SUITE WORK_DIR
# `golden check` and `golden verify` leave the golden directory exactly as they found it: the
# same names, sizes, modification times and contents.
set -euo pipefail
golden=$1 suite=$2 work=$3
copy=$work/readonly-suite
rm -rf "$copy" && cp -a "$suite" "$copy"
state() { (cd "$copy" && find . -printf '%p %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }
before=$(state)
"$golden" check --golden "$copy" --candidate "$work/cli/good" >/dev/null || true
"$golden" check --golden "$copy" --candidate "$work/cli/good" --json --strict >/dev/null || true
"$golden" verify --golden "$copy" >/dev/null
[[ "$(state)" == "$before" ]] || { echo "golden check wrote into the golden directory" >&2; exit 1; }
echo "golden.check_never_writes: the golden directory is unchanged"

#!/usr/bin/env bash
# Diffs the table computed by the Coq definitions (extracted to OCaml by build_proof.sh) with the
# one the C++ reference and solver print:  run_bridge.sh OUT_DIR BRIDGE_TABLE_BINARY
set -euo pipefail
out=$1 cpp=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$out/bridge
rm -rf "$work"
mkdir -p "$work"
cp "$out"/bridge.ml "$out"/bridge.mli "$here"/bridge/bridge_print.ml "$work"/
(cd "$work" && ocamlfind ocamlopt -w -a bridge.mli bridge.ml bridge_print.ml -o bridge_print)
"$work"/bridge_print >"$work"/coq.txt
"$cpp" >"$work"/cpp.txt
rows=$(wc -l <"$work"/coq.txt)
if [[ $rows -lt 100000 ]]; then
  echo "bridge: the Coq table has only $rows rows"
  exit 1
fi
if ! diff -u "$work"/coq.txt "$work"/cpp.txt >"$work"/diff.txt; then
  echo "bridge: the Coq definitions and the C++ code disagree (first differences):"
  head -40 "$work"/diff.txt
  exit 1
fi
summary=$(cut -d' ' -f1 "$work"/coq.txt | sort | uniq -c |
  awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}')
echo "bridge: $rows rows agree ($summary)"

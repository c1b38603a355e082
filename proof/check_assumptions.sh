#!/usr/bin/env bash
# Fails unless every main theorem of the built development (OUT_DIR, from build_proof.sh) is
# "Closed under the global context", and no source file admits or assumes anything:
#   check_assumptions.sh OUT_DIR
set -euo pipefail
out=$1
cd "$out"
if grep -nE '\b(Admitted|admit|Axiom|Axioms|Parameter|Parameters|Conjecture|Hypothesis)\b' \
     --include='*.v' -r . | grep -v '^./Assumptions.v'; then
  echo "proof: the lines above admit or assume something"
  exit 1
fi
report=$(coqc -R . Poolproof Assumptions.v 2>&1)
asked=$(grep -c '^Print Assumptions' Assumptions.v)
closed=$(grep -c '^Closed under the global context$' <<<"$report" || true)
echo "$report"
if [[ $closed -ne $asked ]]; then
  echo "proof: $closed of $asked theorems are closed under the global context"
  exit 1
fi
echo "proof: all $asked main theorems are closed under the global context"

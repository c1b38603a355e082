#!/usr/bin/env bash
# Builds the Coq development from a clean copy in OUT (never in the source tree):
#   build_proof.sh SOURCE_DIR OUT_DIR
# Extract.v writes bridge.ml there too, for the bridge test.
set -euo pipefail
src=$1 out=$2
rm -rf "$out"
mkdir -p "$out"
cp "$src"/_CoqProject "$src"/*.v "$out"/
cd "$out"
coq_makefile -f _CoqProject -o Makefile.coq >/dev/null
start=$(date +%s)
make -f Makefile.coq -j"${POOLPROOF_PROOF_JOBS:-2}" >build.log 2>&1 || { cat build.log; exit 1; }
echo "proof: $(grep -c '\.v$' _CoqProject) files checked by $(coqc --version | head -1) in $(($(date +%s) - start)) s"
test -s bridge.ml

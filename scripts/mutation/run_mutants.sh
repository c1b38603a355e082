#!/usr/bin/env bash
# Mutation check: shows the property suite has teeth. Copies the source tree, builds
# property_tests once, checks it passes on the real code, then applies each planted mistake
# (scripts/mutation/*.patch, one small patch to reference/ each), rebuilds incrementally and
# expects the suite to FAIL. Prints one line per mutant and "N passed, M failed" (passed =
# killed mutants); exits non-zero if the clean run fails or any mutant survives or breaks.
#
# Usage: run_mutants.sh [SOURCE_DIR] [PATCH...]   (default: this script's repository, all patches)
# Environment: POOLPROOF_MUTATION_JOBS (build jobs, default 2), POOLPROOF_MUTATION_SEED,
#              POOLPROOF_MUTATION_TIMEOUT (seconds per suite run, default 300),
#              POOLPROOF_MUTATION_KEEP=1 keeps the work directory.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(cd "${1:-${script_dir}/../..}" && pwd)"
shift || true
jobs="${POOLPROOF_MUTATION_JOBS:-2}"
seed="${POOLPROOF_MUTATION_SEED:-20261125}"
run_timeout="${POOLPROOF_MUTATION_TIMEOUT:-300}"

if [[ $# -gt 0 ]]; then
  patches=("$@")
else
  patches=("${source_dir}"/scripts/mutation/*.patch)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/poolproof-mutation.XXXXXX")"
cleanup() { [[ "${POOLPROOF_MUTATION_KEEP:-0}" == 1 ]] || rm -rf "${work}"; }
trap cleanup EXIT

log() { printf '%s\n' "$*"; }

copy_sources() {
  mkdir -p "${work}/src"
  tar -C "${source_dir}" --exclude='./build' --exclude='./build-*' --exclude='./.git' --exclude='node_modules' -cf - . |
    tar -C "${work}/src" -xf -
}

build_suite() {
  cmake --build "${work}/build" --target property_tests -j "${jobs}" >"${work}/build.log" 2>&1
}

# Runs the suite, stopping at the first failing test; shrinking off since only the verdict counts.
# Sets first_failure to the first failing test's name (or a crash/timeout note).
run_suite() {
  local status=0
  first_failure=""
  RC_PARAMS="seed=${seed} noshrink=1" timeout "${run_timeout}" \
    "${work}/build/tests/properties/property_tests" --gtest_fail_fast --gtest_brief=1 \
    >"${work}/run.log" 2>&1 || status=$?
  if [[ ${status} -eq 0 ]]; then return 0; fi
  first_failure="$(grep -m1 -oE '^\[  FAILED  \] [A-Za-z0-9_.]+' "${work}/run.log" |
    sed 's/^\[  FAILED  \] //' || true)"
  if [[ ${status} -eq 124 ]]; then first_failure="timeout after ${run_timeout} s"; fi
  if [[ -z "${first_failure}" ]]; then first_failure="crash, exit status ${status}"; fi
  return 1
}

# Applies, rebuilds and runs one mutant, then reverts it. Prints its line; returns 0 if killed.
check_mutant() {
  local patch_file="$1" name started verdict=0
  name="$(basename "${patch_file}" .patch)"
  started=${SECONDS}
  if ! patch -p1 --quiet --forward -d "${work}/src" <"${patch_file}"; then
    log "error     ${name}: patch does not apply"
    return 1
  fi
  if ! build_suite; then
    log "error     ${name}: mutant does not build (see below)"
    tail -n 20 "${work}/build.log"
    verdict=1
  elif run_suite; then
    log "survived  ${name} ($((SECONDS - started)) s)"
    verdict=1
  else
    log "killed    ${name} by ${first_failure} ($((SECONDS - started)) s)"
  fi
  patch -p1 --quiet --reverse -d "${work}/src" <"${patch_file}"
  return ${verdict}
}

main() {
  local started=${SECONDS} killed=0 failed=0
  log "mutation check of ${source_dir} in ${work}"
  copy_sources
  # -O1: the first build is most of this check's time, and -O3 only made it longer (the suite
  # itself runs in seconds either way).
  cmake -S "${work}/src" -B "${work}/build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" >"${work}/configure.log" 2>&1 ||
    { cat "${work}/configure.log"; log "configure failed"; exit 2; }
  build_suite || { tail -n 40 "${work}/build.log"; log "build of the real code failed"; exit 2; }
  if ! run_suite; then
    tail -n 40 "${work}/run.log"
    log "the property suite fails on the real code (${first_failure}): no mutant can be judged"
    exit 2
  fi
  log "clean     real code passes ($((SECONDS - started)) s including the first build)"
  for patch_file in "${patches[@]}"; do
    if check_mutant "${patch_file}"; then killed=$((killed + 1)); else failed=$((failed + 1)); fi
  done
  log "total time $((SECONDS - started)) s"
  log "${killed} passed, ${failed} failed"
  [[ ${failed} -eq 0 ]]
}

main

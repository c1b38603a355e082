#!/usr/bin/env bash
# clang-tidy with .clang-tidy's checks (warnings are errors) on the sources a build compiles:
# all of them, or with --changed BASE those changed since BASE (every one if a header changed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build=build/ci
base=""
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --changed) base=$2; shift 2 ;;
    *) echo "usage: scripts/clang-tidy.sh [--build DIR] [--changed BASE]" >&2; exit 2 ;;
  esac
done
database=$build/compile_commands.json
[[ -f $database ]] || { echo "clang-tidy: no $database (configure that build first)" >&2; exit 2; }

if [[ -n $base ]] && ! git diff --name-only "$base" -- '*.h' | grep -q .; then
  mapfile -t candidates < <(git diff --name-only --diff-filter=d "$base" -- '*.cc')
else
  mapfile -t candidates < <(git ls-files '*.cc')
fi
# Only files the build compiles have flags to lint with (the fuzz targets live in the fuzz build).
files=()
for file in "${candidates[@]}"; do
  grep -q "\"file\": \"$PWD/$file\"" "$database" && files+=("$file")
done
echo "clang-tidy: ${#files[@]} files"
((${#files[@]})) || exit 0
set +e
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 2 clang-tidy -p "$build" --quiet 2>&1 |
  grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter'
status=${PIPESTATUS[1]}
set -e
((status == 0)) || { echo "clang-tidy: findings above" >&2; exit 1; }
echo "clang-tidy: clean"

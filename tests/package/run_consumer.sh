#!/usr/bin/env bash
# The package test: installs the build into a temporary prefix, then builds and runs, outside the
# tree and with nothing but the installed package, golden/CHECKING.md's C++ example (extracted
# from the Markdown, so the documented code is the compiled code), a prover call and an engine
# call, by CMake (find_package) and by pkg-config. It then shows the test has teeth: a package
# missing one header, or one dependency of its config, must fail to build.
# Usage: run_consumer.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/poolproof-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

fail() { echo "package: $*" >&2; exit 1; }

cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log" || fail "install failed"
[[ -f $prefix/include/poolproof/golden/check.h ]] || fail "no installed <poolproof/golden/check.h>"
if find "$prefix/include" -name 'z3_*.h' | grep -q .; then fail "a Z3 header was installed"; fi

consumer=$work/consumer
cp -r "$source_dir/tests/package/consumer" "$consumer"
# The ```cpp block after the package-consumer marker in CHECKING.md is check_case.cc.
awk '/<!-- package-consumer: check_case.cc -->/ {marked = 1; next}
     marked && /^```cpp/ {inside = 1; next}
     inside && /^```/ {exit}
     inside {print}' "$source_dir/golden/CHECKING.md" >"$consumer/check_case.cc"
[[ -s $consumer/check_case.cc ]] || fail "no C++ example found in golden/CHECKING.md"

build_consumer() {  # PREFIX BUILD: configure and build the consumer against PREFIX only
  cmake -S "$consumer" -B "$2" -DCMAKE_PREFIX_PATH="$1" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_BUILD_TYPE=Release >"$2.log" 2>&1 && cmake --build "$2" -j2 >>"$2.log" 2>&1
}
build_consumer "$prefix" "$work/build" || { cat "$work/build.log"; fail "consumer build failed"; }

"$work/build/check_case" "$source_dir/golden/suite" | tee "$work/check.txt"
grep -q "^PASS avg_2d_nd_float32" "$work/check.txt" || fail "check_case did not pass"
"$work/build/prove" | tee "$work/prove.txt"
grep -q "^avg: EQUIVALENT  AvgPool1d(kernel_size=3, stride=2, padding=1" "$work/prove.txt" ||
  fail "prove: 5 -> 3 not equivalent"
grep -q "^avg: NOT EQUIVALENT" "$work/prove.txt" || fail "prove: 10 -> 4 not refuted"
[[ $("$work/build/pool" | tr '\n' ' ') == "0.5 2 3.5 5.5 7 8.5 " ]] || fail "pool: wrong means"

# pkg-config, static: the flags alone must build and link the same example.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
c++ -O1 -o "$work/check_case_pc" "$consumer/check_case.cc" \
  $(pkg-config --cflags --libs --static poolproof-golden) || fail "pkg-config build failed"
"$work/check_case_pc" "$source_dir/golden/suite" | grep -q "^PASS avg_2d_nd_float32" ||
  fail "pkg-config build did not pass"
# shellcheck disable=SC2046
c++ -O1 -o "$work/pool_pc" "$consumer/pool.cc" \
  $(pkg-config --cflags --libs --static poolproof-engine) || fail "pkg-config engine build failed"
[[ $("$work/pool_pc" | tr '\n' ' ') == "0.5 2 3.5 5.5 7 8.5 " ]] || fail "pool_pc: wrong means"

# Teeth: without one installed header, or without a dependency in the package config, the
# consumer must not build.
cp -r "$prefix" "$work/no_header"
rm "$work/no_header/include/poolproof/reference/float_format.h"
if build_consumer "$work/no_header" "$work/build_no_header"; then
  fail "the consumer built although a header was missing"
fi
cp -r "$prefix" "$work/no_dependency"
sed -i '/find_dependency(TBB)/d' "$work/no_dependency/lib/cmake/poolproof/poolproofConfig.cmake"
if build_consumer "$work/no_dependency" "$work/build_no_dependency"; then
  fail "the consumer built although the config did not find TBB"
fi
echo "package: installed package consumed by CMake and pkg-config; 5 programs ran; 2 broken packages refused"

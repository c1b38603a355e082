#!/usr/bin/env bash
# Installs every Debian package poolproof builds, tests and proves with; safe to run twice.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git clang-format clang-14 libfuzzer-14-dev libclang-rt-14-dev
  libboost-dev libgmp-dev libz3-dev z3 cvc5
  libgtest-dev libgmock-dev librapidcheck-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev
  nettle-dev libbenchmark-dev libtbb-dev libomp-14-dev clang-tidy
  libtorch-dev
  librsvg2-bin
  coq libcoq-stdlib ocaml-nox ocaml-findlib
  libxml2-utils
  python3-dev python3-pybind11 pybind11-dev python3-numpy python3-pytest python3-hypothesis
  libonnx-dev libprotobuf-dev python3-onnx
  libxxhash-dev python3-xxhash xxhash
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done

if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi
echo "setup: all ${#packages[@]} packages present"
bash "$(dirname "${BASH_SOURCE[0]}")/setup-engines.sh"

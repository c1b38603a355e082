#!/usr/bin/env bash
# Installs the real engines the `engine` tests run against: PyTorch (Debian's python3-torch, run
# with /usr/bin/python3) and ONNX Runtime (npm's onnxruntime-node, pinned in tests/runtimes/). Safe
# to run twice: it installs only what is missing.
set -euo pipefail

runtimes_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/runtimes" && pwd)"
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for package in python3-torch python3-numpy; do
  installed "$package" || missing+=("$package")
done
# node and npm may come from another distribution of Node.js (which bundles npm and conflicts with
# Debian's npm package): ask for Debian's packages only when the commands are absent.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]})); then
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

# --ignore-scripts: onnxruntime-node's install script downloads extra binaries, which cannot be
# fetched here; the CPU library it needs is inside the package itself.
cd "$runtimes_dir"
# node_modules/.poolproof-lock records the lock file it was installed from, so a second run with
# an unchanged lock does nothing.
if [[ ! -f package-lock.json ]]; then
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.poolproof-lock
elif ! cmp -s package-lock.json node_modules/.poolproof-lock; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.poolproof-lock
fi
echo "setup-engines: torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), node $(node --version), onnxruntime-node $(node -p 'require("onnxruntime-node/package.json").version')"

#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh Debian 12 machine (run as root), and
# nothing when it is all there already. Called by `make test` and `make serve`.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(build-essential clang lld emscripten chromium python3-torch python3-torchvision python3-onnx
              python3-numpy python3-pil libonnx-testdata libclang-rt-14-dev valgrind
              firefox-esr)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm: any install that provides the commands will do (Debian's nodejs+npm, or NodeSource's
# nodejs, which bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
    echo "install-deps: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dev dependencies (onnxruntime, tfjs, playwright-core) for the cross-checks, benchmarks and
# browser tests. --ignore-scripts: onnxruntime-node's install script fetches GPU extras we do not use.
stamp=node_modules/.trit-installed
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
    echo "install-deps: npm ci"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    touch "$stamp"
fi

#!/usr/bin/env bash
# setup.sh - installs what the project needs on a fresh Debian 12 machine (idempotent):
# compilers and CMake, zlib, stb_image, the Fashion-MNIST dataset, Emscripten, clang-16 and lld-16
# (the relaxed-SIMD kernels, which Emscripten's own clang 14 cannot build), wabt, Chromium, and the
# npm packages of web/ and tests/. Runs non-interactively (CI has no standard input).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake zlib1g-dev libstb-dev dataset-fashion-mnist emscripten wabt
          chromium clang clang-16 lld-16 node-typescript)
# A Node.js from elsewhere (e.g. NodeSource, which bundles npm) conflicts with Debian's npm
# package: ask apt for Node and npm only where they are missing.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# npm packages of the browser tests (playwright-core drives Debian's Chromium; it never downloads
# a browser of its own) and of the IndexedDB store tests.
if [ -f package.json ] && { [ ! -d node_modules ] || [ package.json -nt node_modules ]; }; then
  echo "setup: npm install"
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm install --no-audit --no-fund --loglevel=error
  fi
  touch node_modules
fi
echo "setup: ready"

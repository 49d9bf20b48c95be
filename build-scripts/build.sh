#!/usr/bin/env bash
# build.sh - builds everything idempotently: the native library, `icarl` tool and C tests under
# build/native, and the WebAssembly module and loader into web/ (with Debian's Emscripten, and
# clang-16 for the relaxed-SIMD kernels; without them build.sh fails rather than leave web/ without
# its engine: run build-scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

if ! command -v emcmake >/dev/null; then
  echo "build.sh: emcmake not found: the WebAssembly build needs Emscripten (Debian package emscripten; build-scripts/setup.sh installs it)" >&2
  exit 1
fi
if ! command -v clang-16 >/dev/null || ! command -v wasm-ld-16 >/dev/null; then
  echo "build.sh: clang-16 or wasm-ld-16 not found: the WebAssembly build's relaxed-SIMD kernels need them (Debian packages clang-16 and lld-16; build-scripts/setup.sh installs them)" >&2
  exit 1
fi

cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/native -j "$jobs"

# The page's Experiment mode runs on a Fashion-MNIST subset served as web/data/fashion-subset.bin
# (generated, not committed; setup.sh installs dataset-fashion-mnist).
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  node build-scripts/make-fashion-subset.mjs
else
  echo "build.sh: no /usr/share/datasets/fashion-mnist (run build-scripts/setup.sh): the page's Experiment mode will have no data" >&2
fi

# Debian's emcc runs its JS optimizer with node and needs acorn from /usr/share/nodejs, for the
# configure step and for every compile and link.
export NODE_PATH=/usr/share/nodejs
emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/wasm -j "$jobs"

#!/usr/bin/env bash
# build.sh - builds everything idempotently: the native library, `icarl` tool and C tests under
# build/native, and (when Emscripten is present) the WebAssembly module and loader into web/.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/native -j "$jobs"

if [ -f src/wasm/wasm.cmake ] && command -v emcmake >/dev/null; then
  # Debian's emcc runs its JS optimizer with node and needs acorn from /usr/share/nodejs, for
  # the configure step and for every compile and link.
  export NODE_PATH=/usr/share/nodejs
  emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/wasm -j "$jobs"
fi

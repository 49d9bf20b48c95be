#!/usr/bin/env bash
# bench.sh - the native benchmarks (DESIGN.md 5): `icarl sanity` (all 10 Fashion-MNIST classes in
# one step, 2 epochs: accuracy and training images/s), `icarl protocol --size full` (the
# class-incremental benchmark with ResNet-32) and `icarl bench-gemm` (GFLOP/s per kernel).
# Usage: build-scripts/bench.sh [sanity|full|quick|gemm|all]   (default: all; builds first)
# Reports go to build/bench/*.json and build/bench/protocol-*.svg. ICARL=path uses that binary
# and skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
case "$what" in
  sanity|full|quick|gemm|all) ;;
  -h|--help)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 0 ;;
  *)
    echo "bench.sh: unknown benchmark '$what' (expected sanity, full, quick, gemm or all)" >&2
    exit 2 ;;
esac

if [ -n "${ICARL:-}" ]; then
  icarl=$ICARL
else
  bash build-scripts/build.sh
  icarl=build/native/icarl
fi
out=build/bench
mkdir -p "$out"

run() { # run TITLE COMMAND...
  echo
  echo "== $1"
  shift
  echo "\$ $*"
  /usr/bin/env time -f "(%e s wall, %M KiB peak memory)" "$@" 2>&1 || {
    echo "bench.sh: '$*' failed" >&2
    return 1
  }
}

# /usr/bin/time may be missing; fall back to the shell's own timing.
if ! /usr/bin/env time -f "" true 2>/dev/null; then
  run() {
    echo
    echo "== $1"
    shift
    echo "\$ $*"
    local started=$SECONDS
    "$@" || { echo "bench.sh: '$*' failed" >&2; return 1; }
    echo "($((SECONDS - started)) s wall)"
  }
fi

if [ "$what" = gemm ] || [ "$what" = all ]; then
  run "GEMM kernels" "$icarl" bench-gemm --json "$out/gemm.json"
fi
if [ "$what" = sanity ] || [ "$what" = all ]; then
  run "Sanity: all 10 classes in one step, ResNet-20, 2 epochs" \
    "$icarl" sanity --epochs 2 --json "$out/sanity.json"
fi
if [ "$what" = quick ]; then
  run "Class-incremental Fashion-MNIST, quick (500 images/class, ResNet-20, 10 epochs)" \
    "$icarl" protocol --dataset fashion-mnist --size quick \
    --json "$out/protocol-quick.json" --svg "$out/protocol-quick.svg"
fi
if [ "$what" = full ] || [ "$what" = all ]; then
  run "Class-incremental Fashion-MNIST, full (60000 images, ResNet-32, 10 epochs)" \
    "$icarl" protocol --dataset fashion-mnist --size full \
    --json "$out/protocol-full.json" --svg "$out/protocol-full.svg"
fi
echo
echo "reports in $out/"

#!/usr/bin/env bash
# compare.sh - the iCaRL paper's comparison on the "quick" Fashion-MNIST protocol: iCaRL,
# LwF-MC, finetuning and a fixed representation on the same stream, network and schedule.
# Writes build/bench/compare-*.json, build/bench/compare.md (table) and build/bench/compare.svg
# (accuracy per step, one line per method). ICARL=path uses that binary and skips the build.
# Usage: build-scripts/compare.sh [quick|full]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-quick}
if [ -n "${ICARL:-}" ]; then
  icarl=$ICARL
else
  bash build-scripts/build.sh
  icarl=build/native/icarl
fi
out=build/bench
mkdir -p "$out"
for method in icarl lwf finetune fixed; do
  echo "== $method"
  "$icarl" protocol --dataset fashion-mnist --size "$size" --method "$method" --seed 1 \
    --json "$out/compare-$method.json"
done
node build-scripts/compare-report.mjs --markdown "$out/compare.md" --svg "$out/compare.svg" \
  "$out"/compare-{icarl,lwf,finetune,fixed}.json

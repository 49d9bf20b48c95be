#!/usr/bin/env bash
# test_protocol_quick.sh - runs the section-5 "quick" protocol (first 500 training images per
# class, ResNet-20, 10 epochs per step, 5 steps of 2 classes, K = 2000, natural order, seed 1)
# and checks a floor a broken learner falls under: average incremental NME >= 0.85, final NME
# >= 0.70 (seed 1 natively gives 0.862 and 0.796). Slow (minutes); the fast C tests check the
# algorithm's parts directly (tests/README.md).
set -euo pipefail
icarl=${1:?usage: test_protocol_quick.sh path/to/icarl}
report=$(mktemp "${TMPDIR:-/tmp}/icarl-quick.XXXXXX.json")
trap 'rm -f "$report"' EXIT
"$icarl" protocol --dataset fashion-mnist --size quick --seed 1 --json "$report"
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const checks = [
  ["average incremental NME >= 0.85", r.average_incremental_nme >= 0.85],
  ["final NME >= 0.70", r.final_nme >= 0.70],
  ["5 steps reported", r.steps.length === 5],
];
let failed = 0;
for (const [name, ok] of checks) { console.log((ok ? "ok   - " : "FAIL - ") + name); if (!ok) failed++; }
console.log(`average incremental NME ${r.average_incremental_nme.toFixed(4)}, final NME ${r.final_nme.toFixed(4)}, final CNN ${r.final_cnn.toFixed(4)}`);
console.log(`${checks.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
' "$report"

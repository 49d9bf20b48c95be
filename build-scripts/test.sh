#!/usr/bin/env bash
# test.sh - sets everything up and runs every test suite: the C tests, the command-line tests and
# the quick protocol (ctest), the Node tests of the WebAssembly build (node --test), the C tests
# under ASan/UBSan (sanitize.sh), a short fuzz run (fuzz.sh --quick) and the browser tests
# (node --test, headless Chromium). Each suite runs even if an earlier one failed, so one run
# shows every failure. At the end it prints, per suite and in total, how many tests ran, passed,
# failed and were skipped.
#
# Strict, always: test.sh exports CI=true to everything it runs, so a test whose prerequisite is
# missing (Chromium, a build, fake-indexeddb, tsc, wasm-objdump, the Fashion-MNIST data) FAILS
# with a message saying what to install, instead of skipping (tests/node/prerequisites.mjs). A
# skip that still happens, or a suite that ran no test at all, fails the run too: a test that did
# not run has checked nothing, and whoever runs the test command (CI, or a person following the
# README) asks for all of them. To run one suite leniently, run its own command without CI=true
# (README "Tests").
set -uo pipefail
cd "$(dirname "$0")/.."
export CI=true

bash build-scripts/setup.sh || exit 1
bash build-scripts/build.sh || exit 1

results=build/test-results
rm -rf "$results"
mkdir -p "$results"

# Counters: each prints "ran passed failed skipped" for a suite's log (and, for node, its TAP).

# ctest's summary counts a test skipped by its return code among the passed ones, and leaves
# disabled ones out; both are listed under "did not run".
ctest_counts() {
  awk '
    /tests passed, [0-9]+ tests? failed out of [0-9]+/ { failed = $(NF - 5); total = $NF; found = 1 }
    /^[ \t]+[0-9]+ - .* \(Skipped\)$/ { skipped++ }
    /^[ \t]+[0-9]+ - .* \(Disabled\)$/ { disabled++ }
    END {
      if (!found) { print 0, 0, 0, skipped + disabled; exit }
      passed = total - failed - skipped
      print passed + failed, passed, failed, skipped + disabled
    }' "$1"
}

# node --test's TAP ends with "# tests N", "# pass", "# fail", "# cancelled", "# skipped",
# "# todo" at the top level; a cancelled test failed, a todo one did not really run.
node_counts() {
  [ -f "$results/$2.tap" ] || { echo 0 0 0 0; return; }
  awk '
    /^# (pass|fail|cancelled|skipped|todo) [0-9]+$/ { count[$2] = $3 }
    END {
      failed = count["fail"] + count["cancelled"]
      print count["pass"] + failed, count["pass"] + 0, failed, count["skipped"] + count["todo"]
    }' "$results/$2.tap"
}

fuzz_counts() {
  sed -nE 's/^fuzz\.sh: ([0-9]+) targets run, ([0-9]+) passed, ([0-9]+) failed$/\1 \2 \3 0/p' "$1" | tail -1 |
    grep . || echo 0 0 0 0
}

failures=0
summary=()
totals=(0 0 0 0)
# run_suite NAME COUNTER COMMAND...: runs COMMAND, its output shown and kept in
# $results/NAME.log, then judges the suite by its exit status and COUNTER's counts.
run_suite() {
  local name=$1 counter=$2 ran passed failed skipped verdict
  shift 2
  echo "== $name: $*"
  "$@" 2>&1 | tee "$results/$name.log"
  local status=${PIPESTATUS[0]}
  read -r ran passed failed skipped < <("$counter" "$results/$name.log" "$name")
  local reasons=()
  [ "$failed" -eq 0 ] || reasons+=("$failed failed")
  [ "$skipped" -eq 0 ] || reasons+=("$skipped skipped")
  [ "$ran" -ne 0 ] || reasons+=("ran no test")
  [ "$status" -eq 0 ] || [ ${#reasons[@]} -ne 0 ] || reasons+=("exit status $status")
  verdict=ok
  if [ ${#reasons[@]} -ne 0 ]; then
    verdict="FAILED: $(IFS=,; echo "${reasons[*]}" | sed 's/,/, /g')"
    failures=$((failures + 1))
  fi
  summary+=("$(printf '  %-18s %6d %7d %7d %8d   %s' "$name" "$ran" "$passed" "$failed" "$skipped" "$verdict")")
  local i counts=("$ran" "$passed" "$failed" "$skipped")
  for i in 0 1 2 3; do totals[i]=$((totals[i] + counts[i])); done
}

run_suite ctest ctest_counts ctest --test-dir build/native --output-on-failure --timeout 1500 -j 2
run_suite node node_counts node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$results/node.tap" tests/node/
# The C tests again under AddressSanitizer + UndefinedBehaviorSanitizer (without the slow
# protocol test), and a short bounded fuzz run of the checkpoint, IDX and image parsers.
run_suite sanitizers ctest_counts bash build-scripts/sanitize.sh
run_suite fuzz fuzz_counts bash build-scripts/fuzz.sh --quick
run_suite browser node_counts node --test --test-concurrency=1 --test-reporter=spec \
  --test-reporter-destination=stdout --test-reporter=tap \
  --test-reporter-destination="$results/browser.tap" tests/browser/

echo
echo "test.sh: per suite (strict: CI=true; a failure, a skip or a suite that ran nothing fails)"
printf '  %-18s %6s %7s %7s %8s\n' suite ran passed failed skipped
printf '%s\n' "${summary[@]}"
printf '  %-18s %6d %7d %7d %8d\n' total "${totals[@]}"
if [ "$failures" -ne 0 ]; then
  echo "test.sh: $failures suite(s) failed (logs in $results/)"
  exit 1
fi
echo "test.sh: all suites passed"

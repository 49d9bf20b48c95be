#!/usr/bin/env bash
# test.sh - sets everything up and runs every test: the C tests, the command-line tests and the
# quick protocol (ctest), the Node tests of the WebAssembly build (node --test), the C tests under
# ASan/UBSan, a short fuzz run, and the browser tests when present. Exits non-zero when anything
# fails; each suite runs even if an earlier one failed, so one run shows every failure.
set -uo pipefail
cd "$(dirname "$0")/.."

bash build-scripts/setup.sh || exit 1
bash build-scripts/build.sh || exit 1

failures=0
run() {
  echo "== $*"
  "$@" || failures=$((failures + 1))
}
run ctest --test-dir build/native --output-on-failure --timeout 1500 -j 2
run node --test tests/node/
# The C tests again under AddressSanitizer + UndefinedBehaviorSanitizer (without the slow
# protocol test), and a short bounded fuzz run of the checkpoint, IDX and image parsers.
run bash build-scripts/sanitize.sh
run bash build-scripts/fuzz.sh --quick
if compgen -G "tests/browser/*.test.mjs" >/dev/null; then
  run node --test --test-concurrency=1 tests/browser/
fi
if [ "$failures" -ne 0 ]; then
  echo "test.sh: $failures suite(s) failed"
  exit 1
fi
echo "test.sh: all suites passed"

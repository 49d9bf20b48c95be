#!/usr/bin/env bash
# test.sh - sets everything up and runs every test: the C tests (ctest), the Node tests and the
# browser tests when they exist. Exit status is non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash build-scripts/setup.sh
bash build-scripts/build.sh
ctest --test-dir build/native --output-on-failure --timeout 1200

#!/usr/bin/env bash
# sanitize.sh - builds the engine, the `icarl` tool and the C tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (the top CMakeLists.txt's ICARL_SANITIZE option) into
# build/sanitize, and runs the C tests there. The slow "quick protocol" test (label `slow`) and
# the class-incremental accuracy test (label `accuracy`) are left out: under ASan they take
# minutes and add no code path the other tests miss.
# Any sanitizer report aborts the test that triggered it (-fno-sanitize-recover=all), so ctest
# sees it as a failure. Usage: build-scripts/sanitize.sh [extra ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DICARL_SANITIZE=ON >/dev/null
cmake --build build/sanitize -j "$jobs"

# detect_leaks: every test frees what it allocates, so a leak is a bug worth failing on.
# allocator_may_return_null: an allocation too large for the machine returns NULL, as malloc
# does without ASan, so the engine's OUT_OF_MEMORY paths run instead of ASan aborting.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
ctest --test-dir build/sanitize --output-on-failure -LE "slow|accuracy" --timeout 900 -j "$jobs" "$@"

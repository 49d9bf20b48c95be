#!/usr/bin/env bash
# fuzz.sh - builds the libFuzzer targets of tests/fuzz with Debian's clang (AddressSanitizer and
# UndefinedBehaviorSanitizer on, the engine sources compiled in) into build/fuzz, and runs each
# for a bounded time:
#
#   build-scripts/fuzz.sh --quick        a fixed number of inputs per target, a fixed seed and
#                                        an empty working corpus (the test command; about 10 s
#                                        per target, a minute with the build): the same amount
#                                        of fuzzing from the same start on any machine. It is
#                                        not replayed bit for bit (libFuzzer's choices vary a
#                                        little between runs), so an input it finds is a real
#                                        finding: keep it in tests/fuzz/regressions and fix it
#   build-scripts/fuzz.sh [SECONDS]      SECONDS per target, default 600 (the bench)
#   build-scripts/fuzz.sh --build        build only
#   build-scripts/fuzz.sh --seeds        regenerate tests/fuzz/corpus with tests/fuzz/make_corpus.c
#
# Targets: fuzz_checkpoint (icarl_load), fuzz_idx (idx_parse), fuzz_image (image_decode +
# image_prepare). Each starts from the committed seeds in tests/fuzz/corpus/<kind> and the
# inputs in tests/fuzz/regressions; what it learns is kept in build/fuzz/corpus/<target> for the
# next run. A crash, leak, timeout or an allocation above -malloc_limit_mb fails the run and
# leaves the input in build/fuzz/artifacts/: copy it to tests/fuzz/regressions/ (the
# test_fuzz_regressions C test replays every file there) and fix the engine.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=run
seconds=600
seed=0 # 0: libFuzzer picks one per run (the bench explores afresh each time)
quick=0
# Inputs per target in a quick run, about 10 s each here. A time limit would make how far the
# run gets depend on the machine's speed and load.
declare -A quick_runs=([checkpoint]=20000 [idx]=4000000 [image]=25000)
case "${1:-}" in
  --quick) quick=1; seed=1 ;;
  --build) mode=build ;;
  --seeds) mode=seeds ;;
  '') ;;
  *[!0-9]*) echo "usage: $0 [--quick | --build | --seeds | SECONDS]" >&2; exit 2 ;;
  *) seconds=$1 ;;
esac

CC=${CC:-clang}
if ! command -v "$CC" >/dev/null; then
  echo "fuzz.sh: $CC not found (Debian package clang)" >&2
  exit 1
fi
out=build/fuzz
mkdir -p "$out/obj" "$out/artifacts"
flags=(-g -O1 -std=c11 -fno-omit-frame-pointer -fsanitize=address,undefined
       -fno-sanitize-recover=all -Iinclude -Isrc -isystem /usr/include/stb)
jobs=$(nproc)

# The engine, compiled once for all targets (instrumented for coverage, no libFuzzer main).
# A source is recompiled when it or any header under src/ or include/ is newer than its object.
newest_header=$(find src include -name '*.h' -printf '%T@\n' | sort -n | tail -1)
objects=()
pids=()
for source in src/core/*.c src/kernels/*.c src/nn/*.c src/icarl/*.c src/data/*.c src/io/*.c; do
  object="$out/obj/$(echo "${source#src/}" | tr / _).o"
  objects+=("$object")
  if [ ! -f "$object" ] || [ "$source" -nt "$object" ] ||
     awk -v h="$newest_header" -v o="$(stat -c %Y "$object")" 'BEGIN{exit !(h > o)}'; then
    # stb's translation unit: the same exceptions as CMakeLists.txt gives it, for the same reason.
    extra=()
    [ "$source" = src/data/stb_image_impl.c ] && extra=(-fwrapv -fno-sanitize=shift)
    "$CC" "${flags[@]}" "${extra[@]}" -fsanitize=fuzzer-no-link -c "$source" -o "$object" &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$jobs" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done

targets=(checkpoint idx image)
for target in "${targets[@]}"; do
  "$CC" "${flags[@]}" -fsanitize=fuzzer "tests/fuzz/fuzz_$target.c" "${objects[@]}" -lm \
    -o "$out/fuzz_$target"
done

if [ "$mode" = seeds ]; then
  # stb_image_write's JPEG writer shifts signed ints too far (harmless, third-party, not engine
  # code): that check is off for the generator alone.
  "$CC" "${flags[@]}" -fno-sanitize=shift tests/fuzz/make_corpus.c "${objects[@]}" -lm \
    -o "$out/make_corpus"
  rm -rf tests/fuzz/corpus
  mkdir -p tests/fuzz/corpus/{checkpoint,idx,image}
  "$out/make_corpus" tests/fuzz/corpus
  du -sh tests/fuzz/corpus
  exit 0
fi
[ "$mode" = build ] && exit 0

# -malloc_limit_mb: no single allocation may exceed this; the seeds need well under 1 MB, so
# an input that makes the engine ask for more is an allocation its bytes do not justify.
# -rss_limit_mb bounds the total the same way (ASan's shadow memory included).
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
failed=0
for target in "${targets[@]}"; do
  if [ "$quick" = 1 ]; then
    # What earlier runs learned would change what this one tries: start empty every time.
    corpus="$out/quick-corpus/$target"
    rm -rf "$corpus"
    limit=(-runs="${quick_runs[$target]}")
    echo "== fuzz_$target for ${quick_runs[$target]} inputs"
  else
    corpus="$out/corpus/$target"
    limit=(-max_total_time="$seconds")
    echo "== fuzz_$target for ${seconds}s"
  fi
  mkdir -p "$corpus"
  if ! "$out/fuzz_$target" "${limit[@]}" -seed="$seed" -timeout=10 -malloc_limit_mb=256 \
         -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
         -artifact_prefix="$out/artifacts/$target-" \
         "$corpus" "tests/fuzz/corpus/$target" tests/fuzz/regressions \
         2> "$out/fuzz_$target.log"; then
    failed=$((failed + 1))
    echo "fuzz.sh: fuzz_$target failed; the log is $out/fuzz_$target.log:"
    grep -E 'ERROR|SUMMARY|Test unit written|fuzz_' "$out/fuzz_$target.log" | head -20
  else
    grep -E 'stat::number_of_executed_units|cov:' "$out/fuzz_$target.log" | tail -2
  fi
done
# One summary line in a fixed form: test.sh reads its counts.
echo "fuzz.sh: ${#targets[@]} targets run, $((${#targets[@]} - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]

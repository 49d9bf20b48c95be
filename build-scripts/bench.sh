#!/usr/bin/env bash
# bench.sh - the benchmarks (docs/accuracy.md, docs/performance.md): `icarl sanity` (all 10 Fashion-MNIST classes in
# one step, 2 epochs: accuracy and training images/s), `icarl protocol --size full` (the
# class-incremental benchmark with ResNet-32), `icarl bench-gemm` (GFLOP/s per kernel, natively
# and in WebAssembly through `node web/cli.mjs`), and
# `speed`: one side-by-side table of GEMM GFLOP/s, ResNet-32 training images/s and convolution
# backward/forward cost (the whole backward, each pass alone, and the worst single shape) for
# native (1 and N threads), WebAssembly SIMD and scalar (Node), the
# WebAssembly SIMD threads build with 1 and N threads (Node worker threads), the same SIMD
# programs again with relaxed SIMD (node --experimental-wasm-relaxed-simd: the fused multiply-add
# kernels; columns wasm-relaxed, rlx-thr-1, rlx-thr-N), TensorFlow.js's wasm
# backend (after `npm install --prefix bench`) and PyTorch; then each convolution shape's forward,
# WebAssembly SIMD against TensorFlow.js.
# Usage: build-scripts/bench.sh [sanity|full|quick|gemm|speed|threads|relaxed|conv|webcam|compare|fuzz|teach|all]
#   (default: all; builds first)
# threads: the thread speed-up alone, interleaved rounds (THREADS_ROUNDS, default 5) of native and
# WebAssembly threads with 1 and N threads, medians; relaxed: one thread of native and of both
# WebAssembly SIMD builds with simd128 and relaxed-SIMD kernels, RELAXED_ROUNDS (default 5)
# interleaved rounds, medians and the targets' ratios; conv: WebAssembly SIMD against TensorFlow.js
# conv2d alone, CONV_ROUNDS (default 5) interleaved rounds, medians per shape; webcam: the page's
# step in headless Chromium (bench/webcam-step.mjs, WEBCAM_ROUNDS rounds per engine, default 3);
# compare: the paper's comparison of four methods (build-scripts/compare.sh); fuzz: 10 minutes
# per fuzz target (build-scripts/fuzz.sh 600); teach [tune|test] [--set NAME=VALUE]... [--seeds
# 1,2,3] [--start FILE | --scratch]: 5 objects of the webcam evaluation set taught in 2 steps from
# the page's starter network (or FILE, or random weights), accuracy on held-out views
# and seconds per step, native and Node (bench/teach-bench.mjs, which says more), then the page's
# timings in headless Chromium (the webcam benchmark above: first prediction and whole step).
# Reports go to build/bench/. ICARL=path uses that binary and skips the build.
# SPEED_SECONDS (default 4) is the time budget per measurement of `speed`; NATIVE_BUILD and
# WASM_BUILD (default build/native, build/wasm) are the build folders whose libraries it links.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
case "$what" in
  sanity|full|quick|gemm|speed|threads|relaxed|conv|all) ;;
  webcam)
    [ -n "${ICARL:-}" ] || bash build-scripts/build.sh
    echo "\$ node bench/webcam-step.mjs ${WEBCAM_ROUNDS:-3}"
    exec node bench/webcam-step.mjs "${WEBCAM_ROUNDS:-3}" ;;
  compare) exec bash build-scripts/compare.sh quick ;;
  teach)
    shift
    [ -n "${ICARL:-}" ] || bash build-scripts/build.sh
    node bench/teach-bench.mjs "$@"
    echo "\$ node bench/webcam-step.mjs ${WEBCAM_ROUNDS:-3}"
    exec node bench/webcam-step.mjs "${WEBCAM_ROUNDS:-3}" ;;
  fuzz) exec bash build-scripts/fuzz.sh 600 ;;
  -h|--help)
    # the leading comment block, whatever its length
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0 ;;
  *)
    echo "bench.sh: unknown benchmark '$what' (expected sanity, full, quick, gemm, speed, threads, relaxed, conv, webcam, compare, fuzz, teach or all)" >&2
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
  run "GEMM kernels, WebAssembly (the same tool under Node)" \
    node web/cli.mjs bench-gemm --json "$out/gemm-wasm.json"
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
# ---- speed: everything measured in one run, side by side (issue 6) --------------------------

# What a program linking a SIMD library needs for its relaxed-SIMD kernels (src/wasm/
# relaxed-simd.cmake sets the same on the build's own targets): under Node with
# --experimental-wasm-relaxed-simd it runs them, without the flag the simd128 ones.
relaxed_link() { # relaxed_link WASM_BUILD_DIR
  printf '%s\n' --pre-js "$1/relaxed-simd/relaxed-simd-modules.js" \
    --pre-js src/wasm/relaxed-simd-pre.js --js-library src/wasm/relaxed-simd-library.js \
    -sIMPORTED_MEMORY=1
}
RELAXED_NODE=(node --experimental-wasm-relaxed-simd)

# The WebAssembly threads build of bench/train_bench.c: the library of the simd-threads flavour,
# linked for Node with a pool of 4 pthread workers (enough for 4 threads). CommonJS in a folder
# of its own ("type": "commonjs"): the pthread worker script is a .js file, which the workspace's
# "type": "module" would make an ES module, and it needs require(). EXIT_RUNTIME so that Node exits
# when main returns instead of waiting for the pool's workers.
build_wasm_threads_bench() {
  local wasm=$1 dir=$out/wasm-threads relaxed
  [ -f "$wasm/libicarl_engine_simd_threads.a" ] && command -v emcc >/dev/null || return 1
  mkdir -p "$dir"
  mapfile -t relaxed < <(relaxed_link "$wasm")
  echo '{"type": "commonjs"}' > "$dir/package.json"
  NODE_PATH=/usr/share/nodejs emcc -O3 -msimd128 -pthread -std=c11 -Iinclude -Isrc \
    -DICARL_THREADS_ENABLED=1 bench/train_bench.c "$wasm/libicarl_engine_simd_threads.a" \
    -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=2GB -sENVIRONMENT=node,worker -sSINGLE_FILE=1 \
    -sPTHREAD_POOL_SIZE=4 -sEXIT_RUNTIME=1 -Wno-pthreads-mem-growth "${relaxed[@]}" \
    -o "$dir/train_bench_threads.js" 2>&1 | grep -v 'USE_PTHREADS + ALLOW_MEMORY_GROWTH' || true
  [ -f "$dir/train_bench_threads.js" ]
}

# A relaxed-SIMD column only when its program ran the relaxed kernels (its first line names the
# variant), not the simd128 ones again.
relaxed_column() { # relaxed_column FILE COLUMN
  grep -q 'gemm_4x8__wasmrelaxed' "$1" && return 0
  echo "($2: this Node did not run the relaxed-SIMD kernels; column left out)"
  return 1
}

speed() {
  local seconds=${SPEED_SECONDS:-4} threads
  threads=$(nproc)
  [ "$threads" -gt 4 ] && threads=4
  echo
  echo "== Speed, side by side (ResNet-32 28x28x1 batch 128; GEMM m=n=k; medians)"
  local native=${NATIVE_BUILD:-build/native} wasm=${WASM_BUILD:-build/wasm}
  [ -f "$native/libicarl_engine.a" ] || { echo "bench.sh: $native not built" >&2; return 1; }
  gcc -O3 -std=c11 -Iinclude -Isrc -DICARL_THREADS_ENABLED=1 bench/train_bench.c \
    "$native/libicarl_engine.a" -lm -pthread -o "$out/train_bench"
  local columns=("native-1" "native-$threads")
  echo "\$ $out/train_bench 1 $seconds" && "$out/train_bench" 1 "$seconds" | tee "$out/speed-native-1.txt"
  echo "\$ $out/train_bench $threads $seconds" &&
    "$out/train_bench" "$threads" "$seconds" | tee "$out/speed-native-$threads.txt"
  if [ -f "$wasm/libicarl_engine_simd.a" ] && command -v emcc >/dev/null; then
    local flavour
    for flavour in simd scalar; do
      local library=$wasm/libicarl_engine.a flags=()
      [ "$flavour" = simd ] && library=$wasm/libicarl_engine_simd.a &&
        mapfile -t flags < <(echo -msimd128; relaxed_link "$wasm")
      # SINGLE_FILE: emcc 3.1.6's glue fetch()es a .wasm path, which Node 20's fetch refuses
      NODE_PATH=/usr/share/nodejs emcc -O3 "${flags[@]}" -std=c11 -Iinclude -Isrc \
        bench/train_bench.c "$library" -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node \
        -sSINGLE_FILE=1 -o "$out/train_bench_$flavour.cjs"
      echo "\$ node $out/train_bench_$flavour.cjs 1 $seconds"
      node "$out/train_bench_$flavour.cjs" 1 "$seconds" | tee "$out/speed-wasm-$flavour.txt"
      columns+=("wasm-$flavour")
      if [ "$flavour" = simd ]; then
        echo "\$ ${RELAXED_NODE[*]} $out/train_bench_simd.cjs 1 $seconds"
        "${RELAXED_NODE[@]}" "$out/train_bench_simd.cjs" 1 "$seconds" | tee "$out/speed-wasm-relaxed.txt"
        relaxed_column "$out/speed-wasm-relaxed.txt" wasm-relaxed && columns+=("wasm-relaxed")
      fi
    done
    # wasm-thr-T: the simd-threads build (Node worker threads) with T threads
    if build_wasm_threads_bench "$wasm"; then
      local count
      for count in 1 "$threads"; do
        echo "\$ node $out/wasm-threads/train_bench_threads.js $count $seconds"
        node "$out/wasm-threads/train_bench_threads.js" "$count" "$seconds" | tee "$out/speed-wasm-thr-$count.txt"
        columns+=("wasm-thr-$count")
      done
      for count in 1 "$threads"; do
        echo "\$ ${RELAXED_NODE[*]} $out/wasm-threads/train_bench_threads.js $count $seconds"
        "${RELAXED_NODE[@]}" "$out/wasm-threads/train_bench_threads.js" "$count" "$seconds" |
          tee "$out/speed-rlx-thr-$count.txt"
        relaxed_column "$out/speed-rlx-thr-$count.txt" "rlx-thr-$count" && columns+=("rlx-thr-$count")
      done
    else
      echo "(no simd-threads library in $wasm: wasm-thr columns skipped)"
    fi
  else
    echo "(no WebAssembly build: wasm columns skipped)"
  fi
  echo "\$ node bench/tfjs_bench.mjs $seconds"
  node bench/tfjs_bench.mjs "$seconds" | tee "$out/speed-tfjs.txt"
  grep -q '^result' "$out/speed-tfjs.txt" && columns+=("tfjs")
  # Debian's torch lives in the system python; a pyenv python3 on PATH may not have it
  local python=python3
  python3 -c 'import torch' 2>/dev/null || { [ -x /usr/bin/python3 ] && python=/usr/bin/python3; }
  echo "\$ $python bench/torch_resnet.py 1 $seconds"
  "$python" bench/torch_resnet.py 1 "$seconds" | tee "$out/speed-torch-1.txt"
  if ! grep -q 'not installed' "$out/speed-torch-1.txt"; then
    echo "\$ $python bench/torch_resnet.py $threads $seconds"
    "$python" bench/torch_resnet.py "$threads" "$seconds" | tee "$out/speed-torch-$threads.txt"
    sed -n 's/.*: \([0-9.]*\) images\/s.*/result train \1/p' "$out/speed-torch-1.txt" >> "$out/speed-torch-1.txt"
    sed -n 's/.*: \([0-9.]*\) images\/s.*/result train \1/p' "$out/speed-torch-$threads.txt" \
      >> "$out/speed-torch-$threads.txt"
    columns+=("torch-1" "torch-$threads")
  fi
  echo
  local header="" column file row
  for column in "${columns[@]}"; do header+=$(printf ' %12s' "$column"); done
  printf '%-30s%s\n' "" "$header" | tee "$out/speed-table.txt"
  for row in gemm256:"GEMM 256 GFLOP/s" gemm512:"GEMM 512 GFLOP/s" gemm1024:"GEMM 1024 GFLOP/s" \
             train:"ResNet-32 train images/s" conv_backward_over_forward:"conv backward / forward" \
             conv_backward_over_forward_weight:"  weight gradient / forward" \
             conv_backward_over_forward_input:"  input gradient / forward" \
             conv_backward_over_forward_worst_pass:"  worst pass / fwd, a shape" \
             webcam_conv_backward_over_forward:"webcam conv backward / fwd" \
             webcam_conv_backward_over_forward_weight:"  weight gradient / forward" \
             webcam_conv_backward_over_forward_input:"  input gradient / forward" \
             webcam_conv_backward_over_forward_worst_pass:"  worst pass / fwd, a shape"; do
    local key=${row%%:*} label=${row#*:} line
    line=$(printf '%-30s' "$label")
    for column in "${columns[@]}"; do
      file=$out/speed-$column.txt
      local value
      value=$(awk -v k="$key" '$1 == "result" && $2 == k {print $3}' "$file" 2>/dev/null | tail -1)
      line+=$(printf ' %12s' "${value:--}")
    done
    echo "$line" | tee -a "$out/speed-table.txt"
  done
  echo "(table in $out/speed-table.txt; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  # every convolution shape, forward: the WebAssembly SIMD build against TensorFlow.js's conv2d
  if [ -f "$out/speed-wasm-simd.txt" ] && grep -q '^result' "$out/speed-tfjs.txt"; then
    echo
    printf '%-26s %10s %10s %14s\n' "conv forward, ms" "wasm-simd" "tfjs" "tfjs / ours" |
      tee "$out/speed-conv-vs-tfjs.txt"
    awk 'FNR == NR { if ($2 == "->") tfjs[$1 " " $2 " " $3 " " $4 " " $5] = $6; next }
         $2 == "->" { shape = $1 " " $2 " " $3 " " $4 " " $5
                      if (shape in tfjs) printf "%-26s %10.3f %10.3f %14.2f\n", shape, $6, tfjs[shape], tfjs[shape] / $6 }' \
      "$out/speed-tfjs.txt" "$out/speed-wasm-simd.txt" | tee -a "$out/speed-conv-vs-tfjs.txt"
  fi
}

if [ "$what" = speed ]; then
  speed
fi

# ---- threads: the speed-up of threads alone, interleaved rounds -----------------------------
# On a shared machine one run per column says more about the other processes than about the
# threads: each round runs native and WebAssembly with 1 and N threads back to back (GEMM and
# training), and the medians over rounds are compared.
threads_bench() {
  local rounds=${THREADS_ROUNDS:-5} seconds=${SPEED_SECONDS:-3} threads round count kind file
  threads=$(nproc)
  [ "$threads" -gt 4 ] && threads=4
  local native=${NATIVE_BUILD:-build/native} wasm=${WASM_BUILD:-build/wasm}
  echo
  echo "== Threads: 1 vs $threads threads, $rounds interleaved rounds (GEMM m=n=k; ResNet-32 28x28x1 batch 128)"
  gcc -O3 -std=c11 -Iinclude -Isrc -DICARL_THREADS_ENABLED=1 bench/train_bench.c \
    "$native/libicarl_engine.a" -lm -pthread -o "$out/train_bench"
  local kinds=(native)
  build_wasm_threads_bench "$wasm" && kinds+=(wasm) || echo "(no simd-threads library in $wasm: wasm skipped)"
  : > "$out/threads-rounds.txt"
  for round in $(seq 1 "$rounds"); do
    for kind in "${kinds[@]}"; do
      for count in 1 "$threads"; do
        local command=("$out/train_bench")
        [ "$kind" = wasm ] && command=(node "$out/wasm-threads/train_bench_threads.js")
        file=$out/threads-$kind-$count-$round.txt
        "${command[@]}" "$count" "$seconds" gemm > "$file"
        "${command[@]}" "$count" "$seconds" train >> "$file"
        awk -v r="$round" -v k="$kind" -v t="$count" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
          '$1 == "result" {printf "round %s %s-%s %s %s (load %s)\n", r, k, t, $2, $3, l}' "$file" |
          tee -a "$out/threads-rounds.txt"
      done
    done
  done
  echo
  printf '%-26s' "" | tee "$out/threads-table.txt"
  for kind in "${kinds[@]}"; do printf ' %10s %10s %8s' "$kind-1" "$kind-$threads" "speedup"; done | tee -a "$out/threads-table.txt"
  echo | tee -a "$out/threads-table.txt"
  local key
  for key in gemm256 gemm512 gemm1024 train; do
    printf '%-26s' "$key (median of $rounds)" | tee -a "$out/threads-table.txt"
    for kind in "${kinds[@]}"; do
      local one many
      one=$(awk -v c="$kind-1" -v k="$key" '$3 == c && $4 == k {print $5}' "$out/threads-rounds.txt" | sort -g |
        awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
      many=$(awk -v c="$kind-$threads" -v k="$key" '$3 == c && $4 == k {print $5}' "$out/threads-rounds.txt" | sort -g |
        awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
      printf ' %10.1f %10.1f %7.2fx' "$one" "$many" "$(awk -v a="$one" -v b="$many" 'BEGIN {print b / a}')"
    done | tee -a "$out/threads-table.txt"
    echo | tee -a "$out/threads-table.txt"
  done
  echo "(GEMM in GFLOP/s, train in images/s; rounds in $out/threads-rounds.txt; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
}

if [ "$what" = threads ]; then
  threads_bench
fi

# ---- relaxed: one thread of every WebAssembly SIMD build, simd128 against relaxed SIMD ---------
# The relaxed-SIMD targets are ratios between columns of one machine; a single speed run gives each
# column one sample, and a neighbour's burst moves one by 20% here. Each round runs native, the
# single-thread SIMD build and the threads build on one thread, each with simd128 and with
# relaxed-SIMD kernels, back to back (GEMM and training), and the medians over rounds are
# compared.
relaxed_bench() {
  local rounds=${RELAXED_ROUNDS:-5} seconds=${SPEED_SECONDS:-3} round column file
  local native=${NATIVE_BUILD:-build/native} wasm=${WASM_BUILD:-build/wasm} relaxed
  [ -f "$wasm/libicarl_engine_simd.a" ] && command -v emcc >/dev/null ||
    { echo "bench.sh: no WebAssembly SIMD library in $wasm" >&2; return 1; }
  gcc -O3 -std=c11 -Iinclude -Isrc -DICARL_THREADS_ENABLED=1 bench/train_bench.c \
    "$native/libicarl_engine.a" -lm -pthread -o "$out/train_bench"
  mapfile -t relaxed < <(relaxed_link "$wasm")
  NODE_PATH=/usr/share/nodejs emcc -O3 -msimd128 -std=c11 -Iinclude -Isrc bench/train_bench.c \
    "$wasm/libicarl_engine_simd.a" -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node -sSINGLE_FILE=1 \
    "${relaxed[@]}" -o "$out/train_bench_simd.cjs"
  build_wasm_threads_bench "$wasm" || { echo "bench.sh: no simd-threads library in $wasm" >&2; return 1; }
  echo
  echo "== Relaxed SIMD: one thread, $rounds interleaved rounds (GEMM m=n=k; ResNet-32 28x28x1 batch 128)"
  local columns=(native-1 wasm-simd wasm-relaxed wasm-thr-1 rlx-thr-1)
  : > "$out/relaxed-rounds.txt"
  for round in $(seq 1 "$rounds"); do
    for column in "${columns[@]}"; do
      local command
      case "$column" in
        native-1) command=("$out/train_bench") ;;
        wasm-simd) command=(node "$out/train_bench_simd.cjs") ;;
        wasm-relaxed) command=("${RELAXED_NODE[@]}" "$out/train_bench_simd.cjs") ;;
        wasm-thr-1) command=(node "$out/wasm-threads/train_bench_threads.js") ;;
        rlx-thr-1) command=("${RELAXED_NODE[@]}" "$out/wasm-threads/train_bench_threads.js") ;;
      esac
      file=$out/relaxed-$column-$round.txt
      "${command[@]}" 1 "$seconds" gemm > "$file"
      "${command[@]}" 1 "$seconds" train >> "$file"
      case "$column" in
        wasm-relaxed|rlx-thr-1) relaxed_column "$file" "$column" || return 1 ;;
      esac
      awk -v r="$round" -v c="$column" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
        '$1 == "result" {printf "round %s %s %s %s (load %s)\n", r, c, $2, $3, l}' "$file" |
        tee -a "$out/relaxed-rounds.txt"
    done
  done
  echo
  { printf '%-26s' "median of $rounds"
    for column in "${columns[@]}"; do printf ' %12s' "$column"; done
    printf ' %12s %12s %12s\n' "rlx/simd" "rlx/native" "simd/thr-1"
    local key
    for key in gemm256 gemm512 gemm1024 train; do
      printf '%-26s' "$key"
      local -A value=()
      for column in "${columns[@]}"; do
        value[$column]=$(awk -v c="$column" -v k="$key" '$3 == c && $4 == k {print $5}' \
          "$out/relaxed-rounds.txt" | sort -g |
          awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
        printf ' %12.1f' "${value[$column]}"
      done
      awk -v r="${value[wasm-relaxed]}" -v s="${value[wasm-simd]}" -v n="${value[native-1]}" \
        -v t="${value[wasm-thr-1]}" 'BEGIN {printf " %11.2fx %11.2fx %11.2fx\n", r / s, r / n, s / t}'
    done
  } | tee "$out/relaxed-table.txt"
  echo "(GEMM in GFLOP/s, train in images/s; rounds in $out/relaxed-rounds.txt; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
}

if [ "$what" = relaxed ]; then
  relaxed_bench
fi

# ---- conv: every convolution shape's forward, WebAssembly SIMD vs TensorFlow.js, interleaved --
# One speed run gives one sample per shape; a neighbour's burst during one column moves a ratio
# by 5-10%. Here each round runs both back to back, and the medians over rounds are compared.
conv_bench() {
  local rounds=${CONV_ROUNDS:-5} round wasm=${WASM_BUILD:-build/wasm}
  [ -f "$wasm/libicarl_engine_simd.a" ] && command -v emcc >/dev/null ||
    { echo "bench.sh: no WebAssembly SIMD library in $wasm" >&2; return 1; }
  local relaxed
  mapfile -t relaxed < <(relaxed_link "$wasm")
  NODE_PATH=/usr/share/nodejs emcc -O3 -msimd128 -std=c11 -Iinclude -Isrc bench/train_bench.c \
    "$wasm/libicarl_engine_simd.a" -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node -sSINGLE_FILE=1 \
    "${relaxed[@]}" -o "$out/train_bench_simd.cjs"
  echo
  echo "== Convolution forward, WebAssembly SIMD vs TensorFlow.js, $rounds interleaved rounds"
  for round in $(seq 1 "$rounds"); do
    node "$out/train_bench_simd.cjs" 1 1 conv > "$out/conv-wasm-$round.txt"
    node bench/tfjs_bench.mjs 1 > "$out/conv-tfjs-$round.txt"
    grep -q '^result' "$out/conv-tfjs-$round.txt" ||
      { echo "bench.sh: tfjs not installed (npm install --prefix bench)" >&2; return 1; }
    echo "round $round done (load $(cut -d' ' -f1 /proc/loadavg))"
  done
  node - "$out" "$rounds" <<'SCRIPT' | tee "$out/conv-table.txt"
const [out, rounds] = [process.argv[2], Number(process.argv[3])];
const fs = require('fs');
const samples = {}; // shape -> {wasm: [], tfjs: []}
for (let round = 1; round <= rounds; round++) {
  for (const side of ['wasm', 'tfjs']) {
    for (const line of fs.readFileSync(`${out}/conv-${side}-${round}.txt`, 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[1] !== '->') continue;
      const shape = f.slice(0, 5).join(' ');
      (samples[shape] ??= { wasm: [], tfjs: [] })[side].push(Number(f[5]));
    }
  }
}
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
console.log(`${'conv forward, ms (medians)'.padEnd(28)}${'wasm-simd'.padStart(10)}${'tfjs'.padStart(10)}${'tfjs / ours'.padStart(13)}`);
for (const [shape, { wasm, tfjs }] of Object.entries(samples)) {
  if (!wasm.length || !tfjs.length) continue;
  const w = median(wasm), t = median(tfjs);
  console.log(`${shape.padEnd(28)}${w.toFixed(3).padStart(10)}${t.toFixed(3).padStart(10)}${(t / w).toFixed(2).padStart(13)}`);
}
SCRIPT
  echo "(rounds in $out/conv-{wasm,tfjs}-N.txt; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
}

if [ "$what" = conv ]; then
  conv_bench
fi

echo
echo "reports in $out/"

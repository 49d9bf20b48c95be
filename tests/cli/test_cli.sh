#!/usr/bin/env bash
# test_cli.sh - end-to-end tests of the native `icarl` tool (docs/design.md 5.2): learn, predict, eval
# and info on tiny generated BMP folders, an incremental second learn, protocol and sanity on a
# tiny generated IDX dataset, and every bad-input case (one stderr line, non-zero exit, no damage).
# Usage: tests/cli/test_cli.sh [path/to/icarl]   (default: build/native/icarl)
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
icarl=${1:-${ICARL:-$root/build/native/icarl}}
if [ ! -x "$icarl" ]; then
  echo "test_cli: no icarl binary at $icarl (build first or pass its path)" >&2
  exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/icarl-cli-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }

# ---- generated inputs -------------------------------------------------------------------------

# bytes V...: writes each value 0..255 as one byte.
bytes() {
  local escapes="" one value
  for value in "$@"; do
    printf -v one '\\x%02x' "$value"
    escapes+=$one
  done
  printf "$escapes"
}
le16() { bytes $(($1 & 255)) $((($1 >> 8) & 255)); }
le32() { bytes $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }

# write_bmp FILE RED GREEN BLUE STRIPE_PERIOD VARIANT: a 16x16 24-bit BMP of one colour, with
# dark vertical stripes when STRIPE_PERIOD > 0 and a small deterministic per-image jitter.
write_bmp() {
  local file=$1 red=$2 green=$3 blue=$4 period=$5 variant=$6
  local width=16 height=16 data="" pixel x y r g b jitter
  for ((y = 0; y < height; y++)); do
    for ((x = 0; x < width; x++)); do
      jitter=$(((x * 7 + y * 13 + variant * 29) % 31 - 15))
      if ((period > 0 && (x / period) % 2 == 1)); then
        r=$((20 + jitter / 2 + 8)) g=$((20 + jitter / 2 + 8)) b=$((20 + jitter / 2 + 8))
      else
        r=$((red + jitter)) g=$((green + jitter)) b=$((blue + jitter))
      fi
      ((r < 0)) && r=0; ((r > 255)) && r=255
      ((g < 0)) && g=0; ((g > 255)) && g=255
      ((b < 0)) && b=0; ((b > 255)) && b=255
      printf -v pixel "\\\\x%02x\\\\x%02x\\\\x%02x" "$b" "$g" "$r" # BMP stores BGR
      data+=$pixel
    done
  done
  {
    printf 'BM'
    le32 $((54 + width * height * 3)); le32 0; le32 54
    le32 40; le32 "$width"; le32 "$height"; le16 1; le16 24; le32 0
    le32 $((width * height * 3)); le32 2835; le32 2835; le32 0; le32 0
    printf "$data"
  } >"$file"
}

# make_class DIR NAME RED GREEN BLUE STRIPES FIRST_VARIANT COUNT
make_class() {
  mkdir -p "$1/$2"
  for ((i = 0; i < $8; i++)); do
    write_bmp "$1/$2/img_$i.bmp" "$3" "$4" "$5" "$6" $(($7 + i))
  done
}

make_class "$work/train" red 220 30 30 0 1 8
make_class "$work/train" green 30 200 40 4 1 8
make_class "$work/train" blue 30 40 220 0 1 8
echo "not an image" >"$work/train/red/notes.txt"            # ignored: not an image name
make_class "$work/test" red 220 30 30 0 21 4
make_class "$work/test" green 30 200 40 4 21 4
make_class "$work/test" blue 30 40 220 0 21 4
make_class "$work/test" purple 160 30 200 0 21 3              # unknown class: skipped
make_class "$work/new" yellow 230 220 40 0 1 8
make_class "$work/test_yellow" yellow 230 220 40 0 21 4
make_class "$work/stranger" grey 128 128 128 2 1 1              # never taught

mkdir -p "$work/bad/red"
cp "$work/train/red/img_0.bmp" "$work/bad/red/"
printf 'this is not a PNG at all' >"$work/bad/red/broken.png"  # named as an image: an error
printf 'garbage' >"$work/broken.jpg"

# A tiny Fashion-MNIST stand-in: uncompressed IDX files, 10 classes, each a flat grey level.
make_idx() { # make_idx DIRECTORY PREFIX PER_CLASS
  local images="$1/$2-images-idx3-ubyte" labels="$1/$2-labels-idx1-ubyte" count=$((10 * $3))
  { printf '\x00\x00\x08\x03'; bytes 0 0 0 "$count"
    printf '\x00\x00\x00\x1c\x00\x00\x00\x1c'; } >"$images"
  { printf '\x00\x00\x08\x01'; bytes 0 0 0 "$count"; } >"$labels"
  for ((i = 0; i < $3; i++)); do
    for ((label = 0; label < 10; label++)); do
      head -c 784 /dev/zero | tr '\0' "\\$(printf %03o $((label * 25 + i)))" >>"$images"
      bytes "$label" >>"$labels"
    done
  done
}
mkdir -p "$work/fashion"
make_idx "$work/fashion" train 6
make_idx "$work/fashion" t10k 3

# ---- helpers ----------------------------------------------------------------------------------

# run_ok DESCRIPTION COMMAND...: must exit 0; stdout in $work/out, stderr in $work/err.
run_ok() {
  local description=$1; shift
  "$@" >"$work/out" 2>"$work/err"
  local status=$?
  if [ $status -eq 0 ]; then pass "$description"; return 0; fi
  fail "$description (exit $status: $(head -c 300 "$work/err"))"
  return 1
}

# expect_error DESCRIPTION COMMAND...: must exit non-zero without crashing (status < 128) and
# print exactly one line on stderr.
expect_error() {
  local description=$1; shift
  "$@" >"$work/out" 2>"$work/err"
  local status=$? lines
  lines=$(wc -l <"$work/err")
  if [ $status -ne 0 ] && [ $status -lt 128 ] && [ "$lines" -eq 1 ]; then
    pass "$description -> $(cat "$work/err")"
  else
    fail "$description (exit $status, $lines stderr lines: $(head -c 300 "$work/err"))"
  fi
}

check() { # check DESCRIPTION TEST-COMMAND...
  local description=$1; shift
  if "$@"; then pass "$description"; else fail "$description"; fi
}

# json_checks SCRIPT ARG...: runs SCRIPT (JavaScript, with node) with ARG... as `args`, `read`
# (a file's text), `json` (a parsed file), `near` (equal to 1e-4, the reports' rounding) and
# `mean`; each check(description, condition) it calls counts as one pass or fail here, and so
# does a script that throws or prints anything else.
json_checks() {
  local script=$1 verdict description; shift
  while IFS=$'\t' read -r verdict description; do
    case $verdict in
      ok) pass "$description" ;;
      FAIL) fail "$description" ;;
      *) fail "json_checks printed: $verdict $description" ;;
    esac
  done < <(node -e '
    const fs = require("fs");
    const args = process.argv.slice(1);
    const read = (file) => fs.readFileSync(file, "utf8");
    const json = (file) => JSON.parse(read(file));
    const near = (a, b) => typeof a === "number" && typeof b === "number" && Math.abs(a - b) <= 1e-4;
    const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const check = (description, condition) => console.log(`${condition ? "ok" : "FAIL"}\t${description}`);
    try {
      eval(args.shift());
    } catch (error) {
      console.log(`FAIL\tthe checks threw: ${String(error).split("\n")[0]}`);
    }' "$script" "$@" 2>&1)
}

model="$work/model.icarl"

# ---- global -----------------------------------------------------------------------------------

run_ok "icarl --help" "$icarl" --help && check "--help lists the commands" grep -q protocol "$work/out"
run_ok "icarl --version" "$icarl" --version
for command in learn predict eval info protocol sanity; do
  run_ok "icarl $command --help" "$icarl" "$command" --help
done
expect_error "unknown subcommand" "$icarl" frobnicate
expect_error "no subcommand" "$icarl"

# ---- learn, info, predict, eval ---------------------------------------------------------------

run_ok "learn creates a model" "$icarl" learn --model "$model" --data "$work/train" --epochs 4
check "model file exists" test -s "$model"
check "no temporary file left" test ! -e "$model.tmp"
run_ok "info" "$icarl" info --model "$model"
check "info lists the three classes" \
  bash -c "grep -q red '$work/out' && grep -q green '$work/out' && grep -q blue '$work/out'"

run_ok "predict" "$icarl" predict --model "$model" "$work/test/red/img_0.bmp" \
  "$work/test/green/img_1.bmp" "$work/test/blue/img_2.bmp"
check "predict prints path<TAB>label<TAB>score lines" \
  bash -c "[ \$(grep -cP '^[^\t]+\t[^\t]+\t-?[0-9]+\.[0-9]{4}\$' '$work/out') -eq 3 ]"
check "predict labels are right" bash -c "
  [ \"\$(cut -f2 '$work/out' | tr '\n' ' ')\" = 'red green blue ' ]"

run_ok "predict --unknown" "$icarl" predict --model "$model" --unknown "$work/test/red/img_0.bmp" \
  "$work/test/green/img_1.bmp" "$work/test/blue/img_2.bmp" "$work/stranger/grey/img_0.bmp"
check "predict --unknown adds known or unknown as a fourth column" \
  bash -c "[ \$(grep -cP '^[^\t]+\t[^\t]+\t-?[0-9]+\.[0-9]{4}\t(known|unknown)\$' '$work/out') -eq 4 ]"
# (whether each is flagged right: with the started model below, whose features tell them apart)

run_ok "eval --json" "$icarl" eval --model "$model" --data "$work/test" --json "$work/eval.json"
check "eval prints accuracy: 0.XXXX" grep -qE '^accuracy: [01]\.[0-9]{4}$' "$work/out"
check "eval accuracy >= 0.9 on easy classes" \
  awk '/^accuracy:/ { exit !($2 >= 0.9) }' "$work/out"
check "eval notes the skipped unknown class on stderr" grep -q "skipped 3 images" "$work/err"
json_checks 'check("eval JSON has the accuracy it printed", near(json(args[0]).accuracy, Number(read(args[1]).match(/^accuracy: (\S+)$/m)[1])))' \
  "$work/eval.json" "$work/out"

run_ok "learn --set" "$icarl" learn --model "$work/set.icarl" --data "$work/train" \
  --set schedule=epochs,epochs=1,zoom=0.25
run_ok "info of the --set model" "$icarl" info --model "$work/set.icarl"
check "--set settings are the model's" bash -c "
  grep -qE '^  zoom +0\.25 ' '$work/out' && grep -qE '^  schedule +epochs ' '$work/out' &&
  grep -qE '^  epochs +1 ' '$work/out'"
expect_error "--set of an unknown setting" "$icarl" learn --model "$work/set2.icarl" \
  --data "$work/train" --set wobble=1
expect_error "--set out of range" "$icarl" learn --model "$work/set2.icarl" --data "$work/train" \
  --set zoom=2
expect_error "--set without a value" "$icarl" learn --model "$work/set2.icarl" --data "$work/train" \
  --set zoom
check "no model written by a refused --set" test ! -e "$work/set2.icarl"

# ---- a new model from a starter ---------------------------------------------------------------

starter="$root/web/starter.icarl"
run_ok "learn --start the page's starter" "$icarl" learn --model "$work/started.icarl" \
  --data "$work/train" --start "$starter" --seed 7 --set zoom=0.2
run_ok "info of the started model" "$icarl" info --model "$work/started.icarl"
check "a started model has the starter's network and settings, and the seed and --set given" bash -c "
  grep -q 'network: ResNet-14' '$work/out' && grep -qE '^  min_updates +50 ' '$work/out' &&
  grep -qE '^  seed +7 ' '$work/out' && grep -qE '^  zoom +0\.2 ' '$work/out' &&
  grep -q 'classes: 3' '$work/out'"
run_ok "learn --start at another input size" "$icarl" learn --model "$work/started48.icarl" \
  --data "$work/train" --start "$starter" --set input_size=48,min_updates=4,max_updates=4
run_ok "info of the model started at 48x48" "$icarl" info --model "$work/started48.icarl"
check "the starter's network runs at the input size given" grep -q 'input: 48x48x3' "$work/out"
run_ok "predict --unknown with the started model" "$icarl" predict --model "$work/started.icarl" \
  --unknown "$work/test/red/img_0.bmp" "$work/test/green/img_1.bmp" "$work/test/blue/img_2.bmp" \
  "$work/stranger/grey/img_0.bmp"
check "taught colours are named and known, a grey striped image never taught is unknown" bash -c "
  [ \"\$(head -3 '$work/out' | cut -f2,4 | tr '\t\n' '  ')\" = 'red known green known blue known ' ] ||
  exit 1; tail -1 '$work/out' | grep -qP '\tunknown\$'"
expect_error "--start with a model that has classes" "$icarl" learn --model "$work/start2.icarl" \
  --data "$work/train" --start "$model"
expect_error "--start with another network shape" "$icarl" learn --model "$work/start2.icarl" \
  --data "$work/train" --start "$starter" --set base_width=8
expect_error "--start with a file that is not a model" "$icarl" learn \
  --model "$work/start2.icarl" --data "$work/train" --start "$work/train"
check "no model written by a refused --start" test ! -e "$work/start2.icarl"

# ---- incremental learn ------------------------------------------------------------------------

run_ok "learn a new class into the existing model" \
  "$icarl" learn --model="$model" --data="$work/new" --epochs=4
run_ok "info after the second step" "$icarl" info --model "$model"
check "info lists four classes" grep -q "classes: 4" "$work/out"
run_ok "predict the new class" "$icarl" predict --model "$model" "$work/test_yellow/yellow/img_0.bmp"
check "the new class is recognised" bash -c "[ \"\$(cut -f2 '$work/out')\" = yellow ]"
run_ok "eval the new class" "$icarl" eval --model "$model" --data "$work/test_yellow"
check "new class accuracy >= 0.75" awk '/^accuracy:/ { exit !($2 >= 0.75) }' "$work/out"
run_ok "eval old classes after the second step" "$icarl" eval --model "$model" --data "$work/test"
check "old classes still >= 0.75" awk '/^accuracy:/ { exit !($2 >= 0.75) }' "$work/out"

# ---- bad input --------------------------------------------------------------------------------

checksum=$(cksum <"$model")
expect_error "unknown option" "$icarl" learn --model "$model" --data "$work/train" --bogus 1
expect_error "missing --model value" "$icarl" learn --model
expect_error "missing --model" "$icarl" info
expect_error "bad --epochs value" "$icarl" learn --model "$model" --data "$work/train" --epochs x
expect_error "missing model file (info)" "$icarl" info --model "$work/nothing.icarl"
expect_error "missing model file (predict)" "$icarl" predict --model "$work/nothing.icarl" \
  "$work/test/red/img_0.bmp"
expect_error "missing image" "$icarl" predict --model "$model" "$work/nothing.png"
expect_error "undecodable image (predict)" "$icarl" predict --model "$model" "$work/broken.jpg"
expect_error "predict without images" "$icarl" predict --model "$model"
expect_error "missing data folder (learn)" "$icarl" learn --model "$model" --data "$work/nothing"
expect_error "missing data folder (eval)" "$icarl" eval --model "$model" --data "$work/nothing"
expect_error "undecodable image in a class folder (learn)" \
  "$icarl" learn --model "$model" --data "$work/bad" --epochs 1
check "the model is unchanged after failed learns" test "$(cksum <"$model")" = "$checksum"
check "no temporary model file left" test ! -e "$model.tmp"

head -c 4096 /dev/urandom >"$work/random.icarl"
expect_error "corrupt model: random bytes (info)" "$icarl" info --model "$work/random.icarl"
random_checksum=$(cksum <"$work/random.icarl")
expect_error "corrupt model: random bytes (learn)" \
  "$icarl" learn --model "$work/random.icarl" --data "$work/train" --epochs 1
check "a corrupt model file is left as it was" \
  test "$(cksum <"$work/random.icarl")" = "$random_checksum"
size=$(wc -c <"$model")
head -c $((size / 2)) "$model" >"$work/truncated.icarl"
expect_error "corrupt model: truncated copy (info)" "$icarl" info --model "$work/truncated.icarl"
expect_error "corrupt model: truncated copy (predict)" \
  "$icarl" predict --model "$work/truncated.icarl" "$work/test/red/img_0.bmp"
head -c $((size - 1)) "$model" >"$work/short.icarl"
expect_error "corrupt model: one byte short (eval)" \
  "$icarl" eval --model "$work/short.icarl" --data "$work/test"
cp "$model" "$work/flipped.icarl"
printf '\xff' | dd of="$work/flipped.icarl" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
expect_error "corrupt model: one byte changed (info)" "$icarl" info --model "$work/flipped.icarl"
expect_error "model path is a folder" "$icarl" info --model "$work/train"

# ---- protocol and sanity on the tiny IDX dataset ----------------------------------------------

run_ok "protocol on a tiny dataset" "$icarl" protocol --dataset fashion-mnist \
  --data-dir "$work/fashion" --epochs 1 --memory 20 --order shuffled --seed 3 \
  --json "$work/protocol.json" --svg "$work/protocol.svg"
check "protocol prints five step lines" \
  bash -c "[ \$(grep -c '^step [1-5]/5' '$work/out') -eq 5 ]"
check "protocol prints the summary" grep -q "average incremental accuracy" "$work/out"
# The report's figures hang together as section 5 defines them (6 training and 3 test images
# per class, K = 20 exemplars in all, 2 classes per step).
json_checks '
  const [file, printed] = args;
  const r = json(file);
  const steps = r.steps;
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  check("protocol JSON has 5 steps of 2 new classes", steps.length === 5 &&
    steps.every((s, i) => s.new_classes.length === 2 && s.classes.length === 2 * (i + 1)));
  check("protocol JSON learns the 10 classes in its shuffled class order",
    new Set(r.configuration.class_order).size === 10 &&
    steps.flatMap((s) => s.new_classes).join() === r.configuration.class_order.join() &&
    r.configuration.order === "shuffled" && r.configuration.seed === 3 && r.configuration.memory === 20);
  check("protocol JSON: each step trains on its new images and the exemplars kept, min(6, floor(K / t)) per old class",
    steps.every((s, i) => s.training_images === 12 + 2 * i * Math.min(6, Math.floor(20 / (2 * i || 1)))));
  check("protocol JSON: a step accuracy is the mean of its per-class accuracies", steps.every((s) =>
    near(s.nme, mean(Object.values(s.per_class_nme))) && near(s.cnn, mean(Object.values(s.per_class_cnn))) &&
    Object.keys(s.per_class_nme).join() === s.classes.join()));
  check("protocol JSON: average incremental = mean over the steps, final = the last step",
    near(r.average_incremental_nme, mean(steps.map((s) => s.nme))) && near(r.average_incremental_cnn, mean(steps.map((s) => s.cnn))) &&
    r.final_nme === steps[4].nme && r.final_cnn === steps[4].cnn);
  const forgetting = (kind) => mean(steps.slice(0, 4).flatMap((s) => s.new_classes).map((c) =>
    Math.max(...steps.slice(0, 4).filter((s) => c in s[kind]).map((s) => s[kind][c])) - steps[4][kind][c]));
  check("protocol JSON: forgetting = mean over the earlier classes of best earlier minus final accuracy",
    near(r.forgetting_nme, forgetting("per_class_nme")) && near(r.forgetting_cnn, forgetting("per_class_cnn")));
  const lines = read(printed).match(/^step [1-5]\/5 .*$/gm) ?? [];
  check("protocol prints the accuracies of its JSON report", lines.length === 5 && lines.every((line, i) =>
    near(Number(line.match(/NME top-1 (\S+)/)[1]), steps[i].nme) && near(Number(line.match(/CNN top-1 (\S+)/)[1]), steps[i].cnn)));
  check("protocol JSON reports its time", typeof r.seconds === "number" && steps.every((s) => typeof s.seconds === "number"));
' "$work/protocol.json" "$work/out"
check "protocol SVG parses as XML" node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8");
  const tags = [];
  for (const [, close, name, selfClosing] of text.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (!close) tags.push(name);
    else if (tags.pop() !== name) process.exit(1);
  }
  process.exit(tags.length === 0 ? 0 : 1);' "$work/protocol.svg"
check "protocol SVG is an SVG" grep -q "<svg" "$work/protocol.svg"
run_ok "protocol --method replay" "$icarl" protocol --data-dir "$work/fashion" --epochs 1 \
  --memory 20 --method replay --json "$work/replay.json"
check "the report names the method" grep -q '"method": *"replay"' "$work/replay.json"
expect_error "protocol: bad --method" "$icarl" protocol --method distill
expect_error "protocol: bad --size" "$icarl" protocol --size huge
expect_error "protocol: bad --dataset" "$icarl" protocol --dataset cifar
expect_error "protocol: unwritable --json path" "$icarl" protocol --data-dir "$work/fashion" \
  --json "$work/no/such/folder/report.json"
expect_error "protocol: missing data" "$icarl" protocol --data-dir "$work/nothing"
run_ok "sanity on a tiny dataset" "$icarl" sanity --data-dir "$work/fashion" --epochs 1 \
  --json "$work/sanity.json"
check "sanity prints accuracy and speed" \
  bash -c "grep -q 'CNN top-1' '$work/out' && grep -q 'images/s' '$work/out'"
check "sanity JSON has the speed" grep -q training_images_per_second "$work/sanity.json"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

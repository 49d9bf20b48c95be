#!/usr/bin/env node
// cli.mjs - `node web/cli.mjs COMMAND ...`: the native `icarl` tool (DESIGN.md 4.1, src/cli/)
// again, running the WebAssembly engine through icarl.js, with the same subcommands, flags,
// printed lines, JSON keys and exit codes (0 ok, 1 failure while running, 2 bad usage), so the
// two builds can be compared line by line. Images are decoded by the engine's own stb_image;
// Fashion-MNIST is gunzipped with node:zlib and parsed here. ICARL_WASM_ENGINE=simd-threads|simd|
// scalar picks the engine build (default: simd-threads, Node has worker threads), and
// ICARL_THREADS=N its threads, as for the native tool.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

import { createLearner, IcarlError, loadEngine, loadLearner } from './icarl.js';

const VERSION = '0.1.0';
const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;
const FLAVOUR = process.env.ICARL_WASM_ENGINE || 'auto';
// As src/icarl/learner.c reads it natively: a whole number 1..8, anything else is the default.
const THREADS = /^[1-8]$/.test(process.env.ICARL_THREADS ?? '') ? Number(process.env.ICARL_THREADS) : undefined;

// ---- printf-like formatting that matches glibc for the formats the native tool uses -------------

function nonFinite(x) {
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'inf' : '-inf';
}

// JS rounds exact ties away from zero (2.5 -> "3"); glibc rounds them to even (2.5 -> "2").
// toFixed(100) is the exact decimal expansion of the moderate magnitudes printed here, so a tie
// is a 5 followed by zeros only.
const exactDecimal = (x) => Math.abs(x).toFixed(100).split('.');

/** %.<digits>f */
function fixed(x, digits) {
  if (!Number.isFinite(x)) return nonFinite(x);
  const plain = x.toFixed(digits);
  if (Math.abs(x) >= 1e21) return plain;
  const [whole, fraction] = exactDecimal(x);
  if (fraction[digits] !== '5' || /[1-9]/.test(fraction.slice(digits + 1))) return plain;
  const lastKept = digits > 0 ? fraction[digits - 1] : whole.at(-1);
  if (Number(lastKept) % 2 === 1) return plain; // rounding up to even is what toFixed did
  return (x < 0 || Object.is(x, -0) ? '-' : '') + (digits > 0 ? `${whole}.${fraction.slice(0, digits)}` : whole);
}

/** %.<precision>g, including its exponent style (1e-05), trailing-zero removal and glibc's
 * ties-to-even. */
function general(x, precision = 6) {
  if (!Number.isFinite(x)) return nonFinite(x);
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return `${sign}0`;
  const p = precision === 0 ? 1 : precision;
  if (Math.abs(x) >= 1e21 || Math.abs(x) < 1e-90) return x.toPrecision(p); // never printed here
  // Round the exact significant digits to p, half to even.
  const [whole, fraction] = exactDecimal(x);
  let exponent = whole !== '0' ? whole.length - 1 : -(fraction.search(/[1-9]/) + 1);
  const all = (whole + fraction).replace(/^0+/, '');
  let kept = all.slice(0, p).padEnd(p, '0');
  const rest = all.slice(p);
  const up = rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || Number(kept.at(-1)) % 2 === 1));
  if (up) {
    const incremented = (BigInt(kept) + 1n).toString();
    if (incremented.length > p) {
      exponent++;
      kept = incremented.slice(0, p);
    } else {
      kept = incremented.padStart(p, '0');
    }
  }
  const strip = (text) => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);
  if (exponent < -4 || exponent >= p) {
    const mantissa = strip(p > 1 ? `${kept[0]}.${kept.slice(1)}` : kept);
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const text = exponent >= 0 ? `${kept.slice(0, exponent + 1)}.${kept.slice(exponent + 1)}` : `0.${'0'.repeat(-exponent - 1)}${kept}`;
  return sign + strip(text);
}

/** %-<width>s / %<width>s, padding by UTF-8 bytes as C does. */
function padRight(text, width) {
  return text + ' '.repeat(Math.max(0, width - Buffer.byteLength(text)));
}
function padLeft(text, width) {
  return ' '.repeat(Math.max(0, width - Buffer.byteLength(String(text)))) + text;
}

const write = (text) => process.stdout.write(text);

/** Node error -> the C library's strerror() sentence, so messages match the native tool. */
function systemMessage(error) {
  const messages = {
    ENOENT: 'No such file or directory', EACCES: 'Permission denied', EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory', EEXIST: 'File exists', ENOSPC: 'No space left on device',
    EROFS: 'Read-only file system', EMFILE: 'Too many open files', EIO: 'Input/output error',
    ELOOP: 'Too many levels of symbolic links', ENAMETOOLONG: 'File name too long', EPERM: 'Operation not permitted',
  };
  return messages[error?.code] ?? error?.message ?? String(error);
}

// ---- engine status sentences -----------------------------------------------------------------------

let engine = null; // loaded once per run; learners of this run share it
async function getEngine() {
  engine ??= await loadEngine({ flavour: FLAVOUR });
  return engine;
}
const sentence = (code) => engine.c.strerror(engine.statusNames.indexOf(code));

/** "icarl CMD: WHAT: <status sentence>[: <detail>]" from an IcarlError (its message already is
 * "sentence: detail"), kept to one line like report_learner_error. */
function reportError(command, what, error) {
  let text = error instanceof IcarlError ? error.message : String(error?.message ?? error);
  if (error instanceof IcarlError && error.code === 'ABORTED') {
    text = `${sentence('CANCELLED')}: the training step was cancelled; the learner is unchanged`;
  }
  process.stderr.write(`icarl ${command}: ${what}: ${text.replace(/[\r\n]/g, ' ')}\n`);
}

// ---- Ctrl-C: the first cancels cleanly, a second kills ---------------------------------------------

const interrupt = new AbortController();
function installInterrupt() {
  process.on('SIGINT', () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
  });
}
const interruptRequested = () => interrupt.signal.aborted;

// ---- options (src/cli/options.c) ----------------------------------------------------------------------

class UsageError extends Error {}

/** Parses `--name value`, `--name=value`, flags and positionals exactly as options_parse does.
 * specs: {name: takesValue}. Returns {help} or {values: {name: value|true}, positional}. */
function parseOptions(command, argv, specs, positionalCapacity = 0) {
  const values = {};
  const positional = [];
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (!onlyPositional && (argument === '--help' || argument === '-h')) return { help: true };
    if (!onlyPositional && argument === '--') {
      onlyPositional = true;
      continue;
    }
    const looksLikeOption = !onlyPositional && argument[0] === '-' && argument.length > 1;
    if (!looksLikeOption) {
      if (positional.length >= positionalCapacity) throw new UsageError(`icarl ${command}: unexpected argument '${argument}' (see icarl ${command} --help)`);
      positional.push(argument);
      continue;
    }
    if (argument[1] !== '-') throw new UsageError(`icarl ${command}: unknown option '${argument}' (see icarl ${command} --help)`);
    const body = argument.slice(2);
    const equals = body.indexOf('=');
    const name = equals >= 0 ? body.slice(0, equals) : body;
    if (!(name in specs)) throw new UsageError(`icarl ${command}: unknown option '--${name}' (see icarl ${command} --help)`);
    if (!specs[name]) {
      if (equals >= 0) throw new UsageError(`icarl ${command}: option '--${name}' takes no value`);
      values[name] = true;
      continue;
    }
    let value;
    if (equals >= 0) value = body.slice(equals + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    else throw new UsageError(`icarl ${command}: option '--${name}' needs a value (see icarl ${command} --help)`);
    if (value === '') throw new UsageError(`icarl ${command}: option '--${name}' needs a non-empty value`);
    values[name] = value;
  }
  return { values, positional };
}

function optionInt(command, values, name, minimum, maximum) {
  if (values[name] === undefined) return undefined;
  const text = values[name];
  const value = /^[+-]?\d+$/.test(text.trim()) && text.trim() === text.replace(/^\s+/, '') ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new UsageError(`icarl ${command}: --${name} expects a whole number from ${minimum} to ${maximum}, not '${text}'`);
  }
  return value;
}

function optionUint64(command, values, name) {
  if (values[name] === undefined) return undefined;
  const text = values[name];
  if (!/^\+?\d+$/.test(text) || BigInt(text) >= 1n << 64n) {
    throw new UsageError(`icarl ${command}: --${name} expects a non-negative whole number, not '${text}'`);
  }
  const value = BigInt(text);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function optionChoice(command, values, name, choices) {
  if (values[name] === undefined) return undefined;
  const index = choices.indexOf(values[name]);
  if (index < 0) throw new UsageError(`icarl ${command}: --${name} expects one of ${choices.join('|')}, not '${values[name]}'`);
  return index;
}

function optionRequire(command, values, name) {
  if (values[name] === undefined || values[name] === true) throw new UsageError(`icarl ${command}: --${name} is required (see icarl ${command} --help)`);
  return values[name];
}

// ---- progress bars on stderr, only on a terminal (src/cli/progress.c) --------------------------------

const clockSeconds = () => performance.now() / 1000;

function formatDuration(seconds) {
  const whole = Math.floor(Math.max(0, seconds) + 0.5);
  if (whole >= 3600) return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
  if (whole >= 60) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${whole}s`;
}

class ProgressBar {
  constructor() {
    this.enabled = Boolean(process.stderr.isTTY);
    this.drawn = false;
    this.started = clockSeconds();
    this.lastDrawn = 0;
  }

  draw(label, done, total, detail = null) {
    if (!this.enabled) return;
    const now = clockSeconds();
    const finished = total > 0 && done >= total;
    if (!finished && now - this.lastDrawn < 0.125) return;
    this.lastDrawn = now;
    const WIDTH = 24;
    const fraction = Math.min(1, total > 0 ? done / total : 0);
    const filled = Math.floor(fraction * WIDTH);
    const cells = '#'.repeat(filled) + ' '.repeat(WIDTH - filled);
    let eta = '';
    const elapsed = now - this.started;
    if (done > 0 && total > done && elapsed > 1) eta = `  ETA ${formatDuration((elapsed * (total - done)) / done)}`;
    const percent = String(Math.floor(fraction * 100 + 0.5)).padStart(3);
    process.stderr.write(`\r${label} [${cells}] ${percent}%${detail ? `  ${detail}` : ''}${eta}\x1b[K`);
    this.drawn = true;
  }

  finish() {
    if (this.enabled && this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }
}

const PHASES = ['idle', 'targets', 'training', 'herding', 'means', 'done'];
const PHASE_LABELS = { targets: 'old outputs', training: 'training', herding: 'herding', means: 'class means', done: 'done' };

/** Watches one train() through onProgress: draws the bar and charges wall time to the phase the
 * units ran in (step_monitor in progress.c). */
class StepMonitor {
  constructor(label) {
    this.label = label;
    this.bar = new ProgressBar();
    this.phaseSeconds = new Array(PHASES.length).fill(0);
    this.started = clockSeconds();
    this.lastCallback = this.started;
    this.previousPhase = -1;
    this.lastLoss = 0;
    this.seconds = 0;
    this.onProgress = (progress) => this.#callback(progress);
  }

  #callback(progress) {
    const now = clockSeconds();
    const phase = PHASES.indexOf(progress.phase);
    const charged = this.previousPhase >= 0 ? this.previousPhase : phase;
    if (charged >= 0) this.phaseSeconds[charged] += now - this.lastCallback;
    this.lastCallback = now;
    this.previousPhase = phase;
    if (phase >= PHASES.indexOf('training') && progress.loss !== 0) this.lastLoss = progress.loss;
    if (progress.phase === 'training') {
      this.bar.draw(`${this.label} epoch ${progress.epoch}/${progress.epochs}`, progress.done, progress.total, `loss ${fixed(this.lastLoss, 4)}  lr ${general(progress.learningRate, 3)}`);
    } else {
      this.bar.draw(`${this.label} ${PHASE_LABELS[progress.phase] ?? 'preparing'}`, progress.done, progress.total);
    }
  }

  finish() {
    this.bar.finish();
    this.seconds = clockSeconds() - this.started;
  }
}

/** Runs one step the way icarl_step does (one unit per slice, progress after each). */
async function runStep(learner, monitor) {
  try {
    await learner.train({ onProgress: monitor.onProgress, signal: interrupt.signal, unitsPerSlice: 1 });
  } finally {
    monitor.finish();
  }
}

// ---- files and folders (src/cli/model_files.c) ----------------------------------------------------------

class Failure extends Error {} // its message is already the whole error line

function readWholeFile(command, file) {
  let status;
  try {
    status = statSync(file);
  } catch (error) {
    throw new Failure(`icarl ${command}: cannot read ${file}: ${systemMessage(error)}`);
  }
  if (status.isDirectory()) throw new Failure(`icarl ${command}: cannot read ${file}: it is a directory`);
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Failure(`icarl ${command}: cannot read ${file}: ${systemMessage(error)}`);
  }
}

function isImageFileName(name) {
  const lower = name.toLowerCase();
  return ['.png', '.jpg', '.jpeg', '.bmp'].some((extension) => lower.length > extension.length && lower.endsWith(extension));
}

async function decodeImageFile(command, file, channels) {
  const bytes = readWholeFile(command, file);
  const decoder = await getEngine();
  try {
    return decoder.decodeImage(bytes, channels);
  } catch (error) {
    if (error instanceof IcarlError) throw new Failure(`icarl ${command}: cannot decode image ${file}: ${error.message}`);
    throw error;
  }
}

// strcmp order on UTF-8 bytes, as qsort(strcmp) sorts natively.
const byteOrder = (left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right));

function joinPath(directory, name) {
  return directory.length === 0 || directory.endsWith('/') ? directory + name : `${directory}/${name}`;
}

function listEntries(command, directory, wantDirectories) {
  let names;
  try {
    names = readdirSync(directory);
  } catch (error) {
    throw new Failure(`icarl ${command}: cannot read folder ${directory}: ${systemMessage(error)}`);
  }
  const wanted = names.filter((name) => {
    if (name.startsWith('.')) return false;
    try {
      const status = statSync(joinPath(directory, name)); // follows symlinks, like stat()
      return wantDirectories ? status.isDirectory() : status.isFile() && isImageFileName(name);
    } catch {
      return false;
    }
  });
  return wanted.sort(byteOrder);
}

/** {classes: [{name, paths}], imageCount}: one subfolder per class, image files sorted by name. */
function scanDataFolder(command, directory) {
  const classes = listEntries(command, directory, true).map((name) => {
    const subdirectory = joinPath(directory, name);
    return { name, paths: listEntries(command, subdirectory, false).map((file) => joinPath(subdirectory, file)) };
  });
  return { classes, imageCount: classes.reduce((sum, entry) => sum + entry.paths.length, 0) };
}

async function loadModel(command, file) {
  let status;
  try {
    status = statSync(file);
  } catch (error) {
    throw new Failure(`icarl ${command}: cannot open model ${file}: ${systemMessage(error)}`);
  }
  if (status.isDirectory()) throw new Failure(`icarl ${command}: cannot open model ${file}: it is a directory`);
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    await getEngine();
    throw new Failure(`icarl ${command}: cannot load model ${file}: ${sentence('IO')}: ${systemMessage(error)}`);
  }
  await getEngine();
  try {
    return await loadLearner(bytes, { engine: FLAVOUR, threads: THREADS });
  } catch (error) {
    // The loader's message is the more specific one; the status sentence is the fallback.
    if (error instanceof IcarlError) throw new Failure(`icarl ${command}: cannot load model ${file}: ${(error.detail || sentence(error.code)).replace(/[\r\n]/g, ' ')}`);
    throw error;
  }
}

/** Writes beside the target, then renames: an old file is never left half-written. */
function writeFileAtomically(command, file, data) {
  const temporary = `${file}.tmp`;
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new Failure(`icarl ${command}: cannot write ${file}: ${systemMessage(error)}`);
  }
}

/** Before a long run: can path.tmp be created? A typo in an output path then fails at once
 * rather than after an hour (check_output_writable in report_json.c). */
function checkOutputWritable(command, file) {
  const temporary = `${file}.tmp`;
  try {
    writeFileSync(temporary, '');
    rmSync(temporary, { force: true });
  } catch (error) {
    throw new Failure(`icarl ${command}: cannot write ${file}: ${systemMessage(error)}`);
  }
}

function findClass(learner, name) {
  return learner.classes.indexOf(name);
}

// ---- JSON in the native tool's layout (src/cli/report_json.c) ------------------------------------------

class JsonWriter {
  constructor() {
    this.text = '';
    this.depth = 0;
    this.hasItems = [];
    this.afterKey = false;
  }

  #indent() {
    this.text += `\n${' '.repeat(2 * this.depth)}`;
  }

  #beforeItem() {
    if (this.afterKey) {
      this.afterKey = false;
      return;
    }
    if (this.depth > 0) {
      if (this.hasItems[this.depth - 1]) this.text += ',';
      this.hasItems[this.depth - 1] = true;
      this.#indent();
    }
  }

  #open(bracket) {
    this.#beforeItem();
    this.text += bracket;
    this.hasItems[this.depth] = false;
    this.depth++;
  }

  #close(bracket) {
    this.depth--;
    if (this.hasItems[this.depth]) this.#indent();
    this.text += bracket;
    if (this.depth === 0) this.text += '\n';
  }

  beginObject() { this.#open('{'); }
  endObject() { this.#close('}'); }
  beginArray() { this.#open('['); }
  endArray() { this.#close(']'); }

  #quoted(value) {
    let out = '"';
    for (const byte of Buffer.from(String(value))) {
      if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
      else if (byte === 0x0a) out += '\\n';
      else if (byte < 0x20) out += `\\u${byte.toString(16).padStart(4, '0')}`;
      else out += String.fromCharCode(byte);
    }
    return `${out}"`;
  }

  key(name) {
    this.#beforeItem();
    this.text += `${this.#quoted(name)}: `;
    this.afterKey = true;
  }

  string(value) {
    this.#beforeItem();
    this.text += this.#quoted(value);
  }

  number(value) {
    this.#beforeItem();
    this.text += Number.isFinite(value) ? general(value, 6) : 'null';
  }

  integer(value) {
    this.#beforeItem();
    this.text += String(value);
  }

  boolean(value) {
    this.#beforeItem();
    this.text += value ? 'true' : 'false';
  }

  null() {
    this.#beforeItem();
    this.text += 'null';
  }

  /** The bytes to write: the writer built a string of UTF-8 bytes, one char per byte. */
  bytes() {
    return Buffer.from(this.text, 'latin1');
  }
}

// ---- learn -----------------------------------------------------------------------------------------

const LEARN_USAGE = `usage: icarl learn --model FILE --data DIR [--epochs E] [--memory K] [--seed S]

Learns the images of DIR as one incremental step and saves the model to FILE.
DIR holds one subfolder per class; the folder name is the class name. Files ending in
.png, .jpg, .jpeg or .bmp (any case) are images of any size; other files are ignored.
A class the model already knows gets the new images added to it.

  --model FILE   the model; created with the web page's defaults (32x32x3 input) when
                 FILE does not exist, else loaded and updated. Written atomically.
  --data DIR     the folder of class subfolders (required)
  --epochs E     training epochs for this step (default: the model's setting)
  --memory K     exemplars kept in total over all classes (default: the model's, 2000
                 for a new one)
  --seed S       seed of a new model (weights, order, augmentation); default 1
`;

async function commandLearn(argv) {
  const command = 'learn';
  const parsed = parseOptions(command, argv, { model: true, data: true, epochs: true, memory: true, seed: true });
  if (parsed.help) {
    write(LEARN_USAGE);
    return 0;
  }
  const { values } = parsed;
  const model = optionRequire(command, values, 'model');
  const data = optionRequire(command, values, 'data');
  const epochs = optionInt(command, values, 'epochs', 1, 10000);
  const memory = optionInt(command, values, 'memory', 0, 1000000);
  const seed = optionUint64(command, values, 'seed');

  // Scan the folder first: a typo in --data should fail before any model work.
  const folder = scanDataFolder(command, data);
  if (folder.imageCount === 0) {
    throw new Failure(`icarl learn: no images in ${data} (expected one subfolder per class holding .png/.jpg/.jpeg/.bmp files)`);
  }
  const started = clockSeconds();
  await getEngine();
  let learner;
  let created = false;
  if (existsSync(model)) {
    learner = await loadModel(command, model);
    if (seed !== undefined) process.stderr.write('icarl learn: note: --seed applies to new models only; ignored\n');
  } else {
    try {
      learner = await createLearner({ preset: 'webcam', engine: FLAVOUR, threads: THREADS, ...(seed !== undefined ? { seed } : {}) });
    } catch (error) {
      if (error instanceof IcarlError) throw new Failure(`icarl learn: cannot create a model: ${error.message}`);
      throw error;
    }
    created = true;
  }
  try {
    if (epochs !== undefined || memory !== undefined) {
      try {
        learner.reconfigure({ ...(epochs !== undefined ? { epochs } : {}), ...(memory !== undefined ? { memory } : {}) });
      } catch (error) {
        reportError(command, 'cannot apply --epochs/--memory', error);
        return EXIT_FAILURE;
      }
    }
    const channels = learner.config.channels === 1 ? 1 : 3;

    // One image at a time: the learner keeps only the model-size copy.
    const bar = new ProgressBar();
    let imagesDone = 0;
    try {
      for (const entry of folder.classes) {
        for (const file of entry.paths) {
          const image = await decodeImageFile(command, file, channels);
          try {
            learner.addExamples(entry.name, [image]);
          } catch (error) {
            bar.finish();
            reportError(command, `cannot add ${file}`, error);
            return EXIT_FAILURE;
          }
          bar.draw('reading images', ++imagesDone, folder.imageCount);
        }
      }
    } finally {
      bar.finish();
    }

    const monitor = new StepMonitor('learning');
    try {
      await runStep(learner, monitor);
    } catch (error) {
      reportError(command, 'training step failed; the model file is unchanged', error);
      return EXIT_FAILURE;
    }
    const bytes = learner.save();
    try {
      writeFileAtomically(command, model, bytes);
    } catch (error) {
      throw new Failure(`icarl learn: cannot save ${model}: ${sentence('IO')}: ${error.message.replace(/^icarl learn: /, '')}`);
    }

    const info = learner.memory;
    const details = learner.classDetails;
    write(`${created ? 'created' : 'updated'} ${model}: ${folder.imageCount} images of ${folder.classes.length} class folders learned in ${fixed(clockSeconds() - started, 1)} s (final loss ${fixed(monitor.lastLoss, 4)})\n`);
    write(`classes: ${details.length}, exemplars: ${info.used} of ${info.capacity} (${info.perClassLimit} per class)\n`);
    for (const entry of details) write(`  ${padRight(entry.name, 24)} ${padLeft(entry.exemplars, 6)} exemplars\n`);
    return 0;
  } finally {
    learner.dispose();
  }
}

// ---- predict -----------------------------------------------------------------------------------------

const PREDICT_USAGE = `usage: icarl predict --model FILE IMAGE...

Classifies each image (PNG/JPEG/BMP, any size) by the nearest mean of exemplars and prints
one line per image:  path<TAB>label<TAB>score
where score is the cosine similarity (4 decimals) of the image's feature with the chosen
class's mean. Stops at the first image that cannot be read or decoded.
`;

async function commandPredict(argv) {
  const command = 'predict';
  const parsed = parseOptions(command, argv, { model: true }, argv.length);
  if (parsed.help) {
    write(PREDICT_USAGE);
    return 0;
  }
  const model = optionRequire(command, parsed.values, 'model');
  if (parsed.positional.length === 0) throw new UsageError('icarl predict: no images given (see icarl predict --help)');
  const learner = await loadModel(command, model);
  try {
    const channels = learner.config.channels === 1 ? 1 : 3;
    for (const file of parsed.positional) {
      const image = await decodeImageFile(command, file, channels);
      let result;
      try {
        result = learner.classify(image);
      } catch (error) {
        reportError(command, `cannot classify ${file}`, error);
        return EXIT_FAILURE;
      }
      write(`${file}\t${result.label ?? '?'}\t${fixed(result.label !== null ? result.score : 0, 4)}\n`);
    }
    return 0;
  } finally {
    learner.dispose();
  }
}

// ---- eval -----------------------------------------------------------------------------------------------

const EVAL_USAGE = `usage: icarl eval --model FILE --data DIR [--json report.json]

Prints  accuracy: 0.XXXX  the nearest-mean-of-exemplars top-1 accuracy over all images of
DIR (one subfolder per class, as for learn) whose class the model has learned. Images of
other classes are skipped and counted in a note on stderr.

  --json FILE   also write {accuracy, images, correct, skipped, per_class} to FILE
`;

async function commandEval(argv) {
  const command = 'eval';
  const parsed = parseOptions(command, argv, { model: true, data: true, json: true });
  if (parsed.help) {
    write(EVAL_USAGE);
    return 0;
  }
  const model = optionRequire(command, parsed.values, 'model');
  const data = optionRequire(command, parsed.values, 'data');
  const jsonPath = parsed.values.json;

  const folder = scanDataFolder(command, data);
  const learner = await loadModel(command, model);
  try {
    const channels = learner.config.channels === 1 ? 1 : 3;
    const details = learner.classDetails;
    let total = 0, skippedImages = 0, skippedClasses = 0;
    const folderClass = folder.classes.map((entry) => {
      let index = findClass(learner, entry.name);
      if (index >= 0 && !details[index].trained) index = -1;
      if (index < 0) {
        skippedImages += entry.paths.length;
        if (entry.paths.length > 0) skippedClasses++;
      } else {
        total += entry.paths.length;
      }
      return index;
    });
    if (total === 0) throw new Failure(`icarl eval: no images in ${data} belong to a class the model has learned`);

    const bar = new ProgressBar();
    let doneCount = 0, correct = 0;
    const correctPerFolder = folder.classes.map(() => 0);
    try {
      for (let c = 0; c < folder.classes.length; c++) {
        if (folderClass[c] < 0) continue;
        for (const file of folder.classes[c].paths) {
          const image = await decodeImageFile(command, file, channels);
          let result;
          try {
            result = learner.classify(image);
          } catch (error) {
            bar.finish();
            reportError(command, `cannot classify ${file}`, error);
            return EXIT_FAILURE;
          }
          if (result.index === folderClass[c]) {
            correct++;
            correctPerFolder[c]++;
          }
          bar.draw('evaluating', ++doneCount, total);
        }
      }
    } finally {
      bar.finish();
    }
    const accuracy = correct / total;
    if (skippedImages > 0) process.stderr.write(`icarl eval: note: skipped ${skippedImages} images of ${skippedClasses} classes the model has not learned\n`);
    if (jsonPath !== undefined) {
      const json = new JsonWriter();
      json.beginObject();
      json.key('model'); json.string(model);
      json.key('data'); json.string(data);
      json.key('accuracy'); json.number(accuracy);
      json.key('classifier'); json.string('nme');
      json.key('images'); json.integer(total);
      json.key('correct'); json.integer(correct);
      json.key('skipped'); json.integer(skippedImages);
      json.key('per_class');
      json.beginObject();
      folder.classes.forEach((entry, c) => {
        if (folderClass[c] < 0 || entry.paths.length === 0) return;
        json.key(entry.name);
        json.number(correctPerFolder[c] / entry.paths.length);
      });
      json.endObject();
      json.endObject();
      writeFileAtomically(command, jsonPath, json.bytes());
    }
    write(`accuracy: ${fixed(accuracy, 4)}\n`);
    return 0;
  } finally {
    learner.dispose();
  }
}

// ---- info ----------------------------------------------------------------------------------------------

const INFO_USAGE = `usage: icarl info --model FILE

Prints the model's configuration, its classes with their exemplar and pending image
counts, and the exemplar memory in use (K is the total over all classes).
`;

async function commandInfo(argv) {
  const command = 'info';
  const parsed = parseOptions(command, argv, { model: true });
  if (parsed.help) {
    write(INFO_USAGE);
    return 0;
  }
  const model = optionRequire(command, parsed.values, 'model');
  const learner = await loadModel(command, model);
  try {
    const c = learner.config;
    const memory = learner.memory;
    const details = learner.classDetails;
    const f = (x) => general(Math.fround(x)); // config floats are float32, printed as %g
    write(`model: ${model}\n`);
    write(`input: ${c.inputSize}x${c.inputSize}x${c.channels}\n`);
    write(`network: ResNet-${6 * c.blocksPerStage + 2} (${c.blocksPerStage} blocks per stage, widths ${c.baseWidth}/${2 * c.baseWidth}/${4 * c.baseWidth})\n`);
    write(`method: ${typeof c.method === 'string' ? c.method : 'unknown'}, loss: ${c.loss === 'softmax-kd' ? 'softmax-kd' : 'sigmoid'}`);
    if (c.loss === 'softmax-kd') write(` (T=${f(c.temperature)})`);
    write('\n');
    write(`schedule: ${c.epochs} epochs, batch ${c.batchSize}, lr ${f(c.learningRate)}, momentum ${f(c.momentum)}, weight decay ${f(c.weightDecay)}, lr /${f(c.decayFactor)} at ${f(c.decayAt[0])} and ${f(c.decayAt[1])} of the epochs\n`);
    write(`augmentation: crop padding ${c.cropPadding}, flip ${c.flip ? 'yes' : 'no'}, brightness ${f(c.brightness)}; class means with flips: ${c.meanWithFlip ? 'yes' : 'no'}\n`);
    write(`seed: ${c.seed}\n`);
    const imageBytes = c.inputSize * c.inputSize * c.channels;
    write(`memory: ${memory.used} of ${memory.capacity} exemplars in total (${memory.perClassLimit} per class), ${fixed((memory.used * imageBytes) / (1024 * 1024), 1)} MiB of images\n`);
    write(`classes: ${details.length}\n`);
    details.forEach((entry, i) => {
      write(`  ${padLeft(i, 3)}  ${padRight(entry.name, 24)} ${padLeft(entry.exemplars, 6)} exemplars ${padLeft(entry.pending, 6)} pending${entry.trained ? '' : '  (not trained yet)'}\n`);
    });
    return 0;
  } finally {
    learner.dispose();
  }
}

// ---- protocol (src/cli/command_protocol.c) ----------------------------------------------------------------

const FASHION_DEFAULT_DIRECTORY = '/usr/share/datasets/fashion-mnist';
const FASHION_CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const CLASS_COUNT = FASHION_CLASS_NAMES.length;
const QUICK_IMAGES_PER_CLASS = 500;

const PROTOCOL_USAGE = `usage: icarl protocol --dataset fashion-mnist [options]

Class-incremental benchmark (DESIGN.md 5): learns the 10 Fashion-MNIST classes a few per
step and, after each step, tests on all test images of the classes seen so far.

  --dataset NAME          fashion-mnist (the only one; default)
  --size quick|full       quick: first 500 training images per class (file order),
                          ResNet-20; full: all 60000, ResNet-32. Default quick.
  --classes-per-step N    classes added per step (default 2: 5 steps)
  --memory K              exemplars kept in total over all classes (default 2000)
  --epochs E              epochs per step (default 10 for both sizes)
  --net resnet20|resnet32 overrides the size's network
  --order natural|shuffled  class order: 0..9, or shuffled with the seed
  --seed S                fixes everything random (weights, order, augmentation); default:
                          the preset's
  --method icarl|lwf|finetune|fixed   what a step does (default icarl)
  --loss sigmoid|softmax-kd           the paper's loss (default) or softmax + KD (PyCIL)
  --data-dir DIR          Fashion-MNIST IDX files (default ${FASHION_DEFAULT_DIRECTORY})
  --json FILE             write the report as JSON (atomically)
  --svg FILE              write an SVG plot of NME and CNN accuracy per step

Printed after each step: NME top-1 (nearest mean of exemplars) and CNN top-1 (the
network's own outputs). At the end: average incremental accuracy (mean over the steps),
final accuracy, and average forgetting: the mean, over the classes learned before the last
step, of the best accuracy on that class at any earlier step minus its accuracy after the
last step (0 with a single step).
`;

const SIZE_CHOICES = ['quick', 'full'];
const NET_CHOICES = ['resnet20', 'resnet32'];
const ORDER_CHOICES = ['natural', 'shuffled'];
const METHOD_CHOICES = ['icarl', 'lwf', 'finetune', 'fixed'];
const LOSS_CHOICES = ['sigmoid', 'softmax-kd'];
const DATASET_CHOICES = ['fashion-mnist'];

class DatasetError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

/** Parses IDX bytes (unsigned-byte data only), checking sizes before allocating. */
function parseIdx(bytes) {
  if (bytes.length < 4) throw new DatasetError('TRUNCATED');
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) throw new DatasetError('DECODE');
  const dimensions = bytes[3];
  if (dimensions < 1 || dimensions > 3) throw new DatasetError('DECODE');
  if (bytes.length < 4 + 4 * dimensions) throw new DatasetError('TRUNCATED');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizes = [];
  for (let d = 0; d < dimensions; d++) sizes.push(view.getUint32(4 + 4 * d, false));
  const total = sizes.reduce((product, size) => product * size, 1);
  const header = 4 + 4 * dimensions;
  if (bytes.length - header < total) throw new DatasetError('TRUNCATED');
  return { sizes, data: bytes.subarray(header, header + total) };
}

function readIdxFile(directory, base) {
  for (const name of [`${base}.gz`, base]) {
    const file = joinPath(directory, name);
    if (!existsSync(file)) continue;
    let bytes;
    try {
      bytes = readFileSync(file);
    } catch {
      throw new DatasetError('IO');
    }
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        bytes = gunzipSync(bytes, { maxOutputLength: 1 << 30 }); // the native reader's 1 GiB cap
      } catch {
        throw new DatasetError('DECODE');
      }
    }
    return parseIdx(bytes);
  }
  throw new DatasetError('IO');
}

function loadSplit(directory, train) {
  const prefix = train ? 'train' : 't10k';
  const images = readIdxFile(directory, `${prefix}-images-idx3-ubyte`);
  const labels = readIdxFile(directory, `${prefix}-labels-idx1-ubyte`);
  if (images.sizes.length !== 3 || labels.sizes.length !== 1 || images.sizes[0] !== labels.sizes[0] || images.sizes[1] !== images.sizes[2]) {
    throw new DatasetError('CORRUPT');
  }
  return { images: images.data, labels: labels.data, count: images.sizes[0], size: images.sizes[1], channels: 1 };
}

function loadFashionMnist(command, directory) {
  let train, test;
  try {
    train = loadSplit(directory, true);
    test = loadSplit(directory, false);
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    throw new Failure(`icarl ${command}: cannot load Fashion-MNIST from ${directory}: ${sentence(error.code)} (expected {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]; see --data-dir)`);
  }
  if (train.size <= 0 || train.size !== test.size || train.channels !== test.channels) {
    throw new Failure(`icarl ${command}: the Fashion-MNIST files in ${directory} have inconsistent image sizes`);
  }
  for (const [split, name] of [[train, 'training'], [test, 'test']]) {
    const bad = split.labels.find((label) => label >= CLASS_COUNT);
    if (bad !== undefined) throw new Failure(`icarl ${command}: ${name} label ${bad} out of range in ${directory}`);
  }
  return { train, test };
}

/** Mean over classes learned before the last step of (best earlier accuracy - final accuracy). */
function averageForgetting(steps, order, useCnn) {
  if (steps.length < 2) return 0;
  const last = steps.at(-1);
  let sum = 0, counted = 0;
  for (let position = 0; position < last.firstClass; position++) {
    const label = order[position];
    let best = -1;
    for (const step of steps.slice(0, -1)) {
      const value = useCnn ? step.perClassCnn[label] : step.perClassNme[label];
      if (!Number.isNaN(value) && value > best) best = value;
    }
    const final = useCnn ? last.perClassCnn[label] : last.perClassNme[label];
    if (best >= 0) {
      sum += best - final;
      counted++;
    }
  }
  return counted ? sum / counted : 0;
}

function xml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

/** The accuracy plot, drawn exactly as src/cli/plot_svg.c draws it. */
function plotSvg(title, subtitle, classesSeen, series) {
  const WIDTH = 720, HEIGHT = 480, LEFT = 70, RIGHT = 30, TOP = 92, BOTTOM = 60, INSET = 24;
  const xMin = classesSeen.length ? classesSeen[0] : 0;
  const xMax = classesSeen.length ? classesSeen.at(-1) : 1;
  const plotX = (value) => {
    const fraction = xMax > xMin ? (value - xMin) / (xMax - xMin) : 0.5;
    return LEFT + INSET + fraction * (WIDTH - LEFT - RIGHT - 2 * INSET);
  };
  const plotY = (accuracy) => {
    let a = Number.isFinite(accuracy) ? accuracy : 0;
    a = Math.min(1, Math.max(0, a));
    return HEIGHT - BOTTOM - a * (HEIGHT - TOP - BOTTOM);
  };
  const n = (x) => fixed(x, 1);
  const plotRight = WIDTH - RIGHT, plotBottom = HEIGHT - BOTTOM;
  let out = '<?xml version="1.0" encoding="UTF-8"?>\n';
  out += `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif">\n`;
  out += `<title>${xml(title)}</title>\n`;
  out += '<rect width="100%" height="100%" fill="white"/>\n';
  out += `<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold">${xml(title)}</text>\n`;
  if (subtitle) out += `<text x="${WIDTH / 2}" y="48" text-anchor="middle" font-size="12" fill="#555">${xml(subtitle)}</text>\n`;
  for (let tenth = 0; tenth <= 10; tenth++) {
    const y = plotY(tenth / 10);
    out += `<line x1="${n(LEFT)}" y1="${n(y)}" x2="${n(plotRight)}" y2="${n(y)}" stroke="${tenth === 0 ? '#333' : '#e5e5e5'}" stroke-width="1"/>\n`;
    out += `<text x="${n(LEFT - 8)}" y="${n(y + 4)}" text-anchor="end" font-size="12">${fixed(tenth / 10, 1)}</text>\n`;
  }
  for (const seen of classesSeen) {
    const x = plotX(seen);
    out += `<line x1="${n(x)}" y1="${n(plotBottom)}" x2="${n(x)}" y2="${n(plotBottom + 5)}" stroke="#333"/>\n`;
    out += `<text x="${n(x)}" y="${n(plotBottom + 20)}" text-anchor="middle" font-size="12">${seen}</text>\n`;
  }
  out += `<line x1="${n(LEFT)}" y1="${n(TOP)}" x2="${n(LEFT)}" y2="${n(plotBottom)}" stroke="#333"/>\n`;
  out += `<text x="${n((LEFT + plotRight) / 2)}" y="${n(HEIGHT - 15)}" text-anchor="middle" font-size="14">Number of classes seen</text>\n`;
  out += `<text transform="translate(20 ${n((TOP + plotBottom) / 2)}) rotate(-90)" text-anchor="middle" font-size="14">Top-1 accuracy</text>\n`;
  series.forEach((line, s) => {
    out += `<polyline fill="none" stroke="${line.colour}" stroke-width="2.5" points="`;
    out += classesSeen.map((seen, step) => `${n(plotX(seen))},${n(plotY(line.values[step]))}`).join(' ');
    out += '"/>\n';
    classesSeen.forEach((seen, step) => {
      const x = plotX(seen), y = plotY(line.values[step]);
      out += s % 2 === 0
        ? `<circle cx="${n(x)}" cy="${n(y)}" r="4.5" fill="${line.colour}">`
        : `<rect x="${n(x - 4.5)}" y="${n(y - 4.5)}" width="9" height="9" fill="${line.colour}">`;
      out += `<title>${xml(line.name)}: ${fixed(line.values[step], 4)} at ${seen} classes</title>${s % 2 === 0 ? '</circle>' : '</rect>'}\n`;
    });
  });
  let legendX = LEFT;
  const legendY = 72;
  series.forEach((line, s) => {
    out += `<line x1="${n(legendX)}" y1="${n(legendY - 4)}" x2="${n(legendX + 28)}" y2="${n(legendY - 4)}" stroke="${line.colour}" stroke-width="2.5"/>\n`;
    out += s % 2 === 0
      ? `<circle cx="${n(legendX + 14)}" cy="${n(legendY - 4)}" r="4.5" fill="${line.colour}"/>\n`
      : `<rect x="${n(legendX + 9.5)}" y="${n(legendY - 8.5)}" width="9" height="9" fill="${line.colour}"/>\n`;
    out += `<text x="${n(legendX + 36)}" y="${n(legendY)}" font-size="13">${xml(line.name)}</text>\n`;
    legendX += 300;
  });
  out += '</svg>\n';
  return out;
}

async function commandProtocol(argv) {
  const command = 'protocol';
  const specs = { dataset: true, size: true, 'classes-per-step': true, memory: true, epochs: true, net: true, order: true, seed: true, method: true, loss: true, 'data-dir': true, json: true, svg: true };
  const parsed = parseOptions(command, argv, specs);
  if (parsed.help) {
    write(PROTOCOL_USAGE);
    return 0;
  }
  const { values } = parsed;
  optionChoice(command, values, 'dataset', DATASET_CHOICES);
  const sizeIndex = optionChoice(command, values, 'size', SIZE_CHOICES) ?? 0;
  let netIndex = optionChoice(command, values, 'net', NET_CHOICES) ?? -1;
  const orderIndex = optionChoice(command, values, 'order', ORDER_CHOICES) ?? 0;
  const methodIndex = optionChoice(command, values, 'method', METHOD_CHOICES) ?? 0;
  const lossIndex = optionChoice(command, values, 'loss', LOSS_CHOICES) ?? 0;
  const classesPerStep = optionInt(command, values, 'classes-per-step', 1, CLASS_COUNT) ?? 2;
  const memory = optionInt(command, values, 'memory', 0, 1000000) ?? 2000;
  const epochs = optionInt(command, values, 'epochs', 1, 10000) ?? 10;
  const seedOption = optionUint64(command, values, 'seed');
  const sizeFull = sizeIndex === 1;
  const orderShuffled = orderIndex === 1;
  const imagesPerClassLimit = sizeFull ? 0 : QUICK_IMAGES_PER_CLASS;
  const dataDirectory = values['data-dir'] ?? FASHION_DEFAULT_DIRECTORY;
  if (netIndex < 0) netIndex = sizeFull ? 1 : 0;
  const blocksPerStage = netIndex === 1 ? 5 : 3;
  if (values.json !== undefined) checkOutputWritable(command, values.json);
  if (values.svg !== undefined) checkOutputWritable(command, values.svg);

  const started = clockSeconds();
  const wasm = await getEngine();
  const { train, test } = loadFashionMnist(command, dataDirectory);
  const imageBytes = train.size * train.size * train.channels;

  const options = {
    preset: 'fashion-mnist', engine: FLAVOUR, threads: THREADS, epochs, memory, blocksPerStage,
    method: METHOD_CHOICES[methodIndex], loss: LOSS_CHOICES[lossIndex], inputSize: train.size, channels: train.channels,
  };
  if (seedOption !== undefined) options.seed = seedOption;
  let learner;
  try {
    learner = await createLearner(options);
  } catch (error) {
    if (error instanceof IcarlError) throw new Failure(`icarl protocol: cannot create the learner: ${error.message}`);
    throw error;
  }
  try {
    const config = learner.config;
    let order = Array.from({ length: CLASS_COUNT }, (_, i) => i);
    if (orderShuffled) order = wasm.shuffle(order, config.seed, 0x6f72646572n); // "order": its own stream

    // The training images of each class, in file order.
    const classImages = Array.from({ length: CLASS_COUNT }, () => []);
    let trainingPool = 0;
    for (let i = 0; i < train.count; i++) {
      const label = train.labels[i];
      if (imagesPerClassLimit && classImages[label].length >= imagesPerClassLimit) continue;
      classImages[label].push({ width: train.size, height: train.size, channels: train.channels, data: train.images.subarray(i * imageBytes, (i + 1) * imageBytes) });
      trainingPool++;
    }

    const totalSteps = Math.ceil(CLASS_COUNT / classesPerStep);
    write(`protocol: fashion-mnist ${sizeFull ? 'full' : 'quick'}, ResNet-${6 * blocksPerStage + 2}, ${config.epochs} epochs per step, ${totalSteps} steps of up to ${classesPerStep} classes, memory K=${config.memory} exemplars in total, ${orderShuffled ? 'shuffled' : 'natural'} order, seed ${config.seed}, method ${config.method}, loss ${config.loss}, ${trainingPool} training images\n`);

    const learnerIndexOf = new Array(CLASS_COUNT).fill(-1);
    const steps = [];
    for (let first = 0; first < CLASS_COUNT; first += classesPerStep) {
      const step = { firstClass: first, classCount: Math.min(classesPerStep, CLASS_COUNT - first) };
      step.classesSeen = first + step.classCount;
      step.trainingImages = learner.memory.used;
      for (let i = 0; i < step.classCount; i++) {
        const label = order[first + i];
        try {
          learner.addExamples(FASHION_CLASS_NAMES[label], classImages[label]);
        } catch (error) {
          reportError(command, 'cannot add the training images', error);
          return EXIT_FAILURE;
        }
        learnerIndexOf[label] = findClass(learner, FASHION_CLASS_NAMES[label]);
        step.trainingImages += classImages[label].length;
      }

      const monitor = new StepMonitor(`step ${steps.length + 1}/${totalSteps}`);
      try {
        await runStep(learner, monitor);
      } catch (error) {
        reportError(command, `step ${steps.length + 1} failed`, error);
        return EXIT_FAILURE;
      }
      step.trainSeconds = monitor.seconds;
      step.trainingPhaseSeconds = monitor.phaseSeconds[PHASES.indexOf('training')];
      step.finalLoss = monitor.lastLoss;

      // Test on every test image of the classes seen so far.
      const evalStarted = clockSeconds();
      const seen = new Array(CLASS_COUNT).fill(false);
      for (let i = 0; i < step.classesSeen; i++) seen[order[i]] = true;
      const selected = [];
      for (let i = 0; i < test.count; i++) if (seen[test.labels[i]]) selected.push(i);
      const testPixels = new Uint8Array(selected.length * imageBytes);
      selected.forEach((i, j) => testPixels.set(test.images.subarray(i * imageBytes, (i + 1) * imageBytes), j * imageBytes));
      const nmeLabels = new Int32Array(selected.length);
      const cnnLabels = new Int32Array(selected.length);
      const BATCH = 500;
      const bar = new ProgressBar();
      try {
        for (let start = 0; start < selected.length; start += BATCH) {
          if (interruptRequested()) throw new Failure(`icarl ${command}: interrupted`);
          const batch = Math.min(BATCH, selected.length - start);
          let result;
          try {
            result = learner.classifyPrepared(testPixels.subarray(start * imageBytes, (start + batch) * imageBytes), batch);
          } catch (error) {
            bar.finish();
            reportError(command, 'evaluation failed', error);
            return EXIT_FAILURE;
          }
          nmeLabels.set(result.nme, start);
          cnnLabels.set(result.cnn, start);
          bar.draw(`step ${steps.length + 1}/${totalSteps} evaluating`, start + batch, selected.length);
          await new Promise((resolve) => setImmediate(resolve)); // lets Ctrl-C through
        }
      } finally {
        bar.finish();
      }
      let nmeCorrect = 0, cnnCorrect = 0;
      const classTotal = new Array(CLASS_COUNT).fill(0);
      const classNme = new Array(CLASS_COUNT).fill(0);
      const classCnn = new Array(CLASS_COUNT).fill(0);
      selected.forEach((i, j) => {
        const label = test.labels[i];
        const truth = learnerIndexOf[label];
        classTotal[label]++;
        if (nmeLabels[j] === truth) {
          nmeCorrect++;
          classNme[label]++;
        }
        if (cnnLabels[j] === truth) {
          cnnCorrect++;
          classCnn[label]++;
        }
      });
      step.nme = selected.length ? nmeCorrect / selected.length : NaN;
      step.cnn = selected.length ? cnnCorrect / selected.length : NaN;
      step.perClassNme = classTotal.map((count, label) => (seen[label] && count > 0 ? classNme[label] / count : NaN));
      step.perClassCnn = classTotal.map((count, label) => (seen[label] && count > 0 ? classCnn[label] / count : NaN));
      step.evalSeconds = clockSeconds() - evalStarted;

      const newNames = [];
      for (let i = 0; i < step.classCount; i++) newNames.push(`${i ? ',' : ''} ${FASHION_CLASS_NAMES[order[first + i]]}`);
      const rate = step.trainingPhaseSeconds > 0 ? (step.trainingImages * config.epochs) / step.trainingPhaseSeconds : 0;
      write(`step ${steps.length + 1}/${totalSteps}  classes ${padLeft(step.classesSeen, 2)}  NME top-1 ${fixed(step.nme, 4)}  CNN top-1 ${fixed(step.cnn, 4)}  (new:${newNames.join('')}; train ${fixed(step.trainSeconds, 1)} s, ${fixed(rate, 0)} images/s, test ${fixed(step.evalSeconds, 1)} s)\n`);
      steps.push(step);
    }

    const averageNme = steps.reduce((sum, step) => sum + step.nme / steps.length, 0);
    const averageCnn = steps.reduce((sum, step) => sum + step.cnn / steps.length, 0);
    const forgettingNme = averageForgetting(steps, order, false);
    const forgettingCnn = averageForgetting(steps, order, true);
    const seconds = clockSeconds() - started;
    const last = steps.at(-1);
    write(`average incremental accuracy  NME ${fixed(averageNme, 4)}  CNN ${fixed(averageCnn, 4)}\n`);
    write(`final accuracy                NME ${fixed(last.nme, 4)}  CNN ${fixed(last.cnn, 4)}\n`);
    write(`average forgetting            NME ${fixed(forgettingNme, 4)}  CNN ${fixed(forgettingCnn, 4)}  (classes learned before the last step: best earlier accuracy - final accuracy)\n`);
    write(`total time                    ${fixed(seconds, 1)} s\n`);

    if (values.json !== undefined) {
      const json = new JsonWriter();
      json.beginObject();
      json.key('configuration');
      json.beginObject();
      json.key('dataset'); json.string('fashion-mnist');
      json.key('size'); json.string(sizeFull ? 'full' : 'quick');
      json.key('net'); json.string(`resnet${6 * config.blocksPerStage + 2}`);
      json.key('blocks_per_stage'); json.integer(config.blocksPerStage);
      json.key('base_width'); json.integer(config.baseWidth);
      json.key('training_images'); json.integer(trainingPool);
      json.key('images_per_class_limit');
      if (imagesPerClassLimit) json.integer(imagesPerClassLimit);
      else json.null();
      json.key('classes_per_step'); json.integer(classesPerStep);
      json.key('memory_total'); json.integer(config.memory);
      json.key('epochs'); json.integer(config.epochs);
      json.key('order'); json.string(orderShuffled ? 'shuffled' : 'natural');
      json.key('class_order');
      json.beginArray();
      for (const label of order) json.string(FASHION_CLASS_NAMES[label]);
      json.endArray();
      json.key('seed'); json.integer(config.seed);
      json.key('method'); json.string(config.method);
      json.key('loss'); json.string(config.loss);
      json.key('temperature'); json.number(Math.fround(config.temperature));
      json.key('batch_size'); json.integer(config.batchSize);
      json.key('learning_rate'); json.number(Math.fround(config.learningRate));
      json.key('momentum'); json.number(Math.fround(config.momentum));
      json.key('weight_decay'); json.number(Math.fround(config.weightDecay));
      json.key('decay_at');
      json.beginArray();
      json.number(Math.fround(config.decayAt[0]));
      json.number(Math.fround(config.decayAt[1]));
      json.endArray();
      json.key('decay_factor'); json.number(Math.fround(config.decayFactor));
      json.key('crop_padding'); json.integer(config.cropPadding);
      json.key('flip'); json.boolean(config.flip);
      json.key('brightness'); json.number(Math.fround(config.brightness));
      json.key('mean_with_flip'); json.boolean(config.meanWithFlip);
      json.key('engine'); json.string(`wasm-${learner.engineFlavour}`);
      json.endObject();

      json.key('steps');
      json.beginArray();
      steps.forEach((step, s) => {
        json.beginObject();
        json.key('step'); json.integer(s + 1);
        json.key('classes');
        json.beginArray();
        for (let i = 0; i < step.classesSeen; i++) json.string(FASHION_CLASS_NAMES[order[i]]);
        json.endArray();
        json.key('new_classes');
        json.beginArray();
        for (let i = 0; i < step.classCount; i++) json.string(FASHION_CLASS_NAMES[order[step.firstClass + i]]);
        json.endArray();
        json.key('nme'); json.number(step.nme);
        json.key('cnn'); json.number(step.cnn);
        json.key('seconds'); json.number(step.trainSeconds + step.evalSeconds);
        json.key('train_seconds'); json.number(step.trainSeconds);
        json.key('eval_seconds'); json.number(step.evalSeconds);
        json.key('training_images'); json.integer(step.trainingImages);
        json.key('training_images_per_second');
        json.number(step.trainingPhaseSeconds > 0 ? (step.trainingImages * config.epochs) / step.trainingPhaseSeconds : NaN);
        json.key('final_loss'); json.number(Math.fround(step.finalLoss));
        for (const [key, values_] of [['per_class_nme', step.perClassNme], ['per_class_cnn', step.perClassCnn]]) {
          json.key(key);
          json.beginObject();
          for (let i = 0; i < step.classesSeen; i++) {
            json.key(FASHION_CLASS_NAMES[order[i]]);
            json.number(values_[order[i]]);
          }
          json.endObject();
        }
        json.endObject();
      });
      json.endArray();
      json.key('average_incremental_nme'); json.number(averageNme);
      json.key('average_incremental_cnn'); json.number(averageCnn);
      json.key('final_nme'); json.number(last.nme);
      json.key('final_cnn'); json.number(last.cnn);
      json.key('forgetting_nme'); json.number(forgettingNme);
      json.key('forgetting_cnn'); json.number(forgettingCnn);
      json.key('forgetting_definition');
      json.string('mean over classes learned before the last step of (best accuracy on the class at any earlier step - accuracy after the last step)');
      json.key('seconds'); json.number(seconds);
      json.endObject();
      writeFileAtomically(command, values.json, json.bytes());
    }
    if (values.svg !== undefined) {
      const subtitle = `${sizeFull ? 'full' : 'quick'} size, ResNet-${6 * config.blocksPerStage + 2}, ${config.epochs} epochs/step, memory K=${config.memory} in total, ${orderShuffled ? 'shuffled' : 'natural'} order, seed ${config.seed}, ${config.method}`;
      const svg = plotSvg('Class-incremental Fashion-MNIST: top-1 accuracy', subtitle, steps.map((step) => step.classesSeen), [
        { name: 'NME (nearest mean of exemplars)', colour: '#1f77b4', values: steps.map((step) => step.nme) },
        { name: 'CNN (network outputs)', colour: '#d62728', values: steps.map((step) => step.cnn) },
      ]);
      writeFileAtomically(command, values.svg, Buffer.from(svg));
    }
    return 0;
  } finally {
    learner.dispose();
  }
}

// ---- bench-gemm -------------------------------------------------------------------------------------------

const BENCH_GEMM_USAGE = `usage: icarl bench-gemm [--variant NAME] [--seconds S] [--json FILE]

Prints GFLOP/s (2*m*n*k per call) of each GEMM variant supported here, on 256, 512 and 1024
square matrices and on the shapes of ResNet 3x3 convolutions (forward, batch 32, 28x28 input:
m = output channels, n = 32 * output pixels, k = 9 * input channels).

  --variant NAME  only this variant (default: all supported)
  --seconds S     minimum timing per measurement, 0.05..60 (default 0.3)
  --json FILE     also write the results as JSON
`;

const GEMM_SHAPES = [
  ['square 256', 256, 256, 256],
  ['square 512', 512, 512, 512],
  ['square 1024', 1024, 1024, 1024],
  ['conv 3x3 16->16 at 28x28', 16, 32 * 28 * 28, 16 * 9],
  ['conv 3x3 32->32 at 14x14', 32, 32 * 14 * 14, 32 * 9],
  ['conv 3x3 64->64 at 7x7', 64, 32 * 7 * 7, 64 * 9],
];

async function commandBenchGemm(argv) {
  const command = 'bench-gemm';
  const parsed = parseOptions(command, argv, { variant: true, seconds: true, json: true });
  if (parsed.help) {
    write(BENCH_GEMM_USAGE);
    return 0;
  }
  const { values } = parsed;
  let minSeconds = 0.3;
  if (values.seconds !== undefined) {
    minSeconds = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(values.seconds) ? Number(values.seconds) : NaN;
    if (!(minSeconds >= 0.05 && minSeconds <= 60)) throw new UsageError(`icarl bench-gemm: --seconds expects a number from 0.05 to 60, not '${values.seconds}'`);
  }
  if (values.json !== undefined) checkOutputWritable(command, values.json);
  const wasm = await getEngine();
  const variants = wasm.gemmVariants();
  if (values.variant !== undefined && !variants.includes(values.variant)) throw new UsageError(`icarl bench-gemm: unknown --variant '${values.variant}'`);
  const json = new JsonWriter();
  json.beginObject();
  json.key('min_seconds'); json.number(minSeconds);
  json.key('results');
  json.beginArray();
  let measured = 0;
  for (const variant of variants) {
    if (values.variant !== undefined && variant !== values.variant) continue;
    for (const [name, m, n, k] of GEMM_SHAPES) {
      const gflops = wasm.gemmBenchmark(variant, m, n, k, minSeconds);
      write(`${padRight(variant, 28)} ${padRight(name, 26)} m=${padRight(String(m), 5)} n=${padRight(String(n), 6)} k=${padRight(String(k), 5)} ${padLeft(fixed(gflops, 2), 7)} GFLOP/s\n`);
      json.beginObject();
      json.key('variant'); json.string(variant);
      json.key('shape'); json.string(name);
      json.key('m'); json.integer(m);
      json.key('n'); json.integer(n);
      json.key('k'); json.integer(k);
      json.key('gflops'); json.number(gflops);
      json.endObject();
      measured++;
    }
  }
  json.endArray();
  json.endObject();
  if (measured === 0) throw new Failure('icarl bench-gemm: no GEMM variant could be measured');
  if (values.json !== undefined) writeFileAtomically(command, values.json, json.bytes());
  return 0;
}

// ---- main -------------------------------------------------------------------------------------------------

const SUBCOMMANDS = [
  ['learn', commandLearn, 'learn folders of images as one incremental step into a model'],
  ['predict', commandPredict, 'classify images with a model: path<TAB>label<TAB>score'],
  ['eval', commandEval, 'nearest-mean accuracy of a model on a folder of class subfolders'],
  ['info', commandInfo, "show a model's configuration, classes and memory"],
  ['protocol', commandProtocol, 'the class-incremental Fashion-MNIST benchmark'],
  ['bench-gemm', commandBenchGemm, 'GFLOP/s of each GEMM kernel variant'],
];

function printHelp() {
  let text = `usage: icarl COMMAND [options]     (icarl COMMAND --help for details)

iCaRL class-incremental learning (Rebuffi et al., CVPR 2017): a ResNet trained
class by class with distillation, a bounded memory of exemplars (K in total over
all classes), and classification by the nearest mean of exemplars (NME).

commands:
`;
  for (const [name, , summary] of SUBCOMMANDS) text += `  ${name.padEnd(11)} ${summary}\n`;
  text += `
  --help      this text
  --version   the tool's version

Progress bars are drawn on stderr only when it is a terminal. Errors are one line on
stderr; exit status 1 for a failure while running, 2 for bad usage.
This is the WebAssembly build (web/cli.mjs); ICARL_WASM_ENGINE=simd-threads|simd|scalar picks
the engine, ICARL_THREADS=N the threads of simd-threads (default: the cores, at most 4).
`;
  write(text);
}

async function main(argv) {
  if (argv.length < 1) {
    process.stderr.write('icarl: missing command (see icarl --help)\n');
    return EXIT_USAGE;
  }
  const name = argv[0];
  if (name === '--help' || name === '-h' || name === 'help') {
    printHelp();
    return 0;
  }
  if (name === '--version') {
    write(`icarl ${VERSION}\n`);
    return 0;
  }
  const entry = SUBCOMMANDS.find(([command]) => command === name);
  if (!entry) {
    if (name === 'sanity') {
      process.stderr.write("icarl sanity: not available in the WebAssembly build; use the native tool (build/native/icarl)\n");
    } else if (name.startsWith('-')) {
      process.stderr.write(`icarl: unknown option '${name}' (see icarl --help)\n`);
    } else {
      process.stderr.write(`icarl: unknown command '${name}' (see icarl --help)\n`);
    }
    return EXIT_USAGE;
  }
  installInterrupt();
  try {
    return await entry[1](argv.slice(1));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof Failure) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_FAILURE;
    }
    if (error instanceof IcarlError) {
      process.stderr.write(`icarl ${name}: ${error.message.replace(/[\r\n]/g, ' ')}\n`);
      return EXIT_FAILURE;
    }
    throw error; // a bug: let Node print the stack
  }
}

process.exitCode = await main(process.argv.slice(2));

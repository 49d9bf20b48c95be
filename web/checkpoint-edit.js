// checkpoint-edit.js - two small edits of checkpoint bytes (DESIGN.md 4.4) that the engine API does
// not offer yet: renaming a class, and removing a class that no step has learned (its pending
// images go with it). It rewrites the CLAS / EXEM / PEND sections and their CRC-32s and copies
// every other section as it is. The page always loads the result with loadLearner, which checks
// it again. Trained classes cannot be removed this way (their output row and mean would stay).
//
// Container: "ICARLCKP", u32 version, then sections: tag (4 ASCII), u64 length, payload, CRC-32.
// CLAS: i32 class_count, i32 outputs, per class {u32 length, UTF-8 name, i32 trained}.
// EXEM, PEND: per class {i32 count, count * image_bytes pixels}.

const MAGIC = 'ICARLCKP';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE, as zlib and the engine compute it). */
export function crc32(bytes) {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function parse(bytes) {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 12 || decoder.decode(data.subarray(0, 8)) !== MAGIC) throw new Error('not a checkpoint');
  const sections = [];
  let at = 12;
  for (;;) {
    if (at + 12 > data.length) throw new Error('checkpoint is truncated');
    const tag = decoder.decode(data.subarray(at, at + 4));
    const length = Number(view.getBigUint64(at + 4, true));
    if (at + 12 + length + 4 > data.length) throw new Error('checkpoint is truncated');
    sections.push({ tag, payload: data.subarray(at + 12, at + 12 + length) });
    at += 12 + length + 4;
    if (tag === 'END ') break;
  }
  return { header: data.subarray(0, 12), sections };
}

function build({ header, sections }) {
  const size = header.length + sections.reduce((sum, s) => sum + 16 + s.payload.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(header, 0);
  let at = header.length;
  for (const { tag, payload } of sections) {
    out.set(encoder.encode(tag), at);
    view.setBigUint64(at + 4, BigInt(payload.length), true);
    out.set(payload, at + 12);
    view.setUint32(at + 12 + payload.length, crc32(payload), true);
    at += 16 + payload.length;
  }
  return out;
}

function readClasses(payload) {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const count = view.getInt32(0, true);
  const outputs = view.getInt32(4, true);
  const classes = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(at, true);
    const name = decoder.decode(payload.subarray(at + 4, at + 4 + length));
    const trained = view.getInt32(at + 4 + length, true);
    classes.push({ name, trained });
    at += 8 + length;
  }
  return { outputs, classes, rest: payload.subarray(at) };
}

function writeClasses({ outputs, classes, rest }) {
  const names = classes.map((c) => encoder.encode(c.name));
  const out = new Uint8Array(8 + names.reduce((sum, n) => sum + 8 + n.length, 0) + rest.length);
  const view = new DataView(out.buffer);
  view.setInt32(0, classes.length, true);
  view.setInt32(4, outputs, true);
  let at = 8;
  classes.forEach((c, i) => {
    view.setUint32(at, names[i].length, true);
    out.set(names[i], at + 4);
    view.setInt32(at + 4 + names[i].length, c.trained, true);
    at += 8 + names[i].length;
  });
  out.set(rest, at);
  return out;
}

/** A copy of the checkpoint with class `from` called `to`. */
export function renameClass(bytes, from, to) {
  const parsed = parse(bytes);
  const section = parsed.sections.find((s) => s.tag === 'CLAS');
  if (!section) throw new Error('checkpoint has no class list');
  const list = readClasses(section.payload);
  const entry = list.classes.find((c) => c.name === from);
  if (!entry) throw new Error(`no class '${from}' in the checkpoint`);
  if (list.classes.some((c) => c.name === to)) throw new Error(`a class '${to}' exists already`);
  entry.name = to;
  section.payload = writeClasses(list);
  return build(parsed);
}

/** A copy of the checkpoint without class `name`, which must not be trained yet. */
export function removeUntrainedClass(bytes, name, imageBytes) {
  const parsed = parse(bytes);
  const clas = parsed.sections.find((s) => s.tag === 'CLAS');
  const list = readClasses(clas.payload);
  const index = list.classes.findIndex((c) => c.name === name);
  if (index < 0) throw new Error(`no class '${name}' in the checkpoint`);
  if (list.classes[index].trained) throw new Error(`class '${name}' is trained and cannot be removed`);
  for (const tag of ['EXEM', 'PEND']) {
    const section = parsed.sections.find((s) => s.tag === tag);
    const payload = section.payload;
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    let at = 0;
    let start = 0;
    let end = 0;
    for (let i = 0; i < list.classes.length; i++) {
      const size = 4 + view.getInt32(at, true) * imageBytes;
      if (i === index) [start, end] = [at, at + size];
      at += size;
    }
    if (at !== payload.length) throw new Error(`section ${tag} does not match ${imageBytes}-byte images`);
    const out = new Uint8Array(payload.length - (end - start));
    out.set(payload.subarray(0, start), 0);
    out.set(payload.subarray(end), start);
    section.payload = out;
  }
  list.classes.splice(index, 1);
  clas.payload = writeClasses(list);
  return build(parsed);
}

// teach-png.mjs - the little PNG reading and writing the webcam evaluation set needs: decode the
// 8-bit, non-interlaced photo cut-outs it is made from (grey, grey+alpha, RGB, RGBA, palette) to
// RGBA, and encode its frames as 8-bit RGB. node:zlib does the compression; nothing else is
// needed, so building the set installs no image library.
import { crc32, deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-row filters in place; `stride` bytes per row, `bpp` bytes per pixel. */
function unfilter(data, height, stride, bpp) {
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const type = data[y * (stride + 1)];
    const row = data.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const at = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= bpp ? out[at + x - bpp] : 0;
      const up = y > 0 ? out[at - stride + x] : 0;
      const upLeft = y > 0 && x >= bpp ? out[at - stride + x - bpp] : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][type];
      if (predictor === undefined) throw new Error(`PNG: unknown row filter ${type}`);
      out[at + x] = (row[x] + predictor) & 0xff;
    }
  }
  return out;
}

/** PNG bytes to {width, height, data: RGBA Uint8Array}. Throws on what the set never uses
 * (interlacing, bit depths other than 8). */
export function decodePng(bytes) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buffer.subarray(0, 8).equals(SIGNATURE)) throw new Error('PNG: bad signature');
  let header = null, palette = null, transparency = null;
  const compressed = [];
  for (let at = 8; at + 8 <= buffer.length;) {
    const length = buffer.readUInt32BE(at);
    const type = buffer.toString('latin1', at + 4, at + 8);
    const body = buffer.subarray(at + 8, at + 8 + length);
    if (body.length !== length) throw new Error('PNG: truncated chunk');
    if (type === 'IHDR') {
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8],
                 colour: body[9], interlace: body[12] };
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') transparency = body;
    else if (type === 'IDAT') compressed.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (!header) throw new Error('PNG: no IHDR');
  const { width, height, depth, colour, interlace } = header;
  if (depth !== 8 || interlace !== 0) throw new Error(`PNG: only 8-bit non-interlaced images (depth ${depth}, interlace ${interlace})`);
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colour];
  if (!channels) throw new Error(`PNG: unknown colour type ${colour}`);
  if (colour === 3 && !palette) throw new Error('PNG: palette image without PLTE');
  const raw = unfilter(inflateSync(Buffer.concat(compressed)), height, width * channels, channels);
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = raw.subarray(i * channels, (i + 1) * channels);
    let rgba;
    if (colour === 0) rgba = [s[0], s[0], s[0], 255];
    else if (colour === 2) rgba = [s[0], s[1], s[2], 255];
    else if (colour === 3) {
      const p = s[0] * 3;
      rgba = [palette[p], palette[p + 1], palette[p + 2], transparency && s[0] < transparency.length ? transparency[s[0]] : 255];
    } else if (colour === 4) rgba = [s[0], s[0], s[0], s[1]];
    else rgba = [s[0], s[1], s[2], s[3]];
    data.set(rgba, i * 4);
  }
  return { width, height, data };
}

function chunk(type, body) {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** {width, height, data: RGB bytes} to PNG bytes. Each row takes the filter with the smallest sum
 * of absolute residuals (the usual heuristic), which keeps the frames near half their raw size. */
export function encodePng({ width, height, data }) {
  const stride = width * 3;
  const filtered = Buffer.alloc(height * (stride + 1));
  const candidate = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    let best = Infinity;
    for (let type = 0; type <= 4; type++) {
      let cost = 0;
      for (let x = 0; x < stride; x++) {
        const left = x >= 3 ? row[x - 3] : 0;
        const up = y > 0 ? data[(y - 1) * stride + x] : 0;
        const upLeft = y > 0 && x >= 3 ? data[(y - 1) * stride + x - 3] : 0;
        const value = (row[x] - [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][type]) & 0xff;
        candidate[x] = value;
        cost += value < 128 ? value : 256 - value;
      }
      if (cost < best) {
        best = cost;
        filtered[y * (stride + 1)] = type;
        candidate.copy(filtered, y * (stride + 1) + 1);
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(filtered, { level: 9 })),
                        chunk('IEND', Buffer.alloc(0))]);
}

// Shared helpers of the JS SDK tests: paths, the native CLI, image encoders, ONNX TensorProto files.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';

export const root = resolve(new URL('../..', import.meta.url).pathname);
export const build = join(root, 'build');
export const testModels = join(build, 'js-test');   // written by tests/js/make_models.py
export const crosscheck = join(build, 'crosscheck'); // written by tests/crosscheck/make_models.py
export const cli = join(build, 'native', 'trit');
export const wasmDir = join(build, 'wasm');
export const cifarTest = resolve(root, '..', 'shared', 'data', 'cifar10', 'test');
export const sdkUrl = new URL('../../js_sdk/trit.js', import.meta.url);

const run = promisify(execFile);

/** Runs the native CLI; returns stdout (throws with stderr on a non-zero exit, naming a few of the
 * arguments rather than all 200+ image paths). */
export async function trit(...args) {
  try {
    const { stdout } = await run(cli, args, { maxBuffer: 512 << 20 });
    return stdout;
  } catch (e) {
    const shown = args.length > 6 ? [...args.slice(0, 4), `... (${args.length} arguments)`] : args;
    throw new Error(`${cli} ${shown.join(' ')}: ${e.code ?? ''} ${(e.stderr ?? e.message).trim()}`, { cause: e });
  }
}

/** `trit eval MODEL DIR ...ARGS` through scripts/cached-eval.sh: tests/models/test_shipped.py needs the same
 * native evaluation of the same binary, model and images, so the first of the two suites runs it and the other
 * reuses its output (kept in build/eval-cache/ under the hashes of binary, model, arguments and image list). */
export async function tritEvalCached(model, dir, ...args) {
  const script = join(root, 'scripts', 'cached-eval.sh');
  try {
    const { stdout } = await run('bash', [script, cli, model, dir, ...args], { maxBuffer: 512 << 20 });
    return stdout;
  } catch (e) {
    throw new Error(`${script} ${cli} ${model} ${dir} ${args.join(' ')}: ${e.code ?? ''} ${(e.stderr ?? e.message).trim().slice(-2000)}`, { cause: e });
  }
}

export const tempDir = (name) => mkdtemp(join(tmpdir(), `trit-js-${name}-`));

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
export function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A varied RGBA test picture: gradients, a disc, stripes and noise, all from the seed. */
export function picture(seed, width, height) {
  const r = random(seed);
  const [a, b, c, d, e, f] = Array.from({ length: 6 }, r);
  const data = new Uint8Array(width * height * 4);
  const cx = r() * width, cy = r() * height, radius = (0.2 + r() * 0.4) * Math.min(width, height);
  const stripe = 2 + Math.floor(r() * 6);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      const inDisc = (x - cx) ** 2 + (y - cy) ** 2 < radius ** 2;
      const s = ((x + y) / stripe) & 1;
      data[i] = (a * 255 * x / width + (inDisc ? 120 * d : 0) + 40 * s + 30 * r()) & 255;
      data[i + 1] = (b * 255 * y / height + (inDisc ? 0 : 90 * e) + 25 * r()) & 255;
      data[i + 2] = (c * 255 * (1 - x / width) + 60 * f * s + 20 * r()) & 255;
      data[i + 3] = 255;
    }
  }
  return { data, width, height };
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** PNG bytes of an RGBA image; `channels` 3 writes RGB (colour type 2), 4 writes RGBA (type 6). */
export function encodePng({ data, width, height }, channels = 4) {
  const rows = Buffer.alloc((width * channels + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width * channels + 1)] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < channels; k++) rows[y * (width * channels + 1) + 1 + x * channels + k] = data[4 * (y * width + x) + k];
    }
  }
  const chunk = (type, body) => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, 'ascii');
    body.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = channels === 4 ? 6 : 2;
  return new Uint8Array(Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]));
}

/** 24-bit bottom-up BMP bytes of an RGBA image. */
export function encodeBmp({ data, width, height }) {
  const rowBytes = (width * 3 + 3) & ~3;
  const out = Buffer.alloc(54 + rowBytes * height);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(rowBytes * height, 34);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      out[row + 3 * x] = data[i + 2];
      out[row + 3 * x + 1] = data[i + 1];
      out[row + 3 * x + 2] = data[i];
    }
  }
  return new Uint8Array(out);
}

/** Writes PNG files to `dir` and JPEG files through Python's PIL (baseline, progressive, 4:2:0 and
 * 4:4:4, grayscale); returns [{ file, bytes }] in a fixed order. */
export async function writeTestImages(dir, count, seed = 1) {
  const r = random(seed);
  const images = [];
  const jpegJobs = [];
  for (let i = 0; i < count; i++) {
    const width = 8 + Math.floor(r() * 56), height = 8 + Math.floor(r() * 56);
    const pic = picture(seed * 100003 + i, width, height);
    const kind = i % 4;
    if (kind === 0 || kind === 1) {
      const file = join(dir, `img${String(i).padStart(4, '0')}.png`);
      const bytes = encodePng(pic, kind === 0 ? 4 : 3);
      await writeFile(file, bytes);
      images.push({ file, bytes });
    } else {
      const rgb = join(dir, `img${String(i).padStart(4, '0')}.rgb`);
      await writeFile(rgb, Buffer.from(pic.data));
      const file = rgb.replace(/\.rgb$/, '.jpg');
      jpegJobs.push({ rgb, file, width, height, quality: 50 + Math.floor(r() * 50), progressive: i % 8 === 2,
        subsampling: i % 8 === 3 ? 0 : 2, gray: i % 16 === 7 });
      images.push({ file, bytes: null });
    }
  }
  const script = `
import json, sys
from PIL import Image
for job in json.load(sys.stdin):
    im = Image.frombytes('RGBA', (job['width'], job['height']), open(job['rgb'], 'rb').read()).convert('RGB')
    if job['gray']:
        im = im.convert('L')
    im.save(job['file'], 'JPEG', quality=job['quality'], progressive=job['progressive'], subsampling=job['subsampling'])
`;
  await new Promise((done, fail) => {
    const child = execFile('/usr/bin/python3', ['-c', script], (error) => (error ? fail(error) : done()));
    child.stdin.end(JSON.stringify(jpegJobs));
  });
  const { readFile } = await import('node:fs/promises');
  for (const image of images) image.bytes ??= new Uint8Array(await readFile(image.file));
  return images;
}

// ---- ONNX TensorProto (the format of `trit run`'s input and output files) ----------------------
function varint(value) {
  const out = [];
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}

/** A float32 TensorProto with raw_data. */
export function tensorProto(name, dims, data) {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const nameBytes = new TextEncoder().encode(name);
  const head = [];
  for (const d of dims) head.push(0x08, ...varint(d)); // field 1 dims, varint
  head.push(0x10, 1);                                  // field 2 data_type = FLOAT
  head.push(0x42, ...varint(nameBytes.length), ...nameBytes); // field 8 name
  head.push(0x4a, ...varint(raw.length));              // field 9 raw_data
  const out = new Uint8Array(head.length + raw.length);
  out.set(head);
  out.set(raw, head.length);
  return out;
}

/** Reads a float32 TensorProto (raw_data or float_data): { dims, data }. */
export function readTensorProto(bytes) {
  let at = 0;
  const readVarint = () => {
    let result = 0n, shift = 0n;
    for (;;) {
      const b = bytes[at++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  const dims = [];
  let dtype = 0, data = null;
  const floats = [];
  while (at < bytes.length) {
    const key = Number(readVarint());
    const field = key >> 3, wire = key & 7;
    if (wire === 0) {
      const v = Number(readVarint());
      if (field === 1) dims.push(v);
      if (field === 2) dtype = v;
    } else if (wire === 2) {
      const len = Number(readVarint());
      const body = bytes.subarray(at, at + len);
      at += len;
      if (field === 9) data = new Float32Array(body.slice().buffer);
      if (field === 4) floats.push(...new Float32Array(body.slice().buffer));
      if (field === 1) { const save = [bytes, at]; bytes = body; at = 0; while (at < body.length) dims.push(Number(readVarint())); [bytes, at] = save; }
    } else if (wire === 5) {
      if (field === 4) floats.push(new DataView(bytes.buffer, bytes.byteOffset + at, 4).getFloat32(0, true));
      at += 4;
    } else if (wire === 1) {
      at += 8;
    } else {
      throw new Error(`unexpected wire type ${wire}`);
    }
  }
  if (dtype !== 1) throw new Error(`expected a float32 tensor, got data_type ${dtype}`);
  return { dims, data: data ?? Float32Array.from(floats) };
}

/** Largest |a-b| relative to max(1e-6, max|b|): how the parity tests measure "1e-5 relative". */
export function relativeError(a, b) {
  let scale = 1e-6, worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

export const have = (path) => existsSync(path);

// ---- headless Chromium (browser.test.mjs, threads.test.mjs) ----------------------------------------
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage',
  '--disable-background-networking'];

/** Headless Chromium (playwright-core's `chromium`) on a new page at `url` → { browser, page, errors }, errors
 * collecting the page's uncaught exceptions. */
export async function openInChromium(chromium, url) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { browser, page, errors };
}
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

/** Serves the repository on 127.0.0.1 for a page under test: `/` is an empty page titled `title`, any
 * other path the tree's file (404 where none). pageHeaders(url) and fileHeaders are added to the
 * responses (cross-origin isolation for the threads tests). → { origin, close() } */
export async function serveRepo(title, { pageHeaders = () => ({}), fileHeaders = {} } = {}) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x'), path = normalize(decodeURIComponent(url.pathname));
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html', ...pageHeaders(url) });
      return res.end(`<!DOCTYPE html><meta charset="utf-8"><title>${title}</title>`);
    }
    try {
      const body = await readFile(join(root, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', ...fileHeaders });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

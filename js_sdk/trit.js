// trit: ternary-weight ResNets in browsers, Workers and Node. No dependencies. Docs: js_sdk/README.md.
// One wasm instance per model: cheap, and dispose() frees all its memory (wasm memory never shrinks).

const isNode = typeof process === 'object' && !!process.versions?.node;
// Valid only with SIMD128: a function returning i8x16.popcnt(i8x16.splat(0)).
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0,
  65, 0, 253, 15, 253, 98, 11]);
const TYPED = { float32: Float32Array, uint8: Uint8Array, int8: Int8Array, int32: Int32Array, int64: BigInt64Array };
const DRAWABLE = 'HTMLImageElement HTMLVideoElement HTMLCanvasElement OffscreenCanvas ImageBitmap VideoFrame'.split(' ');
const modules = new Map(); // URL -> Promise<WebAssembly.Module>

export class TritError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'TritError';
    this.code = code; // a C status name or FETCH, INTEGRITY, ABORTED, DISPOSED, GZIP, WASM
  }
}

export const simdSupported = () => WebAssembly.validate(SIMD_PROBE);

const product = (dims) => dims.reduce((a, b) => a * b, 1);
const isBytes = (x) => x instanceof ArrayBuffer || ArrayBuffer.isView(x);
const u8 = (x) => x instanceof ArrayBuffer ? new Uint8Array(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
const is = (x, name) => typeof globalThis[name] === 'function' && x instanceof globalThis[name];
const hasScheme = (s) => /^[a-z][a-z0-9+.-]+:/i.test(s); // 2+ letters: "C:\" is a path
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
const preview = (b) => JSON.stringify(new TextDecoder().decode(b.subarray(0, 24)));
const aborted = (s) => new TritError('ABORTED', `aborted: ${s.reason?.message ?? s.reason}`, { cause: s.reason });
const checkAbort = (signal) => { if (signal?.aborted) throw aborted(signal); };
const fail = (code, message, cause) => { throw new TritError(code, message, cause && { cause }); };
const bad = (message) => { throw new TypeError(message); };

// A shared promise (a cached compile) one caller's signal can abandon.
const abortable = (promise, signal) => !signal ? promise : Promise.race([promise, new Promise((_, reject) => {
  checkAbort(signal);
  signal.addEventListener('abort', () => reject(aborted(signal)), { once: true });
})]);

// → { bytes, label (for messages), type (Content-Type when fetched) }
async function readSource(source, signal, progress) {
  if (isBytes(source)) return { bytes: u8(source), label: 'the given bytes' };
  if (is(source, 'Blob')) source = new Response(source);
  const isUrl = typeof source === 'string' || source instanceof URL;
  if (!isUrl && !is(source, 'Response')) bad('source must be a URL, a path (Node), bytes, a Blob or a Response');
  const label = isUrl ? String(source) : source.url || 'the Response';
  let response = source, chunks = [], loaded = 0;
  try {
    if (isNode && isUrl && (!hasScheme(label) || label.startsWith('file:'))) {
      const fs = await import('node:fs/promises');
      const bytes = new Uint8Array(await fs.readFile(label.startsWith('file:') ? new URL(label) : label, { signal }));
      progress?.(bytes.length, bytes.length);
      return { bytes, label, type: '' };
    }
    if (isUrl) response = await fetch(source, { signal });
    if (!response.ok) fail('FETCH', `fetching ${label} failed: HTTP ${response.status} ${response.statusText}`);
    const header = (name) => response.headers.get(name) ?? '';
    // With Content-Encoding, content-length counts compressed bytes.
    const total = header('content-encoding') ? 0 : +header('content-length');
    const reader = response.body.getReader();
    for (let r; !(r = await reader.read()).done;) {
      chunks.push(r.value);
      loaded += r.value.length;
      progress?.(loaded, Math.max(total, loaded));
    }
    return { bytes: new Uint8Array(await new Blob(chunks).arrayBuffer()), label, type: header('content-type') };
  } catch (e) {
    checkAbort(signal);
    if (e instanceof TritError) throw e;
    fail('FETCH', `cannot read ${label}: ${e.message}${e.cause ? ` (${e.cause.message ?? e.cause})` : ''}`, e);
  }
}

async function checkIntegrity(bytes, expected, label) {
  const sri = /^sha256-([A-Za-z0-9+/]+={0,2})$/.exec(expected);
  const want = sri ? hex(Array.from(atob(sri[1]), (c) => c.charCodeAt(0))) : expected.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(want)) bad('integrity must be SHA-256 hex or "sha256-<base64>"');
  if (!globalThis.crypto?.subtle) fail('INTEGRITY', 'no crypto.subtle (insecure context?)');
  const got = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
  if (got !== want) fail('INTEGRITY', `integrity mismatch for ${label}: expected SHA-256 ${want}, got ${got}`);
}

async function gunzip(bytes, label) {
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')); // throws if absent
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    fail('GZIP', `${label}: gzip decompression failed: ${e.message}`, e);
  }
}

async function compileWasm(option, simd, signal, progress) {
  if (option instanceof WebAssembly.Module) return option;
  const name = simd ? 'trit.wasm' : 'trit-nosimd.wasm';
  const byUrl = option === undefined || typeof option === 'string' || option instanceof URL;
  let source = option ?? new URL(`../build/wasm/${name}`, import.meta.url);
  if (byUrl && String(source).endsWith('/')) source = hasScheme(String(source)) ? new URL(name, source) : source + name;
  const key = String(source);
  if (byUrl && modules.has(key)) return abortable(modules.get(key), signal);
  const compiling = (async () => {
    const { bytes, label, type } = await readSource(source, byUrl ? undefined : signal, progress);
    if (hex(bytes.subarray(0, 4)) !== '0061736d') {
      fail('WASM', `${label} is not a wasm module: got ${bytes.length} bytes${type && ` of ${type}`} starting ${preview(bytes)}`);
    }
    try {
      return await WebAssembly.compile(bytes);
    } catch (e) {
      fail('WASM', `${label} does not compile${simd ? ' (no wasm SIMD here? try simd: false)' : ''}: ${e.message}`, e);
    }
  })();
  if (!byUrl) return compiling;
  modules.set(key, compiling);
  compiling.catch(() => modules.delete(key));
  return abortable(compiling, signal);
}

// One instance: memory, allocation, C status → TritError.
class Engine {
  constructor(instance) { this.x = instance.exports; this.x._initialize?.(); }
  get buffer() { return this.x.memory.buffer; } // re-read: growth replaces it
  alloc(size) { return this.x.trit_wasm_malloc(Math.max(size, 1)) || fail('TRIT_ERROR_MEMORY', `out of wasm memory (${size} bytes)`); }
  u32(p) { return new DataView(this.buffer).getUint32(p, true); }
  str(p) { const b = new Uint8Array(this.buffer, p); return new TextDecoder().decode(b.subarray(0, b.indexOf(0))); }
  check(status, h, prefix = '') {
    if (status) fail(this.str(this.x.trit_wasm_status_name(status)), prefix + this.str(this.x.trit_wasm_message(h)));
  }
  // body(take): take(size | bytes) allocates (copies bytes in), freed after; trap → TritError.
  with(body) {
    const taken = [];
    try {
      return body((what) => {
        const p = this.alloc(what.length ?? what);
        taken.push(p);
        if (what.length !== undefined) new Uint8Array(this.buffer).set(what, p);
        return p;
      });
    } catch (e) {
      throw e instanceof WebAssembly.RuntimeError ? new TritError('WASM', `engine trap: ${e.message}`, { cause: e }) : e;
    } finally {
      taken.forEach((p) => this.x.trit_wasm_free(p));
    }
  }
}

const camel = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_./g, (m) => m[1].toUpperCase()), v]));
function buildInfo(json, simd) {
  const info = { simd, provenance: {}, ...camel(json) }; // the engine's info JSON, camelCased
  for (const k of ['arch', 'method', 'dataset', 'top1', 'sparsity', 'epochs', 'notes']) {
    const v = json.metadata[`trit.${k}`];
    if (v !== undefined) info.provenance[k] = v.trim() && !isNaN(v) ? +v : v;
  }
  info.inputShape = json.inputs[0]?.dims ?? [];
  info.outputShape = json.outputs[0]?.dims ?? [];
  info.layers = json.ternary_layers.map((l, index) => ({ index, ...camel(l) }));
  return info;
}

export async function load(source, options = {}) {
  if (options === null || typeof options !== 'object') bad('options must be an object');
  const { onProgress, signal, wasm, simd, integrity } = options;
  for (const [k, type] of [['onProgress', 'function'], ['simd', 'boolean'], ['integrity', 'string']]) {
    if (options[k] !== undefined && typeof options[k] !== type) bad(`${k} must be a ${type}`);
  }
  if (signal !== undefined && typeof signal?.aborted !== 'boolean') bad('signal must be an AbortSignal');
  checkAbort(signal);
  const progress = (phase) => onProgress && ((loaded, total) => onProgress({ loaded, total, phase }));
  const [module, file] = await Promise.all([
    compileWasm(wasm, simd ?? simdSupported(), signal, progress('wasm')),
    readSource(source, signal, progress('model')),
  ]);
  if (integrity !== undefined) await checkIntegrity(file.bytes, integrity, file.label);
  let bytes = file.bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(bytes, file.label);
  checkAbort(signal);

  // The build's only import (tests/js check it); another fails here, named.
  let e;
  try {
    e = new Engine(await WebAssembly.instantiate(module, { env: { emscripten_notify_memory_growth() {} } }));
  } catch (err) {
    fail('WASM', `cannot instantiate the trit wasm module: ${err.message}`, err);
  }
  const x = e.x;
  let h = 0;
  try {
    return e.with((take) => {
      const out = take(48);
      const status = x.trit_wasm_create(take(bytes), bytes.length, out);
      h = e.u32(out);
      e.check(status, h, `${file.label}: `);
      e.check(x.trit_wasm_info_json(h, out), h);
      return new Model(e, h, buildInfo(JSON.parse(e.str(e.u32(out))), !!x.trit_wasm_simd()));
    });
  } catch (err) {
    x.trit_wasm_destroy(h);
    if (file.type && err.code?.startsWith('TRIT_')) err.message += ` (got ${file.type} starting ${preview(bytes)})`;
    throw err;
  }
}

class Model {
  #e; #h; #queue = Promise.resolve(); #canvas;
  constructor(engine, handle, info) { this.#e = engine; this.#h = handle; this.info = info; }

  get disposed() { return !this.#h; }
  get memoryBytes() { return this.#live().buffer.byteLength; }

  #live() { return this.#h ? this.#e : fail('DISPOSED', 'this model was disposed'); }

  // One call at a time, in order; a failure does not block the next.
  #serial(task) {
    const result = this.#queue.then(task);
    this.#queue = result.catch(() => {});
    return result;
  }

  classify(image, options = {}) {
    return this.#serial(async () => {
      const { topK = 5 } = options ?? {};
      if (!Number.isInteger(topK) || topK < 1) bad('topK must be a positive integer');
      const px = await this.#pixels(image);
      const e = this.#live(), x = e.x, h = this.#h, k = Math.min(topK, this.info.outputShape.at(-1) ?? 1);
      return e.with((take) => {
        const p = take(px.bytes), out = take(12 * k + 4);
        e.check(px.width ? x.trit_wasm_set_input_rgba(h, p, px.width, px.height, px.width * 4)
          : x.trit_wasm_set_input_image(h, p, px.bytes.length), h);
        e.check(x.trit_wasm_classify(h, k, out, out + 12 * k), h);
        const v = new DataView(e.buffer, out);
        return Array.from({ length: v.getUint32(12 * k, true) }, (_, i) => ({ index: v.getInt32(12 * i, true),
          label: e.str(v.getUint32(12 * i + 8, true)), probability: v.getFloat32(12 * i + 4, true) }));
      });
    });
  }

  // → { bytes } (encoded) or { bytes, width, height } (RGBA)
  async #pixels(image) {
    if (isBytes(image)) return { bytes: u8(image) };
    if (is(image, 'Blob')) return { bytes: new Uint8Array(await image.arrayBuffer()) };
    if (DRAWABLE.some((n) => is(image, n))) {
      if (image.decode && !image.complete) await image.decode().catch(() => fail('TRIT_ERROR_IMAGE', 'cannot decode the image'));
      const w = image.naturalWidth || image.videoWidth || image.displayWidth || image.width;
      const h = image.naturalHeight || image.videoHeight || image.displayHeight || image.height;
      if (!(w > 0 && h > 0)) bad('the image has no pixels yet');
      const c = this.#canvas ??= typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(w, h) : document.createElement('canvas');
      if (c.width !== w || c.height !== h) Object.assign(c, { width: w, height: h });
      const ctx = c.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(image, 0, 0, w, h);
      image = ctx.getImageData(0, 0, w, h);
    }
    const { data, width, height } = image ?? {};
    if (isBytes(data) && Number.isInteger(width) && Number.isInteger(height)) {
      if (data.byteLength !== width * height * 4) bad(`${width}×${height} RGBA needs ${width * height * 4} bytes`);
      return { bytes: u8(data), width, height };
    }
    bad('image must be ImageData, a drawable, Blob, bytes or { data, width, height }');
  }

  run(input) {
    return this.#serial(async () => {
      const data = input instanceof Float32Array ? input : input?.data, dims = input?.dims;
      if (!(data instanceof Float32Array)) bad('run() takes a Float32Array or { data, dims }');
      const e = this.#live(), x = e.x, h = this.#h;
      if (input !== data) {
        if (!Array.isArray(dims) || product(dims) !== data.length) bad('dims must multiply to data.length');
        const want = this.info.inputShape;
        if (dims.join() !== want.join()) fail('TRIT_ERROR_SHAPE', `input dims [${dims}] are not the model's [${want}]`);
      }
      return e.with((take) => {
        const out = take(8);
        e.check(x.trit_wasm_run(h, take(u8(data)), data.byteLength, out, out + 4), h);
        const at = e.u32(out);
        const type = TYPED[this.info.outputs[0].dtype]; // a copy: memory growth would detach a view
        return new type(e.buffer.slice(at, at + e.u32(out + 4)));
      });
    });
  }

  layerCodes(indexOrName) {
    const e = this.#live(), layers = this.info.layers;
    const layer = typeof indexOrName === 'string' ? layers.find((l) => l.name === indexOrName)
      : Number.isInteger(indexOrName) ? layers[indexOrName] : undefined;
    if (!layer) bad(`no ternary layer ${JSON.stringify(indexOrName)} (the model has ${layers.length})`);
    const n = product(layer.dims);
    return e.with((take) => {
      const p = take(n);
      e.check(e.x.trit_wasm_ternary_codes(this.#h, layer.index, p, n), this.#h);
      return { name: layer.name, dims: layer.dims, codes: new Int8Array(e.buffer.slice(p, p + n)) };
    });
  }

  dispose() {
    if (!this.#h) return;
    this.#e.x.trit_wasm_destroy(this.#h);
    this.#h = 0;
    this.#e = this.#canvas = null; // the instance and its memory become garbage
  }
}

// trit — ternary-weight ResNets in the browser, in Workers and in Node. ES module, no dependencies.
// One wasm instance per model: the engine is small, instantiating a compiled module takes about a
// millisecond, and dispose() gives the model's whole memory back (wasm memory never shrinks).

const isNode = typeof process === 'object' && !!process.versions?.node;
// A function returning i8x16.popcnt(i8x16.splat(0)): validates only where wasm SIMD128 is supported.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0,
  65, 0, 253, 15, 253, 98, 11]);
const WASM_MAGIC = [0, 0x61, 0x73, 0x6d];
const TYPED = { 1: Float32Array, 2: Uint8Array, 3: Int8Array, 6: Int32Array, 7: BigInt64Array };
const DRAWABLE = ['HTMLImageElement', 'SVGImageElement', 'HTMLVideoElement', 'HTMLCanvasElement', 'OffscreenCanvas',
  'ImageBitmap', 'VideoFrame'];
const modules = new Map(); // wasm URL -> Promise<WebAssembly.Module>, so many models compile once

export class TritError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'TritError';
    this.code = code; // a C status name ('TRIT_ERROR_FORMAT', ...) or FETCH, INTEGRITY, ABORTED, DISPOSED, GZIP, WASM
  }
}

export const simdSupported = () => WebAssembly.validate(SIMD_PROBE);

const isBytes = (x) => x instanceof ArrayBuffer || ArrayBuffer.isView(x);
const toBytes = (x) => x instanceof ArrayBuffer ? new Uint8Array(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
const aborted = (signal) => new TritError('ABORTED', `aborted: ${signal.reason?.message ?? signal.reason ?? 'signal'}`,
  { cause: signal.reason });
const checkAbort = (signal) => { if (signal?.aborted) throw aborted(signal); };
const preview = (b) => JSON.stringify(new TextDecoder().decode(b.subarray(0, 24)));

function abortable(promise, signal) {
  if (!signal) return promise;
  checkAbort(signal);
  return new Promise((resolve, reject) => {
    const stop = () => reject(aborted(signal));
    signal.addEventListener('abort', stop, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

// Bytes of a model or wasm source: { bytes, label (for messages), type (content type when fetched) }.
async function readSource(source, signal, progress) {
  if (isBytes(source)) return { bytes: toBytes(source), label: 'the given bytes' };
  if (typeof Blob === 'function' && source instanceof Blob) source = new Response(source);
  if (typeof Response === 'function' && source instanceof Response) return readResponse(source, source.url || 'the Response', signal, progress);
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new TypeError('source must be a URL, a path (Node), an ArrayBuffer, a Uint8Array, a Blob or a Response');
  }
  let url = source;
  if (isNode) {
    const text = String(source);
    if (!/^[a-z][a-z0-9+.-]+:/i.test(text) || text.startsWith('file:')) return readFile(source, signal, progress);
  }
  let response;
  try {
    response = await fetch(url, { signal });
  } catch (e) {
    if (signal?.aborted) throw aborted(signal);
    throw new TritError('FETCH', `fetching ${url} failed: ${e.message}${e.cause ? ` (${e.cause.message ?? e.cause})` : ''}`, { cause: e });
  }
  if (!response.ok) throw new TritError('FETCH', `fetching ${url} failed: HTTP ${response.status} ${response.statusText}`);
  return readResponse(response, String(url), signal, progress);
}

async function readResponse(response, label, signal, progress) {
  const type = response.headers.get('content-type') ?? '';
  // With Content-Encoding the length counts compressed bytes while the stream yields decoded ones.
  const total = response.headers.get('content-encoding') ? 0 : +(response.headers.get('content-length') ?? 0);
  const chunks = [];
  let loaded = 0;
  try {
    const reader = response.body.getReader();
    for (;;) {
      checkAbort(signal);
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      progress?.(loaded, Math.max(total, loaded));
    }
  } catch (e) {
    if (signal?.aborted) throw aborted(signal);
    if (e instanceof TritError) throw e;
    throw new TritError('FETCH', `reading ${label} failed: ${e.message}`, { cause: e });
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  if (!loaded) progress?.(0, 0);
  return { bytes, label, type };
}

async function readFile(path, signal, progress) {
  const fs = await import('node:fs/promises');
  const label = String(path);
  let file;
  try {
    file = await fs.open(path instanceof URL || label.startsWith('file:') ? new URL(path) : path);
  } catch (e) {
    throw new TritError('FETCH', `cannot read ${label}: ${e.message}`, { cause: e });
  }
  try {
    const { size } = await file.stat();
    const bytes = new Uint8Array(size);
    let loaded = 0;
    while (loaded < size) {
      checkAbort(signal);
      const { bytesRead } = await file.read(bytes, loaded, Math.min(1 << 20, size - loaded), loaded);
      if (!bytesRead) break;
      loaded += bytesRead;
      progress?.(loaded, size);
    }
    checkAbort(signal);
    if (!size) progress?.(0, 0);
    return { bytes: bytes.subarray(0, loaded), label, type: '' };
  } finally {
    await file.close();
  }
}

async function checkIntegrity(bytes, expected, label) {
  let hex = expected.trim();
  const sri = /^sha256-([A-Za-z0-9+/]+={0,2})$/.exec(hex);
  if (sri) hex = [...atob(sri[1])].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new TypeError('integrity must be a SHA-256 as 64 hex digits or "sha256-<base64>"');
  if (!globalThis.crypto?.subtle) throw new TritError('INTEGRITY', 'cannot check integrity: crypto.subtle is unavailable (insecure context?)');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const actual = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  if (actual !== hex.toLowerCase()) {
    throw new TritError('INTEGRITY', `integrity mismatch for ${label}: expected SHA-256 ${hex.toLowerCase()}, got ${actual}`);
  }
}

async function gunzip(bytes, label) {
  if (typeof DecompressionStream !== 'function') throw new TritError('GZIP', `${label} is gzip-compressed and this platform has no DecompressionStream`);
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new TritError('GZIP', `${label}: gzip decompression failed: ${e.message}`, { cause: e });
  }
}

function wasmUrl(option, simd) {
  const name = simd ? 'trit.wasm' : 'trit-nosimd.wasm';
  if (option === undefined) return new URL(`../build/wasm/${name}`, import.meta.url);
  const text = String(option);
  if (!text.endsWith('/')) return option;
  return /^[a-z][a-z0-9+.-]+:/i.test(text) ? new URL(name, text) : text + name;
}

async function compileWasm(option, simd, signal, progress) {
  if (option instanceof WebAssembly.Module) return option;
  const cacheable = option === undefined || typeof option === 'string' || option instanceof URL;
  const url = cacheable ? wasmUrl(option, simd) : option;
  const key = String(url);
  if (cacheable && modules.has(key)) return abortable(modules.get(key), signal);
  const compiling = (async () => {
    const { bytes, label, type } = await readSource(url, cacheable ? undefined : signal, progress);
    if (WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
      throw new TritError('WASM', `${label} is not a wasm module: got ${bytes.length} bytes${type ? ` of ${type}` : ''} starting ${preview(bytes)}`);
    }
    try {
      return await WebAssembly.compile(bytes);
    } catch (e) {
      throw new TritError('WASM', `${label} does not compile${simd ? ' (this engine may lack wasm SIMD: try simd: false)' : ''}: ${e.message}`, { cause: e });
    }
  })();
  if (!cacheable) return compiling;
  modules.set(key, compiling);
  compiling.catch(() => modules.delete(key));
  return abortable(compiling, signal);
}

// Wraps one instance: typed access to its memory and the status → TritError conversion.
class Engine {
  constructor(instance) {
    this.x = instance.exports;
    this.x._initialize?.();
  }
  get buffer() { return this.x.memory.buffer; } // re-read after every call: growth replaces it
  alloc(size) {
    const p = this.x.trit_wasm_malloc(Math.max(size, 1));
    if (!p) throw new TritError('TRIT_ERROR_MEMORY', `out of wasm memory allocating ${size} bytes`);
    return p;
  }
  put(bytes) { const p = this.alloc(bytes.length); new Uint8Array(this.buffer).set(bytes, p); return p; }
  u32(p) { return new Uint32Array(this.buffer, p, 1)[0]; }
  str(p) {
    const b = new Uint8Array(this.buffer);
    let end = p;
    while (b[end]) end++;
    return new TextDecoder().decode(b.subarray(p, end));
  }
  check(status, handle, prefix = '') {
    if (status) throw new TritError(this.str(this.x.trit_wasm_status_name(status)), prefix + this.str(this.x.trit_wasm_message(handle)));
  }
  call(fn) { // a trap leaves no status; report it as a TritError too
    try { return fn(); } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) throw new TritError('WASM', `the engine trapped: ${e.message}`, { cause: e });
      throw e;
    }
  }
}

function buildInfo(json, simd) {
  const meta = json.metadata ?? {};
  const provenance = {};
  for (const k of ['arch', 'method', 'dataset', 'top1', 'sparsity', 'epochs', 'notes']) {
    const v = meta[`trit.${k}`];
    if (v !== undefined) provenance[k] = v.trim() !== '' && !isNaN(+v) ? +v : v;
  }
  return {
    name: json.name, producer: json.producer, opset: json.opset, labels: json.labels,
    inputShape: json.inputs[0]?.dims ?? [], outputShape: json.outputs[0]?.dims ?? [], inputs: json.inputs, outputs: json.outputs,
    parameters: json.parameters, ternaryParameters: json.ternary_parameters, sparsity: json.sparsity,
    fileBytes: json.file_bytes, bitsPerWeight: json.bits_per_weight, ops: json.ops, nodesCompiled: json.nodes_compiled,
    arenaBytes: json.arena_bytes, preprocess: json.preprocess, metadata: meta, provenance, simd,
    layers: json.ternary_layers.map((l, index) => ({ index, ...l })),
  };
}

export async function load(source, options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const { onProgress, signal, wasm, simd, integrity } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('onProgress must be a function');
  if (simd !== undefined && typeof simd !== 'boolean') throw new TypeError('simd must be true, false or undefined');
  if (integrity !== undefined && typeof integrity !== 'string') throw new TypeError('integrity must be a string');
  if (signal !== undefined && typeof signal?.aborted !== 'boolean') throw new TypeError('signal must be an AbortSignal');
  checkAbort(signal);
  const useSimd = simd ?? simdSupported();
  const progress = (phase) => onProgress && ((loaded, total) => onProgress({ loaded, total, phase }));
  const [module, file] = await Promise.all([
    compileWasm(wasm, useSimd, signal, progress('wasm')),
    readSource(source, signal, progress('model')),
  ]);
  if (integrity !== undefined) await checkIntegrity(file.bytes, integrity, file.label);
  let bytes = file.bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(bytes, file.label);
  checkAbort(signal);

  const imports = {};
  for (const { module: m, name, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== 'function') continue;
    (imports[m] ??= {})[name] = m === 'env' && name === 'emscripten_notify_memory_growth' ? () => {}
      : () => { throw new TritError('WASM', `the engine called ${m}.${name}, which the SDK does not provide`); };
  }
  let engine;
  try {
    engine = new Engine(await WebAssembly.instantiate(module, imports));
  } catch (e) {
    throw new TritError('WASM', `cannot instantiate the trit wasm module: ${e.message}`, { cause: e });
  }
  const x = engine.x;
  return engine.call(() => {
    const data = engine.put(bytes);
    const out = engine.alloc(4);
    let status, handle;
    try {
      status = x.trit_wasm_create(data, bytes.length, out);
      handle = engine.u32(out);
    } finally {
      x.trit_wasm_free(data);
      x.trit_wasm_free(out);
    }
    try {
      let hint = '';
      if (status && file.type) hint = ` (got ${bytes.length} bytes of ${file.type} starting ${preview(bytes)})`;
      if (status) throw new TritError(engine.str(x.trit_wasm_status_name(status)), `${file.label}: ${engine.str(x.trit_wasm_message(handle))}${hint}`);
      const jsonOut = engine.alloc(4);
      try {
        engine.check(x.trit_wasm_info_json(handle, jsonOut), handle);
        const info = buildInfo(JSON.parse(engine.str(engine.u32(jsonOut))), !!x.trit_wasm_simd());
        const infoWords = engine.alloc(48);
        try {
          engine.check(x.trit_wasm_output_info(handle, 0, infoWords), handle);
          const [dtype, , elements] = new Int32Array(engine.buffer, infoWords, 3);
          return new Model(engine, handle, info, dtype, elements);
        } finally { x.trit_wasm_free(infoWords); }
      } finally { x.trit_wasm_free(jsonOut); }
    } catch (e) {
      x.trit_wasm_destroy(handle);
      throw e;
    }
  });
}

function pixelSize(image) {
  const w = image.naturalWidth || image.videoWidth || image.displayWidth || image.width;
  const h = image.naturalHeight || image.videoHeight || image.displayHeight || image.height;
  if (!(w > 0 && h > 0)) throw new TypeError('the image has no pixels yet (not loaded, or no video frame)');
  return [w, h];
}

class Model {
  #engine; #handle; #queue = Promise.resolve(); #outType; #classes; #canvas;
  constructor(engine, handle, info, outDtype, outElements) {
    this.#engine = engine;
    this.#handle = handle;
    this.#outType = TYPED[outDtype] ?? Float32Array;
    this.#classes = info.outputShape.length ? info.outputShape[info.outputShape.length - 1] : outElements;
    this.info = info;
  }

  get disposed() { return !this.#handle; }
  /** Current size of this model's wasm memory in bytes. */
  get memoryBytes() { return this.#live().buffer.byteLength; }

  #live() {
    if (!this.#handle) throw new TritError('DISPOSED', 'this model was disposed');
    return this.#engine;
  }

  // One call at a time per model, in call order; a failure does not block the next call.
  #serial(task) {
    const result = this.#queue.then(task);
    this.#queue = result.catch(() => {});
    return result;
  }

  classify(image, options = {}) {
    return this.#serial(async () => {
      const { topK = 5 } = options ?? {};
      if (!Number.isInteger(topK) || topK < 1) throw new TypeError('topK must be a positive integer');
      const pixels = await this.#pixels(image);
      const e = this.#live(), x = e.x, h = this.#handle;
      return e.call(() => {
        const k = Math.min(topK, this.#classes);
        const input = e.put(pixels.bytes);
        const out = e.alloc(12 * k + 4);
        try {
          e.check(pixels.width ? x.trit_wasm_set_input_rgba(h, input, pixels.width, pixels.height, pixels.width * 4)
            : x.trit_wasm_set_input_image(h, input, pixels.bytes.length), h);
          e.check(x.trit_wasm_classify(h, k, out, out + 12 * k), h);
          const count = e.u32(out + 12 * k);
          const words = new DataView(e.buffer, out, 12 * count);
          return Array.from({ length: count }, (_, i) => ({
            index: words.getInt32(12 * i, true),
            label: e.str(words.getUint32(12 * i + 8, true)),
            probability: words.getFloat32(12 * i + 4, true),
          }));
        } finally {
          x.trit_wasm_free(input);
          x.trit_wasm_free(out);
        }
      });
    });
  }

  // → { bytes } (encoded image) or { bytes, width, height } (RGBA)
  async #pixels(image) {
    if (isBytes(image)) return { bytes: toBytes(image) };
    if (typeof Blob === 'function' && image instanceof Blob) return { bytes: new Uint8Array(await image.arrayBuffer()) };
    if (image && DRAWABLE.some((n) => globalThis[n] && image instanceof globalThis[n])) {
      if (image.decode && !image.complete) await image.decode();
      const [w, h] = pixelSize(image);
      if (!this.#canvas) this.#canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(w, h) : document.createElement('canvas');
      const c = this.#canvas;
      if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
      const ctx = c.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(image, 0, 0, w, h);
      image = ctx.getImageData(0, 0, w, h);
    }
    const { data, width, height } = image ?? {};
    if (isBytes(data) && Number.isInteger(width) && Number.isInteger(height)) {
      if (data.byteLength !== width * height * 4) {
        throw new TypeError(`RGBA image data has ${data.byteLength} bytes; ${width}×${height} needs ${width * height * 4}`);
      }
      return { bytes: toBytes(data), width, height };
    }
    throw new TypeError('image must be ImageData, an image/video/canvas element, OffscreenCanvas, ImageBitmap, VideoFrame, '
      + 'a Blob, encoded JPEG/PNG/BMP bytes or { data, width, height } RGBA');
  }

  run(input) {
    return this.#serial(async () => {
      const data = input instanceof Float32Array ? input : input?.data;
      if (!(data instanceof Float32Array)) throw new TypeError('run() takes a Float32Array or { data: Float32Array, dims }');
      const e = this.#live(), x = e.x, h = this.#handle;
      if (input !== data) {
        const dims = input.dims;
        if (!Array.isArray(dims) || dims.reduce((a, b) => a * b, 1) !== data.length) {
          throw new TypeError('dims must be an array whose product is data.length');
        }
        if (dims.join() !== this.info.inputShape.join()) {
          throw new TritError('TRIT_ERROR_SHAPE', `input dims [${dims}] do not match the model's [${this.info.inputShape}]`);
        }
      }
      return e.call(() => {
        const p = e.put(toBytes(data));
        const out = e.alloc(8);
        try {
          e.check(x.trit_wasm_run(h, p, data.byteLength, out, out + 4), h);
          const [at, size] = new Uint32Array(e.buffer, out, 2);
          return new this.#outType(e.buffer.slice(at, at + size)); // a copy: growth would detach a view
        } finally {
          x.trit_wasm_free(p);
          x.trit_wasm_free(out);
        }
      });
    });
  }

  layerCodes(indexOrName) {
    const e = this.#live();
    const layer = typeof indexOrName === 'string' ? this.info.layers.find((l) => l.name === indexOrName)
      : this.info.layers[indexOrName];
    if (!layer || (typeof indexOrName !== 'string' && !Number.isInteger(indexOrName))) {
      throw new TypeError(`no ternary layer ${JSON.stringify(indexOrName)} (there are ${this.info.layers.length})`);
    }
    const count = layer.dims.reduce((a, b) => a * b, 1);
    return e.call(() => {
      const p = e.alloc(count);
      try {
        e.check(e.x.trit_wasm_ternary_codes(this.#handle, layer.index, p, count), this.#handle);
        return { name: layer.name, dims: layer.dims, codes: new Int8Array(e.buffer.slice(p, p + count)) };
      } finally { e.x.trit_wasm_free(p); }
    });
  }

  dispose() {
    if (!this.#handle) return;
    this.#engine.x.trit_wasm_destroy(this.#handle);
    this.#handle = 0;
    this.#engine = null; // the instance and its memory become garbage
    this.#canvas = null;
  }
}

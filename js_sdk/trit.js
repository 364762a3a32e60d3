// trit: ternary-weight ResNets in browsers, Web Workers and Node. One ES module (ESM only), no
// dependencies; the engine is trit.wasm (SIMD128) or trit-nosimd.wasm, beside this file by default.
// Docs: README.md beside this file.
//
// One wasm instance per model: cheap, and dispose() frees all its memory (wasm memory never shrinks).
// Images are decoded and preprocessed in a second, short-lived instance, so a large image cannot
// grow the model's own memory; it is dropped after a call that grew it past SCRATCH_KEEP_BYTES or trapped.
// With threads (trit-mt.wasm), workers run instances of the same module on the model's shared memory.

/** The package version (js_sdk/package.json "version"; `make sdk-version V=x.y.z` sets both). */
export const version = '0.2.0';

// The default engines: two fixed `new URL(literal, import.meta.url)` expressions, the pattern Vite,
// webpack, esbuild and Parcel follow to copy the file into a build and rewrite the URL.
// `build`: true (SIMD128), false (no SIMD) or 'mt' (SIMD128 + threads).
const defaultWasmUrl = (build) => build === 'mt' ? new URL('./trit-mt.wasm', import.meta.url)
  : build ? new URL('./trit.wasm', import.meta.url) : new URL('./trit-nosimd.wasm', import.meta.url);
const wasmName = (build) => build === 'mt' ? 'trit-mt.wasm' : build ? 'trit.wasm' : 'trit-nosimd.wasm';

// Images up to this many pixels are drawn at their natural size (the answer is the native CLI's for
// the same pixels); larger drawables are shrunk by the browser to the model's resize size first.
const NATURAL_DRAW_PIXELS = 1 << 20;
// No image larger than this is accepted (RGBA would need 512 MiB of wasm memory).
const MAX_PIXELS = 1 << 27;
const MAX_SIDE = 16384; // the engine's limit per side (core/src/model.c MAX_IMAGE_SIDE)
const SCRATCH_KEEP_BYTES = 16 << 20;
const MAX_THREADS = 16; // core/src/threads.h TRIT_MAX_THREADS
const DEFAULT_MAX_THREADS = 4; // the default takes the cores, up to this many
// The threaded build imports its memory: 1 MiB to start (INITIAL_MEMORY), up to 2 GiB (wasm/wasm.mk).
const SHARED_MEMORY = { initial: 16, maximum: 32768, shared: true };

const isNode = typeof process === 'object' && !!process.versions?.node;
// Valid only with SIMD128: a function returning i8x16.popcnt(i8x16.splat(0)).
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0,
  65, 0, 253, 15, 253, 98, 11]);
const TYPED = { float32: Float32Array, uint8: Uint8Array, int8: Int8Array, int32: Int32Array, int64: BigInt64Array };
const DTYPE_CODES = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7 }; // ONNX TensorProto.DataType (trit.h)
const DRAWABLE = 'HTMLImageElement HTMLVideoElement HTMLCanvasElement OffscreenCanvas ImageBitmap VideoFrame'.split(' ');
const IMPORTS = { env: { emscripten_notify_memory_growth() {} } }; // the build's only import (tests/js check it)
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
const typeName = (x) => x?.constructor?.name ?? (x === null ? 'null' : typeof x);

// Node's file system, without an import statement a browser bundler would try to follow.
function nodeFs() {
  const fs = process.getBuiltinModule?.('node:fs/promises');
  return fs ?? fail('FETCH', `reading files needs Node >= 20.16 (this is ${process.version}); pass the bytes instead`);
}

// A shared promise (a cached compile) one caller's signal can abandon.
const abortable = (promise, signal) => !signal ? promise : Promise.race([promise, new Promise((_, reject) => {
  checkAbort(signal);
  signal.addEventListener('abort', () => reject(aborted(signal)), { once: true });
})]);

// → { bytes, label (for messages), type (Content-Type when fetched), missing (no such file / HTTP 404) }
async function readSource(source, signal, progress) {
  if (isBytes(source)) return { bytes: u8(source), label: 'the given bytes' };
  if (is(source, 'Blob')) source = new Response(source);
  const isUrl = typeof source === 'string' || source instanceof URL;
  if (!isUrl && !is(source, 'Response')) bad('source must be a URL, a path (Node), bytes, a Blob or a Response');
  const label = isUrl ? String(source) : source.url || 'the Response';
  let response = source, chunks = [], loaded = 0;
  try {
    if (isNode && isUrl && (!hasScheme(label) || label.startsWith('file:'))) {
      const path = label.startsWith('file:') ? new URL(label) : label;
      const bytes = new Uint8Array(await nodeFs().readFile(path, { signal }));
      progress?.(bytes.length, bytes.length);
      return { bytes, label, type: '' };
    }
    if (isUrl) response = await fetch(source, { signal });
    if (!response.ok) {
      fail('FETCH', `fetching ${label} failed: HTTP ${response.status} ${response.statusText}`,
        response.status === 404 ? { missing: true } : undefined);
    }
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
    fail('FETCH', `cannot read ${label}: ${e.message}${e.cause ? ` (${e.cause.message ?? e.cause})` : ''}`,
      e.code === 'ENOENT' ? Object.assign(e, { missing: true }) : e);
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

// The `wasm` option as a URL or path: a name ending in .wasm (before any ?query or #hash) is the
// file itself, anything else a folder holding trit.wasm and trit-nosimd.wasm, with or without '/'.
function wasmFileIn(option, build) {
  const s = String(option), name = wasmName(build);
  if (/^(blob|data):/i.test(s) || /\.wasm$/i.test(s.replace(/[?#].*$/, ''))) return option;
  if (!hasScheme(s)) return s + (/[\\/]$/.test(s) ? '' : '/') + name;
  const url = new URL(s);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return new URL(name, url);
}

const HOW_TO_PASS = 'pass { wasm } to load(): a folder with trit.wasm and trit-nosimd.wasm, a .wasm URL or path, '
  + 'its bytes or a compiled WebAssembly.Module';

async function compileWasm(option, simd, signal, progress) {
  if (option instanceof WebAssembly.Module) return option;
  const byUrl = option === undefined || typeof option === 'string' || option instanceof URL;
  const isDefault = option === undefined;
  const source = isDefault ? defaultWasmUrl(simd) : byUrl ? wasmFileIn(option, simd) : option; // simd: a build (defaultWasmUrl)
  const key = String(source);
  if (byUrl && modules.has(key)) return abortable(modules.get(key), signal);
  const compiling = (async () => {
    // The default location, when nothing is there: say where we looked and what to do instead.
    const notThere = (what) => fail('WASM', `the trit engine is not at its default location ${key} (beside trit.js): `
      + `${what}. If a bundler or server moved trit.js without it, copy trit.wasm and trit-nosimd.wasm beside it or `
      + HOW_TO_PASS);
    let file;
    try {
      file = await readSource(source, byUrl ? undefined : signal, progress);
    } catch (e) {
      if (isDefault && e.cause?.missing) notThere(e.message);
      throw e;
    }
    const { bytes, label, type } = file;
    if (hex(bytes.subarray(0, 4)) !== '0061736d') {
      const what = `${label} is not a wasm module: got ${bytes.length} bytes${type && ` of ${type}`} starting ${preview(bytes)}`;
      if (isDefault) notThere(what);
      fail('WASM', what);
    }
    try {
      return await WebAssembly.compile(bytes);
    } catch (e) {
      if (/content.security.policy|unsafe-eval|\bCSP\b/i.test(e.message)) {
        fail('WASM', `${label}: the page's Content Security Policy does not allow WebAssembly; add 'wasm-unsafe-eval' `
          + `to its script-src (nothing else is needed): ${e.message}`, e);
      }
      fail('WASM', `${label} does not compile${simd ? ' (no wasm SIMD here? try simd: false)' : ''}: ${e.message}`, e);
    }
  })();
  if (!byUrl) return compiling;
  modules.set(key, compiling);
  compiling.catch(() => modules.delete(key));
  return abortable(compiling, signal);
}

// The threaded build imports a shared memory; the others have their own.
const isThreaded = (module) => WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');

async function instantiate(module) {
  try {
    if (!isThreaded(module)) return new Engine(await WebAssembly.instantiate(module, IMPORTS));
    const memory = new WebAssembly.Memory(SHARED_MEMORY);
    return new Engine(await WebAssembly.instantiate(module, { env: { ...IMPORTS.env, memory } }), memory);
  } catch (err) {
    fail('WASM', `cannot instantiate the trit wasm module: ${err.message}`, err);
  }
}

// One instance: memory, allocation, C status → TritError.
class Engine {
  constructor(instance, memory) { this.x = instance.exports; this.memory = memory ?? this.x.memory; this.x._initialize?.(); }
  get buffer() { return this.memory.buffer; } // re-read: growth replaces it
  copy(begin, end) { return new Uint8Array(this.buffer, begin, end - begin).slice().buffer; } // never shared
  alloc(size) { return this.x.trit_wasm_malloc(Math.max(size, 1)) || fail('TRIT_ERROR_MEMORY', `out of wasm memory (${size} bytes)`); }
  u32(p) { return new DataView(this.buffer).getUint32(p, true); }
  str(p) { const b = new Uint8Array(this.buffer, p); return new TextDecoder().decode(b.slice(0, b.indexOf(0))); }
  statusName(status) { return this.str(this.x.trit_wasm_status_name(status)); }
  check(status, h, prefix = '') {
    if (status) fail(this.statusName(status), prefix + this.str(this.x.trit_wasm_message(h)));
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

// Threads: a worker's whole program (a Web Worker from a Blob URL, or a Node worker_threads eval
// worker). For one model at a time it instantiates the module on the model's shared memory, moves its
// stack pointer to its own stack, says it is ready and runs jobs inside wasm (core/src/threads.h)
// until the model is disposed; then it says it is idle and waits for the next model.
const WORKER_SOURCE = `'use strict';
const serve = async ({ module, memory, pool, index, stack }, post) => {
  try {
    const { exports: x } = await WebAssembly.instantiate(module, { env: { memory, emscripten_notify_memory_growth() {} } });
    x.stackRestore(stack);
    post('ready');
    x.trit_wasm_threads_worker(pool, index);
    post('idle');
  } catch (e) {
    post(String(e && e.message || e));
  }
};
if (typeof process === 'object' && process.versions && process.versions.node) {
  const { parentPort } = process.getBuiltinModule('node:worker_threads');
  parentPort.on('message', (data) => serve(data, (m) => parentPort.postMessage(m)));
} else {
  self.onmessage = ({ data }) => serve(data, (m) => self.postMessage(m));
}
`;
// Workers no model uses, kept for the next one (starting a worker costs tens of milliseconds).
const idleWorkers = [];

// → [threads, why] for info.threads / info.threadsReason. `requested` is checked first (a TypeError).
function chooseThreads(requested, simd) {
  if (requested !== undefined && !(Number.isInteger(requested) && requested >= 1 && requested <= MAX_THREADS)) {
    bad(`threads must be an integer from 1 to ${MAX_THREADS}, got ${typeof requested === 'number' ? requested : typeName(requested)}`);
  }
  if (requested === 1) return [1, '1 thread: asked for 1'];
  if (!simd) return [1, '1 thread: the threaded build (trit-mt.wasm) needs wasm SIMD, which this engine lacks or simd: false turned off'];
  if (typeof SharedArrayBuffer !== 'function' || (!isNode && globalThis.crossOriginIsolated !== true)) {
    return [1, '1 thread: the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin '
      + 'and Cross-Origin-Embedder-Policy: require-corp), so it has no SharedArrayBuffer'];
  }
  if (!isNode && typeof Worker !== 'function') return [1, '1 thread: no Worker constructor here'];
  if (requested) return [requested, `${requested} threads: asked for ${requested}`];
  const cores = isNode ? process.getBuiltinModule?.('node:os')?.availableParallelism?.() ?? 1 : navigator.hardwareConcurrency || 1;
  const n = Math.min(cores, DEFAULT_MAX_THREADS);
  return n > 1 ? [n, `${n} threads: ${cores} logical cores${cores > n ? ` (the default takes up to ${DEFAULT_MAX_THREADS})` : ''}`]
    : [1, '1 thread: this machine reports 1 core'];
}

// A worker: post(message), on(handler) for its messages (errors as text), hold(busy) (Node: keep the
// process alive while a load waits for it), end().
function spawnWorker() {
  let handler = () => {};
  const worker = { on: (f) => { handler = f; } };
  if (isNode) {
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', (m) => handler(m));
    w.on('error', (e) => handler(e.message));
    return Object.assign(worker, { post: (m) => w.postMessage(m), hold: (busy) => busy ? w.ref() : w.unref(), end: () => w.terminate() });
  }
  let url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  w.onmessage = ({ data }) => { if (url) URL.revokeObjectURL(url), url = null; handler(data); };
  w.onerror = (e) => { e.preventDefault?.(); handler(e.message || 'the worker failed to start (a CSP without worker-src blob:?)'); };
  return Object.assign(worker, { post: (m) => w.postMessage(m), hold() {}, end: () => w.terminate() });
}

// `count` workers (idle ones first) on engine e's memory, attached to model h once all run: → { workers, pool }.
async function startThreads(e, h, module, count) {
  const x = e.x, pool = x.trit_wasm_threads_create(count) || fail('TRIT_ERROR_MEMORY', 'out of wasm memory for the thread pool');
  const workers = [];
  try {
    await Promise.all(Array.from({ length: count }, (_, index) => new Promise((resolve, reject) => {
      const worker = idleWorkers.pop() ?? spawnWorker();
      const timer = setTimeout(() => reject(new Error('no answer within 20 s')), 20000);
      workers.push(worker);
      worker.hold(true);
      worker.on((m) => {
        clearTimeout(timer);
        worker.hold(false);
        m === 'ready' ? resolve() : reject(new Error(m));
      });
      worker.post({ module, memory: e.memory, pool, index, stack: x.trit_wasm_threads_stack(pool, index) });
    })));
    // the model's thread may sleep while workers finish, except on a page's main thread (wait traps there)
    e.check(x.trit_wasm_threads_attach(h, pool, typeof document === 'undefined' ? 1 : 0), h);
    return { workers, pool };
  } catch (err) {
    x.trit_wasm_threads_stop(pool);
    workers.forEach((w) => w.end());
    throw err;
  }
}

// After the model's pool was stopped: each worker is idle again once its wasm returned.
function releaseWorkers(workers) {
  for (const w of workers) w.on((m) => m === 'idle' && idleWorkers.length < MAX_THREADS ? idleWorkers.push(w) : w.end());
}

export async function load(source, options = {}) {
  if (options === null || typeof options !== 'object') bad('options must be an object');
  const { onProgress, signal, wasm, simd, integrity } = options;
  for (const [k, type] of [['onProgress', 'function'], ['simd', 'boolean'], ['integrity', 'string']]) {
    if (options[k] !== undefined && typeof options[k] !== type) bad(`${k} must be a ${type}`);
  }
  if (signal !== undefined && typeof signal?.aborted !== 'boolean') bad('signal must be an AbortSignal');
  let [threads, threadsReason] = chooseThreads(options.threads, simd ?? simdSupported());
  checkAbort(signal);
  const progress = (phase) => onProgress && ((loaded, total) => onProgress({ loaded, total, phase }));
  // The threaded build where threads are possible; where it cannot be read or compiled (a server or
  // folder without trit-mt.wasm), the single-threaded one, and the reason.
  const engine = threads === 1 ? compileWasm(wasm, simd ?? simdSupported(), signal, progress('wasm'))
    : compileWasm(wasm, 'mt', signal, progress('wasm')).catch((err) => {
      if (err.code !== 'FETCH' && err.code !== 'WASM') throw err;
      [threads, threadsReason] = [1, `1 thread: the threaded build did not load (${err.message})`];
      return compileWasm(wasm, true, signal, progress('wasm'));
    });
  const [module, file] = await Promise.all([
    engine,
    readSource(source, signal, progress('model')),
  ]);
  if (integrity !== undefined) await checkIntegrity(file.bytes, integrity, file.label);
  let bytes = file.bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(bytes, file.label);
  checkAbort(signal);

  const e = await instantiate(module), x = e.x;
  if (threads > 1 && !x.trit_wasm_threads_create) {
    [threads, threadsReason] = [1, '1 thread: the wasm given is not the threaded build (trit-mt.wasm)'];
  }
  let h = 0;
  try {
    const [info] = e.with((take) => {
      const out = take(48);
      const status = x.trit_wasm_create(take(bytes), bytes.length, out);
      h = e.u32(out);
      e.check(status, h, `${file.label}: `);
      e.check(x.trit_wasm_info_json(h, out), h);
      return [buildInfo(JSON.parse(e.str(e.u32(out))), !!x.trit_wasm_simd())];
    });
    let pool = null;
    if (threads > 1) {
      pool = await startThreads(e, h, module, threads - 1).catch((err) => {
        if (err instanceof TritError) throw err;
        [threads, threadsReason] = [1, `1 thread: the workers did not start (${err.message})`];
        return null;
      });
    }
    return new Model(e, h, module, Object.assign(info, { threads, threadsReason }), pool);
  } catch (err) {
    x.trit_wasm_destroy(h);
    if (file.type && err.code?.startsWith('TRIT_')) err.message += ` (got ${file.type} starting ${preview(bytes)})`;
    throw err;
  }
}

// The size the engine resizes an image to (shorter side = resize; core/src/image.c scaled_side).
function resizedSize(width, height, resize) {
  const shorter = Math.min(width, height);
  const side = (long) => Math.max(1, Math.floor((2 * long * resize + shorter) / (2 * shorter)));
  return width <= height ? [resize, side(height)] : [side(width), resize];
}

function checkPixels(width, height) {
  if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
    fail('TRIT_ERROR_LIMIT', `the image is ${width}×${height} (${(width * height / 1e6).toFixed(1)} Mpx); trit takes up to `
      + `${MAX_PIXELS / (1 << 20)} Mi pixels and ${MAX_SIDE} per side: shrink it first`);
  }
}

class Model {
  #e; #h; #module; #scratch = null; #canvas = null; #queue = Promise.resolve(); #timing = null; #requested = ''; #steps = null;
  #threads; // { workers, pool } of a threaded model
  constructor(engine, handle, module, info, threads) {
    this.#e = engine; this.#h = handle; this.#module = module; this.info = info; this.#threads = threads;
  }

  get disposed() { return !this.#h; }
  /** This model's wasm memory: its own instance and the image instance while it is kept. */
  get memoryBytes() { return this.#live().buffer.byteLength + (this.#scratch?.buffer.byteLength ?? 0); }

  /** Milliseconds of the last classify / run that succeeded: { preprocessMs, runMs } (null before any). */
  get lastTiming() { return this.#timing; }

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
      this.#live();
      const t0 = performance.now(); // preprocessMs: reading, drawing, decoding, resizing, normalising
      const input = await this.#preprocess(await this.#pixels(image));
      const e = this.#live(), x = e.x, h = this.#h, k = Math.min(topK, this.info.outputShape.at(-1) ?? 1);
      const t1 = performance.now(); // runMs: the network and its softmax / top-k
      const top = e.with((take) => {
        const out = take(12 * k + 4);
        e.check(x.trit_wasm_set_input(h, 0, take(u8(input)), input.byteLength), h);
        e.check(x.trit_wasm_classify(h, k, out, out + 12 * k), h);
        const v = new DataView(e.buffer, out);
        return Array.from({ length: v.getUint32(12 * k, true) }, (_, i) => ({ index: v.getInt32(12 * i, true),
          label: e.str(v.getUint32(12 * i + 8, true)), probability: v.getFloat32(12 * i + 4, true) }));
      });
      this.#timing = { preprocessMs: t1 - t0, runMs: performance.now() - t1 };
      return top;
    });
  }

  // → { bytes } (encoded) or { bytes, width, height } (RGBA)
  async #pixels(image) {
    if (isBytes(image)) return { bytes: u8(image) };
    if (is(image, 'Blob')) return { bytes: new Uint8Array(await image.arrayBuffer()) };
    if (DRAWABLE.some((n) => is(image, n))) return this.#draw(image);
    const { data, width, height } = image ?? {};
    if (isBytes(data) && Number.isInteger(width) && Number.isInteger(height)) {
      if (width < 1 || height < 1) fail('TRIT_ERROR_IMAGE', `an RGBA image of ${width}×${height} has no pixels`);
      checkPixels(width, height);
      if (data.byteLength !== width * height * 4) bad(`${width}×${height} RGBA needs ${width * height * 4} bytes`);
      return { bytes: u8(data), width, height };
    }
    bad('image must be ImageData, a drawable, Blob, bytes or { data, width, height }');
  }

  // A drawable's RGBA pixels: at natural size up to NATURAL_DRAW_PIXELS, else shrunk by the browser
  // to the size the engine would resize it to (so the engine's own resize is then the identity).
  async #draw(image) {
    if (image.decode && !image.complete) await image.decode().catch(() => fail('TRIT_ERROR_IMAGE', 'cannot decode the image'));
    const w = image.naturalWidth || image.videoWidth || image.displayWidth || image.width;
    const h = image.naturalHeight || image.videoHeight || image.displayHeight || image.height;
    if (!(w > 0 && h > 0)) bad('the image has no pixels yet');
    if (w * h > MAX_PIXELS) checkPixels(w, h);
    const { resize } = this.info.preprocess;
    const [dw, dh] = w * h <= NATURAL_DRAW_PIXELS ? [w, h] : resizedSize(w, h, resize);
    try {
      const c = this.#canvas ??= typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(dw, dh) : document.createElement('canvas');
      if (c.width !== dw || c.height !== dh) Object.assign(c, { width: dw, height: dh });
      const ctx = c.getContext('2d', { willReadFrequently: true }) ?? fail('TRIT_ERROR_IMAGE', 'no 2D canvas context');
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(image, 0, 0, dw, dh);
      const { data } = ctx.getImageData(0, 0, dw, dh);
      if (data.length !== dw * dh * 4) fail('TRIT_ERROR_IMAGE', `the canvas gave ${data.length} bytes for ${dw}×${dh}`);
      return { bytes: u8(data), width: dw, height: dh };
    } catch (e) {
      this.#canvas = null; // never reuse a canvas that failed
      throw e instanceof TritError || e instanceof TypeError ? e : new TritError('TRIT_ERROR_IMAGE', `cannot read the image's pixels: ${e.message}`, { cause: e });
    }
  }

  // Pixels → the model's float input, in the image instance (the CLI's decode and preprocessing).
  async #preprocess(px) {
    this.#live();
    const { inputs: [input], preprocess: p } = this.info;
    const [n, c, height, width] = input?.dims ?? [];
    if (input?.dtype !== 'float32' || input.dims.length !== 4 || n !== 1 || c !== 3 || !(height > 0 && width > 0)) {
      fail('TRIT_ERROR_SHAPE', `input 0${input ? ` '${input.name}'` : ''} is not a float [1, 3, H, W] image tensor`);
    }
    const s = this.#scratch ??= await instantiate(this.#module);
    try {
      return s.with((take) => {
        const params = take(40), out = take(3 * height * width * 4), message = take(200);
        const view = new DataView(s.buffer, params);
        [p.height, p.width, p.resize, p.filter === 'bilinear' ? 1 : 0].forEach((v, i) => view.setInt32(4 * i, v, true));
        [...p.mean, ...p.std].forEach((v, i) => view.setFloat32(16 + 4 * i, v, true));
        new Uint8Array(s.buffer, message, 1)[0] = 0;
        const status = s.x.trit_wasm_preprocess(take(px.bytes), px.bytes.length, px.width ?? 0, px.height ?? 0, params, out, message, 200);
        if (status) {
          const name = s.statusName(status), why = s.str(message);
          fail(name, why || `image preprocessing failed (${name})`);
        }
        return new Float32Array(s.copy(out, out + 3 * height * width * 4));
      });
    } catch (e) {
      // The engine's own failures leave the instance as it was (freed on every path); a trap may not.
      if (e.code === 'WASM' || !(e instanceof TritError)) this.#scratch = null;
      throw e;
    } finally {
      if (s.buffer.byteLength > SCRATCH_KEEP_BYTES && this.#scratch === s) this.#scratch = null; // its memory becomes garbage
    }
  }

  // inputs: one array or { data, dims } for a one-input model, or one per input (an array in input
  // order, or an object by input name). Each is checked against the model before any is set.
  #inputArrays(inputs) {
    const specs = this.info.inputs;
    const isTensor = (v) => ArrayBuffer.isView(v) || isBytes(v?.data);
    let list;
    if (isTensor(inputs)) list = [inputs];
    else if (Array.isArray(inputs)) list = inputs;
    else if (inputs && typeof inputs === 'object') {
      const unknown = Object.keys(inputs).filter((k) => !specs.some((s) => s.name === k));
      if (unknown.length) bad(`the model has no input ${unknown.map((k) => `'${k}'`).join(', ')} (its inputs: ${specs.map((s) => `'${s.name}'`).join(', ')})`);
      list = specs.map((s) => inputs[s.name] ?? bad(`input '${s.name}' is missing`));
    } else bad('run() takes a typed array, { data, dims }, an array of them, or an object by input name');
    if (list.length !== specs.length) {
      bad(`the model has ${specs.length} input${specs.length === 1 ? '' : 's'} (${specs.map((s) => `'${s.name}'`).join(', ')}), got ${list.length}`);
    }
    return list.map((value, i) => {
      const { name, dtype, dims: want } = specs[i], what = `input ${i} '${name}' (${dtype} [${want}])`;
      const data = ArrayBuffer.isView(value) ? value : value?.data, type = TYPED[dtype];
      if (!isTensor(value)) bad(`${what}: expected a ${type.name} or { data, dims }, got ${typeName(value)}`);
      if (!(data instanceof type)) bad(`${what}: expected a ${type.name}, got ${typeName(data)}`);
      u8(data); // a TypeError if its buffer was detached (transferred)
      if (data !== value) {
        const { dims } = value;
        if (!Array.isArray(dims) || !dims.every(Number.isInteger) || product(dims) !== data.length) {
          bad(`${what}: dims must be integers multiplying to data.length (${data.length})`);
        }
        if (dims.join() !== want.join()) fail('TRIT_ERROR_SHAPE', `${what}: got dims [${dims}]`);
      }
      if (data.length !== product(want)) fail('TRIT_ERROR_SHAPE', `${what}: needs ${product(want)} elements, got ${data.length}`);
      return data;
    });
  }

  #setInputs(arrays, take) {
    const e = this.#e;
    arrays.forEach((data, i) => e.check(e.x.trit_wasm_set_input(this.#h, i, take(u8(data)), data.byteLength), this.#h));
  }

  // Keeps the named tensors alive in the engine (a new memory plan, only when the list changes).
  #request(names, take) {
    const key = names.join('\0');
    if (key === this.#requested) return;
    const e = this.#e, bytes = new TextEncoder().encode(names.map((n) => `${n}\0`).join(''));
    e.check(e.x.trit_wasm_request_outputs(this.#h, take(bytes), names.length), this.#h);
    this.#requested = key;
  }

  // The requested tensor `index` as { name, dtype, dims, data } (a copy: memory growth would detach a view).
  #requestedTensor(index, take) {
    const e = this.#e, x = e.x, h = this.#h, info = take(4 * (4 + 8)), out = take(8);
    e.check(x.trit_wasm_requested_info(h, index, info), h);
    const words = new Int32Array(e.copy(info, info + 48));
    const dtype = Object.keys(TYPED).find((k) => DTYPE_CODES[k] === words[0]), rank = words[1];
    e.check(x.trit_wasm_requested_output(h, index, out, out + 4), h);
    const at = e.u32(out);
    return { dtype, dims: Array.from(words.subarray(4, 4 + rank)), data: new TYPED[dtype](e.copy(at, at + e.u32(out + 4))) };
  }

  // run(inputs) → a copy of output 0. run(inputs, { outputs: [names] }) → { [name]: { dtype, dims, data } }
  // for each named tensor of the graph (intermediate ones too; see trit.d.ts for which names work).
  run(inputs, options = {}) {
    return this.#serial(async () => {
      const { outputs } = options ?? {};
      if (outputs !== undefined && !(Array.isArray(outputs) && outputs.length && outputs.every((n) => typeof n === 'string'))) {
        bad('outputs must be a non-empty array of tensor names');
      }
      const e = this.#live(), x = e.x, h = this.#h, arrays = this.#inputArrays(inputs);
      const t1 = performance.now();
      const result = e.with((take) => {
        if (outputs) this.#request(outputs, take);
        this.#setInputs(arrays, take);
        const out = take(8);
        e.check(x.trit_wasm_run(h, out, out + 4), h);
        if (outputs) return Object.fromEntries(outputs.map((name, i) => [name, this.#requestedTensor(i, take)]));
        const at = e.u32(out);
        const type = TYPED[this.info.outputs[0].dtype]; // a copy: memory growth would detach a view
        return new type(e.copy(at, at + e.u32(out + 4)));
      });
      this.#timing = { preprocessMs: 0, runMs: performance.now() - t1 };
      return result;
    });
  }

  /** The network's input for an image, exactly as classify() makes it: { data: Float32Array, dims }. */
  preprocess(image) {
    return this.#serial(async () => {
      this.#live();
      const data = await this.#preprocess(await this.#pixels(image));
      return { data, dims: [...this.info.inputs[0].dims] };
    });
  }

  /** The compiled model's steps in run order (a step is one node, or a conv with its fused Add / Relu). */
  get steps() {
    const e = this.#live(), x = e.x, h = this.#h;
    return this.#steps ??= e.with((take) => {
      const out = take(32);
      return Array.from({ length: x.trit_wasm_step_count(h) }, (_, index) => {
        e.check(x.trit_wasm_step_info(h, index, out), h);
        const [name, op, input, weights, output, kernel, fusedAdd, activation] = new Uint32Array(e.copy(out, out + 32));
        const fused = [e.str(op), fusedAdd ? 'Add' : '', e.str(activation)].filter(Boolean).join('+');
        return { index, name: e.str(name), op: fused, input: e.str(input), weights: e.str(weights), output: e.str(output), kernel: e.str(kernel) };
      });
    });
  }

  // Per-step milliseconds: each step runs `runs` times in a row (the same inputs, the same result), in
  // up to 5 timed blocks; its time is the median of the blocks' means, so a pause of the machine lands
  // in one block rather than on one step. The clock is this JS engine's performance.now() (the wasm reads none).
  profile(inputs, options = {}) {
    return this.#serial(async () => {
      const { runs = 20 } = options ?? {};
      if (!Number.isInteger(runs) || runs < 1) bad('runs must be a positive integer');
      const e = this.#live(), x = e.x, h = this.#h, steps = this.steps;
      const arrays = inputs === undefined ? null : this.#inputArrays(inputs);
      return e.with((take) => {
        if (arrays) this.#setInputs(arrays, take);
        const blocks = Math.min(5, runs);
        return steps.map(({ index, name, op, output, kernel }) => {
          const means = [];
          for (let b = 0; b < blocks; b++) {
            const count = Math.floor(runs / blocks) + (b < runs % blocks ? 1 : 0), t0 = performance.now();
            for (let r = 0; r < count; r++) e.check(x.trit_wasm_run_steps(h, index, 1), h);
            means.push((performance.now() - t0) / count);
          }
          means.sort((a, b) => a - b);
          return { name, op, output, kernel, ms: means[Math.floor(blocks / 2)] };
        });
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
      return { name: layer.name, dims: layer.dims, codes: new Int8Array(e.copy(p, p + n)) };
    });
  }

  dispose() {
    if (!this.#h) return;
    if (this.#threads) {
      this.#e.x.trit_wasm_threads_stop(this.#threads.pool);
      releaseWorkers(this.#threads.workers);
      this.#threads = null;
    }
    this.#e.x.trit_wasm_destroy(this.#h);
    this.#h = 0;
    this.#e = this.#scratch = this.#canvas = this.#module = null; // the instances and their memory become garbage
  }
}

// Threads (issue 17): load(source, { threads }) on trit-mt.wasm. Every shipped model and the 224² ResNet-18s give bit-identical
// outputs on 1, 2 and 3 threads in Node (worker_threads) and in headless Chromium (page and module
// Worker, cross-origin isolated); the option is validated; without cross-origin isolation, SIMD or
// the threaded build the model runs on 1 thread and info.threadsReason says why. No timing here:
// speed is checked by `make bench` (bench/threads.mjs).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CHROMIUM, openInChromium, picture, random, root, serveRepo, tempDir, wasmDir } from './helpers.mjs';

const { load, TritError } = await import('../../js_sdk/trit.js');
const shipped = readdirSync(join(root, 'models')).filter((f) => f.endsWith('.onnx')).sort();

// A fixed input per model: pseudo-random values of the input's dtype.
function inputFor(info, seed) {
  const { dims } = info.inputs[0], n = dims.reduce((a, b) => a * b, 1), r = random(seed);
  return Float32Array.from({ length: n }, () => 4 * r() - 2);
}

const bytesOf = (typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);

test('trit-mt.wasm: within its 170,000 B budget, imports a shared memory', async () => {
  const { size } = await stat(join(wasmDir, 'trit-mt.wasm'));
  console.log(`# trit-mt.wasm: ${size} bytes`);
  assert.ok(size <= 170_000, `trit-mt.wasm is ${size} bytes`);
  const module = await WebAssembly.compile(await readFile(join(wasmDir, 'trit-mt.wasm')));
  assert.deepEqual(WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`).sort(),
    ['env.emscripten_notify_memory_growth', 'env.memory']);
});

test('every shipped model: 1, 2 and 3 threads give bit-identical outputs in Node', async () => {
  assert.ok(shipped.length >= 2, shipped.join());
  for (const file of shipped) {
    const results = [];
    for (const threads of [1, 2, 3]) {
      const model = await load(join(root, 'models', file), { threads });
      assert.equal(model.info.threads, threads, `${file}: ${model.info.threadsReason}`);
      const out = [];
      for (let seed = 1; seed <= 3; seed++) {
        const y = await model.run(inputFor(model.info, seed));
        assert.ok(y.buffer instanceof ArrayBuffer && !(y.buffer instanceof SharedArrayBuffer), 'a copy, never shared');
        out.push(bytesOf(y));
      }
      out.push(Buffer.from(JSON.stringify(await model.classify(picture(9, 40, 36), { topK: 10 }))));
      results.push(Buffer.concat(out));
      model.dispose();
    }
    assert.ok(results[1].equals(results[0]), `${file}: 2 threads differ from 1`);
    assert.ok(results[2].equals(results[0]), `${file}: 3 threads differ from 1`);
  }
});

// The shipped ResNet-20s' convs are below the size threads split (core/src/threads.c SPLIT_MIN_MACS):
// these 224² ResNet-18s are what runs split (the cross-check ones always, the benchmark ones when built).
test('ResNet-18s at 224² (float convs, ternary sparse / triples / 8-bit kernels, split prepare): 1, 2 and 3 threads bit-identical', async () => {
  const bench = join(root, 'build', 'bench', 'models');
  const files = [join(root, 'build', 'crosscheck', 'resnet18_ternary', 'model.onnx'), join(root, 'build', 'crosscheck', 'resnet18_float', 'model.onnx'),
    ...['resnet18_z50.onnx', 'resnet18_z85.onnx', 'resnet18_z50.8bit.onnx'].map((f) => join(bench, f))].filter((f) => existsSync(f));
  assert.ok(files.length >= 2, 'the cross-check models (make test-js builds them)');
  for (const file of files) {
    const outs = [];
    for (const threads of [1, 2, 3]) {
      const model = await load(file, { threads });
      assert.equal(model.info.threads, threads);
      outs.push(bytesOf(await model.run(inputFor(model.info, 7))));
      model.dispose();
    }
    assert.ok(outs[1].equals(outs[0]) && outs[2].equals(outs[0]), file);
  }
});

test('threads: memory growth (a second memory plan for intermediate outputs) reaches the workers', async () => {
  const path = join(root, 'models', 'resnet20-ttq.onnx');
  const one = await load(path, { threads: 1 }), two = await load(path, { threads: 2 });
  const names = one.steps.filter((s) => /Conv/.test(s.op)).map((s) => s.output).slice(-3);
  const x = inputFor(one.info, 5);
  const [a, b] = [await one.run(x, { outputs: names }), await two.run(x, { outputs: names })];
  for (const n of names) assert.ok(bytesOf(a[n].data).equals(bytesOf(b[n].data)), n);
  assert.ok(bytesOf(await one.run(x)).equals(bytesOf(await two.run(x))));
  one.dispose();
  two.dispose();
  await assert.rejects(two.run(x), (e) => e instanceof TritError && e.code === 'DISPOSED');
});

test('threads option: validated, the default from the cores, fallbacks with a reason', async () => {
  const path = join(root, 'models', 'resnet20-ttq.onnx');
  for (const bad of [0, -1, 1.5, 17, '2', null, NaN, true]) {
    await assert.rejects(load(path, { threads: bad }), (e) => e instanceof TypeError
      && /^threads must be an integer from 1 to 16, got /.test(e.message), String(bad));
  }
  const { availableParallelism } = await import('node:os');
  const cores = availableParallelism(), want = Math.min(cores, 4);
  const auto = await load(path);
  assert.equal(auto.info.threads, want, auto.info.threadsReason);
  assert.match(auto.info.threadsReason, want > 1 ? new RegExp(`^${want} threads: ${cores} logical cores`) : /^1 thread: this machine reports 1 core/);
  auto.dispose();
  const cases = [
    [{ threads: 2, simd: false }, /^1 thread: the threaded build \(trit-mt\.wasm\) needs wasm SIMD/],
    [{ threads: 2, wasm: join(wasmDir, 'trit.wasm') }, /^1 thread: the wasm given is not the threaded build \(trit-mt\.wasm\)$/],
    [{ threads: 1 }, /^1 thread: asked for 1$/],
  ];
  for (const [options, reason] of cases) {
    const model = await load(path, options);
    assert.equal(model.info.threads, 1);
    assert.match(model.info.threadsReason, reason);
    model.dispose();
  }
  // a folder as `wasm`: its trit-mt.wasm; a folder without one: the single-threaded build, and why
  const folder = await load(path, { threads: 2, wasm: wasmDir });
  assert.equal(folder.info.threads, 2, folder.info.threadsReason);
  folder.dispose();
  const older = await tempDir('no-mt');
  for (const f of ['trit.wasm', 'trit-nosimd.wasm']) await copyFile(join(wasmDir, f), join(older, f));
  const single = await load(path, { wasm: older });
  assert.equal(single.info.threads, 1);
  assert.match(single.info.threadsReason, /^1 thread: the threaded build did not load \(cannot read .*trit-mt\.wasm/);
  single.dispose();
});

// ---- Chromium: isolated (COOP/COEP) and not ----------------------------------------------------
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
let site, browser, chromium;
before(async () => {
  try {
    ({ chromium } = await import('playwright-core'));
  } catch { /* reported by the test */ }
  // the page is isolated unless asked for ?plain; every file always carries the headers
  site = await serveRepo('trit threads', { pageHeaders: (url) => (url.searchParams.has('plain') ? {} : ISOLATION),
    fileHeaders: ISOLATION });
});
after(async () => {
  await browser?.close();
  site.close();
});

// In the page or a module Worker: per model and thread count, a 64-bit FNV-1a fingerprint of each
// run's output bytes (and whether the output's buffer is a plain ArrayBuffer).
async function inBrowser(models) {
  const base = location.origin; // a blob: Worker has no base URL to resolve '/...' against
  const { load } = await import(`${base}/js_sdk/trit.js`);
  const fnv = (bytes) => {
    let h = 0xcbf29ce484222325n;
    for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
    return h.toString(16);
  };
  const out = { isolated: globalThis.crossOriginIsolated, auto: null, runs: {} };
  for (const file of models) {
    for (const threads of [1, 2, 3]) {
      const model = await load(`${base}/${file}`, { threads });
      const { dims } = model.info.inputs[0], n = dims.reduce((a, b) => a * b, 1);
      const prints = [model.info.threads];
      for (let seed = 1; seed <= 2; seed++) {
        const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 * seed) * 2);
        const y = await model.run(x);
        prints.push(fnv(new Uint8Array(y.buffer)), y.buffer instanceof ArrayBuffer);
      }
      out.runs[`${file} ${threads}`] = prints;
      model.dispose();
    }
  }
  const auto = await load(`${base}/${models[0]}`);
  out.auto = [auto.info.threads, auto.info.threadsReason];
  auto.dispose();
  return out;
}

test('Chromium, cross-origin isolated: 1, 2 and 3 threads bit-identical to Node, in the page and in a Worker; not isolated: 1 thread and why', async (t) => {
  if (!chromium || !existsSync(CHROMIUM)) return t.skip(`needs playwright-core and ${CHROMIUM} (make deps)`);
  // a shipped ResNet-20 (its convs run whole) and a 224² ResNet-18 (split among the threads)
  const models = ['models/resnet20-ttq.onnx', 'models/resnet20-ttq-8bit.onnx', 'build/crosscheck/resnet18_ternary/model.onnx']
    .filter((f) => existsSync(join(root, f)));
  // Node's fingerprints
  const expected = {};
  for (const file of models) {
    for (const threads of [1, 2, 3]) {
      const model = await load(join(root, file), { threads });
      const { dims } = model.info.inputs[0], n = dims.reduce((a, b) => a * b, 1), prints = [threads];
      for (let seed = 1; seed <= 2; seed++) {
        const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 * seed) * 2);
        let h = 0xcbf29ce484222325n;
        for (const b of new Uint8Array((await model.run(x)).buffer)) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
        prints.push(h.toString(16), true);
      }
      expected[`${file} ${threads}`] = prints;
      model.dispose();
    }
  }
  let page, errors;
  ({ browser, page, errors } = await openInChromium(chromium, `${site.origin}/`));
  const inPage = await page.evaluate(inBrowser, models);
  assert.equal(inPage.isolated, true);
  assert.deepEqual(inPage.runs, expected, 'page');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.equal(inPage.auto[0], Math.min(cores, 4), inPage.auto[1]);

  // the same in a module Worker (its own workers are nested Workers)
  const inWorker = await page.evaluate(async ({ source, models }) => {
    const code = `const inBrowser = ${source};\nself.onmessage = async ({ data }) => self.postMessage(await inBrowser(data).catch((e) => String(e)));`;
    const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })), { type: 'module' });
    return new Promise((done) => { w.onmessage = ({ data }) => done(data); w.postMessage(models); });
  }, { source: inBrowser.toString(), models });
  assert.equal(typeof inWorker, 'object', String(inWorker));
  assert.deepEqual(inWorker.runs, expected, 'worker');

  // not cross-origin isolated: 1 thread whatever was asked, and the reason
  await page.goto(`${site.origin}/?plain`);
  const plain = await page.evaluate(async () => {
    const { load } = await import('/js_sdk/trit.js');
    const m = await load('/models/resnet20-ttq.onnx', { threads: 2 });
    const r = [globalThis.crossOriginIsolated, m.info.threads, m.info.threadsReason];
    m.dispose();
    return r;
  });
  assert.deepEqual(plain.slice(0, 2), [false, 1]);
  assert.match(plain[2], /^1 thread: the page is not cross-origin isolated \(serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp\)/);
  assert.deepEqual(errors, []);
});

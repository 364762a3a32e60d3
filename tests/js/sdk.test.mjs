// The SDK's API in Node: every input kind, every option, every error path, TypeErrors, dispose.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { copyFile, readFile, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { encodeBmp, encodePng, picture, root, tempDir, testModels, wasmDir } from './helpers.mjs';

const { load, TritError, simdSupported, version } = await import('../../js_sdk/trit.js');

const smallPath = join(testModels, 'sdk-small.onnx');
const gzPath = join(testModels, 'sdk-small.onnx.gz');
const noLabelsPath = join(testModels, 'sdk-nolabels.onnx');
const small = new Uint8Array(await readFile(smallPath));
const gz = new Uint8Array(await readFile(gzPath));
const simdWasm = new Uint8Array(await readFile(join(wasmDir, 'trit.wasm')));
const plainWasm = new Uint8Array(await readFile(join(wasmDir, 'trit-nosimd.wasm')));
const expectedCodes = JSON.parse(await readFile(join(testModels, 'sdk-small.codes.json'), 'utf8'));
const input = Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => Math.sin(i * 0.37));
const pic = picture(42, 23, 17);

const isTritError = (code, pattern) => (e) => {
  assert.ok(e instanceof TritError, `expected a TritError, got ${e?.name}: ${e?.message}`);
  assert.equal(e.code, code, e.message);
  if (pattern) assert.match(e.message, pattern);
  return true;
};

// A local server for fetch paths: model and wasm bytes, 404, HTML instead of wasm, a stalled body.
let server, base;
before(async () => {
  server = createServer((req, res) => {
    const send = (type, body, headers = {}) => {
      res.writeHead(200, { 'content-type': type, 'content-length': body.length, ...headers });
      res.end(body);
    };
    switch (req.url.split('?')[0]) {
      case '/model.onnx': return send('application/octet-stream', small);
      case '/model.onnx.gz': return send('application/gzip', gz);
      case '/chunked.onnx': res.writeHead(200); res.write(small.subarray(0, 1000)); return res.end(small.subarray(1000));
      case '/wasm/trit.wasm': return send('application/wasm', simdWasm);
      case '/wasm/trit-nosimd.wasm': return send('application/wasm', plainWasm);
      case '/html/trit.wasm': case '/html/trit-nosimd.wasm': case '/page.onnx':
        return send('text/html', Buffer.from('<!DOCTYPE html><html><body>Not here</body></html>'));
      case '/stall.onnx':
        res.writeHead(200, { 'content-length': small.length });
        res.write(small.subarray(0, 100)); // never finishes: only an abort ends the load
        return;
      default: res.writeHead(404, { 'content-type': 'text/html' }); return res.end('<h1>404</h1>');
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => { server.closeAllConnections(); server.close(); });

describe('load', () => {
  let reference;
  before(async () => {
    const model = await load(smallPath);
    reference = { info: model.info, logits: await model.run(input), top: await model.classify(pic, { topK: 10 }) };
    model.dispose();
  });
  // Same logits as the reference load (the SIMD and baseline builds may differ in the last bits).
  const sameModel = async (model) => {
    const logits = await model.run(input);
    if (model.info.simd === reference.info.simd) assert.deepEqual(logits, reference.logits);
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(logits[i] - reference.logits[i]) <= 1e-5 * Math.max(1, Math.abs(reference.logits[i])));
    model.dispose();
  };

  test('info describes the model', async () => {
    const { info } = reference;
    assert.deepEqual(info.inputShape, [1, 3, 16, 16]);
    assert.deepEqual(info.outputShape, [1, 10]);
    assert.equal(info.labels.length, 10);
    assert.equal(info.labels[3], 'cat');
    assert.equal(info.ternaryParameters, 576 + 80);
    assert.ok(info.parameters > info.ternaryParameters);
    assert.equal(info.fileBytes, small.length);
    assert.ok(info.bitsPerWeight > 1 && info.bitsPerWeight < 32, `bitsPerWeight ${info.bitsPerWeight}`);
    assert.equal(info.provenance.arch, 'tiny-resnet');
    assert.equal(info.provenance.top1, 10.5);
    assert.equal(info.metadata['trit.name'], 'SDK test model');
    assert.equal(info.simd, simdSupported());
    assert.equal(info.layers.length, 2);
    const zeros = info.layers.reduce((n, l) => n + l.zeros, 0);
    assert.ok(Math.abs(info.sparsity - zeros / info.ternaryParameters) < 1e-6);
  });

  test('from a path, a file: URL, a Uint8Array, an ArrayBuffer, a Blob and a Response', async () => {
    await sameModel(await load(pathToFileURL(smallPath)));
    await sameModel(await load(pathToFileURL(smallPath).href));
    await sameModel(await load(small));
    await sameModel(await load(small.slice().buffer));
    await sameModel(await load(new Blob([small])));
    await sameModel(await load(new Response(small)));
  });

  test('over http, as a string and a URL, with and without content-length', async () => {
    await sameModel(await load(`${base}/model.onnx`));
    await sameModel(await load(new URL('/model.onnx', base)));
    await sameModel(await load(`${base}/chunked.onnx`));
  });

  test('.onnx.gz from a path, bytes and http is decompressed', async () => {
    await sameModel(await load(gzPath));
    await sameModel(await load(gz));
    await sameModel(await load(`${base}/model.onnx.gz`));
  });

  test('onProgress reports loaded/total up to the file size', async () => {
    for (const source of [smallPath, `${base}/model.onnx`]) {
      const events = [];
      const model = await load(source, { onProgress: (e) => events.push(e) });
      const modelEvents = events.filter((e) => e.phase === 'model');
      assert.ok(modelEvents.length >= 1, 'progress was reported');
      const last = modelEvents.at(-1);
      assert.equal(last.loaded, small.length);
      assert.equal(last.total, small.length);
      for (let i = 1; i < modelEvents.length; i++) assert.ok(modelEvents[i].loaded >= modelEvents[i - 1].loaded);
      model.dispose();
    }
  });

  test('the wasm option takes a URL, a directory URL, a path, bytes and a compiled Module', async () => {
    const module = await WebAssembly.compile(plainWasm);
    for (const wasm of [`${base}/wasm/trit-nosimd.wasm`, new URL(`${base}/wasm/`), `${base}/wasm`, wasmDir, `${wasmDir}/`,
      join(wasmDir, 'trit-nosimd.wasm'), `${pathToFileURL(wasmDir)}`, plainWasm, plainWasm.slice().buffer, module]) {
      // simd: false only matters for the folders (with or without '/'); a file, bytes or a Module is used as given
      const folder = typeof wasm === 'string' || wasm instanceof URL ? !String(wasm).endsWith('.wasm') : false;
      const model = await load(small, { wasm, simd: folder ? false : undefined });
      assert.equal(model.info.simd, false, String(wasm));
      await sameModel(model);
    }
    const model = await load(small, { wasm: `${base}/wasm/`, simd: true });
    assert.equal(model.info.simd, true);
    await sameModel(model);
    const fromResponse = await load(small, { wasm: new Response(plainWasm) });
    assert.equal(fromResponse.info.simd, false);
    await sameModel(fromResponse);
  });

  test('onProgress reports the wasm download (phase "wasm") when the engine is not cached yet', async () => {
    const events = [];
    const url = `${base}/wasm/trit.wasm?fresh=${Date.now()}`; // a URL not compiled yet
    const model = await load(small, { wasm: url, onProgress: (e) => events.push(e) });
    const wasmEvents = events.filter((e) => e.phase === 'wasm');
    assert.ok(wasmEvents.length >= 1, JSON.stringify(events));
    assert.deepEqual(wasmEvents.at(-1), { loaded: simdWasm.length, total: simdWasm.length, phase: 'wasm' });
    await sameModel(model);
    const again = []; // the same URL again: compiled once, so only the model's progress
    await sameModel(await load(smallPath, { wasm: url, onProgress: (e) => again.push(e) }));
    assert.deepEqual(again.map((e) => e.phase), ['model']);
  });

  test('simd: true and false pick the two builds, with the same results', async () => {
    for (const simd of [true, false]) {
      const model = await load(small, { simd });
      assert.equal(model.info.simd, simd);
      const logits = await model.run(input);
      for (let i = 0; i < logits.length; i++) assert.ok(Math.abs(logits[i] - reference.logits[i]) <= 1e-5 * Math.max(1, Math.abs(reference.logits[i])));
      const top = await model.classify(pic, { topK: 10 });
      assert.deepEqual(top.map((t) => t.index), reference.top.map((t) => t.index));
      model.dispose();
    }
  });

  test('integrity: hex and sha256-base64 match; a mismatch is INTEGRITY', async () => {
    const hex = createHash('sha256').update(small).digest('hex');
    const sri = `sha256-${createHash('sha256').update(small).digest('base64')}`;
    await sameModel(await load(smallPath, { integrity: hex }));
    await sameModel(await load(smallPath, { integrity: hex.toUpperCase() }));
    await sameModel(await load(`${base}/model.onnx`, { integrity: sri }));
    const gzHex = createHash('sha256').update(gz).digest('hex'); // the file as delivered
    await sameModel(await load(gzPath, { integrity: gzHex }));
    await assert.rejects(load(smallPath, { integrity: gzHex }), isTritError('INTEGRITY', /expected SHA-256/));
    await assert.rejects(load(smallPath, { integrity: 'sha256-abc' }), TypeError);
  });

  test('signal: an aborted load rejects with ABORTED, before and during the download', async () => {
    await assert.rejects(load(smallPath, { signal: AbortSignal.abort() }), isTritError('ABORTED'));
    const controller = new AbortController();
    const loading = load(`${base}/stall.onnx`, { signal: controller.signal, onProgress: () => controller.abort() });
    await assert.rejects(loading, isTritError('ABORTED'));
  });

  test('fetch errors say which URL and what came back', async () => {
    await assert.rejects(load(`${base}/missing.onnx`), isTritError('FETCH', /missing\.onnx.*HTTP 404/));
    await assert.rejects(load('http://127.0.0.1:1/none.onnx'), isTritError('FETCH', /127\.0\.0\.1:1\/none\.onnx/));
    await assert.rejects(load(join(root, 'no-such-model.onnx')), isTritError('FETCH', /no-such-model/));
    await assert.rejects(load(`${base}/page.onnx`), (e) => e instanceof TritError && /text\/html/.test(e.message)
      && /page\.onnx/.test(e.message) && e.code.startsWith('TRIT_ERROR_'));
    await assert.rejects(load(small, { wasm: `${base}/html/` }),
      isTritError('WASM', /html\/trit(-nosimd)?\.wasm is not a wasm module.*text\/html.*<!DOCTYPE/));
    await assert.rejects(load(small, { wasm: `${base}/nowhere/` }), isTritError('FETCH', /HTTP 404/));
  });

  test('truncated and corrupt files are TritErrors with the engine code and message', async () => {
    for (const length of [0, 1, 7, 100, small.length >> 1, small.length - 1]) {
      await assert.rejects(load(small.subarray(0, length)), (e) => {
        assert.ok(e instanceof TritError && /^TRIT_ERROR_/.test(e.code), `${length}: ${e.code} ${e.message}`);
        assert.ok(e.message.length > 20, e.message);
        return true;
      });
    }
    await assert.rejects(load(gz.subarray(0, gz.length - 10)), isTritError('GZIP'));
  });

  test('bad arguments are TypeErrors', async () => {
    for (const source of [42, null, undefined, {}, [1, 2]]) await assert.rejects(load(source), TypeError);
    await assert.rejects(load(small, null), TypeError);
    await assert.rejects(load(small, { simd: 'yes' }), TypeError);
    await assert.rejects(load(small, { onProgress: 1 }), TypeError);
    await assert.rejects(load(small, { integrity: 5 }), TypeError);
    await assert.rejects(load(small, { signal: {} }), TypeError);
  });
});

describe('a loaded model', () => {
  let model;
  before(async () => { model = await load(smallPath); });
  after(() => model.dispose());

  test('classify: RGBA object, PNG (RGB and RGBA), BMP, JPEG bytes, Blob and ArrayBuffer agree', async () => {
    const fromRgba = await model.classify(pic, { topK: 10 });
    assert.equal(fromRgba.length, 10);
    const total = fromRgba.reduce((s, t) => s + t.probability, 0);
    assert.ok(Math.abs(total - 1) < 1e-5, `probabilities sum to ${total}`);
    for (let i = 1; i < 10; i++) assert.ok(fromRgba[i - 1].probability >= fromRgba[i].probability);
    for (const t of fromRgba) assert.equal(t.label, model.info.labels[t.index]);
    // Lossless encodings of the same pixels go through the same preprocessing: identical results.
    const png = encodePng(pic), bmp = encodeBmp(pic);
    for (const image of [png, encodePng(pic, 3), bmp, new Blob([png]), png.slice().buffer,
      { data: new Uint8ClampedArray(pic.data), width: pic.width, height: pic.height }]) {
      assert.deepEqual(await model.classify(image, { topK: 10 }), fromRgba);
    }
    const top5 = await model.classify(pic);
    assert.deepEqual(top5, fromRgba.slice(0, 5));
    assert.deepEqual(await model.classify(pic, { topK: 1000 }), fromRgba);
  });

  test('classify a JPEG decodes inside wasm', async () => {
    const jpeg = new Uint8Array(await readFile(join(testModels, 'sample.jpg')));
    const top = await model.classify(jpeg, { topK: 3 });
    assert.equal(top.length, 3);
    assert.deepEqual(await model.classify(new Blob([jpeg]), { topK: 3 }), top);
  });

  test('run: Float32Array or { data, dims } in, a fresh Float32Array copy out', async () => {
    const a = await model.run(input);
    const b = await model.run({ data: input, dims: [1, 3, 16, 16] });
    assert.ok(a instanceof Float32Array && a.length === 10);
    assert.deepEqual(a, b);
    assert.notEqual(a.buffer, b.buffer);
    assert.ok(!(a.buffer instanceof SharedArrayBuffer) && a.buffer.byteLength === 40, 'not a view of wasm memory');
    a.fill(0);
    assert.deepEqual(await model.run(input), b);
    // the softmax of the logits is what classify reports for the same input (classify re-runs the graph)
    assert.ok(b.some((v) => v !== 0));
  });

  test('run agrees with onnxruntime-node', async (t) => {
    let ort;
    try { ort = (await import('onnxruntime-node')).default; } catch { return t.skip('onnxruntime-node not installed'); }
    const session = await ort.InferenceSession.create(smallPath);
    const out = await session.run({ input: new ort.Tensor('float32', input, [1, 3, 16, 16]) });
    const expected = out.logits.data;
    const actual = await model.run(input);
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-4 * Math.max(1, Math.abs(expected[i])), `${i}`);
  });

  test('layerCodes returns the codes written in the file', () => {
    for (const [index, layer] of model.info.layers.entries()) {
      const truth = Object.values(expectedCodes).find((c) => c.dims.join() === layer.dims.join());
      assert.ok(truth, `layer ${layer.name} dims ${layer.dims}`);
      for (const key of [index, layer.name]) {
        const { name, dims, codes } = model.layerCodes(key);
        assert.equal(name, layer.name);
        assert.deepEqual(dims, truth.dims);
        assert.ok(codes instanceof Int8Array);
        assert.deepEqual(Array.from(codes), truth.codes);
      }
      const codes = model.layerCodes(index).codes;
      assert.equal(codes.filter((c) => c === 0).length, layer.zeros);
      assert.equal(codes.filter((c) => c === 1).length, layer.positive);
    }
    assert.throws(() => model.layerCodes(99), TypeError);
    assert.throws(() => model.layerCodes('nope'), TypeError);
    assert.throws(() => model.layerCodes(0.5), TypeError);
  });

  test('errors leave the model usable: wrong input size and dims, bad image bytes, bad arguments', async () => {
    const before = await model.run(input);
    await assert.rejects(model.run(new Float32Array(10)), isTritError('TRIT_ERROR_SHAPE', /input 0 'input' \(float32 \[1,3,16,16\]\): needs 768 elements, got 10/));
    await assert.rejects(model.run({ data: new Float32Array(3 * 15 * 15), dims: [1, 3, 15, 15] }), isTritError('TRIT_ERROR_SHAPE', /\[1,3,15,15\]/));
    await assert.rejects(model.classify(new Uint8Array([1, 2, 3, 4, 5])), isTritError('TRIT_ERROR_IMAGE'));
    await assert.rejects(model.classify(encodePng(pic).subarray(0, 60)), isTritError('TRIT_ERROR_IMAGE'));
    await assert.rejects(model.run({ data: input, dims: [1, 2] }), TypeError);
    await assert.rejects(model.run([1, 2, 3]), TypeError);
    await assert.rejects(model.run(new Float64Array(768)), TypeError);
    await assert.rejects(model.classify(null), TypeError);
    await assert.rejects(model.classify('cat.jpg'), TypeError);
    await assert.rejects(model.classify({ data: new Uint8Array(10), width: 2, height: 2 }), TypeError);
    await assert.rejects(model.classify(pic, { topK: 0 }), TypeError);
    await assert.rejects(model.classify(pic, { topK: 1.5 }), TypeError);
    assert.deepEqual(await model.run(input), before);
    assert.equal((await model.classify(pic, { topK: 10 })).length, 10);
  });

  test('concurrent classify calls are serialized and each gets its own answer', async () => {
    const pictures = Array.from({ length: 12 }, (_, i) => picture(100 + i, 10 + i, 30 - i));
    const sequential = [];
    for (const p of pictures) sequential.push(await model.classify(p, { topK: 3 }));
    const concurrent = await Promise.all(pictures.map((p, i) => (i % 2 ? model.classify(new Blob([encodePng(p)]), { topK: 3 })
      : model.classify(p, { topK: 3 }))));
    assert.deepEqual(concurrent, sequential);
  });

  test('lastTiming: preprocessing and the network timed apart, for classify and run', async () => {
    const fresh = await load(smallPath);
    try {
      assert.equal(fresh.lastTiming, null);
      await fresh.classify(encodePng(picture(5, 640, 480)));
      const t = fresh.lastTiming;
      assert.deepEqual(Object.keys(t).sort(), ['preprocessMs', 'runMs']);
      assert.ok(t.preprocessMs > 0 && t.runMs > 0, JSON.stringify(t));
      await assert.rejects(fresh.classify(new Uint8Array([1, 2, 3])), isTritError('TRIT_ERROR_IMAGE'));
      assert.equal(fresh.lastTiming, t, 'a failed call leaves the last timing');
      await fresh.run(input);
      assert.equal(fresh.lastTiming.preprocessMs, 0);
      assert.ok(fresh.lastTiming.runMs > 0);
    } finally {
      fresh.dispose();
    }
  });
});

test('a model without labels or preprocessing metadata', async () => {
  const model = await load(noLabelsPath);
  assert.deepEqual(model.info.labels, []);
  const top = await model.classify(picture(5, 8, 8), { topK: 10 });
  assert.equal(top.length, 5);
  for (const t of top) assert.equal(t.label, '');
  const total = top.reduce((s, t) => s + t.probability, 0);
  assert.ok(Math.abs(total - 1) < 1e-5, 'a graph ending in Softmax is not softmaxed twice');
  model.dispose();
});

test('several models at once, and use after dispose', async () => {
  const a = await load(smallPath), b = await load(noLabelsPath), c = await load(smallPath);
  const ra = await a.run(input);
  assert.equal((await b.classify(picture(1, 8, 8))).length, 5);
  assert.deepEqual(await c.run(input), ra);
  a.dispose();
  a.dispose(); // idempotent
  assert.equal(a.disposed, true);
  await assert.rejects(a.run(input), isTritError('DISPOSED'));
  await assert.rejects(a.classify(pic), isTritError('DISPOSED'));
  assert.throws(() => a.layerCodes(0), isTritError('DISPOSED'));
  assert.throws(() => a.memoryBytes, isTritError('DISPOSED'));
  assert.deepEqual(await c.run(input), ra, 'disposing one model leaves the others alone');
  // a classify queued before dispose settles (result or DISPOSED), never hangs or crashes
  const pending = c.classify(new Blob([encodePng(pic)]));
  c.dispose();
  await pending.then(() => {}, (e) => assert.equal(e.code, 'DISPOSED'));
  b.dispose();
});

test('the SIMD probe module validates in Node 20 (V8 has wasm SIMD), so load picks trit.wasm', async () => {
  assert.equal(simdSupported(), true); // false here would mean malformed probe bytes: every user would get the slow build
  const model = await load(small);
  assert.equal(model.info.simd, true);
  model.dispose();
});

test('the flat C API directly: create, input/output info, message, status names, destroy', async () => {
  const { instance } = await WebAssembly.instantiate(plainWasm, { env: { emscripten_notify_memory_growth() {} } });
  const x = instance.exports;
  x._initialize();
  const mem = () => new Uint8Array(x.memory.buffer);
  const str = (p) => new TextDecoder().decode(mem().subarray(p, mem().indexOf(0, p)));
  const bytes = x.trit_wasm_malloc(small.length);
  mem().set(small, bytes);
  const out = x.trit_wasm_malloc(48);
  assert.equal(x.trit_wasm_create(bytes, small.length, out), 0);
  const handle = new Uint32Array(x.memory.buffer, out, 1)[0];
  assert.equal(x.trit_wasm_input_info(handle, 0, out), 0);
  assert.deepEqual(Array.from(new Int32Array(x.memory.buffer, out, 8)), [1, 4, 768, 3072, 1, 3, 16, 16]);
  assert.equal(x.trit_wasm_output_info(handle, 0, out), 0);
  assert.deepEqual(Array.from(new Int32Array(x.memory.buffer, out, 6)), [1, 2, 10, 40, 1, 10]);
  const status = x.trit_wasm_output_info(handle, 5, out);
  assert.equal(str(x.trit_wasm_status_name(status)), 'TRIT_ERROR_ARGUMENT');
  assert.match(str(x.trit_wasm_message(handle)), /output/);
  assert.equal(x.trit_wasm_simd(), 0);
  assert.equal(str(x.trit_wasm_version()), '0.1.0');
  x.trit_wasm_destroy(handle);
  x.trit_wasm_free(bytes);
  x.trit_wasm_free(out);
});

test('the wasm module imports nothing but memory-growth notification', () => {
  for (const bytes of [simdWasm, plainWasm]) {
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => `${i.module}.${i.name}`);
    assert.deepEqual(imports, ['env.emscripten_notify_memory_growth']);
  }
});

// trit.wasm: 150 KB until issue 16's intermediate tensors and single steps (trit_model_request_outputs,
// _step_info, _run_steps and their wasm exports: 148,663 -> 152,596 B measured on their own), which the
// issue allowed up to 160 KB. trit.js: 7,000 B until issue 17's threads (the workers' program, the
// thread-count choice with its reasons, the pool's start and end: 6,794 -> 8,288 B measured on their own).
test('size budgets: trit.wasm <= 160 KB, trit.js <= 8,500 B minified + gzip -9', async () => {
  const wasm = (await stat(join(wasmDir, 'trit.wasm'))).size;
  assert.ok(wasm <= 160000, `trit.wasm is ${wasm} bytes`); // KB as the peers' sizes use it (tfjs 424,594 B = 425 KB)
  const { transform } = await import('esbuild');
  const source = await readFile(join(root, 'js_sdk', 'trit.js'), 'utf8');
  const { code } = await transform(source, { minify: true, format: 'esm' });
  const js = gzipSync(code, { level: 9 }).length;
  assert.ok(js <= 8500, `trit.js is ${js} bytes minified + gzip -9 (${code.length} minified, ${source.length} raw)`);
});

test('version: trit.js exports package.json\'s version, and CHANGELOG.md has a section for it', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'js_sdk', 'package.json'), 'utf8'));
  assert.equal(version, pkg.version);
  assert.match(await readFile(join(root, 'CHANGELOG.md'), 'utf8'), new RegExp(`^## ${pkg.version.replace(/\./g, '\\.')} `, 'm'));
});

test('without its wasm beside it, trit.js says where it looked and how to pass { wasm }', async () => {
  const dir = await tempDir('nowasm');
  try {
    await copyFile(join(root, 'js_sdk', 'trit.js'), join(dir, 'trit.js'));
    const moved = await import(pathToFileURL(join(dir, 'trit.js')));
    for (const simd of [true, false]) {
      const file = simd ? 'trit.wasm' : 'trit-nosimd.wasm';
      await assert.rejects(moved.load(small, { simd }), (e) => e instanceof moved.TritError && e.code === 'WASM'
        && e.message.includes(pathToFileURL(join(dir, file)).href) && /default location/.test(e.message)
        && /pass \{ wasm \}/.test(e.message) && /ENOENT/.test(e.message) && !/undefined/.test(e.message));
    }
    assert.equal((await (await moved.load(small, { wasm: wasmDir })).classify(pic)).length, 5, 'the hint works');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('run() checks every input and returns the output\'s dtype', () => {
  test('two inputs: by array and by name, each checked and named', async () => {
    const model = await load(join(testModels, 'sdk-two-inputs.onnx'));
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]), b = Float32Array.from([10, 20, 30, 40, 50, 60]);
    const sum = Float32Array.from([11, 22, 33, 44, 55, 66]);
    assert.deepEqual(await model.run([a, b]), sum);
    assert.deepEqual(await model.run({ b, a }), sum);
    assert.deepEqual(await model.run([{ data: a, dims: [2, 3] }, b]), sum);
    await assert.rejects(model.run(a), { name: 'TypeError', message: /2 inputs \('a', 'b'\), got 1/ });
    await assert.rejects(model.run([a]), { name: 'TypeError', message: /2 inputs/ });
    await assert.rejects(model.run({ a }), { name: 'TypeError', message: /input 'b' is missing/ });
    await assert.rejects(model.run({ a, b, c: a }), { name: 'TypeError', message: /no input 'c'/ });
    await assert.rejects(model.run([a, new Float32Array(5)]), isTritError('TRIT_ERROR_SHAPE', /input 1 'b' \(float32 \[2,3\]\): needs 6 elements, got 5/));
    await assert.rejects(model.run([a, Int32Array.from(b)]), { name: 'TypeError', message: /input 1 'b'.*expected a Float32Array, got Int32Array/ });
    await assert.rejects(model.run([a, { data: b, dims: [3, 2] }]), isTritError('TRIT_ERROR_SHAPE', /input 1 'b'.*got dims \[3,2\]/));
    assert.deepEqual(await model.run([b, a]), sum, 'usable after every error');
    model.dispose();
  });

  test('int32 in, int32 out; a Float32Array is refused, not reinterpreted', async () => {
    const model = await load(join(testModels, 'sdk-int32.onnx'));
    const out = await model.run(Int32Array.from([0, 1, -2, 1000]));
    assert.ok(out instanceof Int32Array, `got ${out.constructor.name}`);
    assert.deepEqual(out, Int32Array.from([1, 4, -5, 3001]));
    await assert.rejects(model.run(Float32Array.from([0, 1, 2, 3])), { name: 'TypeError', message: /input 0 'x' \(int32 \[4\]\): expected a Int32Array, got Float32Array/ });
    await assert.rejects(model.run(new Uint8Array(16)), TypeError);
    assert.deepEqual(await model.run(Int32Array.from([5, 5, 5, 5])), Int32Array.from([16, 16, 16, 16]));
    model.dispose();
  });
});

// trit.d.ts is hand-written: its names must be the code's (no TypeScript compiler here to check it).
test('trit.d.ts declares what trit.js has: exports, ModelInfo fields, Model members, error codes', async () => {
  const dts = await readFile(join(root, 'js_sdk', 'trit.d.ts'), 'utf8');
  const source = await readFile(join(root, 'js_sdk', 'trit.js'), 'utf8');
  const block = (name) => {
    const start = dts.indexOf(`export interface ${name} {`);
    assert.ok(start >= 0, `interface ${name} in trit.d.ts`);
    return dts.slice(start, dts.indexOf('\n}', start));
  };
  // (an overloaded method, like run, is declared once per signature)
  const members = (name) => [...new Set([...block(name).matchAll(/^ {2}(?:readonly )?(\w+)\??[:(<]/gm)].map((m) => m[1]))].sort();
  const sdk = await import('../../js_sdk/trit.js');
  assert.deepEqual([...dts.matchAll(/^export (?:function|class|const) (\w+)/gm)].map((m) => m[1]).sort(), Object.keys(sdk).sort());
  const model = await load(smallPath);
  try {
    assert.deepEqual(members('ModelInfo'), Object.keys(model.info).sort());
    const ownAndPrototype = [...Object.keys(model), ...Object.getOwnPropertyNames(Object.getPrototypeOf(model))]
      .filter((k) => k !== 'constructor').sort();
    assert.deepEqual(members('Model'), ownAndPrototype);
    assert.deepEqual(members('LoadOptions'), ['integrity', 'onProgress', 'signal', 'simd', 'threads', 'wasm']);
    // every field a layer has is declared, and every required one is there (activationScale: 8-bit layers only)
    const required = [...block('TernaryLayer').matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]).sort();
    for (const layer of model.info.layers) {
      for (const k of Object.keys(layer)) assert.ok(members('TernaryLayer').includes(k), `TernaryLayer lacks ${k}`);
      assert.deepEqual(required.filter((k) => !(k in layer)), []);
    }
  } finally {
    model.dispose();
  }
  const declared = new Set([...block('Model').matchAll(/'([A-Z_]+)'/g), ...dts.matchAll(/\| '([A-Z_]+)'/g)].map((m) => m[1]));
  const header = await readFile(join(root, 'core', 'include', 'trit.h'), 'utf8');
  const used = [...source.matchAll(/(?:fail|TritError)\('([A-Z_]+)'/g), ...header.matchAll(/\b(TRIT_ERROR_[A-Z]+) = \d+/g)].map((m) => m[1]);
  for (const code of new Set(used)) assert.ok(declared.has(code), `TritErrorCode lacks ${code}`);
});

// The npm package as a new user gets it: the packed tarball (make package) installed for real with
// `npm install ./trit-<v>.tgz` into throwaway projects, and the snippets of js_sdk/README.md's
// "Install and bundlers" section run as written. Node: 100 CIFAR-10 test JPEGs with no options give
// `trit classify`'s top-1 and probability; failing calls (oversized, malformed) are followed by the
// right answer and memory stays bounded. Vite (dev server and build) and webpack 5 (no config): the
// page and a module Worker classify in headless Chromium. A CDN folder on another origin, under a CSP
// with and without 'wasm-unsafe-eval', without COOP/COEP. trit.d.ts under tsc with and without DOM.
// Bundlers, tsc and the browser come from the repository's node_modules; only trit is installed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { build, cifarTest, root, tempDir, trit } from './helpers.mjs';

const exec = promisify(execFile);
const pkg = JSON.parse(await readFile(join(root, 'js_sdk', 'package.json'), 'utf8'));
const tarball = join(build, 'npm', `trit-${pkg.version}.tgz`);
const modelPath = join(root, 'models', 'resnet20-ttq.onnx');
const readme = await readFile(join(root, 'js_sdk', 'README.md'), 'utf8');
const requireDev = createRequire(join(root, 'package.json'));

// The README's snippets by file name: fenced blocks whose first line is `// name` or `<!-- name -->`.
const snippets = new Map();
for (const [, body] of readme.matchAll(/```(?:js|html)\n([\s\S]*?)```/g)) {
  const name = /^(?:\/\/|<!--) ([\w./-]+)/.exec(body)?.[1];
  if (name) snippets.set(name, body);
}
const snippet = (name) => snippets.get(name) ?? assert.fail(`js_sdk/README.md has no snippet "${name}"`);

// The first 10 test JPEGs of each class (100), when the data set is there.
const images = existsSync(cifarTest)
  ? readdirSync(cifarTest).sort().flatMap((c) => readdirSync(join(cifarTest, c)).sort().slice(0, 10).map((f) => join(cifarTest, c, f)))
  : [];
const skipData = images.length ? false : `no CIFAR-10 test set at ${cifarTest}`;
const catJpeg = images.find((f) => f.includes('/cat/'));

let work, native;
const npmInstall = async (dir) => {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // The tarball has no dependencies: nothing is downloaded, the package is unpacked like any other.
  await exec('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
};

before(async () => {
  work = await tempDir('package');
  // The CLI's answers for the images (one call: the CLI loads the model once).
  if (images.length) native = JSON.parse(await trit('classify', modelPath, ...images, '--top', '1', '--json'));
});
after(() => rm(work, { recursive: true, force: true }));

// 200 KB until issue 17's threaded build (trit-mt.wasm, ~76 KB packed) joined the other two.
test('the tarball: <= 260 KB, exactly the package files, version and ESM entry', async () => {
  const { size } = await stat(tarball);
  console.log(`# ${tarball}: ${size} bytes`);
  assert.ok(size <= 260_000, `${size} bytes`);
  const { stdout } = await exec('tar', ['-tzf', tarball]);
  assert.deepEqual(stdout.trim().split('\n').sort(), ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json', 'trit-mt.wasm',
    'trit-nosimd.wasm', 'trit.d.ts', 'trit.js', 'trit.wasm'].map((f) => `package/${f}`));
  for (const f of ['trit.wasm', 'trit-nosimd.wasm', 'trit-mt.wasm']) {
    const { stdout: packed } = await exec('tar', ['-xzOf', tarball, `package/${f}`], { encoding: 'buffer', maxBuffer: 1 << 24 });
    assert.ok(packed.equals(await readFile(join(build, 'wasm', f))), `${f} is the current build`);
  }
  const source = await readFile(join(root, 'js_sdk', 'trit.js'), 'utf8');
  for (const f of ['trit.wasm', 'trit-nosimd.wasm', 'trit-mt.wasm']) assert.ok(source.includes(`new URL('./${f}', import.meta.url)`), f);
  assert.doesNotMatch(source, /^\s*import\b|\brequire\(/m, 'no static import or require');
  assert.equal(pkg.type, 'module');
  assert.match(snippet('cdn.js'), new RegExp(`/trit@${pkg.version.replace(/\./g, '\\.')}/trit\\.js`), 'the CDN snippet names this version');
});

describe('Node: npm install ./trit-<v>.tgz, no options', { skip: skipData }, () => {
  const dir = () => join(work, 'node');
  before(async () => {
    await npmInstall(dir());
    await writeFile(join(dir(), 'classify.mjs'), snippet('classify.mjs'));
    await copyFile(modelPath, join(dir(), 'resnet20-ttq.onnx'));
  });

  test('README classify.mjs on 100 CIFAR-10 test JPEGs: top-1 and probability are trit classify\'s', async () => {
    const { stdout } = await exec('node', ['classify.mjs', ...images], { cwd: dir(), maxBuffer: 1 << 22 });
    const lines = stdout.trim().split('\n').map((l) => l.split('\t'));
    assert.equal(lines.length, images.length);
    let same = 0;
    lines.forEach(([file, label, probability], i) => {
      const want = native[i].top[0];
      assert.equal(file, images[i]);
      assert.equal(label, want.label, file);
      assert.ok(Math.abs(+probability - want.probability) <= 1e-6, `${file}: ${probability} vs ${want.probability}`);
      same++;
    });
    console.log(`# ${same}/${images.length} images: top-1 identical to trit classify, probability within 1e-6`);
  });

  // Each failing call, then the cat again: it must give the CLI's answer, memory must stay bounded.
  test('every failing call is followed by the right answer; a 4000x3000 image leaves memory bounded', async () => {
    const script = `
      import { load, TritError } from 'trit';
      import { readFile } from 'node:fs/promises';
      import { deflateSync } from 'node:zlib';
      const model = await load('resnet20-ttq.onnx');
      const cat = await readFile(${JSON.stringify(catJpeg)});
      const answer = async () => { const [b] = await model.classify(cat, { topK: 1 }); return b.label + ' ' + b.probability; };
      const good = await answer();
      const workingSet = model.memoryBytes;
      // A 4000x3000 PNG (solid, so small to store) and the same as RGBA.
      const w = 4000, h = 3000, row = Buffer.alloc(1 + w * 3, 0x80); row[0] = 0;
      const chunk = (type, data) => { const b = Buffer.alloc(12 + data.length); b.writeUInt32BE(data.length); b.write(type, 4);
        data.copy(b, 8); b.writeUInt32BE(crc(Buffer.concat([Buffer.from(type), data])), 8 + data.length); return b; };
      const crc = (buf) => { let c = ~0; for (const x of buf) { c ^= x; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); } return ~c >>> 0; };
      const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(w); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
      const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
        chunk('IDAT', deflateSync(Buffer.concat(Array(h).fill(row)))), chunk('IEND', Buffer.alloc(0))]);
      const report = { good, workingSet, calls: [] };
      const fails = [
        ['20000x20000 RGBA', () => model.classify({ data: new Uint8Array(0), width: 20000, height: 20000 })],
        ['RGBA of the wrong length', () => model.classify({ data: new Uint8Array(10), width: 4, height: 4 })],
        ['not an image', () => model.classify(new Uint8Array([1, 2, 3, 4, 5]))],
        ['truncated JPEG', () => model.classify(cat.subarray(0, cat.length >> 1))],
        ['truncated PNG', () => model.classify(png.subarray(0, 2000))],
        ['a 1x1 PNG header claiming 100000 wide', () => { const p = Buffer.from(png); p.writeUInt32BE(100000, 16); return model.classify(p); }],
        ['topK 0', () => model.classify(cat, { topK: 0 })],
        ['run() with 10 floats', () => model.run(new Float32Array(10))],
        ['run() with an Int32Array', () => model.run(new Int32Array(3 * 32 * 32))],
        ['a string', () => model.classify('cat.jpg')],
      ];
      for (const [what, call] of fails) {
        let error;
        try { await call(); } catch (e) { error = e; }
        report.calls.push({ what, error: error && \`\${error.name} \${error.code ?? ''}: \${error.message}\`, then: await answer() });
      }
      for (const [what, image] of [['4000x3000 PNG', png], ['4000x3000 RGBA', { data: new Uint8Array(w * h * 4).fill(200), width: w, height: h }]]) {
        const top = await model.classify(image, { topK: 1 });
        report.calls.push({ what, result: top[0].label, memoryBytes: model.memoryBytes, then: await answer() });
      }
      console.log(JSON.stringify(report));
    `;
    await writeFile(join(dir(), 'errors.mjs'), script);
    const { stdout } = await exec('node', ['errors.mjs'], { cwd: dir(), maxBuffer: 1 << 22 });
    const report = JSON.parse(stdout);
    const want = native[images.indexOf(catJpeg)].top[0];
    assert.equal(report.good.split(' ')[0], want.label);
    for (const call of report.calls) {
      console.log(`# ${call.what}: ${call.error ?? `${call.result}, memoryBytes ${call.memoryBytes}`}`);
      assert.equal(call.then, report.good, `after ${call.what}`);
      if (call.what.startsWith('4000')) {
        assert.ok(call.memoryBytes <= 4 * report.workingSet, `${call.memoryBytes} > 4 x ${report.workingSet}`);
      } else {
        assert.ok(call.error, `${call.what} should fail`);
        assert.doesNotMatch(call.error, /undefined/);
      }
    }
    assert.match(report.calls[0].error, /TRIT_ERROR_LIMIT: the image is 20000×20000 \(400\.0 Mpx\)/);
    assert.match(report.calls.find((c) => c.what.startsWith('truncated JPEG')).error, /TRIT_ERROR_IMAGE: image: JPEG data is corrupt or truncated/);
    assert.match(report.calls.find((c) => c.what.includes('Int32Array')).error, /TypeError : input 0 'input' \(float32 \[1,3,32,32\]\): expected a Float32Array, got Int32Array/);
    console.log(`# working set ${report.workingSet} bytes (model instance + image instance after one classify)`);
  });
});

// ---- browsers ----------------------------------------------------------------------------------

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream', '.jpg': 'image/jpeg' };
// A static server for a folder; headers(path) adds per-file headers (COOP/COEP only where ISOLATED is passed).
const ISOLATED = () => ({ 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
async function serve(folder, headers = () => ({})) {
  const server = createServer((req, res) => {
    const path = resolve(folder, '.' + decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!path.startsWith(folder) || !existsSync(path) || !extname(path)) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<!DOCTYPE html><p>not found</p>');
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream', ...headers(path) });
    createReadStream(path).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

describe('browsers: Vite, webpack, a CDN folder, CSP (headless Chromium)', { skip: skipData }, () => {
  let browser, native0;
  before(async () => {
    const { chromium } = requireDev('playwright-core');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
    native0 = native[images.indexOf(catJpeg)].top[0];
  });
  after(() => browser?.close());

  // Opens url, waits for #page (and #worker when present) to be filled; returns their texts.
  async function classifyIn(url, ids = ['page', 'worker']) {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`${r.status()} ${r.url()}`));
    page.on('console', (m) => m.type() === 'error' && !/^Failed to load resource/.test(m.text()) && problems.push(m.text()));
    try {
      await page.goto(url);
      await page.waitForFunction((ids) => ids.every((id) => document.getElementById(id)?.textContent)
        , ids, { timeout: 30_000 }).catch(() => assert.fail(`${url}: no answer; errors: ${problems.join(' | ') || 'none'}`));
      return { texts: await Promise.all(ids.map((id) => page.textContent(`#${id}`))), problems,
        isolated: await page.evaluate(() => self.crossOriginIsolated) };
    } finally {
      await page.close();
    }
  }
  // The page at `url` (classifyIn) shows the CLI's answer in every element, with no problems, cross-origin
  // isolated or not as `isolated` says.
  async function expectCatIn(url, where, isolated, ids) {
    const { texts, problems, isolated: wasIsolated } = await classifyIn(url, ids);
    for (const text of texts) {
      const [label, probability] = text.split(' ');
      assert.equal(label, native0.label, where);
      assert.ok(Math.abs(+probability - native0.probability) <= 1e-6, `${where}: ${text} vs ${native0.probability}`);
    }
    assert.deepEqual(problems, [], where);
    assert.equal(wasIsolated, isolated, `${where}: crossOriginIsolated`);
  }

  // One project for both bundlers: the README's src/index.js and src/worker.js, the model and the cat.
  const project = (name) => join(work, name);
  async function makeProject(name) {
    const dir = project(name);
    await npmInstall(dir);
    await mkdir(join(dir, 'src'));
    for (const f of ['src/index.js', 'src/worker.js']) await writeFile(join(dir, f), snippet(f));
    await copyFile(modelPath, join(dir, 'src', 'resnet20-ttq.onnx'));
    await copyFile(catJpeg, join(dir, 'src', 'cat.jpg'));
    return dir;
  }

  // Served cross-origin isolated (COOP/COEP), so the SDK runs on threads (trit-mt.wasm, Blob-URL workers).
  test('Vite dev server and vite build + preview, no config, cross-origin isolated: page and module Worker give the CLI\'s answer', async () => {
    const vite = await import(requireDev.resolve('vite'));
    const dir = await makeProject('vite');
    await writeFile(join(dir, 'index.html'), snippet('index.html'));
    const options = { root: dir, logLevel: 'error', configFile: false };
    const dev = await vite.createServer({ ...options, server: { host: '127.0.0.1', port: 0, headers: ISOLATED() } });
    await dev.listen();
    try {
      await expectCatIn(dev.resolvedUrls.local[0], 'vite dev', true);
    } finally {
      await dev.close();
    }
    await vite.build(options);
    const assets = readdirSync(join(dir, 'dist', 'assets'));
    assert.ok(assets.some((f) => /^trit-.*\.wasm$/.test(f)) && assets.some((f) => /^trit-nosimd-.*\.wasm$/.test(f))
      && assets.some((f) => /^trit-mt-.*\.wasm$/.test(f)), assets.join());
    const bundled = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, 'dist', 'assets', f)));
    assert.ok(bundled.every((js) => !/\bimport\(?\s*["']node:/.test(js)), 'no node: import in the browser bundle');
    const preview = await vite.preview({ ...options, preview: { host: '127.0.0.1', port: 0, headers: ISOLATED() } });
    try {
      await expectCatIn(preview.resolvedUrls.local[0], 'vite build', true);
    } finally {
      await new Promise((r) => preview.httpServer.close(r));
    }
  });

  test('webpack 5 with no config (mode production): page and module Worker give the CLI\'s answer', async () => {
    const webpack = requireDev('webpack');
    const dir = await makeProject('webpack');
    // = `npx webpack --mode production` run in the project folder (the CLI's defaults: ./src, ./dist)
    const config = { mode: 'production', context: dir, output: { path: join(dir, 'dist') } };
    const stats = await new Promise((ok, no) => webpack(config, (e, s) => e ? no(e) : ok(s)));
    const info = stats.toJson({ all: false, errors: true, warnings: true, assets: true });
    assert.deepEqual([...info.errors, ...info.warnings].map((e) => e.message), [], 'no errors or warnings');
    const assets = info.assets.map((a) => a.name);
    assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 3, assets.join());
    await writeFile(join(dir, 'dist', 'index.html'), snippet('dist/index.html'));
    for (const headers of [undefined, ISOLATED]) { // one thread, then threads (trit-mt.wasm)
      const { server, url } = await serve(join(dir, 'dist'), headers);
      try {
        await expectCatIn(`${url}/index.html`, 'webpack', !!headers);
      } finally {
        server.close();
      }
    }
  });

  test('a CDN folder on another origin under a CSP: works with \'wasm-unsafe-eval\', names it without; no COOP/COEP', async () => {
    // The installed package folder is what a CDN serves for trit@<version>.
    const installed = join(work, 'cdn-install');
    await npmInstall(installed);
    const cdn = await serve(join(installed, 'node_modules', 'trit'), () => ({ 'access-control-allow-origin': '*' }));
    const site = join(work, 'cdn-site');
    await mkdir(site);
    await writeFile(join(site, 'cdn.html'), snippet('cdn.html'));
    await writeFile(join(site, 'cdn.js'), snippet('cdn.js').replace(/https:\/\/cdn\.jsdelivr\.net\/npm\/trit@[^/]+\//, `${cdn.url}/`));
    await copyFile(modelPath, join(site, 'resnet20-ttq.onnx'));
    await copyFile(catJpeg, join(site, 'cat.jpg'));
    let policy;
    const page = await serve(site, (path) => path.endsWith('.html') ? { 'content-security-policy': policy } : {});
    try {
      policy = `script-src 'self' ${cdn.url} 'wasm-unsafe-eval'`;
      await expectCatIn(`${page.url}/cdn.html`, 'CDN (works without cross-origin isolation)', false, ['page']);

      policy = `script-src 'self' ${cdn.url}`;
      const tab = await browser.newPage();
      const errors = [];
      tab.on('pageerror', (e) => errors.push(e.message));
      await tab.goto(`${page.url}/cdn.html`);
      await tab.waitForFunction(() => false, null, { timeout: 200 }).catch(() => {});
      for (let i = 0; i < 100 && !errors.length; i++) await new Promise((r) => setTimeout(r, 100));
      await tab.close();
      console.log(`# strict CSP: ${errors[0]}`);
      assert.match(errors[0] ?? '', /Content Security Policy does not allow WebAssembly; add 'wasm-unsafe-eval' to its script-src/);

      // Drawables in the page: a canvas above the pixel cap fails clearly, a 4000x3000 one is shrunk
      // by the browser before it enters wasm, and neither changes the next answer or the memory.
      policy = `script-src 'self' ${cdn.url} 'wasm-unsafe-eval'`;
      const tab2 = await browser.newPage();
      await tab2.goto(`${page.url}/cdn.html`);
      const report = await tab2.evaluate(async (sdk) => {
        const { load } = await import(sdk);
        const model = await load('resnet20-ttq.onnx');
        const img = new Image();
        img.src = 'cat.jpg';
        await img.decode();
        const answer = async (image) => JSON.stringify(await model.classify(image, { topK: 3 }));
        const first = await answer(img);
        const workingSet = model.memoryBytes;
        const calls = [];
        const huge = document.createElement('canvas');
        Object.assign(huge, { width: 20000, height: 20000 });
        const large = new OffscreenCanvas(4000, 3000);
        large.getContext('2d').drawImage(img, 0, 0, 4000, 3000);
        for (const [what, image] of [['20000x20000 canvas', huge], ['4000x3000 OffscreenCanvas', large], ['a detached ImageBitmap',
          await createImageBitmap(img).then((b) => (b.close(), b))], ['an <img> without src', new Image()]]) {
          let result, error;
          try { result = (await model.classify(image, { topK: 1 }))[0].label; } catch (e) { error = `${e.name} ${e.code ?? ''}: ${e.message}`; }
          calls.push({ what, result, error, memoryBytes: model.memoryBytes, then: await answer(img) });
        }
        return { first, workingSet, calls };
      }, `${cdn.url}/trit.js`);
      await tab2.close();
      assert.equal(JSON.parse(report.first)[0].label, native0.label, '<img> of the cat');
      for (const call of report.calls) {
        console.log(`# page: ${call.what}: ${call.error ?? call.result}, memoryBytes ${call.memoryBytes} (working set ${report.workingSet})`);
        assert.equal(call.then, report.first, `the <img> gives the same answer after ${call.what}`);
        assert.ok(call.memoryBytes <= 4 * report.workingSet, `${call.what}: ${call.memoryBytes} bytes`);
        assert.doesNotMatch(call.error ?? '', /undefined/);
      }
      assert.match(report.calls[0].error, /TRIT_ERROR_LIMIT: the image is 20000×20000 \(400\.0 Mpx\)/);
      assert.equal(report.calls[1].result, native0.label, 'the shrunk 4000x3000 cat is still a cat');
      assert.ok(report.calls[2].error && report.calls[3].error, 'no pixels: errors, not answers');
    } finally {
      page.server.close();
      cdn.server.close();
    }
  });
});

// ---- types --------------------------------------------------------------------------------------

test('trit.d.ts type-checks with tsc (strict, skipLibCheck off) in a DOM and in a non-DOM project', async () => {
  const dir = join(work, 'types');
  await npmInstall(dir);
  await writeFile(join(dir, 'node.ts'), `
    import { load, version, simdSupported, TritError, type Model, type ClassScore } from 'trit';
    const model: Model = await load('model.onnx', { wasm: 'engine', simd: simdSupported(), onProgress: ({ loaded, total, phase }) => void [loaded, total, phase] });
    const top: ClassScore[] = await model.classify(new Uint8Array(10), { topK: 3 });
    const logits: Float32Array = await model.run(new Float32Array(3 * 32 * 32));
    const ids = await model.run<Int32Array>([Int32Array.of(1), { data: new Float32Array(2), dims: [1, 2] }]);
    const byName = await model.run({ a: new Float32Array(1) });
    export const result = [version, top[0]?.label, logits[0], ids[0], byName.length, model.info.inputs[0]?.dtype, model.memoryBytes];
    try { model.dispose(); } catch (e) { if (e instanceof TritError) result.push(e.code); }
  `);
  await writeFile(join(dir, 'dom.ts'), `
    import { load } from 'trit';
    const model = await load(new URL('m.onnx', location.href), { signal: new AbortController().signal, wasm: new Response('') });
    const image = document.querySelector('img')!;
    export const results = [await model.classify(image), await model.classify(new ImageData(2, 2)), await model.classify(new Blob([]))];
  `);
  const base = { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', types: [] };
  await writeFile(join(dir, 'tsconfig.node.json'), JSON.stringify({ compilerOptions: { ...base, module: 'nodenext',
    moduleResolution: 'nodenext', lib: ['es2022'] }, files: ['node.ts'] }));
  await writeFile(join(dir, 'tsconfig.dom.json'), JSON.stringify({ compilerOptions: { ...base, module: 'esnext',
    moduleResolution: 'bundler', lib: ['es2022', 'dom'] }, files: ['node.ts', 'dom.ts'] }));
  const tsc = join(dirname(requireDev.resolve('typescript/package.json')), 'bin', 'tsc');
  for (const project of ['tsconfig.node.json', 'tsconfig.dom.json']) {
    await exec('node', [tsc, '-p', project], { cwd: dir }).catch((e) => assert.fail(`tsc -p ${project}:\n${e.stdout}${e.stderr}`));
  }
});

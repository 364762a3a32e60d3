// Two threads in headless Chromium, cross-origin isolated (issue 17): trit (js_sdk/trit.js, trit-mt.wasm)
// on 1 and 2 threads against onnxruntime-web (numThreads = 2, its SIMD threaded build) and
// tfjs-backend-wasm (setThreadsCount(2), its threaded SIMD build), on the benchmark models and the
// shipped ResNet-20s (their float twins for the peers, as bench/e2e.mjs).
//
// Each engine runs alone in a fresh page (so no other engine's idle thread pool competes for the
// cores), in blocks: per model, BLOCKS rounds of [every engine: open a page, load, 5 warm-up runs,
// RUNS timed runs, close], so slow drifts of the machine's load land on every engine alike. Median and
// min over all timed runs of an engine; the top-1 index of each engine's output is checked equal.
// Every engine runs in a dedicated (classic) Worker of its page, as a page that stays responsive runs
// a model (the demo's web/worker.js); THREADS_BENCH_IN=page runs them on the page's main thread.
// Usage: node bench/threads.mjs MODEL_DIR [RUNS] [BLOCKS] [OUT.md]  (make bench runs it after e2e.mjs)
import { createServer } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import os from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [dir = 'build/bench/models', runsArg = '10', blocksArg = '3', outPath] = process.argv.slice(2);
const RUNS = Number(runsArg), BLOCKS = Number(blocksArg), WARMUP = 5;
const IN_PAGE = process.env.THREADS_BENCH_IN === 'page';
const root = resolve(new URL('..', import.meta.url).pathname);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const versionOf = (pkg) => JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const models = [
    ['resnet20', 'ResNet-20, 1x3x32x32, 50 % zeros'],
    ['resnet18_z50', 'ResNet-18, 1x3x224x224, 50 % zeros'],
    ['resnet18_z85', 'ResNet-18, 1x3x224x224, 85 % zeros'],
];
try {
    for (const line of readFileSync(`${dir}/shipped/list.jsonl`, 'utf8').split('\n').filter(Boolean)) {
        const m = JSON.parse(line);
        models.push([`shipped/${m.name}`, `${m.label} (shipped)`]);
    }
} catch { /* not built: the benchmark models only */ }
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
if (only) models.splice(0, models.length, ...models.filter(([m]) => only.test(m)));
const engines = [
    ['trit1', 'trit (SDK, trit.wasm), 1 thread'],
    ['trit2', 'trit (SDK, trit-mt.wasm), 2 threads'],
    ['ort2', `onnxruntime-web ${versionOf('onnxruntime-web')}, numThreads = 2`],
    ['tfjs2', `tfjs-backend-wasm ${versionOf('@tensorflow/tfjs-backend-wasm')}, threaded SIMD, 2 threads`],
];

// ---- the page side: one engine, one model -----------------------------------------------------------
// Runs in the page or in a Worker of it: loads, warms up, times `runs` runs; → { loadMs, times, top, note }.
async function inPage({ engine, model, runs, warmup }) {
    const base = `${location.origin}`, dirUrl = `${base}/${model.dir}`;
    const input = new Float32Array(model.dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.013) * 1.5;
    const argmax = (y) => y.indexOf(Math.max(...y));
    const script = (src) => typeof document === 'undefined' ? importScripts(src)
        : new Promise((ok, no) => document.head.append(Object.assign(document.createElement('script'),
            { src, onload: ok, onerror: () => no(new Error(`cannot load ${src}`)) })));
    let run, note = '';
    const t0 = performance.now();
    if (engine === 'trit1' || engine === 'trit2') {
        const { load } = await import(`${base}/js_sdk/trit.js`);
        const m = await load(`${dirUrl}/${model.name}.onnx`, { threads: engine === 'trit1' ? 1 : 2 });
        note = m.info.threadsReason;
        run = () => m.run(input);
    } else if (engine === 'ort2') {
        const ort = await import(`${base}/node_modules/onnxruntime-web/dist/ort.min.mjs`);
        ort.env.wasm.numThreads = 2;
        ort.env.wasm.simd = true;
        ort.env.wasm.wasmPaths = `${base}/node_modules/onnxruntime-web/dist/`;
        const bytes = new Uint8Array(await (await fetch(`${dirUrl}/${model.name}.float.onnx`)).arrayBuffer());
        const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
        const [inName] = session.inputNames, [outName] = session.outputNames;
        note = `numThreads ${ort.env.wasm.numThreads}, crossOriginIsolated ${crossOriginIsolated}`;
        run = async () => (await session.run({ [inName]: new ort.Tensor('float32', input, model.dims) }))[outName].data;
    } else {
        await script(`${base}/node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js`);
        await script(`${base}/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js`);
        const tf = globalThis.tf;
        tf.wasm.setWasmPaths(`${base}/node_modules/@tensorflow/tfjs-backend-wasm/dist/`);
        tf.wasm.setThreadsCount(2);
        await tf.setBackend('wasm');
        await tf.ready();
        note = `threads ${tf.wasm.getThreadsCount()}, multithread ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')}, simd ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}`;
        const net = await (await fetch(`${dirUrl}/${model.name}.net.json`)).json();
        const blob = new Float32Array(await (await fetch(`${dirUrl}/${model.name}.net.bin`)).arrayBuffer());
        const { tfjsNetwork } = await import(`${base}/bench/engines/tfjs_net.mjs`);
        const runNetwork = tfjsNetwork(tf, net, blob);
        run = () => runNetwork(input, model.dims);
    }
    const first = await run();
    const loadMs = performance.now() - t0;
    for (let i = 1; i < warmup; i++) await run();
    const times = [];
    for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await run();
        times.push(performance.now() - t);
    }
    return { loadMs, times, top: argmax(Array.from(first)), note };
}

// ---- the Node side -------------------------------------------------------------------------------
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };
const HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp',
    'cross-origin-resource-policy': 'same-origin', 'cache-control': 'max-age=3600' };
const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html', ...HEADERS });
        return res.end('<!DOCTYPE html><meta charset="utf-8"><title>trit threads bench</title>');
    }
    const file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file)) {
        res.writeHead(404, HEADERS);
        return res.end();
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...HEADERS });
    res.end(readFileSync(file));
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const origin = `http://127.0.0.1:${server.address().port}`;
const { chromium } = require('playwright-core');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu',
    '--no-first-run', '--disable-dev-shm-usage', '--disable-background-networking'] });
const version = browser.version();
const loadBefore = os.loadavg();
const stat = (times) => {
    const t = times.slice().sort((a, b) => a - b);
    return { min: t[0], median: t[t.length >> 1] };
};

const results = {};
for (const [name, label] of models) {
    const relDir = join(dir, name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '').replace(/\/$/, '');
    const model = { dir: relDir, name: name.slice(name.lastIndexOf('/') + 1), dims: name.includes('resnet18') ? [1, 3, 224, 224] : [1, 3, 32, 32] };
    const r = results[name] = Object.fromEntries(engines.map(([e]) => [e, { times: [], loads: [], tops: new Set(), note: '' }]));
    for (let block = 0; block < BLOCKS; block++) {
        for (const [engine] of engines) {
            const page = await browser.newPage();
            const errors = [];
            page.on('pageerror', (e) => errors.push(e.message));
            try {
                await page.goto(`${origin}/`);
                const args = { engine, model, runs: RUNS, warmup: WARMUP };
                const out = IN_PAGE ? await page.evaluate(inPage, args) : await page.evaluate(({ source, args }) => {
                    const code = `const inPage = ${source};\nonmessage = async ({ data }) => postMessage(await inPage(data).catch((e) => ({ error: String(e && e.stack || e) })));`;
                    const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
                    return new Promise((done) => {
                        w.onmessage = ({ data }) => { w.terminate(); done(data); };
                        w.onerror = (e) => done({ error: e.message });
                        w.postMessage(args);
                    });
                }, { source: inPage.toString(), args });
                if (out.error) throw new Error(out.error);
                r[engine].times.push(...out.times);
                r[engine].loads.push(out.loadMs);
                r[engine].tops.add(out.top);
                r[engine].note = out.note;
            } catch (e) {
                r[engine].error = `${e.message.split('\n')[0].slice(0, 200)}${errors.length ? ` (${errors[0]})` : ''}`;
            } finally {
                await page.close();
            }
        }
    }
    const line = engines.map(([e]) => {
        const s = r[e].times.length ? stat(r[e].times) : null;
        return `${e} ${s ? `${s.median.toFixed(2)}/${s.min.toFixed(2)}` : r[e].error}`;
    }).join('  ');
    console.error(`${label}: ${line}`);
}
const loadAfter = os.loadavg();
await browser.close();
server.close();

// ---- the table ------------------------------------------------------------------------------------
const fmt = (v) => v.toFixed(2);
const lines = [];
lines.push(`Run: \`node bench/threads.mjs ${dir} ${RUNS} ${BLOCKS}\` on ${new Date().toISOString()}; headless Chromium ${version}, `
    + `cross-origin isolated (COOP/COEP), ${os.cpus().length} logical CPUs (${os.cpus()[0]?.model?.trim()}); per model ${BLOCKS} blocks `
    + `x (each engine alone in a fresh page, ${IN_PAGE ? "on the page's main thread" : 'in a dedicated Worker'}: load, ${WARMUP} warm-up runs, `
    + `${RUNS} timed runs). Load average (1 / 5 / 15 min) before: `
    + `${loadBefore.map((v) => v.toFixed(1)).join(' / ')}, after: ${loadAfter.map((v) => v.toFixed(1)).join(' / ')} on ${os.cpus().length} CPUs `
    + '(other jobs share this machine: minima are the least disturbed runs).');
lines.push('');
lines.push('| model | engine | median ms | min ms | load + first ms | top-1 | trit 2 threads vs this (median / min) |');
lines.push('|---|---|---|---|---|---|---|');
for (const [name, label] of models) {
    const r = results[name], t2 = r.trit2.times.length ? stat(r.trit2.times) : null;
    for (const [engine, engineLabel] of engines) {
        const e = r[engine];
        if (!e.times.length) {
            lines.push(`| ${label} | ${engineLabel} | failed: ${e.error} | | | | |`);
            continue;
        }
        const s = stat(e.times), loadMs = stat(e.loads).median;
        const vs = engine === 'trit2' || !t2 ? '' : `${(s.median / t2.median).toFixed(2)}x / ${(s.min / t2.min).toFixed(2)}x`;
        lines.push(`| ${label} | ${engineLabel} | ${fmt(s.median)} | ${fmt(s.min)} | ${loadMs.toFixed(0)} | ${[...e.tops].join(',')} | ${vs} |`);
    }
}
lines.push('');
lines.push('Notes: ' + engines.map(([e]) => `${e}: ${results[models[0][0]][e].note}`).join('; '));
const table = lines.join('\n');
console.log(table);
if (outPath && !only) {
    const doc = readFileSync(outPath, 'utf8');
    const begin = '<!-- threads:begin (written by make bench) -->', end = '<!-- threads:end -->';
    const block = `${begin}\n${table}\n${end}`;
    writeFileSync(outPath, doc.includes(begin) ? doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${doc.trimEnd()}\n\n${block}\n`);
}

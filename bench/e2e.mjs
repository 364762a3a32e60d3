// End-to-end benchmark, each engine in its own Node process, single thread:
//   trit (js_sdk/trit.js + build/wasm/trit.wasm, the product path; skipped with a note if it cannot load the model),
//   trit kernels (bench/kernel_runner.c: the same kernels without the engine, with a per-layer breakdown),
//   onnxruntime-web (wasm, SIMD, numThreads = 1) and @tensorflow/tfjs-backend-wasm (XNNPACK, 1 thread).
// Usage: node bench/e2e.mjs MODEL_DIR [RUNS] [OUT.md]   (make bench runs it and updates docs/BENCHMARKS.md)
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const [dir = 'build/bench/models', runsArg = '30', outPath] = process.argv.slice(2);
const runs = Number(runsArg);
const models = [
    ['resnet20', 'ResNet-20, 1x3x32x32, 50 % zeros', 41e6],
    ['resnet18_z50', 'ResNet-18, 1x3x224x224, 50 % zeros', 1.82e9],
    ['resnet18_z85', 'ResNet-18, 1x3x224x224, 85 % zeros', 1.82e9],
];
// The shipped models (make bench writes their float twins for the peers: bench/shipped_twins.py), each
// through the SDK with its own activations, its 8-bit twin where models/ ships one, and both peers
// on the float twin. No kernel runner for them (its per-layer tables are for the benchmark models).
try {
    for (const line of readFileSync(`${dir}/shipped/list.jsonl`, 'utf8').split('\n').filter(Boolean)) {
        const m = JSON.parse(line);
        models.push([`shipped/${m.name}`, `${m.label} (shipped)`, m.macs]);
    }
} catch { /* not built: the benchmark models only */ }
// BENCH_ONLY=<regex>: only the models whose name matches (e.g. shipped/); the doc table is then not rewritten
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
if (only) models.splice(0, models.length, ...models.filter(([m]) => only.test(m)));
const skip = (model, engine) => model.startsWith('shipped/') &&
    (engine === 'kernels' || (engine === 'trit8' && !existsSync(`${dir}/${model}.8bit.onnx`)));
const engines = [['trit', 'trit (SDK, wasm SIMD, f32 activations)'], ['trit8', 'trit (SDK, wasm SIMD, 8-bit activations)'],
    ['kernels', 'trit kernels (runner)'], ['ort', 'onnxruntime-web'], ['tfjs', 'tfjs-backend-wasm']];
// TRIT_BASE=<checkout>: also the engine as built there, timed in the same rounds (before/after a change)
if (process.env.TRIT_BASE) engines.splice(1, 0, ['tritbase', `trit at ${process.env.TRIT_BASE} (SDK, wasm SIMD)`]);
// BENCH_ENGINES=<list>: only these engines (e.g. trit,tritbase for a quick before/after); no doc table then
const onlyEngines = process.env.BENCH_ENGINES ? process.env.BENCH_ENGINES.split(',') : null;
if (onlyEngines) engines.splice(0, engines.length, ...engines.filter(([e]) => onlyEngines.includes(e)));
const stat = (times) => {
    const t = times.slice().sort((a, b) => a - b);
    return { min: t[0], median: t[t.length >> 1] };
};
// All engines of a model are loaded side by side (each in its own process) and timed round by
// round: one inference of each engine per round, in turn, so a burst of load from other processes
// lands on every engine alike and the ratios stay fair even when absolute times do not.
function start(engine, model) {
    const child = spawn(process.execPath, ['bench/run_one.mjs', engine, dir, model, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const next = async () => {
        const { value, done } = await lines.next();
        if (done) throw new Error(err.trim().split('\n').filter(Boolean).slice(-1)[0]?.slice(0, 160) ?? 'exited');
        return JSON.parse(value);
    };
    return { child, next, send: (cmd) => child.stdin.write(cmd + '\n') };
}

const results = {};
for (const [model] of models) {
    const live = [];
    for (const [engine] of engines) { // loaded one after the other: load times are not disturbed by each other
        if (skip(model, engine)) continue;
        const p = start(engine, model);
        try {
            const head = await p.next();
            live.push({ engine, p, r: { ...head, times: [] } });
        } catch (e) {
            results[`${model}/${engine}`] = { error: e.message };
            p.child.kill();
        }
    }
    for (let round = 0; round < runs; round++) {
        for (const l of live) {
            l.p.send('run');
            l.r.times.push((await l.p.next()).ms);
        }
    }
    for (const l of live) {
        if (l.engine === 'kernels' || (model.startsWith('shipped/') && (l.engine === 'trit' || l.engine === 'trit8'))) {
            l.p.send('layers');
            l.r.layers = (await l.p.next()).layers;
        }
        l.p.send('quit');
        Object.assign(l.r, stat(l.r.times));
        results[`${model}/${l.engine}`] = l.r;
    }
    for (const [engine] of engines) {
        const r = results[`${model}/${engine}`];
        if (!r) continue;
        const summary = r.error ? `FAILED: ${r.error}` :
            `median ${r.median.toFixed(2)} ms, min ${r.min.toFixed(2)} ms, load ${r.loadMs.toFixed(0)} ms, first ${r.firstMs.toFixed(1)} ms, argmax ${r.argmax}`;
        console.log(`${model.padEnd(13)} ${engine.padEnd(8)} ${summary}`);
    }
}

const f = (v, d = 2) => (v === undefined ? '—' : v.toFixed(d));
const lines = [];
lines.push('| model | engine | median ms | min ms | GMAC/s dense-eq. (median / min) | load + first inference ms | top-1 index | vs onnxruntime-web (median / min) | vs tfjs-wasm (median / min) |');
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const [model, label, macs] of models) {
    const ort = results[`${model}/ort`], tfjs = results[`${model}/tfjs`];
    for (const [engine, name] of engines) {
        const r = results[`${model}/${engine}`];
        if (!r) continue;
        if (r.error) { lines.push(`| ${label} | ${name} | failed: ${r.error.replace(/\|/g, '/')} | | | | | | |`); continue; }
        const vs = (p) => (p && !p.error && engine !== 'ort' && engine !== 'tfjs' ? `${(p.median / r.median).toFixed(2)}x / ${(p.min / r.min).toFixed(2)}x faster` : '');
        lines.push(`| ${label} | ${name} ${r.version ?? ''} | ${f(r.median)} | ${f(r.min)} | ${f(macs / r.median / 1e6, 1)} / ${f(macs / r.min / 1e6, 1)} | ${f(r.loadMs, 0)} + ${f(r.firstMs, 1)} | ${r.argmax} | ${vs(ort)} | ${vs(tfjs)} |`);
    }
}
const layerTables = [];
for (const [model, label] of models) {
    const r = results[`${model}/kernels`];
    if (!r?.layers) continue;
    layerTables.push(`\n#### Per layer: ${label} (trit kernels runner: each op alone 15 times, and inside 15 whole passes)\n`);
    layerTables.push('| # | op | kernel | alone: min ms | alone: median ms | in a pass: min ms |');
    layerTables.push('|---|---|---|---|---|---|');
    let sum = 0, sumPass = 0;
    r.layers.forEach((l, i) => { sum += l.minMs; sumPass += l.inPassMinMs; layerTables.push(`| ${i} | ${l.op} | ${l.kernel} | ${f(l.minMs, 3)} | ${f(l.medianMs, 3)} | ${f(l.inPassMinMs, 3)} |`); });
    layerTables.push(`| | sum | | ${f(sum, 3)} | | ${f(sumPass, 3)} |`);
}
// Each kernel's measured peak in non-zero MACs per second (GMAC/s at the density it ran, times
// that density): the big-layer figures of docs/KERNELS.md on this AMD host (ResNet-18 64x56x56 3x3 at 50 % zeros,
// make bench-kernels, min of 15 rounds, machine quiet). A layer's share of it says how much of the
// kernel's speed the model's small planes and fixed per-layer costs leave.
const PEAK_NONZERO = { tconv_i8_sparse: 25.6, tconv_f32_sparse: 13.0, tconv_f32_triples: 14.3, fconv_f32_dense: 18.0 };
const peakOf = (kernel) => Object.entries(PEAK_NONZERO).find(([k]) => kernel.startsWith(k))?.[1];
for (const [model, label] of models) {
    if (!model.startsWith('shipped/')) continue;
    for (const engine of ['trit8', 'trit']) {
        const r = results[`${model}/${engine}`];
        if (!r?.layers) continue;
        layerTables.push(`\n#### Per layer through the SDK: ${label}, ${engine === 'trit8' ? '8-bit twin' : 'as shipped'} (model.profile(): each step alone 50 times, median of 5 block means)\n`);
        layerTables.push('| # | step | kernel | ms | GMAC/s dense-eq. | non-zero weights | GMAC/s non-zero | kernel peak non-zero GMAC/s | share of peak |');
        layerTables.push('|---|---|---|---|---|---|---|---|---|');
        let sum = 0;
        r.layers.forEach((l, i) => {
            sum += l.ms;
            const nz = l.macs * l.density / l.ms / 1e6, peak = peakOf(l.kernel);
            layerTables.push(`| ${i} | ${l.op} | ${l.kernel} | ${f(l.ms, 3)} | ${l.macs ? f(l.macs / l.ms / 1e6, 1) : ''} | ${l.macs ? f(100 * l.density, 1) + ' %' : ''} | ${l.macs ? f(nz, 1) : ''} | ${peak ?? ''} | ${peak && l.macs ? f(100 * nz / peak, 0) + ' %' : ''} |`);
        });
        layerTables.push(`| | sum of steps | | ${f(sum, 3)} | | | | | |`);
    }
}
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const load = os.loadavg().map((v) => v.toFixed(1)).join(' / ');
let machine = '';
try { // written by `make bench` from lscpu
    machine = readFileSync(new URL('../build/bench/machine.txt', import.meta.url), 'utf8').trim().split('\n')
        .map((l) => l.replace(/\s+/g, ' ').trim()).join('; ');
} catch { /* run outside make */ }
const text = [
    `Run: \`make bench\` (node bench/e2e.mjs ${dir} ${runs}) on ${new Date().toISOString()}; ${cpu}, ${os.cpus().length} vCPUs, ` +
    `Node ${process.version}, one thread; ${runs} timed runs after 5 warm-up runs; each engine in its own process, all four loaded ` +
    `side by side and timed round by round (one inference each per round). ` +
    `Load average at the end (1 / 5 / 15 min): ${load} on ${os.cpus().length} vCPUs — other jobs share this machine, so medians carry their noise; min is the least disturbed run.`,
    ...(machine ? ['', `lscpu: ${machine}.`] : []),
    '', ...lines, ...layerTables, '',
].join('\n');
console.log('\n' + text);
// Replace what lies between the markers in OUT.md (docs/BENCHMARKS.md), keeping the prose around it.
if (outPath && !only && !onlyEngines) {
    const begin = '<!-- bench:begin (written by make bench) -->', end = '<!-- bench:end -->';
    let doc = '';
    try { doc = readFileSync(outPath, 'utf8'); } catch { /* new file */ }
    const i = doc.indexOf(begin), j = doc.indexOf(end);
    doc = i >= 0 && j > i ? doc.slice(0, i + begin.length) + '\n' + text + '\n' + doc.slice(j) : `${doc}\n${begin}\n${text}\n${end}\n`;
    writeFileSync(outPath, doc);
}

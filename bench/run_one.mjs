// One engine on one model in its own process (so engines do not share a heap or a JIT):
//   node bench/run_one.mjs ENGINE MODEL_DIR MODEL [RUNS]   -> one JSON line: load ms, first inference ms,
//                                                              per-run ms after 5 warm-up runs, logits
//   node bench/run_one.mjs ENGINE MODEL_DIR MODEL --serve  -> loads, warms up, prints a JSON "ready" line,
//      then answers stdin commands one line each: "run" (ms of one inference), "layers", "quit".
//      bench/e2e.mjs drives all engines this way, round by round, so load from other processes
//      hits every engine alike.
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [engineName, dir, name, runsArg] = process.argv.slice(2);
const serve = runsArg === '--serve';
const runs = serve ? 0 : Number(runsArg ?? 30);
const engine = await import(`./engines/${engineName}.mjs`);
const net = JSON.parse(readFileSync(`${dir}/${name}.net.json`, 'utf8'));
const dims = net.input;
const input = new Float32Array(dims.reduce((a, b) => a * b));
let seed = 1;
for (let i = 0; i < input.length; i++) { seed = (seed * 1103515245 + 12345) >>> 0; input[i] = (seed / 2 ** 32) * 2 - 1; }

const t0 = performance.now();
const model = await engine.prepare(dir, name);
const t1 = performance.now();
const first = await model.run(input, dims);
const t2 = performance.now();
for (let i = 0; i < 5; i++) await model.run(input, dims);
const logits = Array.from(first);
const head = { engine: engineName, version: engine.version, model: name, loadMs: t1 - t0, firstMs: t2 - t1,
               logits: logits.slice(0, 8), argmax: logits.indexOf(Math.max(...logits)) };
if (serve) {
    console.log(JSON.stringify({ ready: true, ...head }));
    for await (const line of createInterface({ input: process.stdin })) {
        if (line === 'run') {
            const s = performance.now();
            await model.run(input, dims);
            console.log(JSON.stringify({ ms: performance.now() - s }));
        } else if (line === 'layers') {
            console.log(JSON.stringify({ layers: (await model.layers?.()) ?? null }));
        } else break;
    }
} else {
    const times = [];
    for (let i = 0; i < runs; i++) {
        const s = performance.now();
        await model.run(input, dims);
        times.push(performance.now() - s);
    }
    console.log(JSON.stringify({ ...head, times, layers: await model.layers?.() }));
}
process.exit(0);

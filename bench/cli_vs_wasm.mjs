// The native CLI (build/native/trit bench, AVX2/SSE2 kernels picked by cpuid) against the SDK on
// build/wasm/trit.wasm (SIMD128) in Node, one thread, on the same model files, interleaved round by
// round (ROUNDS rounds of RUNS inferences each; CLI inputs are its own pseudo-random floats, the SDK's
// a fixed pattern: the kernels' work does not depend on the values). Prints min of the per-round
// minima and median of the per-round medians. Usage: node bench/cli_vs_wasm.mjs MODEL.onnx... (make bench-cli)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { load } from '../js_sdk/trit.js';

const rounds = Number(process.env.ROUNDS ?? 5), runs = Number(process.env.RUNS ?? 40);
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
console.log(`| model | CLI median ms | CLI min ms | SDK wasm median ms | SDK wasm min ms | CLI / wasm (median / min) |`);
console.log('|---|---|---|---|---|---|');
for (const path of process.argv.slice(2)) {
    const model = await load(new Uint8Array(readFileSync(path)), { simd: true, threads: 1 });
    const dims = model.info.inputs[0].dims.map((d) => (d > 0 ? d : 1));
    const input = new Float32Array(dims.reduce((a, b) => a * b)).map((_, i) => Math.sin(i));
    for (let i = 0; i < 5; i++) await model.run({ data: input, dims });
    const cli = { med: [], min: [] }, sdk = { med: [], min: [] };
    for (let r = 0; r < rounds; r++) {
        const out = execFileSync('build/native/trit', ['bench', path, '--runs', String(runs)], { encoding: 'utf8' });
        const m = /median ([\d.]+) ms, min ([\d.]+) ms/.exec(out);
        cli.med.push(Number(m[1])), cli.min.push(Number(m[2]));
        const t = [];
        for (let i = 0; i < runs; i++) {
            const t0 = performance.now();
            await model.run({ data: input, dims });
            t.push(performance.now() - t0);
        }
        sdk.med.push(median(t)), sdk.min.push(Math.min(...t));
    }
    model.dispose();
    const c = [median(cli.med), Math.min(...cli.min)], s = [median(sdk.med), Math.min(...sdk.min)];
    console.log(`| ${path} | ${c[0].toFixed(3)} | ${c[1].toFixed(3)} | ${s[0].toFixed(3)} | ${s[1].toFixed(3)} | ${(c[0] / s[0]).toFixed(2)} / ${(c[1] / s[1]).toFixed(2)} |`);
}
console.log(`\n${os.cpus()[0]?.model}, ${os.cpus().length} vCPUs, Node ${process.version}; ${rounds} rounds x ${runs} runs; load average ${os.loadavg().map((v) => v.toFixed(1)).join(' / ')}`);

// Times each ternary conv variant on the ResNet-20 and ResNet-18 layer shapes at 50 % and 85 %
// zeros in Node (wasm SIMD128, one thread). Usage: node bench/tconv_bench.mjs build/bench/tconv_bench.wasm
// [variant-name regex] [zeros, e.g. 50,85] [layer-name regex]. Prints ms per layer and dense-equivalent GMAC/s (median of 7 timed batches).
import { readFileSync } from 'node:fs';

const wasmPath = process.argv[2] ?? 'build/bench/tconv_bench.wasm';
const filter = process.argv[3] ?? '';
const zeroShares = (process.argv[4] ?? '50,85').split(','); // "22a": 22 % zeros, TTQ-style asymmetric scales
const layerFilter = process.argv[5] ?? '';
const module = await WebAssembly.compile(readFileSync(wasmPath));
const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = () => 0; // no I/O happens; memory growth notices are ignored
}
const instance = await WebAssembly.instantiate(module, imports);
const ex = instance.exports;
ex._initialize?.();
const memory = ex.memory;
const cString = (ptr) => {
    const bytes = new Uint8Array(memory.buffer, ptr);
    return new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
};

// [name, cin, h, w, cout, k, stride, pad]
const layers = [
    ['r20 16x32x32 3x3 s1', 16, 32, 32, 16, 3, 1, 1],
    ['r20 16->32 3x3 s2', 16, 32, 32, 32, 3, 2, 1],
    ['r20 32x16x16 3x3 s1', 32, 16, 16, 32, 3, 1, 1],
    ['r20 32->64 3x3 s2', 32, 16, 16, 64, 3, 2, 1],
    ['r20 64x8x8 3x3 s1', 64, 8, 8, 64, 3, 1, 1],
    ['r18 64x56x56 3x3 s1', 64, 56, 56, 64, 3, 1, 1],
    ['r18 64->128 3x3 s2', 64, 56, 56, 128, 3, 2, 1],
    ['r18 64->128 1x1 s2', 64, 56, 56, 128, 1, 2, 0],
    ['r18 128x28x28 3x3 s1', 128, 28, 28, 128, 3, 1, 1],
    ['r18 128->256 3x3 s2', 128, 28, 28, 256, 3, 2, 1],
    ['r18 256x14x14 3x3 s1', 256, 14, 14, 256, 3, 1, 1],
    ['r18 256->512 3x3 s2', 256, 14, 14, 512, 3, 2, 1],
    ['r18 512x7x7 3x3 s1', 512, 7, 7, 512, 3, 1, 1],
];
const variants = [];
for (let i = 0; ; i++) {
    const p = ex.bench_variant_name(i);
    if (!p) break;
    const name = cString(p);
    if (new RegExp(filter).test(name)) variants.push([i, name]);
}
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
console.log('layer | zeros | variant | ms median | ms min | GMAC/s dense-eq (min) | GMAC/s dense-eq (median) | max error / max|y|');
// Variants are interleaved round by round (each round times one ~5 ms batch of every variant), so
// load from other processes hits all of them alike; min over rounds is the comparison figure.
for (const zeros of zeroShares) {
    for (const [lname, ...geo] of layers) {
        if (!new RegExp(layerFilter).test(lname)) continue;
        const live = [];
        for (const [vi, vname] of variants) {
            const macs = ex.bench_setup(vi, ...geo, parseInt(zeros) + (zeros.endsWith('a') ? 1000 : 0));
            if (!macs) continue;
            ex.bench_run(1);
            const t0 = performance.now();
            ex.bench_run(1);
            const once = performance.now() - t0;
            live.push({ vi, vname, macs, iters: Math.max(1, Math.round(5 / Math.max(once, 1e-3))), times: [], error: vname.includes('_ref') ? 0 : ex.bench_error() });
        }
        for (let round = 0; round < 15; round++) {
            for (const v of live) {
                ex.bench_setup(v.vi, ...geo, parseInt(zeros) + (zeros.endsWith('a') ? 1000 : 0)); // same seed: same weights and input every time
                ex.bench_run(1);
                const t0 = performance.now();
                ex.bench_run(v.iters);
                v.times.push((performance.now() - t0) / v.iters);
            }
        }
        for (const v of live) {
            const med = median(v.times), min = Math.min(...v.times);
            console.log(`${lname} | ${zeros}% | ${v.vname} | ${med.toFixed(3)} | ${min.toFixed(3)} | ${(v.macs / min / 1e6).toFixed(1)} | ${(v.macs / med / 1e6).toFixed(1)} | ${v.error.toExponential(1)}`);
        }
    }
}

// Two trit.wasm builds on the same models through this checkout's SDK, one inference of each in turn
// (so a burst of load from other processes lands on both alike), one thread; prints median and min per
// build and says if their outputs differ.
// Usage: node bench/ab.mjs A.wasm B.wasm ROUNDS MODEL.onnx...
//   e.g. cp build/wasm/trit.wasm /tmp/a.wasm; (change, make wasm); node bench/ab.mjs /tmp/a.wasm build/wasm/trit.wasm 100 models/resnet20-ttq.onnx
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const { load } = await import('../js_sdk/trit.js');
const [pathA, pathB, roundsArg, ...models] = process.argv.slice(2);
if (!pathA || !pathB || !(Number(roundsArg) > 0) || models.length === 0) {
    console.error('usage: node bench/ab.mjs A.wasm B.wasm ROUNDS MODEL.onnx...');
    process.exit(2);
}
const rounds = Number(roundsArg);
const summary = (times) => {
    const sorted = times.slice().sort((p, q) => p - q);
    return `median ${sorted[sorted.length >> 1].toFixed(3)} ms, min ${sorted[0].toFixed(3)} ms`;
};

for (const modelPath of models) {
    const bytes = new Uint8Array(readFileSync(modelPath));
    const loadWith = async (wasmPath) => load(bytes, { threads: 1, simd: true, wasm: new Uint8Array(readFileSync(wasmPath)) });
    const a = await loadWith(pathA), b = await loadWith(pathB);
    const input = new Float32Array(a.info.inputs[0].dims.reduce((x, y) => x * y, 1)).map(() => Math.random());
    for (let i = 0; i < 5; i++) await a.run(input), await b.run(input); // warm-up
    const timesA = [], timesB = [];
    let differ = false;
    for (let i = 0; i < rounds; i++) {
        let start = performance.now();
        const outA = await a.run(input);
        timesA.push(performance.now() - start);
        start = performance.now();
        const outB = await b.run(input);
        timesB.push(performance.now() - start);
        if (i === 0) differ = outA.length !== outB.length || outA.some((v, k) => v !== outB[k]);
    }
    a.dispose(), b.dispose();
    console.log(`${basename(modelPath)}: A ${summary(timesA)} | B ${summary(timesB)}${differ ? ' | OUTPUTS DIFFER' : ''}`);
}

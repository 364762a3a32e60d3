// trit as built in another checkout ($TRIT_BASE: a worktree of an earlier commit with `make wasm` done there),
// through that checkout's own SDK: the same-run before/after comparison of a change to the engine
// (TRIT_BASE=/tmp/wt-old node bench/e2e.mjs build/bench/models 30 OUT.md).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const base = process.env.TRIT_BASE;
export const version = base ? `checkout at ${base}` : 'unset';

export async function prepare(dir, name) {
    if (!base) throw new Error('TRIT_BASE is not set');
    const trit = await import(pathToFileURL(`${base}/js_sdk/trit.js`).href);
    const wasm = new Uint8Array(readFileSync(`${base}/build/wasm/trit.wasm`));
    const model = await trit.load(new Uint8Array(readFileSync(`${dir}/${name}.onnx`)), { simd: true, wasm, threads: 1 });
    return {
        async run(input, dims) {
            const out = await model.run({ data: input, dims });
            return out.data ?? out;
        },
    };
}

// trit through its SDK (js_sdk/trit.js) and the engine build (build/wasm/trit.wasm): the product path.
import { readFileSync } from 'node:fs';
import { convStats, sdkLayers } from './sdk_layers.mjs';

export const version = 'working tree';

export async function prepare(dir, name) {
    return prepareFile(dir, name, `${name}.onnx`);
}

// The model in `${dir}/${file}` (trit8.mjs: its 8-bit twin); the per-layer table counts the convs of `name`.
export async function prepareFile(dir, name, file) {
    const trit = await import('../../js_sdk/trit.js');
    const model = await trit.load(new Uint8Array(readFileSync(`${dir}/${file}`)), { simd: true, threads: 1 });
    let last = null;
    return {
        async run(input, dims) {
            last = { input, dims };
            const out = await model.run({ data: input, dims });
            return out.data ?? out;
        },
        // per step through the SDK (model.profile), for the shipped models' per-layer tables
        layers: () => sdkLayers(model, last.input, last.dims, convStats(dir, name)),
    };
}

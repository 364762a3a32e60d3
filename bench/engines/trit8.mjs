// trit through its SDK on the same network with 8-bit activations (<name>.8bit.onnx: a uint8
// QuantizeLinear/DequantizeLinear pair before each ternary conv, which the engine runs on the tconv_i8 kernels).
import { readFileSync } from 'node:fs';
import { convStats, sdkLayers } from './sdk_layers.mjs';

export const version = 'working tree';

export async function prepare(dir, name) {
    const trit = await import('../../js_sdk/trit.js');
    const model = await trit.load(new Uint8Array(readFileSync(`${dir}/${name}.8bit.onnx`)), { simd: true, threads: 1 });
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

// trit through its SDK on the same network with 8-bit activations (<name>.8bit.onnx: a uint8
// QuantizeLinear/DequantizeLinear pair before each ternary conv, which the engine runs on the tconv_i8 kernels).
import { readFileSync } from 'node:fs';

export const version = 'working tree';

export async function prepare(dir, name) {
    const trit = await import('../../js_sdk/trit.js');
    const model = await trit.load(new Uint8Array(readFileSync(`${dir}/${name}.8bit.onnx`)), { simd: true });
    return {
        async run(input, dims) {
            const out = await model.run({ data: input, dims });
            return out.data ?? out;
        },
    };
}

// trit through its SDK (js_sdk/trit.js) and the engine build (build/wasm/trit.wasm): the product path.
import { readFileSync } from 'node:fs';

export const version = 'working tree';

export async function prepare(dir, name) {
    const trit = await import('../../js_sdk/trit.js');
    const model = await trit.load(new Uint8Array(readFileSync(`${dir}/${name}.onnx`)), { simd: true });
    return {
        async run(input, dims) {
            const out = await model.run({ data: input, dims });
            return out.data ?? out;
        },
    };
}

// onnxruntime-web (wasm backend, SIMD, one thread) on the trit-format ONNX file: it constant-folds the
// ternary unpack subgraph to float weights at session creation, so it runs the float equivalent.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-web';

export const version = JSON.parse(readFileSync(new URL('../../node_modules/onnxruntime-web/package.json', import.meta.url), 'utf8')).version;

export async function prepare(dir, name) {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.simd = true;
    const bytes = readFileSync(`${dir}/${name}${process.env.ORT_TERNARY_FILE ? "" : ".float"}.onnx`);
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const inputName = session.inputNames[0], outputName = session.outputNames[0];
    return {
        async run(input, dims) {
            const out = await session.run({ [inputName]: new ort.Tensor('float32', input, dims) });
            return out[outputName].data;
        },
    };
}

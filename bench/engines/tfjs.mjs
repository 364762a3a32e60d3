// @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD, one thread in Node): the same network built from
// tfjs-core ops with the float weights bench/make_models.py wrote (tfjs_net.mjs).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { tfjsNetwork } from './tfjs_net.mjs';

const require = createRequire(import.meta.url);
export const version = require('@tensorflow/tfjs-backend-wasm/package.json').version;

export async function prepare(dir, name) {
    const root = require.resolve('@tensorflow/tfjs-backend-wasm/package.json').replace(/package\.json$/, 'dist/');
    setWasmPaths(root);
    setThreadsCount?.(1);
    await tf.setBackend('wasm');
    await tf.ready();
    const net = JSON.parse(readFileSync(`${dir}/${name}.net.json`, 'utf8'));
    const bin = readFileSync(`${dir}/${name}.net.bin`);
    const blob = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
    return { run: tfjsNetwork(tf, net, blob) };
}

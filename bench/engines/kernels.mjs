// trit's kernels driven op by op by bench/kernel_runner.c (wasm SIMD128): the same kernel selection
// as the engine, without the engine's graph code. Used for the per-layer breakdown (layers()).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const version = 'working tree';

export async function prepare(dir, name) {
    const wasmPath = process.env.KERNEL_RUNNER_WASM ?? new URL('../../build/bench/kernel_runner.wasm', import.meta.url);
    const module = await WebAssembly.compile(readFileSync(wasmPath));
    const imports = {};
    for (const imp of WebAssembly.Module.imports(module)) (imports[imp.module] ??= {})[imp.name] = () => 0;
    const { exports: x } = await WebAssembly.instantiate(module, imports);
    x._initialize?.();
    const net = JSON.parse(readFileSync(`${dir}/${name}.net.json`, 'utf8'));
    const bin = readFileSync(`${dir}/${name}.net.bin`);
    const blob = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    const f32 = () => new Float32Array(x.memory.buffer);
    const copyIn = (offset, count) => {
        const p = x.malloc(count * 4);
        f32().set(blob.subarray(offset, offset + count), p / 4);
        return p;
    };
    const shapes = {}, ids = {};
    const [, c0, h0, w0] = net.input;
    shapes.input = [c0, h0, w0];
    ids.input = x.rt_tensor(c0, h0, w0);
    const labels = [];
    for (const op of net.ops) {
        const [c, h, w] = shapes[op.x];
        let shape;
        if (op.op === 'conv') {
            const [o, , k] = op.shape;
            const out = (v) => Math.floor((v + 2 * op.pad - k) / op.stride) + 1;
            shape = [o, out(h), out(w)];
        } else if (op.op === 'maxpool') {
            const out = (v) => Math.floor((v + 2 * op.pad - op.k) / op.stride) + 1;
            shape = [c, out(h), out(w)];
        } else if (op.op === 'shortcutA') shape = [c + op.before + op.after, Math.ceil(h / 2), Math.ceil(w / 2)];
        else if (op.op === 'gap') shape = [c, 1, 1];
        else shape = [op.shape[0], 1, 1];
        shapes[op.y] = shape;
        ids[op.y] = x.rt_tensor(...shape);
        if (op.op === 'conv') {
            const [o, i, k] = op.shape;
            const wp = copyIn(op.w, o * i * k * k), bp = copyIn(op.b, o);
            x.rt_conv(ids[op.x], ids[op.y], op.add ? ids[op.add] : -1, k, op.stride, op.pad, op.relu ? 1 : 0, op.ternary ? 1 : 0, wp, bp);
            x.free(wp), x.free(bp);
            labels.push(`conv${k}x${k}/${op.stride} ${c}x${h}x${w}->${shape.join('x')}${op.ternary ? '' : ' float'}`);
        } else if (op.op === 'maxpool') {
            x.rt_maxpool(ids[op.x], ids[op.y], op.k, op.stride, op.pad);
            labels.push(`maxpool ${c}x${h}x${w}`);
        } else if (op.op === 'shortcutA') {
            x.rt_shortcut_a(ids[op.x], ids[op.y], op.before, op.after);
            labels.push(`shortcutA ${c}x${h}x${w}`);
        } else if (op.op === 'gap') {
            x.rt_gap(ids[op.x], ids[op.y]);
            labels.push(`gap ${c}x${h}x${w}`);
        } else {
            const [n, k] = op.shape;
            const wp = copyIn(op.w, n * k), bp = copyIn(op.b, n);
            x.rt_fc(ids[op.x], ids[op.y], wp, bp);
            x.free(wp), x.free(bp);
            labels.push(`fc ${k}->${n}`);
        }
    }
    const cstr = (p) => { const b = new Uint8Array(x.memory.buffer, p); return new TextDecoder().decode(b.subarray(0, b.indexOf(0))); };
    const opCount = x.rt_op_count();
    const inPtr = x.rt_data(ids.input), outPtr = x.rt_data(ids.logits), outCount = shapes.logits[0];
    return {
        async run(input) {
            f32().set(input, inPtr / 4);
            x.rt_run_all();
            return f32().slice(outPtr / 4, outPtr / 4 + outCount);
        },
        // per op: min and median ms over 15 runs of that op alone (inputs stay from the last full run),
        // and the min over 15 whole passes of the op's time inside the pass (caches as in a real run)
        layers() {
            const inPass = Array.from({ length: opCount }, () => Infinity);
            for (let r = 0; r < 15; r++) {
                for (let i = 0; i < opCount; i++) {
                    const s = performance.now();
                    x.rt_run_op(i);
                    inPass[i] = Math.min(inPass[i], performance.now() - s);
                }
            }
            return Array.from({ length: opCount }, (_, i) => {
                const t = [];
                for (let r = 0; r < 15; r++) { const s = performance.now(); x.rt_run_op(i); t.push(performance.now() - s); }
                t.sort((a, b) => a - b);
                return { op: labels[i], kernel: cstr(x.rt_op_kernel(i)), minMs: t[0], medianMs: t[7], inPassMinMs: inPass[i] };
            });
        },
    };
}

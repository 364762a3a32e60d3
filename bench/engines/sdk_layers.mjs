// Per-step times of a model through the SDK (model.profile(): each step run alone, 50 times, median of
// 5 block means) with each conv's dense MACs and share of non-zero weights from the float twin's op list
// (<name>.net.json / .net.bin, matched by output tensor name), for bench/e2e.mjs's per-layer tables.
import { readFileSync } from 'node:fs';

export function convStats(dir, name) {
    const net = JSON.parse(readFileSync(`${dir}/${name}.net.json`, 'utf8'));
    const bin = readFileSync(`${dir}/${name}.net.bin`);
    const blob = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
    const shapes = { input: net.input }, stats = {};
    for (const op of net.ops) {
        const x = shapes[op.x];
        if (op.op === 'conv') {
            const [o, i, kh, kw] = op.shape, oh = Math.floor((x[2] + 2 * op.pad - kh) / op.stride) + 1;
            const ow = Math.floor((x[3] + 2 * op.pad - kw) / op.stride) + 1, w = blob.subarray(op.w, op.w + o * i * kh * kw);
            let nz = 0;
            for (const v of w) nz += v !== 0;
            shapes[op.y] = [1, o, oh, ow];
            stats[op.y] = { macs: o * i * kh * kw * oh * ow, density: nz / w.length, shape: `${kh}x${kw}/${op.stride} ${i}x${x[2]}x${x[3]}->${o}x${oh}x${ow}` };
        } else if (op.op === 'shortcutA') shapes[op.y] = [1, x[1] + op.before + op.after, Math.ceil(x[2] / 2), Math.ceil(x[3] / 2)];
        else if (op.op === 'fc') stats[op.y] = { macs: op.shape[0] * op.shape[1], density: 1, shape: `fc ${op.shape[1]}->${op.shape[0]}` };
        else shapes[op.y] = x;
    }
    return stats;
}

export async function sdkLayers(model, input, dims, stats) {
    const times = await model.profile({ data: input, dims }, { runs: 50 });
    return times.map((t) => ({ op: `${t.op} ${stats[t.output]?.shape ?? t.output}`, kernel: t.kernel || '(reference op)', ms: t.ms,
        macs: stats[t.output]?.macs ?? 0, density: stats[t.output]?.density ?? 1 }));
}

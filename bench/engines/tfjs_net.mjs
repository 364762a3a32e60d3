// The benchmark network in tfjs-core ops, from the float weights bench/make_models.py wrote (NHWC, tfjs's
// native layout): fused conv + bias (+ relu), as tfjs-converter emits _FusedConv2D for a graph model.
// Shared by bench/engines/tfjs.mjs (Node) and bench/threads.mjs (the browser, which imports it from the
// page's server), so it takes `tf` from its caller. → async run(input NCHW Float32Array, dims) → logits.
export function tfjsNetwork(tf, net, blob) {
    const weights = net.ops.map((op) => {
        if (op.op === 'conv') {
            const [o, i, kh, kw] = op.shape;
            const w = tf.tidy(() => tf.transpose(tf.tensor4d(blob.subarray(op.w, op.w + o * i * kh * kw), [o, i, kh, kw]), [2, 3, 1, 0]));
            return { w, b: tf.tensor1d(blob.subarray(op.b, op.b + o)) };
        }
        if (op.op === 'fc') {
            const [n, k] = op.shape;
            const w = tf.tidy(() => tf.transpose(tf.tensor2d(blob.subarray(op.w, op.w + n * k), [n, k])));
            return { w, b: tf.tensor1d(blob.subarray(op.b, op.b + n)) };
        }
        return null;
    });
    const forward = (x) => tf.tidy(() => {
        const t = { input: x };
        net.ops.forEach((op, i) => {
            const v = t[op.x];
            if (op.op === 'conv') {
                const pad = op.pad === 0 ? 'valid' : op.pad; // symmetric, as in the ONNX model
                const fuseRelu = op.relu && !op.add;
                let y = tf.fused.conv2d({ x: v, filter: weights[i].w, strides: op.stride, pad, bias: weights[i].b,
                                          activation: fuseRelu ? 'relu' : 'linear' });
                if (op.add) y = tf.add(y, t[op.add]);
                t[op.y] = op.relu && !fuseRelu ? tf.relu(y) : y;
            } else if (op.op === 'maxpool') {
                t[op.y] = tf.maxPool(v, op.k, op.stride, op.pad);
            } else if (op.op === 'shortcutA') {
                const s = tf.stridedSlice(v, [0, 0, 0, 0], v.shape, [1, 2, 2, 1]);
                t[op.y] = tf.pad(s, [[0, 0], [0, 0], [0, 0], [op.before, op.after]]);
            } else if (op.op === 'gap') {
                t[op.y] = tf.mean(v, [1, 2]);
            } else if (op.op === 'fc') {
                t[op.y] = tf.add(tf.matMul(v, weights[i].w), weights[i].b);
            }
        });
        return t.logits;
    });
    return async (input, dims) => {
        const [n, c, h, w] = dims;
        const x = tf.tidy(() => tf.transpose(tf.tensor4d(input, [n, c, h, w]), [0, 2, 3, 1]));
        const y = forward(x);
        const data = await y.data();
        x.dispose();
        y.dispose();
        return data;
    };
}

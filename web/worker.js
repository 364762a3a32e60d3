// The demo's inference worker: owns the engine and the model, so the page never waits on wasm.
// Talks to app.js with plain messages (see the `handlers` table); every reply carries the request id.
// Uses only the public SDK API.

import { load } from '../js_sdk/trit.js';

let current = null;       // { model, info, busy, retired }
let liveModels = 0;       // loaded and not yet disposed (reported to the page, checked by the tests)
let loadController = null;

const post = (message, transfer = []) => self.postMessage(message, transfer);

// Disposes a model once no classify call is using it.
function retire(entry) {
    if (!entry) return;
    entry.retired = true;
    if (entry.busy === 0) dispose(entry);
}

function dispose(entry) {
    if (entry.disposed) return;
    entry.disposed = true;
    entry.model.dispose();
    liveModels--;
}

// model.info as a plain object that survives postMessage.
const cloneable = (info) => JSON.parse(JSON.stringify(info));

async function loadModel({ url, simd }) {
    loadController?.abort();
    const controller = (loadController = new AbortController());
    try {
        // The SDK fetches and compiles the engine once (cached by URL) and reports both downloads.
        const model = await load(url, {
            simd,
            signal: controller.signal,
            onProgress: ({ loaded, total, phase }) =>
                post({ type: 'progress', what: phase === 'wasm' ? 'engine' : 'model', loaded, total }),
        });
        if (controller.signal.aborted) { // a newer load won the race
            model.dispose();
            throw Object.assign(new Error('superseded by another model'), { code: 'ABORTED' });
        }
        liveModels++;
        const previous = current;
        current = { model, info: cloneable(model.info), names: insideNames(model), lastInput: null, busy: 0, retired: false };
        retire(previous);
        return { info: current.info, inside: current.names };
    } finally {
        if (loadController === controller) loadController = null;
    }
}

// The network's input as 8-bit RGBA, for the page's preview: the engine's preprocessing
// (core/src/image.c, docs/FORMAT.md) before mean/std, in the same arithmetic, rounded to bytes.
// The shorter side is resized to `resize` (the other to round(side * resize / shorter), halves up),
// each axis resampled on its own (identity; exact box average when shrinking with filter "area";
// otherwise bilinear with half-pixel centres), then the centre height×width is kept.
const scaledSide = (side, resize, shorter) => Math.max(1, Math.floor((2 * side * resize + shorter) / (2 * shorter)));

// Taps of the `count` output coordinates from resized coordinate `offset`, for an axis going from
// `src` to `dst` pixels: [{ first, weights }].
function axisTaps(src, dst, offset, count, filter) {
    const taps = [];
    for (let x = 0; x < count; x++) {
        const rx = offset + x;
        if (dst === src) {
            taps.push({ first: rx, weights: [1] });
        } else if (dst < src && filter !== 'bilinear') {
            const lo = rx * src, hi = (rx + 1) * src; // in units of 1/dst source pixels
            const first = Math.floor(lo / dst), last = Math.floor((hi - 1) / dst);
            const weights = [];
            for (let i = first; i <= last; i++) weights.push((Math.min(hi, (i + 1) * dst) - Math.max(lo, i * dst)) / src);
            taps.push({ first, weights });
        } else {
            const denominator = 2 * dst;
            const numerator = Math.min(Math.max((2 * rx + 1) * src - dst, 0), (src - 1) * denominator);
            const first = Math.floor(numerator / denominator), remainder = numerator % denominator;
            const f = remainder / denominator;
            taps.push({ first, weights: remainder === 0 ? [1] : [1 - f, f] });
        }
    }
    return taps;
}

function previewPixels({ data, width, height }, pre) {
    const resizedW = width <= height ? pre.resize : scaledSide(width, pre.resize, height);
    const resizedH = width <= height ? scaledSide(height, pre.resize, width) : pre.resize;
    if (resizedW < pre.width || resizedH < pre.height) return null; // the engine refuses this image too
    const left = Math.floor((resizedW - pre.width) / 2), top = Math.floor((resizedH - pre.height) / 2);
    const xTaps = axisTaps(width, resizedW, left, pre.width, pre.filter);
    const yTaps = axisTaps(height, resizedH, top, pre.height, pre.filter);
    const out = new Uint8ClampedArray(pre.width * pre.height * 4);
    for (let y = 0; y < pre.height; y++) {
        const ty = yTaps[y];
        for (let x = 0; x < pre.width; x++) {
            const tx = xTaps[x];
            const o = (y * pre.width + x) * 4;
            for (let c = 0; c < 3; c++) {
                let value = 0;
                for (let j = 0; j < ty.weights.length; j++) {
                    const row = (ty.first + j) * width;
                    let rowValue = 0;
                    for (let i = 0; i < tx.weights.length; i++) rowValue += tx.weights[i] * data[(row + tx.first + i) * 4 + c];
                    value += ty.weights[j] * rowValue;
                }
                out[o + c] = Math.round(value);
            }
            out[o + 3] = 255;
        }
    }
    // The crop in source pixels, for the dashed box on the page.
    const sx = width / resizedW, sy = height / resizedH;
    const crop = { x: left * sx, y: top * sy, width: pre.width * sx, height: pre.height * sy };
    return { data: out, width: pre.width, height: pre.height, crop };
}

// What "look inside" and the taught classes read, by tensor name, found in the model's steps: the
// last conv features (the input of the GlobalAveragePool), their average (its output: the
// penultimate features) and the FC weights (the Gemm after it); and the conv steps' outputs.
function insideNames(model) {
    const steps = model.steps;
    const pool = steps.findLast((s) => s.op === 'GlobalAveragePool');
    const fc = pool && steps.slice(pool.index + 1).find((s) => s.op.startsWith('Gemm') && s.weights);
    const layers = steps.filter((s) => s.op.startsWith('Conv')).map(({ name, op, output }) => ({ name, op, output }));
    return { features: pool?.input ?? null, embedding: pool?.output ?? null, weights: fc?.weights ?? null, layers };
}

// The intermediate tensors of one picture, from the engine (model.run with outputs): a class
// activation map per class (features × FC weights: cam[c] = sum over k of W[c][k] · F[k]), the
// penultimate features, and one chosen layer's activations.
async function lookInside(entry, image, want) {
    const { model, names } = entry;
    if (!names.features) return { inside: null, transfer: [] };
    const input = await model.preprocess(image);
    entry.lastInput = input;
    const wanted = [names.features, names.embedding, names.weights, want.layer].filter(Boolean);
    const tensors = await model.run(input, { outputs: [...new Set(wanted)] });
    const inside = {}, transfer = [];
    if (want.cam && names.weights) {
        const features = tensors[names.features], weights = tensors[names.weights];
        const [, channels, height, width] = features.dims, area = height * width;
        const classes = weights.data.length / channels;
        const byClassRow = weights.dims[1] === channels; // Gemm B as [classes, K] (transB) or [K, classes]
        const maps = new Float32Array(classes * area);
        for (let c = 0; c < classes; c++) {
            for (let k = 0; k < channels; k++) {
                const w = byClassRow ? weights.data[c * channels + k] : weights.data[k * classes + c];
                for (let p = 0; p < area; p++) maps[c * area + p] += w * features.data[k * area + p];
            }
        }
        inside.cam = { maps, classes, height, width };
        transfer.push(maps.buffer);
    }
    if (want.embed) {
        inside.embedding = tensors[names.embedding].data;
        transfer.push(inside.embedding.buffer);
    }
    if (want.layer) {
        const { dims, data } = tensors[want.layer];
        inside.layer = { name: want.layer, dims, data };
        transfer.push(data.buffer);
    }
    return { inside, transfer };
}

async function profile() {
    if (!current) throw Object.assign(new Error('no model is loaded yet'), { code: 'STATE' });
    const steps = await current.model.profile(current.lastInput ?? undefined, { runs: 20 });
    return { reply: { steps, onPicture: !!current.lastInput } };
}

async function classify({ pixels, encoded, topK, preprocess, inside: want }) {
    const entry = current;
    if (!entry) throw Object.assign(new Error('no model is loaded yet'), { code: 'STATE' });
    entry.busy++;
    try {
        const rgba = pixels && { data: new Uint8ClampedArray(pixels.data), width: pixels.width, height: pixels.height };
        const start = performance.now();
        let top, image = encoded ? new Uint8Array(encoded) : rgba;
        if (encoded) {
            // Encoded bytes are decoded by stb_image inside wasm, like the native CLI does; formats it
            // does not read (WebP, AVIF, ...) fall back to the browser's decode.
            try {
                top = await entry.model.classify(image, { topK });
            } catch (err) {
                if (!rgba) throw err;
                top = await entry.model.classify(image = rgba, { topK });
            }
        } else {
            top = await entry.model.classify(rgba, { topK });
        }
        const ms = performance.now() - start;
        const timing = entry.model.lastTiming; // before lookInside's run replaces it
        const looked = want ? await lookInside(entry, image, want) : { inside: null, transfer: [] };
        const preview = rgba && preprocess ? previewPixels(rgba, preprocess) : null;
        const transfer = [...looked.transfer];
        if (pixels) transfer.push(pixels.data);
        if (preview) transfer.push(preview.data.buffer);
        // lastTiming: the network (runMs) apart from decoding + resizing (preprocessMs), from the SDK.
        return { reply: { top: top.map(({ index, label, probability }) => ({ index, label, probability })), ms, timing, preview, pixels,
            inside: looked.inside }, transfer };
    } finally {
        entry.busy--;
        if (entry.retired && entry.busy === 0) dispose(entry);
    }
}

async function layer({ index }) {
    if (!current) throw Object.assign(new Error('no model is loaded yet'), { code: 'STATE' });
    const { name, dims, codes } = current.model.layerCodes(index);
    const copy = new Int8Array(codes); // our own buffer, transferable
    return { reply: { name, dims: [...dims], codes: copy }, transfer: [copy.buffer] };
}

// Bytes this worker fetched (SDK module, engine, models), from its own resource timing.
function downloads() {
    const entries = performance.getEntriesByType('resource')
        .filter((e) => e.transferSize > 0 || e.encodedBodySize > 0)
        .map((e) => ({ name: e.name, bytes: e.transferSize > 0 ? e.encodedBodySize : 0 }));
    return { reply: { entries } };
}

const handlers = {
    load: async (message) => ({ reply: await loadModel(message) }),
    classify,
    layer: async (message) => layer(message),
    profile: async () => profile(),
    downloads: async () => downloads(),
};

self.onmessage = async ({ data: message }) => {
    const handler = handlers[message.type];
    try {
        if (!handler) throw new Error(`unknown request ${message.type}`);
        const { reply, transfer = [] } = await handler(message);
        post({ type: message.type, id: message.id, ok: true, liveModels, ...reply }, transfer);
    } catch (err) {
        post({
            type: message.type, id: message.id, ok: false,
            error: { name: err?.name ?? 'Error', code: err?.code ?? null, message: String(err?.message ?? err) },
            // Hand camera frames back even on failure, so the page can reuse or drop them.
            ...(message.pixels ? { pixels: message.pixels } : {}),
        }, message.pixels && message.pixels.data.byteLength ? [message.pixels.data] : []);
    }
};

post({ type: 'ready' });

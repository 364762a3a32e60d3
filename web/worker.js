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
        current = { model, info: cloneable(model.info), busy: 0, retired: false };
        retire(previous);
        return { info: current.info };
    } finally {
        if (loadController === controller) loadController = null;
    }
}

// Rectangle (in source pixels) that the preprocessing keeps: the shorter side is resized to
// `resize`, then the centre height×width is cropped (docs/FORMAT.md).
function cropRect(width, height, pre) {
    const scale = pre.resize / Math.min(width, height);
    const scaledW = Math.max(pre.width, Math.round(width * scale));
    const scaledH = Math.max(pre.height, Math.round(height * scale));
    const sx = scaledW / width, sy = scaledH / height;
    const x0 = Math.floor((scaledW - pre.width) / 2), y0 = Math.floor((scaledH - pre.height) / 2);
    return { x: x0 / sx, y: y0 / sy, width: pre.width / sx, height: pre.height / sy, sx, sy, x0, y0 };
}

// The network's input as 8-bit RGBA, for the page's preview: an area (box) average over each
// output pixel's footprint in the source. The SDK does the real preprocessing, in wasm.
function previewPixels({ data, width, height }, pre) {
    const rect = cropRect(width, height, pre);
    const out = new Uint8ClampedArray(pre.width * pre.height * 4);
    for (let oy = 0; oy < pre.height; oy++) {
        const y0 = (rect.y0 + oy) / rect.sy, y1 = (rect.y0 + oy + 1) / rect.sy;
        for (let ox = 0; ox < pre.width; ox++) {
            const x0 = (rect.x0 + ox) / rect.sx, x1 = (rect.x0 + ox + 1) / rect.sx;
            let r = 0, g = 0, b = 0, area = 0;
            for (let y = Math.floor(y0); y < Math.min(height, Math.ceil(y1)); y++) {
                const wy = Math.min(y + 1, y1) - Math.max(y, y0);
                for (let x = Math.floor(x0); x < Math.min(width, Math.ceil(x1)); x++) {
                    const w = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
                    const i = (y * width + x) * 4;
                    r += w * data[i];
                    g += w * data[i + 1];
                    b += w * data[i + 2];
                    area += w;
                }
            }
            const o = (oy * pre.width + ox) * 4;
            out[o] = r / area;
            out[o + 1] = g / area;
            out[o + 2] = b / area;
            out[o + 3] = 255;
        }
    }
    return { data: out, width: pre.width, height: pre.height, crop: { x: rect.x, y: rect.y, width: rect.width, height: rect.height } };
}

async function classify({ pixels, encoded, topK, preprocess }) {
    const entry = current;
    if (!entry) throw Object.assign(new Error('no model is loaded yet'), { code: 'STATE' });
    entry.busy++;
    try {
        const rgba = pixels && { data: new Uint8ClampedArray(pixels.data), width: pixels.width, height: pixels.height };
        const start = performance.now();
        let top;
        if (encoded) {
            // Encoded bytes are decoded by stb_image inside wasm, like the native CLI does; formats it
            // does not read (WebP, AVIF, ...) fall back to the browser's decode.
            try {
                top = await entry.model.classify(new Uint8Array(encoded), { topK });
            } catch (err) {
                if (!rgba) throw err;
                top = await entry.model.classify(rgba, { topK });
            }
        } else {
            top = await entry.model.classify(rgba, { topK });
        }
        const ms = performance.now() - start;
        const preview = rgba && preprocess ? previewPixels(rgba, preprocess) : null;
        const transfer = [];
        if (pixels) transfer.push(pixels.data);
        if (preview) transfer.push(preview.data.buffer);
        return { reply: { top: top.map(({ index, label, probability }) => ({ index, label, probability })), ms, preview, pixels }, transfer };
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

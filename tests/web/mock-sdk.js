// Development stand-in for js_sdk/trit.js with the same public API (load, model.classify, model.info,
// model.layerCodes, model.dispose, TritError), used only by tests/web/dev-mock.mjs to work on the page
// before the engine existed. The real browser tests never use it. Answers are made up from pixel means.

export class TritError extends Error {
    constructor(code, message) {
        super(message);
        this.name = 'TritError';
        this.code = code;
    }
}

const LABELS = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const LAYERS = [['conv', [16, 3, 3, 3]]];
for (const [stage, ch] of [[1, 16], [2, 32], [3, 64]]) {
    for (let b = 0; b < 3; b++) {
        const cin = b === 0 && stage > 1 ? ch / 2 : ch;
        LAYERS.push([`s${stage}b${b}a`, [ch, cin, 3, 3]], [`s${stage}b${b}b`, [ch, ch, 3, 3]]);
    }
}
LAYERS.push(['fc', [10, 64]]);

function rng(seed) {
    let s = seed >>> 0;
    return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

export async function load(source, { onProgress, signal, simd } = {}) {
    const response = await fetch(source, { signal });
    if (!response.ok) throw new TritError('FETCH', `fetching ${source} failed: HTTP ${response.status}`);
    const total = Number(response.headers.get('content-length')) || 0;
    const reader = response.body.getReader();
    let loaded = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        loaded += value.length;
        onProgress?.({ loaded, total, phase: 'model' });
        await new Promise((r) => setTimeout(r, 20));
    }
    const random = rng(loaded);
    const layers = LAYERS.map(([name, dims], index) => {
        const sparsity = 0.3 + 0.4 * random();
        return { index, name, op: dims.length === 4 ? 'Conv' : 'Gemm', dims, sparsity };
    });
    let disposed = false;
    const live = () => { if (disposed) throw new TritError('DISPOSED', 'this model was disposed'); };
    return {
        info: {
            name: `mock-${loaded}`, labels: LABELS, inputShape: [1, 3, 32, 32], parameters: 270000,
            ternaryParameters: 268000, sparsity: 0.48, fileBytes: loaded, bitsPerWeight: 1.7,
            preprocess: { height: 32, width: 32, resize: 32 }, metadata: { 'trit.arch': 'resnet20' },
            simd: simd ?? true, layers,
        },
        async classify(image, { topK = 5 } = {}) {
            live();
            await new Promise((r) => setTimeout(r, 30));
            const data = image.data ?? image;
            let sum = 0;
            for (let i = 0; i < data.length; i += 97) sum += data[i];
            const r = rng(sum + loaded);
            const scores = LABELS.map((label, index) => ({ index, label, probability: r() ** 3 }));
            const total = scores.reduce((a, s) => a + s.probability, 0);
            scores.forEach((s) => { s.probability /= total; });
            return scores.sort((a, b) => b.probability - a.probability).slice(0, topK);
        },
        layerCodes(i) {
            live();
            const { name, dims, sparsity } = layers[i];
            const r = rng(i + 1);
            const codes = new Int8Array(dims.reduce((a, b) => a * b, 1)).map(() => (r() < sparsity ? 0 : r() < 0.5 ? -1 : 1));
            return { name, dims, codes };
        },
        dispose() { disposed = true; },
    };
}

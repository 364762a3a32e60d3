// The demo page: camera / image input, the model picker, results and the "look inside" panel.
// All inference happens in worker.js; this file only moves pixels and draws.

const $ = (id) => document.getElementById(id);
const TOP_K = 5;
const LATENCY_WINDOW = 30; // frames in the median inference time
const MAX_STILL_SIDE = 1280; // browser-decoded stills are shrunk to this for display and preview
// "Not sure" below this top probability, or when the first leads the second by less than this margin.
// Chosen from resnet20-ttq on the 10,000 CIFAR-10 test pictures (web/calibrate.mjs, numbers in
// web/README.md): below either line the top answer is right less than half the time.
const UNSURE = { probability: 0.5, margin: 0.2 };
// Example pictures: CIFAR-10 test images (web/examples/, 32×32 JPEG as in the test set).
const EXAMPLES = [
    { file: 'airplane-0004.jpg', truth: 'airplane' },
    { file: 'automobile-0005.jpg', truth: 'automobile' },
    { file: 'bird-0003.jpg', truth: 'bird' },
    { file: 'cat-0033.jpg', truth: 'cat' },
    { file: 'frog-0004.jpg', truth: 'frog' },
    { file: 'horse-0003.jpg', truth: 'horse' },
    { file: 'ship-0000.jpg', truth: 'ship' },
    { file: 'cat-0004.jpg', truth: 'cat', wrong: true }, // every shipped model says dog (98–99 %)
];
// One line per training method (trit.method in the model's metadata; models/README.md has the details).
const METHODS = {
    float: 'float — ordinary 32-bit weights: the reference the ternary models are measured against.',
    ttq: 'ttq — Trained Ternary Quantization (Zhu et al. 2017): weights below a threshold become 0, the rest +Wp or −Wn, two scales per layer learned in training.',
    hefan: 'hefan — He & Fan’s ternary fine-tuning: one scale per layer set from the weights’ mean size, trained with a straight-through gradient.',
    hefan2: 'hefan2 — He & Fan with residual expansion: each weight is the sum of two ternary planes (the second fixes the first’s error), about twice the bits.',
    tga: 'tga — He & Fan’s trainable-threshold ternarization (CVPR 2019): the zero band of each layer is learned too.',
    ptq: 'ptq — pruned ternary quantization: a fixed share of the smallest weights (here 60 %) is set to 0, the rest ±1 times a scale.',
};

const params = new URLSearchParams(location.search);
const state = {
    models: [],
    smoothed: null,        // EMA of the class probabilities over camera frames (by class index)
    alpha: clampAlpha(params.get('smooth')),
    latencies: { camera: [], still: [] }, // network ms per source
    prepTimes: { camera: [], still: [] }, // decode + resize ms per source
    failure: null,         // { text, retry } of a failed download, shown with a Retry button
    modelId: null,        // the model that is loaded and in use
    pendingModelId: null, // the model being loaded
    info: null,
    preprocess: null,
    stream: null,
    source: null,          // 'camera' | 'still' | null
    busy: false,           // a classify request is in flight
    pendingStill: null,    // a still image waiting for the worker
    skipped: 0,
    resultTimes: [],
    lastFrame: null,       // { data, width, height } of the camera frame behind the shown result
    stillGeneration: 0,
    layerIndex: 0,
    layerCodes: null,
    lastTopLabel: null,
    frameCallback: null,   // { id, cancel } of the pending requestVideoFrameCallback / rAF
    insideNames: null,     // tensor names "look inside" and teaching read (worker.js insideNames)
    insideVisible: false,  // the "for the current picture" part is on screen: ask the worker for it
    shownIndex: null,      // the class the answer under the picture shows (the heat map is for it)
    actLayer: null,        // the layer whose activations are drawn
    lastInside: null,      // the last reply's intermediate results, redrawn on a layer or theme change
    lastEmbedding: null,   // the penultimate features of the last picture (for Capture on a still)
    teach: { classes: [], current: -1, capture: 0, answers: [] },
};

function clampAlpha(text) {
    const a = Number.parseFloat(text);
    return Number.isFinite(a) && a > 0 && a <= 1 ? a : 0.25;
}

// ---- worker plumbing -----------------------------------------------------------------------------
let worker = null;
const pending = new Map();
let nextId = 1;

// (Re)starts the worker; a Retry after the worker itself failed to start makes a new one.
function startWorker() {
    worker?.terminate();
    for (const [id, waiter] of pending) {
        pending.delete(id);
        waiter.reject(Object.assign(new Error('the inference worker was restarted'), { code: 'ABORTED' }));
    }
    state.busy = false;
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.failed = false;
    worker.onmessage = ({ data }) => {
        if (data.type === 'progress') return showProgress(data);
        if (data.type === 'ready') return;
        const waiter = pending.get(data.id);
        if (!waiter) return;
        pending.delete(data.id);
        if (data.liveModels !== undefined) document.documentElement.dataset.liveModels = String(data.liveModels);
        if (data.ok) waiter.resolve(data);
        else waiter.reject(Object.assign(new Error(data.error.message), data.error, { reply: data }));
    };
    worker.onerror = (event) => {
        event.preventDefault();
        worker.failed = true;
        for (const [id, waiter] of pending) {
            pending.delete(id);
            waiter.reject(Object.assign(new Error(event.message || 'the worker script did not load'), { code: 'WORKER' }));
        }
        worker.failReason = event.message;
        showWorkerFailure();
    };
}

function showWorkerFailure() {
    setEngineBadge('engine: failed', 'bad');
    showFailure('The engine could not be started (the page’s worker script did not load). Check the connection and retry.',
        worker.failReason, () => {
            startWorker();
            const id = $('model-select').value || state.models[0]?.id;
            return id ? switchModel(id) : loadManifest();
        });
}
startWorker();

function request(type, fields = {}, transfer = []) {
    const id = nextId++;
    if (worker.failed) return Promise.reject(Object.assign(new Error('the inference worker is not running'), { code: 'WORKER' }));
    worker.postMessage({ type, id, ...fields }, transfer);
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

// ---- small helpers -------------------------------------------------------------------------------
function formatBytes(n) {
    if (n == null) return '—';
    if (n < 1000) return `${n} B`;
    if (n < 1e6) return `${(n / 1000).toFixed(n < 1e4 ? 1 : 0)} kB`;
    return `${(n / 1e6).toFixed(2)} MB`;
}
const percent = (x, digits = 1) => (x == null ? '—' : `${(100 * x).toFixed(digits)} %`);
const median = (values) => {
    const s = [...values].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function showAlert(text) {
    $('alert-text').textContent = text;
    $('alert').hidden = false;
}
$('alert-close').addEventListener('click', () => { $('alert').hidden = true; });

function setEngineBadge(text, kind) {
    const badge = $('engine-badge');
    badge.textContent = text;
    badge.dataset.kind = kind ?? '';
}

// The line at the top of the results panel: what is loading, or what failed (with Retry).
function setLoadStatus(text, kind = 'busy') {
    $('load-text').textContent = text;
    $('load-status').dataset.kind = kind;
    $('load-status').hidden = kind === 'ok';
    $('retry').hidden = kind !== 'failed';
    document.documentElement.dataset.load = kind;
}

// A download failed: a plain sentence, the technical reason in smaller print, and a Retry button.
function showFailure(text, reason, retry) {
    state.failure = { text, retry };
    setLoadStatus(text, 'failed');
    if (reason) {
        const small = document.createElement('small');
        small.className = 'reason';
        small.textContent = ` (${reason.replace(/\.$/, '')})`;
        $('load-text').append(small);
    }
    updateEmptyMessage();
}

$('retry').addEventListener('click', async () => {
    const failure = state.failure;
    if (!failure) return;
    state.failure = null;
    setLoadStatus('Retrying…');
    await failure.retry();
});

// A failed download in plain words: which file, and whether the network or the server said no.
function plainLoadError(err, what) {
    const fromEngine = /wasm|engine/i.test(err.message) && err.code !== 'TRIT_ERROR_FORMAT';
    const thing = fromEngine ? 'the engine (trit.wasm)' : what;
    if (err.code === 'FETCH' || err.code === 'WORKER' || err.code === 'WASM' || /fetch|network/i.test(err.message)) {
        const status = /HTTP (\d+)/.exec(err.message)?.[1];
        return status ? `Could not download ${thing}: the server answered ${status}${status === '404' ? ' (not found)' : ''}.`
            : `Could not download ${thing}: the connection failed (offline, or the server is not reachable).`;
    }
    return `Could not load ${thing}: ${err.message.replace(/\.?$/, '.')}`;
}

const progressSeen = { engine: null, model: null };
function showProgress({ what, loaded, total }) {
    const bar = $(what === 'engine' ? 'wasm-progress' : 'model-progress');
    const text = $(what === 'engine' ? 'wasm-progress-text' : 'model-progress-text');
    if (total > 0) {
        bar.max = total;
        bar.value = Math.min(loaded, total);
        text.textContent = loaded >= total ? formatBytes(total) : `${formatBytes(loaded)} / ${formatBytes(total)}`;
    } else {
        bar.removeAttribute('value'); // indeterminate
        text.textContent = formatBytes(loaded);
    }
    progressSeen[what] = { loaded, total };
    if (state.pendingModelId) {
        const parts = [];
        for (const [key, name] of [['model', 'model'], ['engine', 'engine']]) {
            const p = progressSeen[key];
            if (!p || (key === 'engine' && p.loaded >= p.total)) continue;
            parts.push(`${name} ${formatKB(p.loaded)}${p.total > 0 ? ` / ${formatKB(p.total)}` : ''} kB`);
        }
        if (parts.length) setLoadStatus(`Loading ${parts.join(', ')}`);
    }
}
const formatKB = (n) => String(Math.round(n / 1000));

// ---- models --------------------------------------------------------------------------------------
function modelLabel(m) {
    const parts = [m.name, formatBytes(m.bytes)];
    const sparsity = m.engineSparsity ?? m.sparsity; // once loaded, the engine's count from the weights
    if (sparsity != null) parts.push(`${Math.round(100 * sparsity)} % zeros`);
    if (m.top1 != null) parts.push(`${m.top1.toFixed(1)} % top-1`);
    if (m.standIn) parts.push('random weights');
    return parts.join(' · ');
}

function describeModel(m, info) {
    const bits = [];
    bits.push(`${formatBytes(m.bytes)} to download${m.url.endsWith('.gz') ? ' (gzip)' : ''}`);
    if (!m.url.endsWith('.gz') && m.gzipBytes) bits.push(`${formatBytes(m.gzipBytes)} gzipped`);
    const sparsity = info?.sparsity ?? m.sparsity;
    if (sparsity != null) bits.push(`${percent(sparsity)} of ternary weights are zero`);
    bits.push(m.top1 != null ? `${m.top1.toFixed(2)} % top-1 on the ${m.dataset ?? 'test'} set` : 'accuracy not recorded');
    if (m.standIn) bits.push('stand-in model with random weights: its answers mean nothing');
    $('model-details').textContent = bits.join('; ') + '.';
}

async function loadManifest() {
    let manifest;
    setLoadStatus('Loading the list of models…');
    setEngineBadge('engine: waiting for the model list');
    try {
        const response = await fetch('models.json', { cache: 'no-cache' });
        if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { code: 'FETCH' });
        manifest = await response.json();
    } catch (err) {
        setEngineBadge('engine: no model', 'bad');
        $('model-select').replaceChildren(new Option('(no model list)', ''));
        $('model-select').disabled = true;
        showFailure(plainLoadError(err, 'the list of models (models.json)'), err.message, loadManifest);
        return;
    }
    state.models = manifest.models ?? [];
    const select = $('model-select');
    select.disabled = false;
    select.replaceChildren(...state.models.map((m) => new Option(modelLabel(m), m.id)));
    if (state.models.length === 0) {
        showAlert('No models found. Build or download them first (see the README), then reload.');
        setLoadStatus('No models found: build or download them first (see the README), then reload.', 'failed');
        $('retry').hidden = true;
        setEngineBadge('engine: no model', 'bad');
        select.disabled = true;
        return;
    }
    const wanted = params.get('model');
    const first = state.models.find((m) => m.id === wanted || m.name === wanted) ?? state.models[0];
    showClasses(first.labels); // the classes are known before the model arrives
    select.value = first.id;
    await switchModel(first.id);
}

// model.info plus the preprocessing the preview imitates (the SDK reports it; the fallback is the
// documented default: shorter side resized to the input's larger side, centre crop).
function readInfo(info) {
    const [height, width] = info.inputShape.slice(-2);
    return { ...info, preprocess: info.preprocess ?? { height, width, resize: Math.max(height, width) }, layers: info.layers ?? [] };
}

async function switchModel(id) {
    const m = state.models.find((x) => x.id === id);
    if (!m) return;
    state.pendingModelId = id;
    document.documentElement.dataset.model = 'loading';
    setEngineBadge('engine: loading');
    describeModel(m, null);
    $('model-progress').value = 0;
    $('model-progress-text').textContent = '…';
    progressSeen.model = null;
    setLoadStatus(`Loading model 0${m.bytes ? ` / ${formatKB(m.bytes)}` : ''} kB`);
    updateEmptyMessage();
    const simd = params.get('simd') === '0' ? false : params.get('simd') === '1' ? true : undefined;
    try {
        const reply = await request('load', { url: new URL(m.url, location.href).href, simd });
        if (state.pendingModelId !== id) return; // the user picked another one meanwhile
        state.modelId = id;
        state.info = readInfo(reply.info);
        state.preprocess = state.info.preprocess;
        state.smoothed = null;
        document.documentElement.dataset.model = 'ready';
        $('alert').hidden = true;
        state.failure = null;
        setLoadStatus('', 'ok');
        showClasses(state.info.labels?.length ? state.info.labels : m.labels);
        showSize(m, state.info);
        updateEmptyMessage();
        m.engineSparsity = state.info.sparsity;
        const option = [...$('model-select').options].find((o) => o.value === id);
        if (option) option.textContent = modelLabel(m);
        showModelInfo(m, state.info);
        setupInside(state.info);
        setupCurrentInside(reply.inside);
        teachModelChanged();
        updateDownloads();
        reclassifyStill();
    } catch (err) {
        if (state.pendingModelId !== id) return;
        if (err.code === 'ABORTED' && /restarted/.test(err.message)) return;
        if (err.code === 'WORKER') { // the worker itself did not start: say that, with a Retry that restarts it
            document.documentElement.dataset.model = state.modelId ? 'ready' : 'error';
            showWorkerFailure();
            return;
        }
        document.documentElement.dataset.model = state.modelId ? 'ready' : 'error';
        const was = state.models.find((x) => x.id === state.modelId);
        const plain = plainLoadError(err, `the model “${m.name}”`); // shown with Retry in the results panel
        $('model-progress-text').textContent = 'failed';
        $('model-select').value = state.modelId ?? id;
        if (was) describeModel(was, state.info);
        setEngineBadge(state.modelId ? 'engine: ready' : 'engine: no model', state.modelId ? 'ok' : 'bad');
        showFailure(plain + (was ? ` Still using “${was.name}”.` : ''), err.message, () => {
            $('model-select').value = id;
            return switchModel(id);
        });
    } finally {
        if (state.pendingModelId === id) state.pendingModelId = null;
    }
}
$('model-select').addEventListener('change', (e) => switchModel(e.target.value));

function showModelInfo(m, info) {
    describeModel(m, info);
    setEngineBadge('engine: ready', 'ok');
    const method = info.metadata?.['trit.method'] ?? m.method;
    $('model-method').textContent = METHODS[method] ?? (method ? `${method}: see models/README.md.` : '');
    if (info.bitsPerWeight) {
        $('footer-bits').textContent = `with its scales${info.metadata?.['trit.notes']?.includes('int8') ? ' and the 8-bit first and last layers' : ''}, ` +
            `this model file takes ${info.bitsPerWeight.toFixed(2)} bits per weight (${info.fileBytes.toLocaleString('en')} B × 8 / ` +
            `${info.parameters.toLocaleString('en')} weights)`;
    }
    const simdBadge = $('simd-badge');
    simdBadge.hidden = false;
    simdBadge.textContent = info.simd ? 'SIMD: on' : 'SIMD: off';
    simdBadge.dataset.kind = info.simd ? 'ok' : 'warn';
    const threadsBadge = $('threads-badge'); // how many threads run the model, and why (the SDK's reason)
    threadsBadge.hidden = false;
    threadsBadge.textContent = `${info.threads ?? 1} thread${info.threads > 1 ? 's' : ''}`;
    threadsBadge.title = info.threadsReason ?? '';
    threadsBadge.dataset.kind = info.threads > 1 ? 'ok' : '';
    const rows = [
        ['Name', info.name],
        ['Input', `${info.preprocess.width}×${info.preprocess.height} RGB`],
        ['Parameters', info.parameters?.toLocaleString('en')],
        ['Ternary share', info.ternaryParameters != null && info.parameters
            ? percent(info.ternaryParameters / info.parameters) : null],
        ['Bits per weight', info.bitsPerWeight?.toFixed(2)],
        ['Classes', info.labels?.length ? String(info.labels.length) : null],
    ];
    const meta = info.metadata ?? {};
    const provenance = ['trit.arch', 'trit.method', 'trit.dataset'].map((k) => meta[k]).filter(Boolean);
    if (meta['trit.epochs']) provenance.push(`${meta['trit.epochs']} epochs`);
    if (provenance.length) rows.push(['Trained', provenance.join(' · ')]);
    const dl = $('model-info');
    dl.replaceChildren();
    for (const [k, v] of rows) {
        if (v == null || v === '') continue;
        const div = document.createElement('div');
        if (k === 'Trained') div.className = 'wide'; // a longer value: give it the whole row
        const dt = document.createElement('dt');
        const dd = document.createElement('dd');
        dt.textContent = k;
        dd.textContent = v;
        div.append(dt, dd);
        dl.append(div);
    }
    const { width, height } = info.preprocess;
    const preview = $('net-input');
    preview.width = width;
    preview.height = height;
    // Small inputs are enlarged (pixelated) to at least 128 px; large ones shown at up to 256 px.
    const shown = Math.max(128, Math.min(256, Math.max(width, height)));
    preview.style.width = `${Math.round((shown * width) / Math.max(width, height))}px`;
    preview.style.height = `${Math.round((shown * height) / Math.max(width, height))}px`;
    $('net-input-size').textContent = `${width}×${height} pixels${Math.max(width, height) < shown ? ', shown enlarged' : ''}`;
}

async function updateDownloads() {
    let workerEntries = [];
    try {
        workerEntries = (await request('downloads')).entries;
    } catch { /* the worker's share stays unknown */ }
    const pageEntries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
        .filter((e) => e.transferSize > 0)
        .map((e) => ({ name: e.name, bytes: e.encodedBodySize }));
    const sums = { page: 0, engine: 0, model: 0 };
    for (const { name, bytes } of [...pageEntries, ...workerEntries]) {
        const path = new URL(name, location.href).pathname;
        if (path.endsWith('.wasm')) sums.engine += bytes;
        else if (/\.onnx(\.gz)?$/.test(path)) sums.model += bytes;
        else sums.page += bytes;
    }
    const total = sums.page + sums.engine + sums.model;
    $('stat-bytes').textContent = formatBytes(total);
    $('stat-bytes').title = `page ${formatBytes(sums.page)} + engine ${formatBytes(sums.engine)} + ` +
        `models ${formatBytes(sums.model)}, as transferred`;
    $('stat-bytes').dataset.bytes = String(total);
}

// ---- results -------------------------------------------------------------------------------------
const resultRows = [];
(function buildResults() {
    const list = $('results');
    for (let i = 0; i < TOP_K; i++) {
        const li = document.createElement('li');
        li.innerHTML = '<span class="label"></span><span class="bar" aria-hidden="true"><span class="fill"></span></span>' +
            '<span class="prob"></span>';
        li.hidden = true;
        list.append(li);
        resultRows.push({ li, label: li.querySelector('.label'), fill: li.querySelector('.fill'), prob: li.querySelector('.prob') });
    }
})();

// One answer from the worker. reply.top holds every class (sorted); camera frames are averaged
// (EMA of the probability vector, weight state.alpha for the newest), stills are shown as they are.
function showAnswer(reply, source) {
    const raw = reply.top;
    const n = Math.max(...raw.map((r) => r.index)) + 1;
    const labels = [];
    const p = new Float64Array(n);
    for (const r of raw) {
        p[r.index] = r.probability;
        labels[r.index] = r.label || `class ${r.index}`;
    }
    if (source === 'camera' && state.smoothed?.length === n && state.alpha < 1) {
        for (let i = 0; i < n; i++) state.smoothed[i] += state.alpha * (p[i] - state.smoothed[i]);
    } else {
        state.smoothed = source === 'camera' ? p : null;
    }
    const shown = [...(state.smoothed ?? p)].map((probability, index) => ({ index, label: labels[index], probability }))
        .sort((a, b) => b.probability - a.probability).slice(0, TOP_K);
    showResults(shown, reply.timing, source);
    showRaw(raw, reply.timing, reply.ms);
}

function showResults(top, timing, source) {
    top.forEach((r, i) => {
        const row = resultRows[i];
        row.li.hidden = false;
        row.label.textContent = r.label;
        row.fill.style.width = `${(100 * r.probability).toFixed(1)}%`;
        row.prob.textContent = `${(100 * r.probability).toFixed(1)} %`;
        row.li.dataset.index = String(r.index);
        row.li.dataset.probability = String(r.probability);
    });
    for (let i = top.length; i < TOP_K; i++) resultRows[i].li.hidden = true;
    $('results-empty').hidden = top.length > 0;
    $('results').dataset.count = String(top.length);
    $('results').dataset.updates = String((Number($('results').dataset.updates) || 0) + 1);
    const unsure = showVerdict(top);
    state.shownIndex = top[0]?.index ?? null;
    const best = top[0] ? `${top[0].label}${unsure ? ' (not sure)' : ''}` : null;
    if (best !== state.lastTopLabel) { // announce changes only, not every frame
        state.lastTopLabel = best;
        $('top-announcer').textContent = best ? `Top guess: ${best}, ${(100 * top[0].probability).toFixed(0)} percent` : '';
    }
    if (timing) {
        const push = (list, v) => { list.push(v); if (list.length > LATENCY_WINDOW) list.shift(); };
        push(state.latencies[source], timing.runMs);
        push(state.prepTimes[source], timing.preprocessMs);
        const many = state.latencies[source].length > 1;
        $('stat-latency-name').textContent = source === 'camera' ? 'Network (camera)' : 'Network (this picture)';
        $('stat-prep-name').textContent = source === 'camera' ? 'Resize (camera)' : 'Decode + resize (picture)';
        $('stat-latency').textContent = `${(many ? median(state.latencies[source]) : timing.runMs).toFixed(1)} ms`;
        $('stat-prep').textContent = `${(many ? median(state.prepTimes[source]) : timing.preprocessMs).toFixed(1)} ms`;
        $('stat-latency').title = source === 'camera' ? `The network alone (engine run), median of the last ${state.latencies.camera.length} camera frames`
            : 'The network alone (engine run) on this picture';
        $('stat-prep').title = source === 'camera' ? 'Resizing, cropping and normalising the camera frame, median'
            : 'Decoding, resizing, cropping and normalising this picture';
    }
    const now = performance.now();
    state.resultTimes.push(now);
    while (state.resultTimes.length && now - state.resultTimes[0] > 2000) state.resultTimes.shift();
    if (state.source === 'camera' && state.resultTimes.length > 1) {
        const span = (now - state.resultTimes[0]) / 1000;
        $('stat-fps').textContent = (span > 0 ? (state.resultTimes.length - 1) / span : 0).toFixed(1);
    }
    $('stat-skipped').textContent = String(state.skipped);
}

// The big answer under the picture, and the winner among the class chips. Returns whether it is "not sure".
function showVerdict(top) {
    const verdict = $('verdict');
    const [a, b] = top;
    for (const chip of $('classes').children) delete chip.dataset.winner;
    if (!a) {
        verdict.dataset.state = 'empty';
        $('verdict-label').textContent = '—';
        $('verdict-prob').textContent = '';
        $('verdict-note').textContent = '';
        $('verdict-fill').style.width = '0';
        return false;
    }
    const margin = a.probability - (b?.probability ?? 0);
    const unsure = a.probability < UNSURE.probability || margin < UNSURE.margin;
    verdict.dataset.state = unsure ? 'unsure' : 'sure';
    $('verdict-label').textContent = a.label;
    $('verdict-prob').textContent = `${(100 * a.probability).toFixed(0)} %`;
    $('verdict-fill').style.width = `${(100 * a.probability).toFixed(1)}%`;
    $('verdict-note').textContent = unsure ? `Not sure${b ? ` — or ${b.label} (${(100 * b.probability).toFixed(0)} %)` : ''}` : '';
    const chip = $('classes').children[a.index];
    if (chip) chip.dataset.winner = unsure ? 'unsure' : 'sure';
    return unsure;
}

function showRaw(raw, timing, ms) {
    $('raw-rows').replaceChildren(...raw.map((r) => {
        const tr = document.createElement('tr');
        const [c, v] = [document.createElement('td'), document.createElement('td')];
        c.textContent = r.label || `class ${r.index}`;
        v.textContent = (100 * r.probability).toFixed(2) + ' %';
        tr.append(c, v);
        return tr;
    }));
    $('raw-timing').textContent = timing ? `This frame: network ${timing.runMs.toFixed(2)} ms, decode + resize ` +
        `${timing.preprocessMs.toFixed(2)} ms, worker total ${ms.toFixed(2)} ms (with the copy and the preview).` : '';
}

// The class chips: the model's labels (from the model list before the model arrives, then from the model).
function showClasses(labels) {
    const list = $('classes');
    if (!labels?.length) {
        list.replaceChildren();
        $('knows-text').hidden = true;
        return;
    }
    if ([...list.children].map((li) => li.textContent).join() === labels.join()) return;
    list.replaceChildren(...labels.map((label, i) => {
        const li = document.createElement('li');
        li.className = 'chip';
        li.dataset.index = String(i);
        li.textContent = label;
        return li;
    }));
    $('knows-text').hidden = false;
    const cifar = labels.length === 10 && labels[0] === 'airplane';
    $('knows-text').textContent = cifar
        ? 'It was trained on 32×32 pictures of these 10 things (CIFAR-10) and always answers one of them: ' +
          'a squirrel or a bus still comes out as one of these, so watch the “not sure” mark.'
        : `It always answers one of these ${labels.length} classes, whatever it is shown.`;
}

function clearResults() {
    for (const row of resultRows) row.li.hidden = true;
    $('results').dataset.count = '0';
    state.smoothed = null;
    state.lastTopLabel = null;
    state.lastFrame = null;
    $('top-announcer').textContent = '';
    $('raw-rows').replaceChildren();
    $('raw-timing').textContent = '';
    state.lastInside = null;
    state.lastEmbedding = null;
    showVerdict([]);
    showTaught(null);
    updateEmptyMessage();
}

// What the results panel says while there is nothing to show.
function updateEmptyMessage() {
    const empty = $('results-empty');
    empty.hidden = $('results').dataset.count > 0;
    let text = 'Nothing classified yet: start the camera, pick an example or choose an image.';
    if (!state.modelId) {
        const waiting = state.source === 'camera' ? 'The camera is on; answers start once the model has loaded.'
            : state.pendingStill ? 'Your picture will be classified as soon as the model has loaded.' : 'The model is loading…';
        text = state.failure ? `No model is loaded${state.source ? ', so nothing can be classified' : ''}: see the message above and press Retry.`
            : waiting;
    }
    empty.textContent = text;
    document.documentElement.dataset.empty = empty.hidden ? '' : text;
}

function showPreview(preview) {
    if (!preview) return;
    const canvas = $('net-input');
    if (canvas.width !== preview.width) canvas.width = preview.width;
    if (canvas.height !== preview.height) canvas.height = preview.height;
    canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(preview.data.buffer ?? preview.data),
        preview.width, preview.height), 0, 0);
    drawCrop(preview.crop);
}

// Dashed box around the crop, on an overlay canvas at the displayed size (device pixels), so the
// line stays crisp and 2 CSS pixels wide whatever the picture's size. `crop` is in source pixels.
function drawCrop(crop) {
    state.lastCrop = crop;
    const overlay = $('overlay');
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(overlay.clientWidth * dpr)), height = Math.max(1, Math.round(overlay.clientHeight * dpr));
    if (overlay.width !== width || overlay.height !== height) {
        overlay.width = width;
        overlay.height = height;
    }
    const ctx = overlay.getContext('2d');
    ctx.clearRect(0, 0, width, height);
    if (!crop || !state.stageSize) return;
    const sx = width / state.stageSize.width, sy = height / state.stageSize.height;
    const x = crop.x * sx, y = crop.y * sy, w = crop.width * sx, h = crop.height * sy;
    const lw = 2 * dpr;
    ctx.fillStyle = 'rgba(0, 0, 0, 0.35)';
    ctx.beginPath();
    ctx.rect(0, 0, width, height);
    ctx.rect(x, y, w, h);
    ctx.fill('evenodd');
    ctx.setLineDash([4 * lw, 3 * lw]);
    ctx.lineWidth = lw;
    ctx.strokeStyle = '#ffd23f';
    ctx.strokeRect(x + lw / 2, y + lw / 2, w - lw, h - lw);
}

function setStageSize(width, height) {
    const stage = $('stage');
    stage.style.aspectRatio = `${width} / ${height}`;
    stage.dataset.empty = 'false';
    state.stageSize = { width, height };
}

async function classifyPixels(pixels, encoded) {
    state.busy = true;
    try {
        const transfer = pixels ? [pixels.data] : [];
        // Every class: the page averages the whole probability vector over camera frames.
        const classes = state.info?.outputShape?.at(-1) || TOP_K;
        const reply = await request('classify', { pixels, encoded, topK: Math.max(classes, TOP_K), preprocess: state.preprocess,
            inside: insideRequest() }, transfer);
        return reply;
    } finally {
        state.busy = false;
    }
}

// ---- camera --------------------------------------------------------------------------------------
const video = $('video');
const grabCanvas = document.createElement('canvas');
const grabContext = grabCanvas.getContext('2d', { willReadFrequently: true });

function cameraMessage(text) {
    $('camera-message').textContent = text;
}

function explainCameraError(err) {
    switch (err?.name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
        return 'Camera permission was denied. Allow the camera for this site in the browser’s address bar ' +
            '(or site settings) and press “Start camera” again — or classify an image instead.';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
        return 'No camera was found. Connect one and press “Start camera” again, or classify an image instead.';
    case 'NotReadableError':
    case 'TrackStartError':
        return 'The camera is busy or could not be started (is another application using it?).';
    case 'SecurityError':
        return 'The browser blocked the camera for this page (security policy).';
    default:
        return `The camera could not be started: ${err?.message || err}.`;
    }
}

async function listCameras() {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    const select = $('camera-select');
    const current = state.stream?.getVideoTracks()[0]?.getSettings().deviceId;
    select.replaceChildren(...cameras.map((c, i) => new Option(c.label || `Camera ${i + 1}`, c.deviceId)));
    if (current) select.value = current;
    $('camera-choice').hidden = cameras.length < 2;
}

async function startCamera(deviceId) {
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
        cameraMessage(window.isSecureContext
            ? 'This browser does not offer camera access (no navigator.mediaDevices). Classify an image instead.'
            : `The camera needs a secure context: open the page over https or at http://localhost, not ${location.origin}. ` +
              'Image input still works.');
        document.documentElement.dataset.camera = 'error';
        return;
    }
    stopCamera({ keepMessage: true });
    cameraMessage('Starting the camera…');
    $('camera-start').disabled = true;
    try {
        const stream = await navigator.mediaDevices.getUserMedia({
            audio: false,
            video: deviceId ? { deviceId: { exact: deviceId }, width: { ideal: 640 }, height: { ideal: 480 } }
                : { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'environment' },
        });
        state.stream = stream;
        state.source = 'camera';
        state.stillGeneration++;
        video.srcObject = stream;
        await video.play();
        $('stage').dataset.source = 'camera';
        setStageSize(video.videoWidth, video.videoHeight);
        $('camera-stop').disabled = false;
        const track = stream.getVideoTracks()[0];
        track.addEventListener('ended', () => { stopCamera(); cameraMessage('The camera was disconnected.'); });
        cameraMessage(`Camera on: ${track.label || 'camera'} (${video.videoWidth}×${video.videoHeight}).`);
        document.documentElement.dataset.camera = 'on';
        state.example = null;
        $('example-outcome').textContent = '';
        updateEmptyMessage();
        await listCameras();
        scheduleFrame();
    } catch (err) {
        stopCamera({ keepMessage: true });
        cameraMessage(explainCameraError(err));
        document.documentElement.dataset.camera = 'error';
    } finally {
        $('camera-start').disabled = false;
    }
}

function stopCamera({ keepMessage = false } = {}) {
    if (state.stream) {
        for (const t of state.stream.getTracks()) t.stop();
        state.stream = null;
    }
    cancelFrame();
    video.srcObject = null;
    if (state.source === 'camera') {
        state.source = null;
        $('stage').dataset.source = '';
        drawCrop(null);
        $('stat-fps').textContent = '—';
        clearResults(); // the last frame's answer is not about anything on screen any more
        $('net-input').getContext('2d').clearRect(0, 0, $('net-input').width, $('net-input').height);
    }
    $('camera-stop').disabled = true;
    document.documentElement.dataset.camera = 'off';
    if (!keepMessage) cameraMessage('Camera off.');
}

// Exactly one pending frame callback at a time (cancelled on stop, so restarts never add a second chain).
function scheduleFrame() {
    if (state.source !== 'camera') return;
    cancelFrame();
    state.frameCallback = 'requestVideoFrameCallback' in video
        ? { id: video.requestVideoFrameCallback(onFrame), cancel: (id) => video.cancelVideoFrameCallback(id) }
        : { id: requestAnimationFrame(onFrame), cancel: cancelAnimationFrame };
}

function cancelFrame() {
    if (!state.frameCallback) return;
    state.frameCallback.cancel(state.frameCallback.id);
    state.frameCallback = null;
}

// One camera frame: classify it if the worker is free, otherwise skip it (never queue frames).
function onFrame() {
    state.frameCallback = null;
    if (state.source !== 'camera') return;
    scheduleFrame();
    if (!state.modelId || video.videoWidth === 0) return;
    // Without requestVideoFrameCallback this runs every display frame: only new video frames count.
    if (!('requestVideoFrameCallback' in video)) {
        if (video.currentTime === state.lastVideoTime) return;
        state.lastVideoTime = video.currentTime;
    }
    if (state.busy) {
        state.skipped++;
        return;
    }
    const width = video.videoWidth, height = video.videoHeight;
    if (grabCanvas.width !== width || grabCanvas.height !== height) {
        grabCanvas.width = width;
        grabCanvas.height = height;
        setStageSize(width, height);
    }
    grabContext.drawImage(video, 0, 0, width, height);
    const image = grabContext.getImageData(0, 0, width, height);
    const generation = state.stillGeneration;
    classifyPixels({ data: image.data.buffer, width, height })
        .then((reply) => {
            if (state.source !== 'camera' || generation !== state.stillGeneration) return;
            state.lastFrame = { data: new Uint8Array(reply.pixels.data), width, height, top: reply.top.slice(0, TOP_K) };
            showAnswer(reply, 'camera');
            showPreview(reply.preview);
            showInside(reply.inside, 'camera');
        })
        .catch((err) => {
            if (state.source !== 'camera') return;
            showAlert(`Classifying a camera frame failed: ${err.message}`);
        });
}

$('camera-start').addEventListener('click', () => startCamera($('camera-select').value || undefined));
$('camera-stop').addEventListener('click', () => stopCamera());
$('camera-select').addEventListener('change', (e) => startCamera(e.target.value));
navigator.mediaDevices?.addEventListener?.('devicechange', () => { if (state.stream) listCameras(); });

// ---- still images (file picker, drag and drop, paste) ------------------------------------------------
async function useImageFile(file, example = null) {
    if (!file) return;
    state.example = example;
    $('example-outcome').textContent = '';
    if (file.type && !file.type.startsWith('image/')) {
        showAlert(`“${file.name}” is not an image (${file.type}).`);
        return;
    }
    stopCamera({ keepMessage: true });
    cameraMessage('');
    const generation = ++state.stillGeneration;
    let bitmap;
    const encoded = await file.arrayBuffer();
    try {
        bitmap = await createImageBitmap(file);
    } catch {
        bitmap = null; // the browser cannot decode it; the engine's decoder may still can
    }
    if (generation !== state.stillGeneration) return;
    let pixels = null;
    const still = $('still');
    if (bitmap) {
        const scale = Math.min(1, MAX_STILL_SIDE / Math.max(bitmap.width, bitmap.height));
        const width = Math.max(1, Math.round(bitmap.width * scale)), height = Math.max(1, Math.round(bitmap.height * scale));
        still.width = width;
        still.height = height;
        const ctx = still.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(bitmap, 0, 0, width, height);
        bitmap.close();
        // Small pictures (the 32×32 examples) are shown enlarged with their pixels, not blurred.
        still.style.imageRendering = Math.max(width, height) <= 256 ? 'pixelated' : '';
        pixels = { data: ctx.getImageData(0, 0, width, height).data.buffer, width, height };
        setStageSize(width, height);
    }
    state.source = 'still';
    $('stage').dataset.source = 'still';
    clearResults();
    still.setAttribute('aria-label', `The image being classified: ${file.name || 'pasted image'}`);
    state.pendingStill = { encoded, pixels, name: file.name || 'pasted image', generation };
    state.lastStill = state.pendingStill;
    pumpStill();
}

// Sends the waiting still image (only the latest) once the worker is free.
async function pumpStill() {
    if (!state.modelId) return updateEmptyMessage(); // says the picture waits for the model (or for Retry)
    if (state.busy || !state.pendingStill) return;
    const { encoded, pixels, name, generation } = state.pendingStill;
    state.pendingStill = null;
    // Copies, so the still can be classified again after a model switch.
    const sendPixels = pixels && { data: pixels.data.slice(0), width: pixels.width, height: pixels.height };
    try {
        const reply = await classifyPixels(sendPixels, encoded.slice(0));
        if (generation === state.stillGeneration && state.source === 'still') {
            showAnswer(reply, 'still');
            showPreview(reply.preview);
            showInside(reply.inside, 'still');
            $('stage').dataset.classified = name;
            showExampleOutcome(reply.top[0]);
        }
    } catch (err) {
        if (generation === state.stillGeneration) showAlert(`Could not classify “${name}”: ${err.message}`);
    }
    pumpStill();
}

function reclassifyStill() {
    if (state.source === 'still' && state.lastStill) {
        state.pendingStill = state.lastStill;
        pumpStill();
    }
}

$('file-input').addEventListener('change', (e) => {
    useImageFile(e.target.files[0]);
});
for (const type of ['dragenter', 'dragover']) {
    document.addEventListener(type, (e) => {
        if (![...(e.dataTransfer?.types ?? [])].includes('Files')) return;
        e.preventDefault();
        $('stage').classList.add('dropping');
    });
}
document.addEventListener('dragleave', (e) => {
    if (e.relatedTarget === null) $('stage').classList.remove('dropping');
});
document.addEventListener('drop', (e) => {
    $('stage').classList.remove('dropping');
    const file = [...(e.dataTransfer?.files ?? [])][0];
    if (!file) return;
    e.preventDefault();
    useImageFile(file);
});
document.addEventListener('paste', (e) => {
    const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file' && i.type.startsWith('image/'));
    if (!item) return;
    e.preventDefault();
    useImageFile(item.getAsFile());
});

// ---- look inside -----------------------------------------------------------------------------------
function cssColor(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function setupInside(info) {
    const select = $('layer-select');
    const layers = info.layers;
    select.replaceChildren(...layers.map((l, i) =>
        new Option(`${l.name} — ${l.dims.join('×')} — ${percent(l.sparsity, 0)} zeros`, String(i))));
    select.disabled = layers.length === 0;
    // Start on a 3×3 layer with several channels: the first layer (3 inputs) says little.
    const preferred = layers.findIndex((l) => l.dims.length === 4 && l.dims[1] >= 16 && l.dims[2] === 3);
    state.layerIndex = preferred >= 0 ? preferred : 0;
    select.value = String(state.layerIndex);
    drawSparsity();
    if (layers.length) showLayer(state.layerIndex);
    else {
        $('layer-caption').textContent = 'This model has no ternary layers.';
        const c = $('weights-canvas');
        c.getContext('2d').clearRect(0, 0, c.width, c.height);
    }
}

async function showLayer(index) {
    state.layerIndex = index;
    drawSparsity();
    let reply;
    try {
        reply = await request('layer', { index });
    } catch (err) {
        showAlert(`Could not read layer ${index}: ${err.message}`);
        return;
    }
    if (state.layerIndex !== index) return;
    state.layerCodes = reply;
    drawWeights(reply);
}
$('layer-select').addEventListener('change', (e) => showLayer(Number(e.target.value)));

// Conv weights [Cout, Cin, kh, kw]: one kh×kw tile per (output, input) pair, output channels as rows,
// 1-pixel gaps between tiles. Gemm [N, K] and 1×1 convs: one pixel per weight.
function drawWeights({ name, dims, codes }) {
    const [rows, cols, kh = 1, kw = 1] = dims;
    const gap = kh * kw > 1 ? 1 : 0;
    const naturalW = cols * (kw + gap) + gap, naturalH = rows * (kh + gap) + gap;
    const image = new ImageData(naturalW, naturalH);
    const colour = (css) => {
        const m = /^#([0-9a-f]{6})$/i.exec(css) ?? [null, '888888'];
        const v = parseInt(m[1], 16);
        return [v >> 16, (v >> 8) & 255, v & 255];
    };
    const plus = colour(cssColor('--plus')), minus = colour(cssColor('--minus')), zero = colour(cssColor('--zero'));
    const background = colour(cssColor('--gap'));
    for (let i = 0; i < image.data.length; i += 4) {
        image.data.set(background, i);
        image.data[i + 3] = 255;
    }
    const counts = { plus: 0, zero: 0, minus: 0 };
    for (let o = 0; o < rows; o++) {
        for (let c = 0; c < cols; c++) {
            for (let y = 0; y < kh; y++) {
                for (let x = 0; x < kw; x++) {
                    const code = codes[((o * cols + c) * kh + y) * kw + x];
                    const px = gap + c * (kw + gap) + x, py = gap + o * (kh + gap) + y;
                    const rgb = code > 0 ? plus : code < 0 ? minus : zero;
                    if (code > 0) counts.plus++;
                    else if (code < 0) counts.minus++;
                    else counts.zero++;
                    image.data.set(rgb, (py * naturalW + px) * 4);
                }
            }
        }
    }
    const canvas = $('weights-canvas');
    // Whole pixels per weight, as large as the panel allows (and not taller than 640 px).
    const room = canvas.parentElement.clientWidth || 512;
    const scale = Math.max(1, Math.floor(Math.min(room / naturalW, 640 / naturalH)));
    canvas.width = naturalW * scale;
    canvas.height = naturalH * scale;
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    const tile = new OffscreenCanvas(naturalW, naturalH);
    tile.getContext('2d').putImageData(image, 0, 0);
    ctx.drawImage(tile, 0, 0, canvas.width, canvas.height);
    const total = codes.length;
    $('count-plus').textContent = `(${percent(counts.plus / total, 0)})`;
    $('count-zero').textContent = `(${percent(counts.zero / total, 0)})`;
    $('count-minus').textContent = `(${percent(counts.minus / total, 0)})`;
    const shape = dims.length === 4 ? `${rows} output × ${cols} input channels, ${kh}×${kw} kernels` : `${rows} × ${cols}`;
    const planes = state.info?.layers.find((l) => l.name === name)?.planes ?? 1;
    const planeNote = planes > 1 ? ` Plane 1 of ${planes} (a residual expansion: the weight is the sum of ${planes} ternary ` +
        'planes); the zeros per layer count all planes.' : '';
    $('layer-caption').textContent = `${name}: ${shape}; ${counts.plus} × +1, ${counts.zero} × 0, ${counts.minus} × −1.${planeNote}`;
    canvas.setAttribute('aria-label', `Weights of layer ${name}: ${percent(counts.zero / total, 0)} zero, ` +
        `${percent(counts.plus / total, 0)} plus one, ${percent(counts.minus / total, 0)} minus one`);
}

// Horizontal bars, one per ternary layer: the share of zero weights. Click a bar to pick the layer.
function drawSparsity() {
    const layers = state.info?.layers ?? [];
    const canvas = $('sparsity-canvas');
    const dpr = window.devicePixelRatio || 1;
    const rowH = 18, top = 8, labelW = 150, valueW = 52;
    const cssW = canvas.clientWidth || 480, cssH = top * 2 + rowH * Math.max(1, layers.length);
    canvas.style.height = `${cssH}px`;
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    const ctx = canvas.getContext('2d');
    ctx.scale(dpr, dpr);
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const text = cssColor('--text'), bar = cssColor('--zero-bar'), track = cssColor('--track'), accent = cssColor('--accent');
    const barW = Math.max(40, cssW - labelW - valueW);
    layers.forEach((l, i) => {
        const y = top + i * rowH;
        const selected = i === state.layerIndex;
        ctx.fillStyle = text;
        ctx.textAlign = 'right';
        let label = l.name;
        while (ctx.measureText(label).width > labelW - 10 && label.length > 4) label = '…' + label.slice(2);
        ctx.font = `${selected ? 'bold ' : ''}12px system-ui, sans-serif`;
        ctx.fillText(label, labelW - 8, y + rowH / 2);
        ctx.fillStyle = track;
        ctx.fillRect(labelW, y + 3, barW, rowH - 6);
        ctx.fillStyle = selected ? accent : bar;
        ctx.fillRect(labelW, y + 3, barW * (l.sparsity ?? 0), rowH - 6);
        ctx.fillStyle = text;
        ctx.textAlign = 'left';
        ctx.fillText(percent(l.sparsity, 0), labelW + barW + 6, y + rowH / 2);
        ctx.font = '12px system-ui, sans-serif';
    });
    const mean = state.info?.sparsity;
    $('sparsity-summary').textContent = layers.length
        ? `${layers.length} ternary layers; ${percent(mean)} of all ternary weights are zero` +
          ` (from ${percent(Math.min(...layers.map((l) => l.sparsity)), 0)} to ${percent(Math.max(...layers.map((l) => l.sparsity)), 0)} per layer).`
        : '';
    canvas.onclick = (e) => {
        const i = Math.floor((e.offsetY - top) / rowH);
        if (i >= 0 && i < layers.length) {
            $('layer-select').value = String(i);
            showLayer(i);
        }
    };
}
window.addEventListener('resize', () => {
    if (state.lastCrop) drawCrop(state.lastCrop);
    if (!state.info) return;
    drawSparsity();
    if (state.layerCodes) drawWeights(state.layerCodes);
});
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (!state.info) return;
    drawSparsity();
    if (state.layerCodes) drawWeights(state.layerCodes);
});

// ---- look inside, for the current picture ----------------------------------------------------------
// The worker reads intermediate tensors from the engine by name (model.run with outputs): the last
// conv layer's features and the FC weights give a class activation map (CAM: no gradients needed in a
// ResNet that ends in global average pooling), a chosen layer gives its channels; model.profile()
// gives the time of each step. Asked for only while this part is on screen (or classes are taught).

function insideRequest() {
    const teaching = state.teach.classes.length > 0 || state.teach.capture > 0;
    if (!state.insideNames?.features || (!state.insideVisible && !teaching)) return null;
    return { cam: state.insideVisible, embed: teaching, layer: state.insideVisible ? state.actLayer : null };
}

function setupCurrentInside(names) {
    state.insideNames = names;
    state.lastInside = null;
    const select = $('act-layer');
    const layers = names?.layers ?? [];
    select.replaceChildren(...layers.map((l) => new Option(`${l.output} — ${l.op}`, l.output)));
    select.disabled = layers.length === 0;
    // a middle layer by default: the first ones see edges and colours, the last ones are 8×8
    state.actLayer = layers[Math.floor(layers.length / 2)]?.output ?? null;
    if (state.actLayer) select.value = state.actLayer;
    clearCanvas($('cam-canvas'));
    clearCanvas($('act-canvas'));
    $('cam-caption').textContent = names?.features
        ? 'Where it looks: shown once a picture has been classified.'
        : 'This model does not end in a global average pool, so it has no class activation map.';
    $('act-caption').textContent = '';
    $('profile-bars').replaceChildren();
    $('profile-caption').textContent = '';
    $('current-inside').dataset.profiled = '';
}

function clearCanvas(canvas) {
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

function showInside(inside, source) {
    if (!inside) return;
    state.lastInside = inside;
    if (inside.embedding) {
        state.lastEmbedding = inside.embedding;
        $('teach-dims').textContent = String(inside.embedding.length);
        teachFrame(inside.embedding, source);
    }
    if (inside.cam) drawCam(inside.cam);
    if (inside.layer) drawActivations(inside.layer);
    $('current-inside').dataset.updates = String((Number($('current-inside').dataset.updates) || 0) + 1);
}

// Heat colours from dark blue (0) through red to yellow (1), with more opacity where it is hotter.
function heatColour(v) {
    const r = Math.min(1, 2 * v), g = Math.max(0, 2 * v - 1), b = Math.max(0, 1 - 3 * v);
    return [255 * r, 255 * g, 160 * b, 70 + 150 * v];
}

// The map of the class shown under the picture, over the network's input (the crop): the engine's
// H×W map (8×8 for ResNet-20, one cell per 4×4 input pixels), negative values cut to 0, scaled to its
// maximum, upsampled smoothly by the canvas.
function drawCam({ maps, classes, height, width }) {
    const c = state.shownIndex;
    if (c == null || c >= classes) return;
    const area = height * width;
    const map = maps.subarray(c * area, (c + 1) * area);
    const max = Math.max(...map);
    const heat = new ImageData(width, height);
    for (let p = 0; p < area; p++) heat.data.set(heatColour(max > 0 ? Math.max(0, map[p]) / max : 0), 4 * p);
    const canvas = $('cam-canvas');
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage($('net-input'), 0, 0, canvas.width, canvas.height);
    const tile = new OffscreenCanvas(width, height);
    tile.getContext('2d').putImageData(heat, 0, 0);
    ctx.drawImage(tile, 0, 0, canvas.width, canvas.height);
    const label = state.info?.labels?.[c] ?? `class ${c}`;
    const hottest = map.indexOf(max);
    $('cam-caption').textContent = `Where it found “${label}”: the last conv layer's ` +
        `${height}×${width} features weighted by the FC weights of “${label}” (a class activation map), warm = ` +
        `raises the score most${max > 0 ? ` (hottest cell: row ${Math.floor(hottest / width) + 1}, column ${hottest % width + 1})` : ''}.`;
    canvas.dataset.label = label;
    canvas.dataset.hottest = String(hottest);
    canvas.setAttribute('aria-label', `Class activation map for ${label} over the network's input`);
}

// Up to 16 channels of one layer, each scaled to its own range (dark = 0 or lowest, light = highest).
function drawActivations({ name, dims, data }) {
    const [, channels, height, width] = dims.length === 4 ? dims : [1, 1, 1, data.length];
    const shown = Math.min(16, channels), columns = 4, rows = Math.ceil(shown / columns);
    const cell = Math.max(1, Math.floor(48 / Math.max(height, width))); // whole pixels, tiles about 48 px
    const tileW = width * cell, tileH = height * cell, gap = 2;
    const canvas = $('act-canvas');
    canvas.width = columns * (tileW + gap) - gap;
    canvas.height = rows * (tileH + gap) - gap;
    const image = new ImageData(canvas.width, canvas.height);
    const area = height * width;
    for (let ch = 0; ch < shown; ch++) {
        const values = data.subarray(ch * area, (ch + 1) * area);
        let lo = Infinity, hi = -Infinity;
        for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        const ox = (ch % columns) * (tileW + gap), oy = Math.floor(ch / columns) * (tileH + gap);
        for (let y = 0; y < tileH; y++) {
            for (let x = 0; x < tileW; x++) {
                const v = values[Math.floor(y / cell) * width + Math.floor(x / cell)];
                const g = hi > lo ? (255 * (v - lo)) / (hi - lo) : 0;
                image.data.set([g, g, g, 255], ((oy + y) * canvas.width + ox + x) * 4);
            }
        }
    }
    canvas.getContext('2d').putImageData(image, 0, 0);
    canvas.style.width = `${canvas.width * Math.max(1, Math.floor(200 / canvas.width))}px`;
    canvas.style.imageRendering = 'pixelated';
    const layer = state.insideNames?.layers.find((l) => l.output === name);
    $('act-caption').textContent = `${name}${layer ? ` (${layer.op})` : ''}: ${channels} channels of ${height}×${width}` +
        `${shown < channels ? `, the first ${shown} shown` : ''}; each from its lowest (dark) to its highest value (light).`;
    canvas.dataset.layer = name;
    canvas.setAttribute('aria-label', `${shown} channels of layer ${name}, ${height}×${width} each`);
}

$('act-layer').addEventListener('change', (e) => {
    state.actLayer = e.target.value;
    reclassifyStill(); // a camera picks the layer up with its next frame
});

// Per-step times from model.profile(): each step run 20 times on the last picture's input; the page
// measures with performance.now() (the engine has no clock).
async function runProfile() {
    $('profile-run').disabled = true;
    try {
        const { steps, onPicture } = await request('profile');
        const max = Math.max(...steps.map((s) => s.ms), 1e-9), total = steps.reduce((sum, s) => sum + s.ms, 0);
        $('profile-bars').replaceChildren(...steps.map((s) => {
            const row = document.createElement('div');
            row.className = 'profile-row';
            row.setAttribute('role', 'listitem');
            row.innerHTML = '<span class="profile-name"></span><span class="profile-op"></span>' +
                '<span class="profile-track"><span class="profile-fill"></span></span><span class="profile-value"></span>';
            row.querySelector('.profile-name').textContent = s.name;
            row.querySelector('.profile-name').title = `${s.name} → ${s.output}${s.kernel ? ` (${s.kernel})` : ''}`;
            row.querySelector('.profile-op').textContent = s.op;
            row.querySelector('.profile-fill').style.width = `${((100 * s.ms) / max).toFixed(1)}%`;
            row.querySelector('.profile-value').textContent = `${(1000 * s.ms).toFixed(0)} µs`;
            row.dataset.ms = String(s.ms);
            return row;
        }));
        const convs = steps.filter((s) => s.op.startsWith('Conv')).reduce((sum, s) => sum + s.ms, 0);
        $('profile-caption').textContent = `${steps.length} steps, ${total.toFixed(2)} ms in all (convolutions ` +
            `${total > 0 ? Math.round((100 * convs) / total) : 0} %), each run 20 times ${onPicture ? 'on the current picture' : 'on an empty input'}` +
            '; timed by the page with performance.now(), whose resolution the browser may coarsen.';
        $('current-inside').dataset.profiled = String(steps.length);
    } catch (err) {
        showAlert(`Could not time the layers: ${err.message}`);
    } finally {
        $('profile-run').disabled = false;
    }
}
$('profile-run').addEventListener('click', runProfile);

new IntersectionObserver((entries) => {
    const visible = entries.some((e) => e.isIntersecting);
    if (visible === state.insideVisible) return;
    state.insideVisible = visible;
    if (visible) reclassifyStill(); // draw it for the picture already on screen
}).observe($('current-inside'));

// ---- teach it your own classes -------------------------------------------------------------------------
// Each captured frame is the network's penultimate features (the GlobalAveragePool output); a new
// frame goes to the class with most weight among its k nearest captured frames (cosine similarity).
const TEACH = { frames: 5, k: 3, format: 'trit-taught-classes' };

const unit = (v) => {
    const norm = Math.hypot(...v) || 1;
    return Float32Array.from(v, (x) => x / norm);
};

function nearestClass(embedding) {
    const query = unit(embedding);
    const scored = [];
    state.teach.classes.forEach((c, ci) => {
        for (const sample of c.unit) {
            let dot = 0;
            for (let i = 0; i < query.length; i++) dot += query[i] * sample[i];
            scored.push({ ci, similarity: dot });
        }
    });
    if (!scored.length) return null;
    scored.sort((a, b) => b.similarity - a.similarity);
    const votes = new Map();
    for (const { ci, similarity } of scored.slice(0, TEACH.k)) votes.set(ci, (votes.get(ci) ?? 0) + Math.max(0, similarity));
    const [best] = [...votes.entries()].sort((a, b) => b[1] - a[1]);
    const neighbours = scored.slice(0, TEACH.k).filter((s) => s.ci === best[0]);
    return { index: best[0], similarity: neighbours.reduce((sum, s) => sum + s.similarity, 0) / neighbours.length };
}

function addSample(classIndex, embedding) {
    const c = state.teach.classes[classIndex];
    c.samples.push(Array.from(embedding, (x) => Math.round(x * 1e5) / 1e5));
    c.unit.push(unit(embedding));
}

function teachFrame(embedding, source) {
    const t = state.teach;
    if (t.capture > 0 && t.current >= 0 && source === 'camera') {
        addSample(t.current, embedding);
        t.capture--;
        teachMessage(t.capture > 0 ? `Capturing “${t.classes[t.current].name}”: ${TEACH.frames - t.capture} of ${TEACH.frames} frames…`
            : `Captured ${TEACH.frames} frames of “${t.classes[t.current].name}”.${t.classes.length < 2 ? ' Now add a second class.' : ''}`);
        showTeachClasses();
        showTaught(null);
        return;
    }
    const answer = nearestClass(embedding);
    if (answer && source === 'camera') {
        t.answers.push(t.classes[answer.index].name);
        if (t.answers.length > 1000) t.answers.shift();
    }
    showTaught(answer);
}

function showTaught(answer) {
    const verdict = $('teach-verdict');
    for (const li of $('teach-classes').children) delete li.dataset.winner;
    if (!answer) {
        verdict.dataset.state = 'empty';
        $('teach-label').textContent = '—';
        $('teach-score').textContent = '';
        $('teach-fill').style.width = '0';
        delete verdict.dataset.label;
        return;
    }
    const name = state.teach.classes[answer.index].name;
    verdict.dataset.state = 'sure';
    verdict.dataset.label = name;
    $('teach-label').textContent = name;
    $('teach-score').textContent = `similarity ${answer.similarity.toFixed(2)}`;
    $('teach-fill').style.width = `${(100 * Math.max(0, answer.similarity)).toFixed(1)}%`;
    const li = $('teach-classes').children[answer.index];
    if (li) li.dataset.winner = 'true';
}

function teachMessage(text) {
    $('teach-message').textContent = text;
}

function showTeachClasses() {
    const t = state.teach;
    $('teach-classes').replaceChildren(...t.classes.map((c, i) => {
        const li = document.createElement('li');
        li.textContent = `${c.name} (${c.samples.length})`;
        li.dataset.name = c.name;
        li.dataset.samples = String(c.samples.length);
        li.dataset.current = String(i === t.current);
        return li;
    }));
    $('teach-capture').disabled = t.current < 0 || !state.insideNames?.embedding;
    $('teach-export').disabled = $('teach-clear').disabled = t.classes.length === 0;
    document.documentElement.dataset.taught = t.classes.map((c) => `${c.name}:${c.samples.length}`).join(',');
}

function addClass(name) {
    const t = state.teach;
    const existing = t.classes.findIndex((c) => c.name === name);
    if (existing >= 0) t.current = existing;
    else {
        t.classes.push({ name, samples: [], unit: [] });
        t.current = t.classes.length - 1;
    }
    showTeachClasses();
}

$('teach-add').addEventListener('click', () => {
    const name = $('teach-name').value.trim() || `thing ${state.teach.classes.length + 1}`;
    $('teach-name').value = '';
    addClass(name);
    teachMessage(`Class “${name}”: show it to the camera and press Capture.`);
});

$('teach-capture').addEventListener('click', () => {
    const t = state.teach;
    if (t.current < 0) return;
    if (state.source === 'camera') {
        t.capture = TEACH.frames;
        teachMessage(`Capturing “${t.classes[t.current].name}”: hold it in view…`);
    } else if (state.source === 'still' && state.lastEmbedding) {
        addSample(t.current, state.lastEmbedding); // a picture is one frame
        teachMessage(`Added this picture to “${t.classes[t.current].name}”.`);
        showTeachClasses();
    } else {
        teachMessage('Start the camera (or show a picture) to capture frames.');
    }
});

$('teach-clear').addEventListener('click', () => {
    Object.assign(state.teach, { classes: [], current: -1, capture: 0, answers: [] });
    showTeachClasses();
    showTaught(null);
    teachMessage('No classes taught yet.');
});

function taughtJson() {
    const t = state.teach;
    return JSON.stringify({
        format: TEACH.format, version: 1, model: state.info?.name ?? null, features: state.insideNames?.embedding,
        length: t.classes[0]?.samples[0]?.length ?? 0, k: TEACH.k,
        classes: t.classes.map((c) => ({ name: c.name, samples: c.samples })),
    });
}

$('teach-export').addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([taughtJson()], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'trit-classes.json';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    teachMessage('Saved trit-classes.json (the features only: no pictures).');
});

// Classes from a file Export wrote, checked before anything is replaced: features of another model
// do not compare, so a file from another model is refused.
function importTaught(text) {
    let data;
    try {
        data = JSON.parse(text);
    } catch {
        throw new Error('the file is not JSON');
    }
    if (data?.format !== TEACH.format || data.version !== 1 || !Array.isArray(data.classes)) {
        throw new Error('the file is not an export of taught classes');
    }
    if (data.model !== (state.info?.name ?? null)) {
        throw new Error(`it was taught with the model “${data.model}”, this page uses “${state.info?.name}”: pick that model first`);
    }
    for (const c of data.classes) {
        if (typeof c?.name !== 'string' || !c.name || !Array.isArray(c.samples)
            || !c.samples.every((s) => Array.isArray(s) && s.length === data.length && s.every(Number.isFinite))) {
            throw new Error('a class in the file has no name or malformed samples');
        }
    }
    for (const c of data.classes) {
        addClass(c.name);
        for (const sample of c.samples) addSample(state.teach.current, sample);
    }
    showTeachClasses();
    return data.classes.length;
}

$('teach-import').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (!file) return;
    try {
        const count = importTaught(await file.text());
        teachMessage(`Imported ${count} class${count === 1 ? '' : 'es'} from ${file.name}.`);
    } catch (err) {
        teachMessage(`Could not import ${file.name}: ${err.message}.`);
    }
});

// A new model means new features: the classes taught with the old one no longer compare.
function teachModelChanged() {
    const t = state.teach;
    if (t.model && t.model !== state.info?.name && t.classes.length) {
        Object.assign(t, { classes: [], current: -1, capture: 0, answers: [] });
        teachMessage('The model changed, so the taught classes were forgotten (their features belong to the old model).');
    }
    t.model = state.info?.name ?? null;
    showTeachClasses();
    showTaught(null);
}

// ---- example pictures --------------------------------------------------------------------------------
(function buildExamples() {
    const list = $('examples');
    for (const example of EXAMPLES) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'example';
        button.id = `example-${example.file.replace(/\.\w+$/, '')}`;
        button.dataset.truth = example.truth;
        const img = document.createElement('img');
        img.src = `examples/${example.file}`;
        img.alt = `Example: a ${example.truth} (CIFAR-10 test picture)`;
        img.width = img.height = 56;
        button.append(img);
        button.addEventListener('click', async () => {
            let blob;
            try {
                const response = await fetch(img.src);
                if (!response.ok) throw new Error(`HTTP ${response.status}`);
                blob = await response.blob();
            } catch (err) {
                showAlert(`Could not download the example picture (${err.message}).`);
                return;
            }
            useImageFile(new File([blob], example.file, { type: blob.type || 'image/jpeg' }), example);
        });
        list.append(button);
    }
    const outcome = document.createElement('p');
    outcome.id = 'example-outcome';
    outcome.className = 'example-outcome';
    outcome.setAttribute('role', 'status');
    list.after(outcome);
})();

// After an example: what it really is, and whether the model got it right.
function showExampleOutcome(top1) {
    const example = state.example;
    if (!example || !top1) return;
    const said = top1.label || `class ${top1.index}`;
    const right = said === example.truth;
    $('example-outcome').textContent = right
        ? `Right: this test picture is a ${example.truth}.`
        : `Wrong: this test picture is a ${example.truth}, the model says ${said}.`;
    $('example-outcome').dataset.right = String(right);
}

(function listMethods() {
    $('methods').replaceChildren(...Object.entries(METHODS).flatMap(([name, line]) => {
        const dt = document.createElement('dt');
        const dd = document.createElement('dd');
        dt.textContent = name;
        dd.textContent = line.slice(line.indexOf('—') + 2);
        return [dt, dd];
    }));
})();

// Two bars: the float32 weights of the same network against this file (and its download).
function showSize(m, info) {
    const floatBytes = 4 * info.parameters;
    const rows = [
        ['float32 weights', floatBytes, 'float'],
        [`this file (${m.name})`, info.fileBytes, 'file'],
    ];
    const download = m.url.endsWith('.gz') ? m.bytes : m.gzipBytes;
    if (download) rows.push(['as downloaded (gzip)', download, 'gzip']);
    $('size-bars').replaceChildren(...rows.map(([name, bytes, kind]) => {
        const row = document.createElement('div');
        row.className = 'size-row';
        row.dataset.kind = kind;
        row.dataset.bytes = String(bytes);
        row.innerHTML = '<span class="size-name"></span><span class="size-track"><span class="size-fill"></span></span><span class="size-value"></span>';
        row.querySelector('.size-name').textContent = name;
        row.querySelector('.size-fill').style.width = `${Math.max(0.5, (100 * bytes) / floatBytes).toFixed(2)}%`;
        row.querySelector('.size-value').textContent = formatBytes(bytes);
        return row;
    }));
    drawSizeSquares(floatBytes, info.fileBytes, m.name);
    $('size-caption').textContent = `${info.parameters.toLocaleString('en')} weights: ${formatBytes(floatBytes)} as float32 ` +
        `(the float ResNet-20 ONNX file is 1.08 MB, models/README.md); this file is ${(floatBytes / info.fileBytes).toFixed(1)}× smaller, ` +
        `${info.bitsPerWeight.toFixed(2)} bits per weight.`;
}

// The same comparison as areas: one square per file, its area in proportion to its bytes.
function drawSizeSquares(floatBytes, fileBytes, name) {
    const big = 96, small = Math.max(2, big * Math.sqrt(fileBytes / floatBytes)), ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${big + small + 260} ${big + 4}`);
    svg.setAttribute('width', String(big + small + 260));
    svg.setAttribute('height', String(big + 4));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `Areas in proportion to bytes: float32 weights ${formatBytes(floatBytes)}, ${name} ${formatBytes(fileBytes)}`);
    const square = (x, side, kind, label) => {
        const rect = document.createElementNS(ns, 'rect');
        Object.entries({ x, y: 2 + big - side, width: side, height: side, class: `size-square ${kind}` }).forEach(([k, v]) => rect.setAttribute(k, v));
        const text = document.createElementNS(ns, 'text');
        Object.entries({ x: x + side + 6, y: big - 2, class: 'size-square-label' }).forEach(([k, v]) => text.setAttribute(k, v));
        text.textContent = label;
        return [rect, text];
    };
    svg.append(...square(2, big, 'float', ''), ...square(big + 10, small, 'file', `${formatBytes(fileBytes)} against ${formatBytes(floatBytes)}, by area`));
    $('size-squares').replaceChildren(svg);
}

$('smoothing').value = String(state.alpha);
if ($('smoothing').value !== String(state.alpha)) { // a ?smooth= value not in the list: add it
    $('smoothing').append(new Option(`weight ${state.alpha} (from the address)`, String(state.alpha)));
    $('smoothing').value = String(state.alpha);
}
$('smoothing-alpha').textContent = String(state.alpha);
$('smoothing').addEventListener('change', (e) => {
    state.alpha = clampAlpha(e.target.value);
    $('smoothing-alpha').textContent = String(state.alpha);
    state.smoothed = null;
});
$('unsure-p').textContent = `${100 * UNSURE.probability} %`;
$('unsure-m').textContent = String(100 * UNSURE.margin);

// ---- start -------------------------------------------------------------------------------------------
if (!window.isSecureContext) {
    cameraMessage(`The camera needs a secure context (https or http://localhost); this page is at ${location.origin}. ` +
        'Image input still works.');
}
document.documentElement.dataset.camera = 'off';

// For the browser tests and the curious: the camera frame behind the results on screen.
window.tritDemo = {
    lastFrame() {
        const f = state.lastFrame;
        if (!f) return null;
        let binary = '';
        for (let i = 0; i < f.data.length; i += 0x8000) binary += String.fromCharCode(...f.data.subarray(i, i + 0x8000));
        return { width: f.width, height: f.height, rgbaBase64: btoa(binary), top: f.top };
    },
    // what the taught classes said for each camera frame since they were taught (oldest first)
    taughtAnswers: () => [...state.teach.answers],
    resetTaughtAnswers: () => { state.teach.answers = []; },
};

loadManifest();

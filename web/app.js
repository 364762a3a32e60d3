// The demo page: camera / image input, the model picker, results and the "look inside" panel.
// All inference happens in worker.js; this file only moves pixels and draws.

const $ = (id) => document.getElementById(id);
const TOP_K = 5;
const LATENCY_WINDOW = 30; // frames in the median inference time
const MAX_STILL_SIDE = 1280; // browser-decoded stills are shrunk to this for display and preview

const state = {
    models: [],
    modelId: null,        // the model that is loaded and in use
    pendingModelId: null, // the model being loaded
    info: null,
    preprocess: null,
    stream: null,
    source: null,          // 'camera' | 'still' | null
    busy: false,           // a classify request is in flight
    pendingStill: null,    // a still image waiting for the worker
    skipped: 0,
    latencies: [],
    resultTimes: [],
    lastFrame: null,       // { data, width, height } of the camera frame behind the shown result
    stillGeneration: 0,
    layerIndex: 0,
    layerCodes: null,
    lastTopLabel: null,
    frameCallback: null,   // { id, cancel } of the pending requestVideoFrameCallback / rAF
};

// ---- worker plumbing -----------------------------------------------------------------------------
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map();
let nextId = 1;

function request(type, fields = {}, transfer = []) {
    const id = nextId++;
    worker.postMessage({ type, id, ...fields }, transfer);
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

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
    showAlert(`The inference worker failed to start: ${event.message || 'see the browser console'}. ` +
        'Is the page served by `make serve` (it needs ../js_sdk/trit.js)?');
    setEngineBadge('engine: failed', 'bad');
};

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
}

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
    try {
        const response = await fetch('models.json', { cache: 'no-cache' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        manifest = await response.json();
    } catch (err) {
        showAlert(`Could not read the model list (models.json): ${err.message}.`);
        return;
    }
    state.models = manifest.models ?? [];
    const select = $('model-select');
    select.replaceChildren(...state.models.map((m) => new Option(modelLabel(m), m.id)));
    if (state.models.length === 0) {
        showAlert('No models found. Build or download them first (see the README), then reload.');
        select.disabled = true;
        return;
    }
    const wanted = new URLSearchParams(location.search).get('model');
    const first = state.models.find((m) => m.id === wanted || m.name === wanted) ?? state.models[0];
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
    const params = new URLSearchParams(location.search);
    const simd = params.get('simd') === '0' ? false : params.get('simd') === '1' ? true : undefined;
    try {
        const reply = await request('load', { url: new URL(m.url, location.href).href, simd });
        if (state.pendingModelId !== id) return; // the user picked another one meanwhile
        state.modelId = id;
        state.info = readInfo(reply.info);
        state.preprocess = state.info.preprocess;
        document.documentElement.dataset.model = 'ready';
        $('alert').hidden = true;
        m.engineSparsity = state.info.sparsity;
        const option = [...$('model-select').options].find((o) => o.value === id);
        if (option) option.textContent = modelLabel(m);
        showModelInfo(m, state.info);
        setupInside(state.info);
        updateDownloads();
        reclassifyStill();
    } catch (err) {
        if (state.pendingModelId !== id) return;
        document.documentElement.dataset.model = state.modelId ? 'ready' : 'error';
        const was = state.models.find((x) => x.id === state.modelId);
        showAlert(`Could not load the model “${m.name}”: ${err.message.replace(/\.?$/, '.')}` +
            (was ? ` Still using “${was.name}”.` : ''));
        $('model-progress-text').textContent = 'failed';
        $('model-select').value = state.modelId ?? id;
        if (was) describeModel(was, state.info);
        setEngineBadge(state.modelId ? 'engine: ready' : 'engine: no model', state.modelId ? 'ok' : 'bad');
    } finally {
        if (state.pendingModelId === id) state.pendingModelId = null;
    }
}
$('model-select').addEventListener('change', (e) => switchModel(e.target.value));

function showModelInfo(m, info) {
    describeModel(m, info);
    setEngineBadge('engine: ready', 'ok');
    const simdBadge = $('simd-badge');
    simdBadge.textContent = info.simd ? 'SIMD: on' : 'SIMD: off';
    simdBadge.dataset.kind = info.simd ? 'ok' : 'warn';
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

function showResults(top, ms) {
    top.forEach((r, i) => {
        const row = resultRows[i];
        row.li.hidden = false;
        row.label.textContent = r.label || `class ${r.index}`;
        row.fill.style.width = `${(100 * r.probability).toFixed(1)}%`;
        row.prob.textContent = `${(100 * r.probability).toFixed(1)} %`;
        row.li.dataset.index = String(r.index);
        row.li.dataset.probability = String(r.probability);
    });
    for (let i = top.length; i < TOP_K; i++) resultRows[i].li.hidden = true;
    $('results-empty').hidden = top.length > 0;
    $('results').dataset.count = String(top.length);
    $('results').dataset.updates = String((Number($('results').dataset.updates) || 0) + 1);
    const best = top[0] ? (top[0].label || `class ${top[0].index}`) : null;
    if (best !== state.lastTopLabel) { // announce changes only, not every frame
        state.lastTopLabel = best;
        $('top-announcer').textContent = best ? `Top guess: ${best}, ${(100 * top[0].probability).toFixed(0)} percent` : '';
    }
    state.latencies.push(ms);
    if (state.latencies.length > LATENCY_WINDOW) state.latencies.shift();
    $('stat-latency').textContent = `${median(state.latencies).toFixed(1)} ms`;
    const now = performance.now();
    state.resultTimes.push(now);
    while (state.resultTimes.length && now - state.resultTimes[0] > 2000) state.resultTimes.shift();
    if (state.source === 'camera' && state.resultTimes.length > 1) {
        const span = (now - state.resultTimes[0]) / 1000;
        $('stat-fps').textContent = (span > 0 ? (state.resultTimes.length - 1) / span : 0).toFixed(1);
    }
    $('stat-skipped').textContent = String(state.skipped);
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
        const reply = await request('classify', { pixels, encoded, topK: TOP_K, preprocess: state.preprocess }, transfer);
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
            state.lastFrame = { data: new Uint8Array(reply.pixels.data), width, height, top: reply.top };
            showResults(reply.top, reply.ms);
            showPreview(reply.preview);
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
async function useImageFile(file) {
    if (!file) return;
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
        pixels = { data: ctx.getImageData(0, 0, width, height).data.buffer, width, height };
        setStageSize(width, height);
    }
    state.source = 'still';
    $('stage').dataset.source = 'still';
    still.setAttribute('aria-label', `The image being classified: ${file.name || 'pasted image'}`);
    state.pendingStill = { encoded, pixels, name: file.name || 'pasted image', generation };
    state.lastStill = state.pendingStill;
    pumpStill();
}

// Sends the waiting still image (only the latest) once the worker is free.
async function pumpStill() {
    if (state.busy || !state.pendingStill || !state.modelId) return;
    const { encoded, pixels, name, generation } = state.pendingStill;
    state.pendingStill = null;
    // Copies, so the still can be classified again after a model switch.
    const sendPixels = pixels && { data: pixels.data.slice(0), width: pixels.width, height: pixels.height };
    try {
        const reply = await classifyPixels(sendPixels, encoded.slice(0));
        if (generation === state.stillGeneration && state.source === 'still') {
            showResults(reply.top, reply.ms);
            showPreview(reply.preview);
            $('stage').dataset.classified = name;
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
};

loadManifest();

// Browser tests of what the demo explains (issue 16): the classes before any answer, example pictures
// without a camera, the phone layout with a fake webcam made from a real photo, steady (averaged)
// answers, "not sure", timings kept apart, and honest loading / failure states with a working Retry.
// Against `make serve`'s own model list (the shipped models/, else the stand-ins), headless Chromium.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, ROOT, launch, openPage, photoPicture, screenshot, startServer, writeY4m } from './helpers.mjs';
import { load } from '../../js_sdk/trit.js';

const CAMERA_FLAGS = (y4m) => ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${y4m}`];
const EXAMPLES = path.join(ROOT, 'web/examples');

let server, manifest, browser;
const browsers = [];
async function browserWith(flags) {
    const b = await launch(flags);
    browsers.push(b);
    return b;
}

before(async () => {
    server = await startServer();
    manifest = await (await fetch(`${server.origin}/web/models.json`)).json();
    browser = await browserWith([]);
});
after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await server?.stop();
});

const ready = (page) => page.waitForSelector('html[data-model="ready"]', { timeout: 20000 });
const chips = (page) => page.$$eval('#classes li', (l) => l.map((x) => x.textContent));
const verdict = (page) => page.evaluate(() => ({
    label: document.querySelector('#verdict-label').textContent,
    prob: document.querySelector('#verdict-prob').textContent,
    state: document.querySelector('#verdict').dataset.state,
    note: document.querySelector('#verdict-note').textContent,
}));

// The SDK in Node on the same file: what the page must show for it.
async function expected(file) {
    const model = await load(path.join(ROOT, 'web', manifest.models[0].url));
    try {
        return await model.classify(readFileSync(file), { topK: 2 });
    } finally {
        model.dispose();
    }
}

describe('what it knows', () => {
    test('the classes before any answer; an example classified with no camera; timings apart', async () => {
        const tab = await openPage(browser);
        const { page } = tab;
        await page.goto(server.page);
        // The chips come from models.json, so they are there even before the model has arrived.
        await page.waitForFunction(() => document.querySelectorAll('#classes li').length > 0);
        const labels = manifest.models[0].labels;
        assert.deepEqual(await chips(page), labels);
        assert.equal(labels.length, 10);
        assert.match(await page.textContent('#knows-text'), /32×32.*CIFAR-10.*one of them/s);
        await ready(page);
        assert.equal(await page.$eval('#results', (r) => r.dataset.count ?? '0'), '0', 'no answer yet');
        assert.equal(await page.getAttribute('html', 'data-camera'), 'off');

        // An example the model gets wrong, then one it gets right: shown answer = the SDK's in Node.
        for (const file of ['cat-0004.jpg', 'ship-0000.jpg']) {
            await page.click(`#example-${file.replace('.jpg', '')}`);
            await page.waitForSelector(`#stage[data-classified="${file}"]`, { timeout: 10000 });
            const [top1, top2] = await expected(path.join(EXAMPLES, file));
            const shown = await verdict(page);
            assert.equal(shown.label, top1.label, file);
            assert.equal(shown.prob, `${(100 * top1.probability).toFixed(0)} %`);
            const unsure = top1.probability < 0.5 || top1.probability - top2.probability < 0.2;
            assert.equal(shown.state, unsure ? 'unsure' : 'sure');
            assert.equal(await page.$eval('#classes li[data-winner]', (li) => li.textContent), top1.label, 'winner chip');
            const truth = file.split('-')[0];
            assert.match(await page.textContent('#example-outcome'),
                top1.label === truth ? /^Right/ : new RegExp(`^Wrong: .* ${truth}, the model says ${top1.label}`));
        }
        assert.equal(await page.getAttribute('html', 'data-camera'), 'off', 'no camera was used');
        // The network's time and the decode + resize time, each its own number.
        const stats = await page.$$eval('.stats div', (d) => Object.fromEntries(d.map((x) => [x.querySelector('dt').textContent, x.querySelector('dd').textContent])));
        assert.match(stats['Network (this picture)'], /^\d+\.\d ms$/);
        assert.match(stats['Decode + resize (picture)'], /^\d+\.\d ms$/);
        assert.match(await page.textContent('#raw-timing'), /network [\d.]+ ms, decode \+ resize [\d.]+ ms/);
        // Bits per weight from the file, one line on the method, the size picture.
        const info = await page.$eval('#model-info', (dl) => dl.textContent);
        const bits = /Bits per weight([\d.]+)/.exec(info)[1];
        assert.match(await page.textContent('#footer-bits'), new RegExp(`${bits.replace('.', '\\.')} bits per weight`));
        assert.ok((await page.textContent('#model-method')).length > 20, 'the method explained');
        const bars = await page.$$eval('.size-row', (r) => r.map((x) => [x.dataset.kind, Number(x.dataset.bytes),
            x.querySelector('.size-fill').getBoundingClientRect().width]));
        assert.deepEqual(bars.map(([kind]) => kind).slice(0, 2), ['float', 'file']);
        assert.ok(bars[1][2] < bars[0][2] / 5, 'the file bar is a fraction of the float bar');
        await screenshot(page, 'explains-example');
        assert.deepEqual(tab.problems(), []);
        await tab.close();
    });
});

describe('phone, steady answers', () => {
    test('390×844: the live top-1 and its probability in the first screen while the video plays; Stop clears', async () => {
        // A fake webcam of a real photo (the ship example, enlarged), then the cat one in 1 frame of 5.
        const ship = await photoPicture(browser, path.join(EXAMPLES, 'ship-0000.jpg'));
        const horse = await photoPicture(browser, path.join(EXAMPLES, 'horse-0003.jpg'));
        const y4m = writeY4m(path.join(ARTIFACTS, 'photo-flicker.y4m'), [ship, ship, ship, ship, horse]);
        const tab = await openPage(await browserWith(CAMERA_FLAGS(y4m)));
        const { page } = tab;
        await page.setViewportSize({ width: 390, height: 844 });
        await page.goto(`${server.page}?smooth=0.25`);
        await ready(page);
        await page.click('#camera-start');
        await page.waitForFunction(() => Number(document.querySelector('#results').dataset.updates) >= 10, null, { timeout: 10000 });
        // Over 2 s: the raw per-frame top-1 (details) flips with the odd frame; the shown one does not.
        const flips = await page.evaluate(() => new Promise((resolve) => {
            const seen = { raw: [], shown: [] };
            const rawFirst = () => document.querySelector('#raw-rows tr td')?.textContent;
            const observer = new MutationObserver(() => {
                const raw = rawFirst(), shown = document.querySelector('#verdict-label').textContent;
                if (raw && raw !== seen.raw.at(-1)) seen.raw.push(raw);
                if (shown !== seen.shown.at(-1)) seen.shown.push(shown);
            });
            observer.observe(document.querySelector('#raw-rows'), { childList: true });
            setTimeout(() => { observer.disconnect(); resolve(seen); }, 2000);
        }));
        assert.ok(flips.raw.length >= 5, `raw top-1 changed ${flips.raw.length - 1} times: ${flips.raw.join(' ')}`);
        assert.equal(flips.shown.length, 1, `shown top-1 changed: ${flips.shown.join(' ')}`);
        const [shipTop] = await expected(path.join(EXAMPLES, 'ship-0000.jpg'));
        assert.equal(flips.shown[0], shipTop.label);

        const screen = await page.evaluate(() => {
            window.scrollTo(0, 0);
            const box = (sel) => {
                const r = document.querySelector(sel).getBoundingClientRect();
                return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
            };
            const video = document.querySelector('#video');
            return { label: box('#verdict-label'), prob: box('#verdict-prob'), video: box('#video'),
                playing: !video.paused && video.readyState >= 2, time: video.currentTime,
                height: innerHeight, width: innerWidth, probText: document.querySelector('#verdict-prob').textContent };
        });
        for (const what of ['label', 'prob', 'video']) {
            const b = screen[what];
            assert.ok(b.top >= 0 && b.bottom <= screen.height && b.left >= 0 && b.right <= screen.width,
                `${what} at ${JSON.stringify(b)}, screen ${screen.width}×${screen.height}`);
        }
        assert.match(screen.probText, /^\d+ %$/);
        assert.ok(screen.playing, 'the video plays');
        await page.waitForFunction((t) => document.querySelector('#video').currentTime > t, screen.time, { timeout: 5000 });
        await page.screenshot({ path: path.join(ARTIFACTS, 'explains-phone.png') });

        // Stop: the answers go with the picture.
        await page.click('#camera-stop');
        assert.equal(await page.$eval('#results', (r) => r.dataset.count), '0');
        assert.equal((await verdict(page)).state, 'empty');
        assert.equal(await page.$$eval('#classes li[data-winner]', (l) => l.length), 0);
        assert.equal(await page.isVisible('#results-empty'), true);
        assert.deepEqual(tab.problems(), []);
        await tab.close();
    });
});

describe('honest states', () => {
    // Requests to `pattern` fail as if offline until the returned function puts the route back.
    async function offline(context, pattern) {
        const handler = (route) => route.abort('internetdisconnected');
        await context.route(pattern, handler);
        return () => context.unroute(pattern, handler);
    }
    const failed = /ERR_INTERNET_DISCONNECTED|Failed to load resource/;

    test('model offline: a plain message and Retry; a picture waits for the model; Retry works once back', async () => {
        const tab = await openPage(browser, { expected: [failed] });
        const { page, context } = tab;
        const back = await offline(context, /\.onnx(\.gz)?$/);
        await page.goto(server.page);
        await page.waitForSelector('html[data-load="failed"]', { timeout: 20000 });
        assert.match(await page.textContent('#load-text'), /^Could not download the model “.+”: the connection failed/);
        assert.equal(await page.isVisible('#retry'), true);
        assert.equal(await page.textContent('#engine-badge'), 'engine: no model');
        assert.notEqual(await page.textContent('#simd-badge'), 'SIMD: …');
        // A picture now: it says why nothing happens.
        await page.click('#example-ship-0000');
        await page.waitForSelector('#stage[data-source="still"]');
        await page.waitForFunction(() => /No model is loaded.*Retry/.test(document.querySelector('#results-empty').textContent));
        await screenshot(page, 'explains-model-offline');
        await back();
        await page.click('#retry');
        await ready(page);
        await page.waitForSelector('#stage[data-classified="ship-0000.jpg"]', { timeout: 10000 });
        assert.equal(await page.isVisible('#retry'), false);
        assert.equal(await page.isVisible('#load-status'), false);
        assert.equal(await page.textContent('#engine-badge'), 'engine: ready');
        assert.deepEqual(tab.problems(), []);
        await tab.close();
    });

    test('model list, engine (wasm) and worker script offline: Retry for each; no badge left at "loading"', async () => {
        for (const [pattern, what] of [[/models\.json$/, /list of models/], [/\.wasm$/, /engine \(trit\.wasm\)/],
            [/worker\.js$/, /engine could not be started/]]) {
            const tab = await openPage(browser, { expected: [failed] });
            const { page, context } = tab;
            const back = await offline(context, pattern);
            await page.goto(server.page);
            await page.waitForSelector('html[data-load="failed"]', { timeout: 20000 });
            assert.match(await page.textContent('#load-text'), what);
            assert.doesNotMatch(await page.textContent('#load-text'), /Failed to fetch$/);
            assert.doesNotMatch(await page.textContent('#engine-badge'), /loading/);
            assert.notEqual(await page.textContent('#simd-badge'), 'SIMD: …');
            await back();
            await page.click('#retry');
            await ready(page);
            assert.equal((await chips(page)).length, 10);
            assert.deepEqual(tab.problems(), []);
            await tab.close();
        }
    });

    test('"Loading model N / M kB" in the results panel; a picture before the model is classified once it arrives', async () => {
        // Chromium's generated fake camera: the camera is on before the model is there.
        const tab = await openPage(await browserWith(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']));
        const { page, context } = tab;
        await context.addInitScript(() => {
            window.__loadTexts = [];
            document.addEventListener('DOMContentLoaded', () => {
                const text = document.getElementById('load-text');
                new MutationObserver(() => window.__loadTexts.push(text.textContent))
                    .observe(text, { childList: true, characterData: true, subtree: true });
            });
        });
        // Hold the model's response until a picture has been given.
        let release;
        const held = new Promise((resolve) => { release = resolve; });
        await context.route(/\.onnx(\.gz)?$/, async (route) => {
            await held;
            await route.continue();
        });
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 100e3, uploadThroughput: 1e6 });
        await page.goto(server.page);
        await page.waitForFunction(() => document.querySelectorAll('#classes li').length === 10);
        await page.click('#camera-start');
        await page.waitForSelector('html[data-camera="on"]', { timeout: 10000 });
        assert.match(await page.textContent('#results-empty'), /camera is on; answers start once the model has loaded/);
        await page.click('#example-horse-0003');
        await page.waitForFunction(() => /classified as soon as the model has loaded/.test(document.querySelector('#results-empty').textContent));
        release();
        await page.waitForSelector('#stage[data-classified="horse-0003.jpg"]', { timeout: 20000 });
        const texts = await page.evaluate(() => window.__loadTexts);
        const kB = Math.round(manifest_bytes(await page.evaluate(() => document.querySelector('#model-select').value)) / 1000);
        assert.ok(texts.some((t) => new RegExp(`^Loading model [1-9]\\d* / ${kB} kB`).test(t)), `load texts: ${JSON.stringify(texts)}`);
        assert.deepEqual(tab.problems(), []);
        await tab.close();
    });
});

const manifest_bytes = (id) => manifest.models.find((m) => m.id === id).bytes;

// Browser test of "Teach it your own classes" and "Look inside, for the current picture" (issue 16).
// Teaching: two fake webcams made from real photos of two different things (CIFAR-10 test pictures
// from web/examples, enlarged, each frame moved, scaled, turned and lit a little differently, like a
// hand-held camera). One browser has one fake camera, so the classes travel between launches the
// way a visitor's would, as the exported JSON file: launch 1 teaches the car (5 frames) and exports;
// launch 2 imports it, teaches the cat and exports both; launches 3 and 4 import both and watch new
// footage of each (other random frames than the taught ones): >= 90 % of the frames must get the right
// class, with no console errors. Look inside: the heat map, a layer's channels and the time chart for
// an example picture, from the engine's intermediate tensors.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, ROOT, launch, openDemo, openPage, screenshot, startServer, writeY4m } from './helpers.mjs';

const CAMERA_FLAGS = (y4m) => ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${y4m}`];
const THINGS = { car: 'automobile-0005.jpg', cat: 'cat-0033.jpg' };
const FRAMES = 45, CHECKED = 40, W = 160, H = 120; // small frames: the network sees 32×32 anyway

let server, helper;
before(async () => {
    server = await startServer();
    helper = await launch([]);
});
after(async () => {
    await helper?.close();
    await server?.stop();
});

// `count` frames of a photo, W×H: the photo enlarged to about the frame's height, shifted by up
// to ±12 %, scaled 0.85–1.15, turned up to ±8° and lit 0.8–1.2, on a blurred copy of itself.
async function handHeld(file, count, seed) {
    const { page, close } = await openPage(helper);
    const bytes = readFileSync(path.join(ROOT, 'web/examples', file)).toString('base64');
    const frames = await page.evaluate(async ({ bytes, count, seed, W, H }) => {
        let s = seed;
        const random = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
        const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))]));
        const background = new OffscreenCanvas(W, H), b = background.getContext('2d');
        b.filter = 'blur(8px) brightness(0.6)'; // once: a blur per frame is what would take the time
        b.drawImage(bitmap, 0, 0, W, H);
        const c = new OffscreenCanvas(W, H), g = c.getContext('2d');
        const out = [];
        for (let i = 0; i < count; i++) {
            g.setTransform(1, 0, 0, 1, 0, 0);
            g.filter = 'none';
            g.drawImage(background, 0, 0);
            const side = H * (0.85 + 0.3 * random()), light = 0.8 + 0.4 * random();
            g.filter = `brightness(${light})`;
            g.translate(W / 2 + 0.12 * W * (random() - 0.5) * 2, H / 2 + 0.12 * H * (random() - 0.5) * 2);
            g.rotate(((random() - 0.5) * 16 * Math.PI) / 180);
            g.imageSmoothingQuality = 'high';
            g.drawImage(bitmap, -side / 2, -side / 2, side, side);
            const data = g.getImageData(0, 0, W, H).data;
            let text = '';
            for (let k = 0; k < data.length; k += 0x8000) text += String.fromCharCode(...data.subarray(k, k + 0x8000));
            out.push(btoa(text));
        }
        return out;
    }, { bytes, count, seed, W, H });
    await close();
    return frames.map((b64) => ({ data: new Uint8ClampedArray(Buffer.from(b64, 'base64')), width: W, height: H }));
}

async function video(name, seed) {
    return writeY4m(path.join(ARTIFACTS, `teach-${name}-${seed}.y4m`), await handHeld(THINGS[name], FRAMES, seed));
}

// A page with the camera on that file (and, when given, the classes of `json` imported).
async function cameraPage(y4m, json) {
    const browser = await launch(CAMERA_FLAGS(y4m));
    const tab = await openDemo(browser, server.page, { permissions: ['camera'] });
    const { page } = tab;
    if (json) {
        await page.setInputFiles('#teach-import', { name: 'trit-classes.json', mimeType: 'application/json', buffer: Buffer.from(json) });
        await page.waitForFunction(() => /^Imported/.test(document.querySelector('#teach-message').textContent));
    }
    await page.click('#camera-start');
    await page.waitForFunction(() => Number(document.querySelector('#results').dataset.updates) > 2, null, { timeout: 20000 });
    return { browser, tab, page };
}

async function teach(page, name) {
    await page.fill('#teach-name', name);
    await page.click('#teach-add');
    await page.click('#teach-capture');
    await page.waitForFunction((n) => new RegExp(`(^|,)${n}:5(,|$)`).test(document.documentElement.dataset.taught), name, { timeout: 20000 });
}

async function exported(page) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#teach-export')]);
    return readFileSync(await download.path(), 'utf8');
}

// The taught answers of the next `count` camera frames.
async function answers(page, count) {
    await page.evaluate(() => window.tritDemo.resetTaughtAnswers());
    await page.waitForFunction((n) => window.tritDemo.taughtAnswers().length >= n, count, { timeout: 30000 });
    return (await page.evaluate(() => window.tritDemo.taughtAnswers())).slice(0, count);
}

describe('teach it your own classes', () => {
    test('two things, 5 frames each, told apart on new frames through export and import', async () => {
        const started = performance.now(), phases = [];
        const phase = (name) => phases.push(`${name} ${((performance.now() - started) / 1000).toFixed(1)} s`);
        const [carTaught, catTaught, carNew, catNew] = await Promise.all([video('car', 11), video('cat', 22), video('car', 33), video('cat', 44)]);
        phase('videos');

        let s = await cameraPage(carTaught);
        await teach(s.page, 'car');
        const carOnly = await exported(s.page);
        assert.deepEqual(s.tab.problems(), []);
        await s.browser.close();
        const file = JSON.parse(carOnly);
        assert.equal(file.format, 'trit-taught-classes');
        assert.deepEqual(file.classes.map((c) => [c.name, c.samples.length, c.samples[0].length]), [['car', 5, 64]]);
        assert.ok(carOnly.length < 8000, `${carOnly.length} bytes`);
        phase('car taught');

        s = await cameraPage(catTaught, carOnly);
        await teach(s.page, 'cat');
        await s.page.locator('#teach-heading').scrollIntoViewIfNeeded();
        await screenshot(s.page, 'teach-two-classes');
        const both = await exported(s.page);
        assert.deepEqual(s.tab.problems(), []);
        await s.browser.close();
        assert.deepEqual(JSON.parse(both).classes.map((c) => [c.name, c.samples.length]), [['car', 5], ['cat', 5]]);
        phase('cat taught');

        const scores = {};
        for (const [name, y4m] of [['car', carNew], ['cat', catNew]]) {
            s = await cameraPage(y4m, both);
            const said = await answers(s.page, CHECKED);
            scores[name] = said.filter((a) => a === name).length / said.length;
            assert.deepEqual(s.tab.problems(), []);
            await s.browser.close();
            phase(`${name} checked`);
        }
        const overall = (scores.car + scores.cat) / 2;
        console.log(`taught classes on new frames: car ${(100 * scores.car).toFixed(1)} %, cat ${(100 * scores.cat).toFixed(1)} % ` +
            `(${CHECKED} frames each), overall ${(100 * overall).toFixed(1)} %; ${phases.join(', ')}`);
        assert.ok(scores.car >= 0.9 && scores.cat >= 0.9, JSON.stringify(scores));
    });

    test('an import from another model or a broken file is refused and changes nothing', async () => {
        const browser = await launch([]);
        const tab = await openDemo(browser, server.page);
        const { page } = tab;
        const other = JSON.stringify({ format: 'trit-taught-classes', version: 1, model: 'some-other-model', length: 2, classes: [{ name: 'x', samples: [[1, 2]]}] });
        for (const [buffer, why] of [[other, /taught with the model “some-other-model”/], ['{', /not JSON/]]) {
            await page.setInputFiles('#teach-import', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(buffer) });
            await page.waitForFunction(() => /^Could not import/.test(document.querySelector('#teach-message').textContent));
            assert.match(await page.textContent('#teach-message'), why);
            assert.equal(await page.evaluate(() => document.documentElement.dataset.taught), '');
            await page.evaluate(() => { document.querySelector('#teach-message').textContent = ''; });
        }
        assert.deepEqual(tab.problems(), []);
        await browser.close();
    });
});

describe('look inside, for the current picture', () => {
    test('heat map of the shown class, a layer\'s channels and the time per step, from the engine', async () => {
        const browser = await launch([]);
        const tab = await openDemo(browser, server.page);
        const { page } = tab;
        await page.click('#example-ship-0000');
        await page.waitForFunction(() => document.querySelector('#stage').dataset.classified);
        await page.locator('#current-inside').scrollIntoViewIfNeeded();
        await page.waitForFunction(() => document.querySelector('#cam-canvas').dataset.label, null, { timeout: 10000 });
        const cam = await page.evaluate(() => {
            const c = document.querySelector('#cam-canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let warm = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 2] < 120) warm++;
            return { label: c.dataset.label, verdict: document.querySelector('#verdict-label').textContent, warm, pixels: d.length / 4,
                caption: document.querySelector('#cam-caption').textContent };
        });
        assert.equal(cam.label, cam.verdict); // the map is for the class shown under the picture
        assert.ok(cam.warm > 0 && cam.warm < cam.pixels, JSON.stringify(cam));
        assert.match(cam.caption, /8×8 features weighted by the FC weights of “ship”/);
        // another layer: its channels come from the engine with the next classification
        const layer = await page.$eval('#act-layer', (s) => s.options[2].value);
        await page.selectOption('#act-layer', layer);
        await page.waitForFunction((l) => document.querySelector('#act-canvas').dataset.layer === l, layer);
        assert.match(await page.textContent('#act-caption'), /16 channels of 32×32/);
        await page.click('#profile-run');
        await page.waitForFunction(() => document.querySelector('#current-inside').dataset.profiled);
        const rows = await page.$$eval('.profile-row', (r) => r.map((x) => ({ op: x.querySelector('.profile-op').textContent, ms: Number(x.dataset.ms) })));
        assert.equal(rows.length, 25);
        assert.equal(rows.filter((r) => r.op === 'Conv+Add+Relu').length, 9);
        assert.ok(rows.every((r) => r.ms >= 0) && rows.some((r) => r.ms > 0));
        await page.locator('#current-inside').screenshot({ path: path.join(ARTIFACTS, 'look-inside.png') });
        assert.deepEqual(tab.problems(), []);
        await browser.close();
    });
});

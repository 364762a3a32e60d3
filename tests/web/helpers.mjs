// Shared pieces of the browser tests: the demo server, Chromium with the right flags, console
// collection, screenshots, and the test pictures (a Y4M video for the fake webcam).

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(ROOT, 'build/test-artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-quic', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

// Starts web/server.mjs on a free port; resolves once it prints its URL.
export function startServer(env = {}) {
    const child = spawn(process.execPath, [path.join(ROOT, 'web/server.mjs')], {
        env: { ...process.env, ...env, PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    // Never outlive the test process, even when a test dies before its cleanup.
    const killOnExit = () => child.kill();
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    return new Promise((resolve, reject) => {
        let stdout = '';
        const timer = setTimeout(() => { child.kill(); reject(new Error(`server did not start: ${stderr}`)); }, 10000);
        child.stdout.on('data', (d) => {
            stdout += d;
            const m = /http:\/\/localhost:(\d+)\/web\//.exec(stdout);
            if (!m) return;
            clearTimeout(timer);
            resolve({
                origin: `http://localhost:${m[1]}`,
                page: `http://localhost:${m[1]}/web/`,
                stop: () => new Promise((done) => {
                    if (child.exitCode !== null) return done();
                    child.once('exit', done);
                    child.kill('SIGTERM');
                }),
                stderr: () => stderr,
            });
        });
        child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}): ${stderr}`)); });
    });
}

export function launch(extraArgs = []) {
    return chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, ...extraArgs] });
}

// A page that records console errors, uncaught exceptions and failed requests; `problems()` lists
// them, ignoring the messages a test expects (regexps in `expected`).
export async function openPage(browser, { permissions, expected = [] } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    if (permissions) await context.grantPermissions(permissions);
    const page = await context.newPage();
    const seen = [];
    page.on('console', (m) => { if (m.type() === 'error') seen.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
    page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') seen.push(`worker console: ${m.text()}`); }));
    return {
        page,
        context,
        problems: () => seen.filter((s) => !expected.some((re) => re.test(s))),
        close: () => context.close(),
    };
}

// openPage, then the demo at `url` once its model has loaded.
export async function openDemo(browser, url, options) {
    const tab = await openPage(browser, options);
    await tab.page.goto(url);
    await tab.page.waitForSelector('html[data-model="ready"]', { timeout: 20000 });
    return tab;
}

export async function screenshot(page, name) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
}

// A smooth, colourful 640×480 RGBA test picture (smooth, so 4:2:0 chroma loses little).
export function testPicture(width = 640, height = 480, seed = 1) {
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            const u = x / width, v = y / height;
            const i = (y * width + x) * 4;
            const d = Math.hypot(u - 0.5, v - 0.5);
            const disc = d < 0.22 ? 1 : 0; // a bright disc in the centre, on a gradient
            rgba[i] = 255 * (disc ? 0.9 : 0.2 + 0.5 * u) * (0.8 + 0.2 * Math.sin(seed + 9 * v));
            rgba[i + 1] = 255 * (disc ? 0.55 + 0.3 * v : 0.35 + 0.3 * v);
            rgba[i + 2] = 255 * (disc ? 0.15 : 0.7 - 0.4 * u);
            rgba[i + 3] = 255;
        }
    }
    return { data: rgba, width, height };
}

// A photo (any file Chromium decodes, e.g. web/examples/*.jpg) as a width×height RGBA picture for a fake
// webcam: enlarged (smoothly) to the height, centred, the sides filled with the same photo stretched and
// darkened, so the centre crop the engine takes is the photo itself.
export async function photoPicture(browser, file, width = 640, height = 480) {
    const { page, close } = await openPage(browser);
    const bytes = readFileSync(file).toString('base64');
    const base64 = await page.evaluate(async ({ bytes, width, height }) => {
        const blob = new Blob([Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))]);
        const bitmap = await createImageBitmap(blob);
        const c = new OffscreenCanvas(width, height);
        const g = c.getContext('2d');
        g.imageSmoothingQuality = 'high';
        g.filter = 'blur(12px) brightness(0.6)';
        g.drawImage(bitmap, 0, 0, width, height);
        g.filter = 'none';
        const side = Math.min(width, height);
        g.drawImage(bitmap, (width - side) / 2, (height - side) / 2, side, side);
        const data = g.getImageData(0, 0, width, height).data;
        let s = '';
        for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
        return btoa(s);
    }, { bytes, width, height });
    await close();
    return { data: new Uint8ClampedArray(Buffer.from(base64, 'base64')), width, height };
}

// YUV4MPEG2, 4:2:0 (C420jpeg: chroma centred), BT.601 limited range: `frames` copies of one picture,
// or one frame per picture of an array (Chromium loops the file).
export function writeY4m(file, pictures, frames = 2) {
    const list = Array.isArray(pictures) ? pictures : Array.from({ length: frames }, () => pictures);
    const { width, height } = list[0];
    if (width % 2 || height % 2) throw new Error('Y4M 4:2:0 needs even sizes');
    const parts = [Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`)];
    for (const picture of list) parts.push(Buffer.from('FRAME\n'), y4mFrame(picture));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, Buffer.concat(parts));
    return file;
}

function y4mFrame({ data, width, height }) {
    const ySize = width * height, cSize = ySize / 4;
    const frame = Buffer.alloc(ySize + 2 * cSize);
    const clamp = (v) => Math.max(0, Math.min(255, Math.round(v)));
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            const i = (y * width + x) * 4;
            frame[y * width + x] = clamp(16 + (65.481 * data[i] + 128.553 * data[i + 1] + 24.966 * data[i + 2]) / 255);
        }
    }
    for (let y = 0; y < height / 2; y++) {
        for (let x = 0; x < width / 2; x++) {
            let r = 0, g = 0, b = 0;
            for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
                const i = ((2 * y + dy) * width + 2 * x + dx) * 4;
                r += data[i] / 4; g += data[i + 1] / 4; b += data[i + 2] / 4;
            }
            const c = y * (width / 2) + x;
            frame[ySize + c] = clamp(128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255);
            frame[ySize + cSize + c] = clamp(128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255);
        }
    }
    return frame;
}

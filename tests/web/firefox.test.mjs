// The demo in Firefox (Debian's firefox-esr), driven over WebDriver BiDi directly: playwright-core's
// Firefox support needs a newer Firefox than Debian ships. Firefox's own fake camera
// (media.navigator.streams.fake) stands in for a webcam. Skipped, with a note, when firefox-esr is
// not installed (it is not in scripts/install-deps.sh's list).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ARTIFACTS, startServer, testPicture } from './helpers.mjs';

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const PREFS = {
    'media.navigator.streams.fake': true,          // a generated camera picture
    'media.navigator.permission.disabled': true,   // no permission prompt
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'app.update.auto': false,
    'browser.startup.homepage_override.mstone': 'ignore',
};

// Starts Firefox with a throw-away profile; resolves with the BiDi WebSocket URL.
function startFirefox(profile) {
    writeFileSync(path.join(profile, 'user.js'),
        Object.entries(PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`).join(''));
    const child = spawn(FIREFOX, ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port', '0'],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' } });
    return new Promise((resolve, reject) => {
        let log = '';
        const timer = setTimeout(() => { child.kill(); reject(new Error(`firefox did not start:\n${log}`)); }, 30000);
        const onData = (d) => {
            log += d;
            const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(log);
            if (m) {
                clearTimeout(timer);
                resolve({ child, url: m[1] });
            }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`firefox exited (${code}):\n${log}`)); });
    });
}

// Minimal WebDriver BiDi client: command() → result, and the log entries seen so far.
async function connect(url) {
    const ws = new WebSocket(`${url}/session`);
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error(`cannot connect to ${url}`)); });
    let nextId = 1;
    const waiting = new Map();
    const logs = [];
    ws.onmessage = ({ data }) => {
        const message = JSON.parse(data);
        if (message.id && waiting.has(message.id)) {
            const { resolve, reject } = waiting.get(message.id);
            waiting.delete(message.id);
            if (message.type === 'error') reject(new Error(`${message.error}: ${message.message}`));
            else resolve(message.result);
        } else if (message.method === 'log.entryAdded') {
            logs.push(message.params);
        }
    };
    const command = (method, params = {}) => new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        ws.send(JSON.stringify({ id, method, params }));
    });
    return { command, logs, close: () => ws.close() };
}

const skip = !existsSync(FIREFOX) ? `${FIREFOX} is not installed (apt-get install firefox-esr)`
    : typeof WebSocket !== 'function' ? 'no WebSocket in this Node (Node 20 needs --experimental-websocket)' : false;

test('Firefox: the page loads the engine and a model, classifies an image and the camera, no console errors',
    { skip, timeout: 120000 },
    async () => {
        const server = await startServer({ TRIT_MODEL_DIRS: 'build/web-test/models' });
        const profile = mkdtempSync(path.join(os.tmpdir(), 'trit-firefox-'));
        let firefox, bidi;
        try {
            firefox = await startFirefox(profile);
            bidi = await connect(firefox.url);
            await bidi.command('session.new', { capabilities: {} });
            await bidi.command('session.subscribe', { events: ['log.entryAdded'] });
            const { contexts } = await bidi.command('browsingContext.getTree', {});
            const context = contexts[0].context;
            await bidi.command('browsingContext.setViewport', { context, viewport: { width: 1280, height: 1000 } });
            const evaluate = async (expression) => {
                const r = await bidi.command('script.evaluate', { expression, target: { context }, awaitPromise: true });
                if (r.type === 'exception') throw new Error(`in page: ${r.exceptionDetails.text}`);
                return r.result.value;
            };
            const waitFor = async (expression, what, ms = 20000) => {
                const end = Date.now() + ms;
                while (Date.now() < end) {
                    if (await evaluate(expression)) return;
                    await new Promise((r) => setTimeout(r, 100));
                }
                throw new Error(`timed out waiting for ${what}`);
            };
            await bidi.command('browsingContext.navigate', { context, url: server.page, wait: 'complete' });
            await waitFor('document.documentElement.dataset.model === "ready"', 'the model');
            assert.match(await evaluate('document.querySelector("#simd-badge").textContent'), /SIMD: (on|off)/);

            // An image, dropped on the page like a user would (a BMP, so no codec differences matter).
            const { data, width, height } = testPicture(160, 120, 4);
            const rgb = Buffer.from(data.filter((_, i) => i % 4 !== 3));
            await evaluate(`(() => {
                const w = ${width}, h = ${height}, rgb = Uint8Array.from(atob(${JSON.stringify(rgb.toString('base64'))}), (c) => c.charCodeAt(0));
                const row = Math.ceil(w * 3 / 4) * 4, bytes = new Uint8Array(54 + row * h), v = new DataView(bytes.buffer);
                bytes[0] = 66; bytes[1] = 77; v.setUint32(2, bytes.length, true); v.setUint32(10, 54, true);
                v.setUint32(14, 40, true); v.setInt32(18, w, true); v.setInt32(22, h, true); v.setUint16(26, 1, true);
                v.setUint16(28, 24, true);
                for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++)
                    bytes[54 + (h - 1 - y) * row + 3 * x + c] = rgb[(y * w + x) * 3 + 2 - c];
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], 'firefox.bmp', { type: 'image/bmp' }));
                document.querySelector('#stage').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
            })()`);
            await waitFor('document.querySelector("#stage").dataset.classified === "firefox.bmp"', 'the image result');
            assert.equal(await evaluate('document.querySelectorAll("#results li:not([hidden])").length'), 5);

            // The camera (Firefox's fake stream): results keep coming.
            const before = await evaluate('Number(document.querySelector("#results").dataset.updates)');
            await evaluate('document.querySelector("#camera-start").click()');
            await waitFor(`document.documentElement.dataset.camera === "on" &&
                Number(document.querySelector("#results").dataset.updates) > ${before + 5}`, 'camera results');
            await waitFor('document.querySelector("#layer-caption").textContent.length > 0', 'the layer picture');
            const shot = await bidi.command('browsingContext.captureScreenshot', { context, origin: 'document' });
            writeFileSync(path.join(ARTIFACTS, 'firefox.png'), Buffer.from(shot.data, 'base64'));
            await evaluate('document.querySelector("#camera-stop").click()');

            const errors = bidi.logs.filter((e) => e.level === 'error').map((e) => e.text);
            assert.deepEqual(errors, [], 'console errors in Firefox');
        } finally {
            bidi?.close();
            if (firefox && firefox.child.exitCode === null) {
                const exited = new Promise((r) => firefox.child.once('exit', r));
                firefox.child.kill('SIGTERM');
                await exited;
            }
            rmSync(profile, { recursive: true, force: true });
            await server.stop();
        }
    });

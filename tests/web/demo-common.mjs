// Browser tests of the demo page (web/): headless Debian Chromium driven by playwright-core, against
// web/server.mjs on a free port, with the real SDK (js_sdk/trit.js), the real wasm engine and the
// models the page lists. Every test saves a screenshot in build/test-artifacts/ and fails on any
// console error it did not expect.
//
// Each demo-*.test.mjs file calls useDemoServer() once at its top level: its own server (a free port)
// and its own browsers, so `make test-web` can run the files side by side (demo-slow-inference.test.mjs,
// which times the page's main thread, runs alone after them).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, launch, startServer } from './helpers.mjs';
import { encodeBmp } from '../js/helpers.mjs';

export const CAMERA_FLAGS = (y4m) => ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${y4m}`];
export const NATIVE_CLI = path.join(ROOT, 'build/native/trit');

// Live bindings: set by useDemoServer()'s before hook.
export let server, manifest;
const browsers = [];

// A browser with these command-line flags, closed after the file's tests.
export async function browserWith(flags) {
    const b = await launch(flags);
    browsers.push(b);
    return b;
}

// A repository path for a model URL of the manifest (relative to /web/).
export const modelPath = (m) => path.join(ROOT, 'web', m.url);

export const shownTop = (page) => page.$$eval('#results li:not([hidden])', (items) => items.map((li) => ({
    index: Number(li.dataset.index),
    probability: Number(li.dataset.probability),
    label: li.querySelector('.label').textContent,
    percent: li.querySelector('.prob').textContent,
})));

export const updates = (page) => page.$eval('#results', (el) => Number(el.dataset.updates || 0));

export function assertNoProblems(tab) {
    assert.deepEqual(tab.problems(), [], 'console errors or page errors');
}

// The file's server on a free port, with the two deterministic random-weight models
// (tests/web/make_models.py, built by `make test-web`); closes its browsers and the server at the end.
export function useDemoServer() {
    before(async () => {
        server = await startServer({ TRIT_MODEL_DIRS: 'build/web-test/models' });
        manifest = await (await fetch(`${server.origin}/web/models.json`)).json();
        assert.equal(manifest.models.length, 2, 'run `make test-web` (it builds build/web-test/models)');
    });
    after(async () => {
        await Promise.all(browsers.splice(0).map((b) => b.close()));
        await server?.stop();
    });
}

// An uncompressed 24-bit BMP (stb_image and browsers read it identically: no codec in between), as
// Playwright's setInputFiles takes it.
export function bmp(picture) {
    return Buffer.from(encodeBmp(picture));
}

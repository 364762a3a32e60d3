#!/usr/bin/env node
// Small static server for the demo page: serves the repository root read-only, so the page can
// import ../js_sdk/trit.js with the wasm beside it (the npm package's layout) and fetch models/*.onnx(.gz)
// without a build step.
//
//   node web/server.mjs            -> http://localhost:8000/web/   (PORT=0 picks a free port)
//
// Also answers GET /web/models.json with a manifest of the models present (see models.mjs).
// Only GET and HEAD; no directory listings; no dot-files; no path may leave the repository root
// (checked after resolving symlinks).

import { createServer } from 'node:http';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildManifest } from './models.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// .gz is served as the bytes on disk (application/gzip, no Content-Encoding): the SDK decompresses
// .onnx.gz itself with DecompressionStream, and a browser must not do it behind its back.
const mimeTypes = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json; charset=utf-8',
    '.map': 'application/json; charset=utf-8',
    '.md': 'text/markdown; charset=utf-8',
    '.txt': 'text/plain; charset=utf-8',
    '.ts': 'text/plain; charset=utf-8',
    '.wasm': 'application/wasm',
    '.onnx': 'application/octet-stream',
    '.gz': 'application/gzip',
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.jpeg': 'image/jpeg',
    '.gif': 'image/gif',
    '.webp': 'image/webp',
    '.bmp': 'image/bmp',
    '.svg': 'image/svg+xml',
    '.ico': 'image/x-icon',
    '.y4m': 'video/x-yuv4mpeg',
};

// Cross-origin isolation, so the SDK may run the model on threads (SharedArrayBuffer; js_sdk/README.md
// "Threads"); everything the demo loads is same-origin, so nothing else changes. Only where the browser
// can honour it: a potentially trustworthy origin (this plain-HTTP server is one on localhost only;
// elsewhere the browser ignores COOP with a console warning, and the page runs on one thread anyway).
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const trustworthy = (req) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|[\w.-]+\.localhost)(:\d+)?$/i.test(req.headers.host ?? '');
const isolation = (req) => (trustworthy(req) ? ISOLATION : {});

function send(res, status, body, headers = {}) {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...isolation(res.req), ...headers });
    res.end(body);
}

// Maps a URL path to a file inside the root, or null when it must not be served.
async function resolveFile(urlPath) {
    let decoded;
    try {
        decoded = decodeURIComponent(urlPath);
    } catch {
        return null;
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return null;
    const segments = decoded.split('/').filter(Boolean);
    if (segments.some((s) => s === '..' || s.startsWith('.'))) return null;
    let file = path.join(root, ...segments);
    let stat;
    try {
        file = await fs.realpath(file);
        stat = await fs.stat(file);
    } catch {
        return null;
    }
    if (file !== root && !file.startsWith(root + path.sep)) return null;
    if (stat.isDirectory()) {
        file = path.join(file, 'index.html');
        try {
            stat = await fs.stat(file);
        } catch {
            return null;
        }
    }
    return stat.isFile() ? { file, stat } : null;
}

async function handle(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    }
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/') return send(res, 302, '', { Location: '/web/' });

    // Always the models present now (a web/models.json written by `make web-manifest` is for static hosts).
    if (url.pathname === '/web/models.json') {
        const manifest = JSON.stringify(await buildManifest(root), null, 2) + '\n';
        return send(res, 200, req.method === 'HEAD' ? '' : manifest, {
            'Content-Type': mimeTypes['.json'],
            'Content-Length': Buffer.byteLength(manifest),
        });
    }
    // A directory without its trailing slash: redirect, so relative URLs in its index.html resolve.
    const found = await resolveFile(url.pathname);
    if (found && path.basename(found.file) === 'index.html' && !url.pathname.endsWith('/') &&
        !url.pathname.endsWith('index.html')) {
        return send(res, 301, '', { Location: url.pathname + '/' + url.search });
    }
    if (!found) return send(res, 404, `not found: ${url.pathname}\n`);

    const type = mimeTypes[path.extname(found.file).toLowerCase()] || 'application/octet-stream';
    res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': found.stat.size,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        ...isolation(req),
    });
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
}

const port = Number(process.env.PORT ?? 8000);
const host = process.env.HOST || '127.0.0.1';
const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
        console.error('server:', err);
        if (!res.headersSent) send(res, 500, 'internal error\n');
        else res.destroy();
    });
});
server.on('error', (err) => {
    console.error(`server: cannot listen on ${host}:${port}: ${err.message}` +
        (err.code === 'EADDRINUSE' ? ' (set PORT=... to use another port)' : ''));
    process.exit(1);
});
server.listen(port, host, () => {
    const shown = host === '127.0.0.1' || host === '::1' || host === '0.0.0.0' ? 'localhost' : host;
    console.log(`trit demo: http://${shown}:${server.address().port}/web/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));

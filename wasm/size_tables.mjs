// Writes the size tables of README.md and js_sdk/README.md from the built files, so no hand-copied number
// goes stale: `make wasm-size` runs it after the builds. Each table sits between the markers
// <!-- sizes:begin --> and <!-- sizes:end --> (the one in README.md is the short form).
//   node wasm/size_tables.mjs TARBALL        (from the repository root)
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const tarball = process.argv[2];
// gzip -9 itself (what the tables say), not zlib: their deflate differs by a few hundred bytes
const gz = (bytes) => execFileSync('gzip', ['-9c'], { input: bytes, maxBuffer: 1 << 26 }).length;
const bytesOf = (path) => readFileSync(path);
const grouped = (n) => n.toLocaleString('en-US');
const human = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 2)} MB`
    : n >= 2e5 ? `${Math.round(n / 1e3)} KB` : `${(n / 1e3).toFixed(1)} KB`);
const exact = (n) => `${human(n)} (${grouped(n)} B)`;

const trit = bytesOf('build/wasm/trit.wasm');
const nosimd = bytesOf('build/wasm/trit-nosimd.wasm');
const source = bytesOf('js_sdk/trit.js');
const minified = execFileSync('node_modules/.bin/esbuild', ['--minify', '--format=esm', '--log-level=error'],
    { input: source });
const tgz = bytesOf(tarball);
const peer = (path) => { try { return bytesOf(path); } catch { return null; } };
const ort = peer('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm');
const tfjsSimd = peer('node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
const tfjsPlain = peer('node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
const version = (pkg) => { try { return JSON.parse(readFileSync(`node_modules/${pkg}/package.json`)).version; } catch { return '?'; } };
const tarName = tarball.split('/').pop();

const full = [
    '| file | raw | gzip |', '|---|---|---|',
    `| \`build/wasm/trit.wasm\` (SIMD128) | ${exact(trit.length)} | ${human(gz(trit))} |`,
    `| \`build/wasm/trit-nosimd.wasm\` | ${exact(nosimd.length)} | ${human(gz(nosimd))} |`,
    `| \`js_sdk/trit.js\` (as shipped, with comments) | ${exact(source.length)} | ${human(gz(source))} |`,
    `| \`js_sdk/trit.js\` minified (\`esbuild --minify\`, as a bundler ships it) | ${exact(minified.length)} | ${exact(gz(minified))} |`,
    `| \`build/npm/${tarName}\` (both builds, trit.js, trit.d.ts, docs) | ${exact(tgz.length)} | |`,
];
const short = [
    '| file | raw | gzip |', '|---|---|---|',
    `| \`build/wasm/trit.wasm\` (SIMD128) | ${human(trit.length)} | ${human(gz(trit))} |`,
    `| \`build/wasm/trit-nosimd.wasm\` | ${human(nosimd.length)} | ${human(gz(nosimd))} |`,
    `| \`js_sdk/trit.js\` (minified) | ${human(minified.length)} | ${human(gz(minified))} |`,
    `| \`build/npm/${tarName}\` (the whole package) | ${human(tgz.length)} | |`,
];
if (ort) {
    full.push(`| onnxruntime-web ${version('onnxruntime-web')} \`ort-wasm-simd-threaded.wasm\` | ${exact(ort.length)} | ${human(gz(ort))} |`);
    short.push(`| onnxruntime-web ${version('onnxruntime-web')} \`ort-wasm-simd-threaded.wasm\` | ${human(ort.length)} | ${human(gz(ort))} |`);
}
if (tfjsSimd) {
    const v = version('@tensorflow/tfjs-backend-wasm');
    full.push(`| tfjs-backend-wasm ${v} \`tfjs-backend-wasm-simd.wasm\` | ${exact(tfjsSimd.length)} | ${human(gz(tfjsSimd))} |`);
    short.push(`| tfjs-backend-wasm ${v} SIMD build | ${human(tfjsSimd.length)} | ${human(gz(tfjsSimd))} |`);
}
if (tfjsPlain) {
    full.push(`| tfjs-backend-wasm ${version('@tensorflow/tfjs-backend-wasm')} \`tfjs-backend-wasm.wasm\` | ${exact(tfjsPlain.length)} | ${human(gz(tfjsPlain))} |`);
}

function rewrite(path, rows) {
    const text = readFileSync(path, 'utf8');
    const begin = '<!-- sizes:begin -->', end = '<!-- sizes:end -->';
    const a = text.indexOf(begin), b = text.indexOf(end);
    if (a < 0 || b < a) throw new Error(`${path}: no ${begin} … ${end} markers`);
    const next = text.slice(0, a + begin.length) + '\n' + rows.join('\n') + '\n' + text.slice(b);
    if (next !== text) writeFileSync(path, next);
    console.log(`${path}: size table ${next === text ? 'already current' : 'rewritten'}`);
}
rewrite('js_sdk/README.md', full);
rewrite('README.md', short);

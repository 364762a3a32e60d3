// Manifest of the models the demo offers, built from the files present (Node only; used by
// web/server.mjs for GET /web/models.json, and runnable as a script to write a static copy:
//   node web/models.mjs > web/models.json   (for hosting the page on a static server)
//
// The shipped models are models/*.onnx (served as models/*.onnx.gz when that file exists). When there
// are none, the random-weight models of the browser tests stand in, marked as such:
// build/web-test/models/*.onnx (tests/web/make_models.py; `make serve` builds them in that case).
// Name, sparsity and accuracy come from the ONNX metadata_props (docs/FORMAT.md), read with a minimal
// protobuf walk: only ModelProto.metadata_props and GraphProto.name are decoded.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const SHIPPED_DIR = 'models';
const STAND_IN_DIRS = ['build/web-test/models'];

// Reads the fields of one protobuf message: yields [fieldNumber, wireType, value], where value is a
// number for varints and a Uint8Array for length-delimited fields (fixed-size fields are skipped).
function* protobufFields(bytes) {
    let pos = 0;
    const varint = () => {
        let result = 0, scale = 1, byte;
        do {
            if (pos >= bytes.length) throw new Error('truncated varint');
            byte = bytes[pos++];
            result += (byte & 0x7f) * scale;
            scale *= 128;
        } while (byte & 0x80);
        return result;
    };
    while (pos < bytes.length) {
        const key = varint();
        const field = Math.floor(key / 8), wireType = key & 7;
        if (wireType === 0) yield [field, wireType, varint()];
        else if (wireType === 1) pos += 8;
        else if (wireType === 5) pos += 4;
        else if (wireType === 2) {
            const length = varint();
            if (pos + length > bytes.length) throw new Error('truncated field');
            yield [field, wireType, bytes.subarray(pos, pos + length)];
            pos += length;
        } else throw new Error(`unsupported wire type ${wireType}`);
    }
}

const utf8 = new TextDecoder();

// { graphName, metadata: {key: value} } of an ONNX ModelProto.
export function readOnnxSummary(bytes) {
    const metadata = {};
    let graphName = '';
    for (const [field, wireType, value] of protobufFields(bytes)) {
        if (wireType !== 2) continue;
        if (field === 14) { // metadata_props: StringStringEntryProto { key = 1, value = 2 }
            let key = '', entry = '';
            for (const [f, w, v] of protobufFields(value)) {
                if (w !== 2) continue;
                if (f === 1) key = utf8.decode(v);
                else if (f === 2) entry = utf8.decode(v);
            }
            metadata[key] = entry;
        } else if (field === 7) { // graph: GraphProto.name = 2
            for (const [f, w, v] of protobufFields(value)) if (f === 2 && w === 2) graphName = utf8.decode(v);
        }
    }
    return { graphName, metadata };
}

const numberOrNull = (text) => {
    const n = Number.parseFloat(text);
    return Number.isFinite(n) ? n : null;
};

const labelsOrNull = (text) => {
    try {
        const labels = JSON.parse(text);
        return Array.isArray(labels) && labels.every((l) => typeof l === 'string') ? labels : null;
    } catch {
        return null;
    }
};

async function statOrNull(file) {
    try {
        const s = await fs.stat(file);
        return s.isFile() ? s : null;
    } catch {
        return null;
    }
}

// Base names (without .onnx / .onnx.gz) of the models in one directory.
async function modelNames(dir) {
    let entries;
    try {
        entries = await fs.readdir(dir);
    } catch {
        return [];
    }
    const names = new Set();
    for (const e of entries) {
        const m = /^(.+)\.onnx(\.gz)?$/.exec(e);
        if (m && !e.startsWith('.')) names.add(m[1]);
    }
    return [...names].sort();
}

const gzipSizeCache = new Map(); // file -> { mtimeMs, size }

async function describe(root, dir, base, standIn) {
    const rawFile = path.join(root, dir, base + '.onnx');
    const gzFile = rawFile + '.gz';
    const [rawStat, gzStat] = await Promise.all([statOrNull(rawFile), statOrNull(gzFile)]);
    let bytes = rawStat ? await fs.readFile(rawFile) : gunzipSync(await fs.readFile(gzFile));
    let summary;
    try {
        summary = readOnnxSummary(bytes);
    } catch (err) {
        summary = { graphName: '', metadata: {}, error: err.message };
    }
    let gzipBytes = gzStat?.size;
    if (gzipBytes === undefined) { // what it would weigh gzip-compressed; cached by mtime
        const cached = gzipSizeCache.get(rawFile);
        if (cached?.mtimeMs === rawStat.mtimeMs) gzipBytes = cached.size;
        else {
            gzipBytes = gzipSync(bytes, { level: 9 }).length;
            gzipSizeCache.set(rawFile, { mtimeMs: rawStat.mtimeMs, size: gzipBytes });
        }
    }
    const m = summary.metadata;
    const url = `../${dir}/${base}.onnx${gzStat ? '.gz' : ''}`; // relative to /web/
    return {
        id: `${dir}/${base}`,
        name: m['trit.name'] || summary.graphName || base,
        url,
        bytes: gzStat ? gzStat.size : rawStat.size, // size of what the page downloads
        rawBytes: bytes.length,
        gzipBytes,
        sparsity: numberOrNull(m['trit.sparsity']),
        top1: numberOrNull(m['trit.top1']),
        arch: m['trit.arch'] || null,
        method: m['trit.method'] || null,
        dataset: m['trit.dataset'] || null,
        labels: labelsOrNull(m['trit.labels']), // so the page can list the classes before the model arrives
        standIn, // true: random-weight cross-check model, not a trained one
        ...(summary.error ? { error: `cannot read metadata: ${summary.error}` } : {}),
    };
}

// TRIT_MODEL_DIRS (colon-separated, relative to the root) lists the directories to offer instead,
// all of them; models outside models/ are marked as stand-ins.
export async function buildManifest(root, dirs = process.env.TRIT_MODEL_DIRS?.split(':').filter(Boolean)) {
    let chosen = dirs;
    if (!chosen) {
        chosen = [SHIPPED_DIR];
        if ((await modelNames(path.join(root, SHIPPED_DIR))).length === 0) chosen = STAND_IN_DIRS;
    }
    const models = [];
    for (const dir of chosen) {
        const names = await modelNames(path.join(root, dir));
        models.push(...await Promise.all(names.map((base) => describe(root, dir, base, dir !== SHIPPED_DIR))));
    }
    // Most accurate first: that one is selected when the page opens.
    models.sort((a, b) => (b.top1 ?? -1) - (a.top1 ?? -1) || a.name.localeCompare(b.name));
    return { generated: 'web/models.mjs', models };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    process.stdout.write(JSON.stringify(await buildManifest(root), null, 2) + '\n');
}

// Types of trit.js, the trit JS SDK. See README.md in this folder.
// They compile with or without the DOM lib: a web platform type the program does not declare (no
// "DOM" in lib, e.g. a Node-only project) becomes `never`, so only what exists is accepted.

/** The instance type of global `Name` (e.g. 'Blob'), or never where the program's libs lack it. */
type WebType<Name extends string> = typeof globalThis extends { [K in Name]: { prototype: infer T } } ? T : never;
type WasmModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer T } } } ? T : never;
type Blob_ = WebType<'Blob'>;
type Response_ = WebType<'Response'>;
type URL_ = WebType<'URL'>;
type AbortSignal_ = WebType<'AbortSignal'>;

/** A compiled-in or fetched model file, in any form `load` accepts. */
export type ModelSource = string | URL_ | ArrayBuffer | ArrayBufferView | Blob_ | Response_;

export interface Progress {
  /** Bytes received so far. */
  loaded: number;
  /** Expected bytes (Content-Length or file size); equals `loaded` when unknown. */
  total: number;
  /** Which download this event is about: the engine's wasm or the model file. */
  phase: 'wasm' | 'model';
}

export interface LoadOptions {
  /** Called as bytes arrive (the model file, and the wasm when it is not cached yet). */
  onProgress?: (progress: Progress) => void;
  /** Aborting rejects the load with a TritError whose code is 'ABORTED'. */
  signal?: AbortSignal_;
  /**
   * The engine: a URL or path of a .wasm file, a URL or path of a folder holding trit.wasm,
   * trit-nosimd.wasm and trit-mt.wasm (with or without a trailing '/'), its bytes, or a compiled
   * WebAssembly.Module. Default: trit.wasm / trit-nosimd.wasm / trit-mt.wasm beside trit.js (bundlers copy them).
   */
  wasm?: string | URL_ | ArrayBuffer | ArrayBufferView | Response_ | WasmModule;
  /** Force the SIMD (true) or the baseline (false) build; default: feature test. */
  simd?: boolean;
  /**
   * Threads to run the model on, 1 to 16 (the calling thread and threads - 1 workers on one shared
   * memory: trit-mt.wasm; outputs bit-identical to 1 thread). Default: the logical cores
   * (navigator.hardwareConcurrency, Node's os.availableParallelism()) up to 4 where threads are
   * possible, else 1. Threads need cross-origin isolation in browsers (COOP/COEP), wasm SIMD and the
   * threaded build; without one of them the model runs on 1 thread and info.threadsReason says why.
   * Anything but an integer from 1 to 16 is a TypeError.
   */
  threads?: number;
  /** Expected SHA-256 of the file as delivered (the .onnx.gz when gzipped): 64 hex digits or "sha256-<base64>". */
  integrity?: string;
}

/** RGBA pixels, 4 bytes per pixel, rows packed (ImageData fits). */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

export type ImageInput =
  | RgbaImage
  | WebType<'ImageData'>
  | WebType<'HTMLImageElement'>
  | WebType<'HTMLVideoElement'>
  | WebType<'HTMLCanvasElement'>
  | WebType<'OffscreenCanvas'>
  | WebType<'ImageBitmap'>
  | WebType<'VideoFrame'>
  | Blob_
  | ArrayBuffer
  | ArrayBufferView; // encoded JPEG / PNG / BMP bytes

export interface ClassScore {
  index: number;
  /** The model's label, '' when it has none. */
  label: string;
  probability: number;
}

export type DType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64';

export interface TensorDescription {
  name: string;
  dtype: DType;
  dims: number[];
}

/** The typed array of each dtype: run() takes and returns exactly these. */
export interface TypedArrays {
  float32: Float32Array;
  uint8: Uint8Array;
  int8: Int8Array;
  int32: Int32Array;
  int64: BigInt64Array;
}
export type TensorData = TypedArrays[DType];

/** One model input: the typed array of its dtype (TypedArrays), optionally with dims to check. */
export type TensorInput = TensorData | { data: TensorData; dims: number[] };

export interface TernaryLayer {
  index: number;
  name: string;
  op: 'Conv' | 'Gemm';
  dims: number[];
  planes: number;
  zeros: number;
  positive: number;
  negative: number;
  sparsity: number;
  /** 'float32', or 'int8' / 'uint8' when the layer takes 8-bit activations (a QuantizeLinear before it). */
  activations: 'float32' | 'int8' | 'uint8';
  /** The activations' quantization scale (8-bit layers only). */
  activationScale?: number;
  /** The kernel variant the engine picked for this layer, e.g. 'tconv_f32_triples__wasmsimd'. */
  kernel: string;
}

export interface ModelInfo {
  name: string;
  producer: string;
  opset: number;
  labels: string[];
  inputShape: number[];
  outputShape: number[];
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  /** Weight elements (a ternary weight counts once). */
  parameters: number;
  ternaryParameters: number;
  /** Share of zeros among ternary weights. */
  sparsity: number;
  fileBytes: number;
  bitsPerWeight: number;
  /** trit.arch, trit.method, trit.dataset, trit.top1, trit.sparsity, trit.epochs, trit.notes when present (numbers parsed). */
  provenance: { arch?: string; method?: string; dataset?: string; top1?: number; sparsity?: number; epochs?: number; notes?: string };
  /** Every metadata_props entry. */
  metadata: Record<string, string>;
  /** Node counts of the file's graph by op type. */
  ops: Record<string, number>;
  nodesCompiled: number;
  arenaBytes: number;
  preprocess: { height: number; width: number; resize: number; filter: 'area' | 'bilinear'; mean: number[]; std: number[] };
  /** Whether this model runs on the SIMD build. */
  simd: boolean;
  /** Threads the model runs on (1 unless load() could start workers; see LoadOptions.threads). */
  threads: number;
  /** Why that many, e.g. "2 threads: 2 logical cores", "1 thread: the page is not cross-origin isolated (…)". */
  threadsReason: string;
  /** The ternary layers (for pictures of the weights and per-layer sparsity). */
  layers: TernaryLayer[];
  /** The same, as the engine names it (no index; activation_scale for activationScale). */
  ternaryLayers: (Omit<TernaryLayer, 'index' | 'activationScale'> & { activation_scale?: number })[];
}

/** A tensor returned by `run(inputs, { outputs })`: a copy, row-major. */
export interface Tensor {
  dtype: DType;
  dims: number[];
  data: TensorData;
}

/** One step of the compiled model (`model.steps`). */
export interface Step {
  index: number;
  /** The ONNX node's name (its first output when it has none). */
  name: string;
  /** What the step computes: the node's op type plus what runs fused in it, e.g. 'Conv+Add+Relu'. */
  op: string;
  /** Its first input tensor, its weight tensor ('' when none) and the tensor it writes. */
  input: string;
  weights: string;
  output: string;
  /** The kernel variant of a conv or gemm, '' for the reference code. */
  kernel: string;
}

/** `model.profile()`: one step's mean time. */
export interface StepTime {
  name: string;
  op: string;
  output: string;
  kernel: string;
  ms: number;
}

export interface Model {
  readonly info: ModelInfo;
  readonly disposed: boolean;
  /** This model's wasm memory in bytes: its own instance plus the image instance while it is kept. */
  readonly memoryBytes: number;
  /**
   * Milliseconds spent by the last `classify` or `run` that succeeded (null before any): `preprocessMs`
   * reads, decodes, resizes and normalises the image (0 for `run`), `runMs` is the network alone
   * (with softmax and top-k for `classify`). Calls are serialized, so read it right after awaiting yours.
   */
  readonly lastTiming: { preprocessMs: number; runMs: number } | null;
  /** Top-k classes (default 5), highest first; preprocessing as the model's metadata says. */
  classify(image: ImageInput, options?: { topK?: number }): Promise<ClassScore[]>;
  /**
   * Raw inputs in, a copy of output 0 out. One tensor for a one-input model, else one per input: an
   * array in `info.inputs` order or an object by input name. Each must be the typed array of its
   * input's dtype with exactly its element count (TypeError / TritError 'TRIT_ERROR_SHAPE' naming the
   * input otherwise). The result is the typed array of `info.outputs[0].dtype` (Float32Array for a
   * float32 output, Int32Array for int32, ...); `T` only narrows the static type, e.g.
   * `run<Int32Array>(x)` for an int32 output.
   */
  run<T extends TensorData = Float32Array>(inputs: TensorInput | TensorInput[] | Record<string, TensorInput>): Promise<T>;
  /**
   * The same run, returning the named tensors of the graph (ONNX value names) instead of output 0,
   * intermediate ones included: `run(x, { outputs: ['s3b2.out', 'gap', 'logits'] })`. A name works when
   * the engine computes that very tensor (a graph input or output, a step's output: `model.steps`
   * lists them, or an alias of one such as a Flatten's output) or holds it as a constant (biases, a
   * Gemm's weights); a tensor that fusion merged into the next step (a Conv's output whose Relu runs in
   * the conv) rejects with TritError 'TRIT_ERROR_UNSUPPORTED' naming it and the step's output, an
   * unknown name with 'TRIT_ERROR_ARGUMENT'. A new list of names plans the engine's memory again once
   * (a failed one leaves the previous list working); the same list costs nothing more.
   */
  run(inputs: TensorInput | TensorInput[] | Record<string, TensorInput>, options: { outputs: string[] }): Promise<Record<string, Tensor>>;
  /** The network's input for an image, exactly as `classify` makes it (for `run` and `profile`). */
  preprocess(image: ImageInput): Promise<{ data: Float32Array; dims: number[] }>;
  /** The compiled model's steps in run order: one node, or a conv / gemm with its fused Add and Relu. */
  readonly steps: Step[];
  /**
   * Milliseconds per step on `inputs` (else on the inputs of the last run; zeros before any): each
   * step runs `runs` times in a row (default 20) in up to 5 timed blocks, and its time is the median of
   * the blocks' means, measured with this JS engine's `performance.now()` (the wasm reads no clock).
   * One entry per `steps` entry, in run order.
   */
  profile(inputs?: TensorInput | TensorInput[] | Record<string, TensorInput>, options?: { runs?: number }): Promise<StepTime[]>;
  /** Plane 0 of a ternary layer as -1/0/+1 codes in the weight's row-major order. */
  layerCodes(indexOrName: number | string): { name: string; dims: number[]; codes: Int8Array };
  /** Frees the model and its wasm instance; idempotent. Any later call throws TritError 'DISPOSED'. */
  dispose(): void;
}

export type TritErrorCode =
  | 'TRIT_ERROR_ARGUMENT' | 'TRIT_ERROR_FORMAT' | 'TRIT_ERROR_UNSUPPORTED' | 'TRIT_ERROR_SHAPE' | 'TRIT_ERROR_LIMIT'
  | 'TRIT_ERROR_MEMORY' | 'TRIT_ERROR_IMAGE' | 'TRIT_ERROR_STATE'
  | 'FETCH' | 'INTEGRITY' | 'ABORTED' | 'DISPOSED' | 'GZIP' | 'WASM';

export class TritError extends Error {
  readonly code: TritErrorCode;
  constructor(code: TritErrorCode, message: string, options?: { cause?: unknown });
}

/** The package version, as in package.json. */
export const version: string;

/** Load a model (and, once per wasm URL, compile the engine). */
export function load(source: ModelSource, options?: LoadOptions): Promise<Model>;

/** Whether this JS engine validates wasm SIMD128 (the test `load` uses when `simd` is not given). */
export function simdSupported(): boolean;

/**
 * Files for trained models and whole experiments.
 * - A model in the tfjs "layers-model" format: `NAME.json` (topology and a weights manifest
 *   naming `NAME.weights.bin`) and the weights file, the layout tf.loadLayersModel reads.
 * - An experiment as one JSON file: its record and each run's weights, base64-encoded.
 */
import { echo, shown } from './echo';

export interface ModelArtifactsData {
  modelTopology: unknown;
  weightSpecs: unknown;
  weightData: ArrayBuffer;
}

/** model.json text and the weights file for `name`. */
export function modelToFiles(name: string, m: ModelArtifactsData): { json: string; jsonName: string; weights: ArrayBuffer; weightsName: string } {
  const weightsName = `${name}.weights.bin`;
  const json = JSON.stringify({
    format: 'layers-model',
    generatedBy: 'segmentation-studio',
    convertedBy: null,
    modelTopology: m.modelTopology,
    weightsManifest: [{ paths: [weightsName], weights: m.weightSpecs }],
  });
  return { json, jsonName: `${name}.json`, weights: m.weightData, weightsName };
}

/** The most weight entries a model.json may list (this studio's largest U-Net has a few hundred). */
export const MAX_WEIGHT_SPECS = 10_000;

/** Weight dtypes a model file may hold: the ones tfjs stores as 4 bytes per element. */
const WEIGHT_DTYPES = ['float32', 'int32'] as const;
type WeightDtype = (typeof WEIGHT_DTYPES)[number];
const BYTES_PER_ELEMENT = 4;

/** One entry of a weights manifest, checked. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: WeightDtype;
}

/** A manifest entry checked (name, shape of non-negative integers, dtype); its element count. */
function checkSpec(raw: unknown, index: number): { spec: WeightSpec; elements: number } {
  const where = `weight ${index + 1}`;
  if (!raw || typeof raw !== 'object') throw new Error(`model.json: ${where} is ${shown(raw)}, not a weight entry {name, shape, dtype}`);
  const { name, shape, dtype, quantization } = raw as { name?: unknown; shape?: unknown; dtype?: unknown; quantization?: unknown };
  if (typeof name !== 'string' || name === '') throw new Error(`model.json: ${where} has no name`);
  const label = `weight "${echo(name)}"`;
  if (!Array.isArray(shape)) throw new Error(`model.json: ${label} has shape ${shown(shape)}; a shape must be a list of non-negative integers`);
  let elements = 1;
  for (const d of shape as unknown[]) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new Error(`model.json: ${label} has shape ${shown(shape)}; a shape must be a list of non-negative integers`);
    }
    elements *= d;
  }
  if (!Number.isSafeInteger(elements * BYTES_PER_ELEMENT)) throw new Error(`model.json: ${label} has shape ${shown(shape)}, too many elements for any weights file`);
  if (quantization !== undefined) throw new Error(`model.json: ${label} is quantized; only unquantized float32 and int32 weights are supported`);
  const type = WEIGHT_DTYPES.find((t) => t === dtype);
  if (!type) throw new Error(`model.json: ${label} has dtype ${shown(dtype)}; only ${WEIGHT_DTYPES.join(' and ')} are supported`);
  return { spec: { name, shape: [...(shape as number[])], dtype: type }, elements };
}

/**
 * Reads a model back from its model.json text and weights file(s), in the manifest's order.
 * Everything is checked before any weights are copied: each weights file may be listed once,
 * at most {@link MAX_WEIGHT_SPECS} weights, shapes of non-negative integers, float32 or int32
 * weights, and each group's files holding exactly the bytes its weights need (4 per element).
 */
export function modelFromFiles(jsonText: string, weightFiles: Map<string, ArrayBuffer>): ModelArtifactsData & { weightSpecs: WeightSpec[] } {
  let json: unknown;
  try {
    json = JSON.parse(jsonText);
  } catch (e) {
    throw new Error(`model.json is not valid JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  const { modelTopology, weightsManifest } = (json && typeof json === 'object' ? json : {}) as { modelTopology?: unknown; weightsManifest?: unknown };
  if (!modelTopology || typeof modelTopology !== 'object' || !Array.isArray(weightsManifest)) {
    throw new Error('model.json has no modelTopology or weightsManifest: not a tfjs layers model');
  }
  const groups = weightsManifest as unknown[];

  // The manifest first: its size, its entries and its file names, before any file is read.
  let count = 0;
  for (const [g, group] of groups.entries()) {
    const weights = (group as { weights?: unknown } | null)?.weights;
    if (!Array.isArray(weights)) throw new Error(`model.json: weights group ${g + 1} has no list of weights`);
    count += weights.length;
    if (count > MAX_WEIGHT_SPECS) throw new Error(`model.json lists more than ${MAX_WEIGHT_SPECS} weights; a model of this studio has far fewer`);
  }
  const specs: WeightSpec[] = [];
  const plan: { files: { name: string; data: ArrayBuffer }[]; bytes: number }[] = [];
  const listed = new Set<string>();
  for (const [g, group] of groups.entries()) {
    const { paths, weights } = group as { paths?: unknown; weights: unknown[] };
    if (!Array.isArray(paths)) throw new Error(`model.json: weights group ${g + 1} has no list of paths`);
    let elements = 0;
    for (const raw of weights) {
      const checked = checkSpec(raw, specs.length);
      specs.push(checked.spec);
      elements += checked.elements;
    }
    const files: { name: string; data: ArrayBuffer }[] = [];
    for (const p of paths as unknown[]) {
      if (typeof p !== 'string') throw new Error(`model.json: weights group ${g + 1} has a path ${shown(p)} that is not a file name`);
      const name = p.split('/').pop() ?? p;
      if (listed.has(name)) throw new Error(`model.json lists the weights file "${echo(name)}" more than once`);
      listed.add(name);
      const data = weightFiles.get(name);
      if (!data) throw new Error(`the weights file "${echo(name)}" named in model.json was not given`);
      files.push({ name, data });
    }
    plan.push({ files, bytes: elements * BYTES_PER_ELEMENT });
  }

  // Each group's files hold exactly what its weights need.
  let total = 0;
  for (const [g, { files, bytes }] of plan.entries()) {
    let held = 0;
    for (const f of files) {
      held += f.data.byteLength;
      if (held > bytes) {
        throw new Error(`the weights file "${echo(f.name)}" holds more bytes than needed: the weights of group ${g + 1} need ${bytes} bytes in all, its files up to this one hold ${held}`);
      }
    }
    if (held < bytes) {
      const names = files.map((f) => `"${echo(f.name)}"`).join(', ') || 'no file';
      throw new Error(`the weights of group ${g + 1} need ${bytes} bytes (4 per element) but ${names} hold${files.length === 1 ? 's' : ''} ${held}`);
    }
    total += bytes;
  }
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const { files } of plan) {
    for (const f of files) {
      weightData.set(new Uint8Array(f.data), o);
      o += f.data.byteLength;
    }
  }
  return { modelTopology, weightSpecs: specs, weightData: weightData.buffer };
}

export function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(s);
}

export function fromBase64(text: string): ArrayBuffer {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out.buffer;
}

/** An experiment file as JSON text: ArrayBuffers (weights) become {"$base64": "…"}. */
export function experimentToJson(file: unknown): string {
  return JSON.stringify(file, (_k, v: unknown) => (v instanceof ArrayBuffer ? { $base64: toBase64(v) } : v));
}

export function experimentFromJson(text: string): unknown {
  try {
    return JSON.parse(text, (_k, v: unknown) =>
      v && typeof v === 'object' && '$base64' in v && typeof (v as { $base64: unknown }).$base64 === 'string' ? fromBase64((v as { $base64: string }).$base64) : v,
    );
  } catch (e) {
    throw new Error(`not a readable experiment file (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}

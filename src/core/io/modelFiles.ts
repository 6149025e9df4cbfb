/**
 * Files for trained models and whole experiments.
 * - A model in the tfjs "layers-model" format: `NAME.json` (topology and a weights manifest
 *   naming `NAME.weights.bin`) and the weights file, the layout tf.loadLayersModel reads.
 * - An experiment as one JSON file: its record and each run's weights, base64-encoded.
 */

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

/** Reads a model back from its model.json text and weights file(s), in the manifest's order. */
export function modelFromFiles(jsonText: string, weightFiles: Map<string, ArrayBuffer>): ModelArtifactsData {
  let json: { modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: unknown[] }[] };
  try {
    json = JSON.parse(jsonText) as typeof json;
  } catch (e) {
    throw new Error(`model.json is not valid JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new Error('model.json has no modelTopology or weightsManifest: not a tfjs layers model');
  const specs: unknown[] = [];
  const parts: ArrayBuffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const name = p.split('/').pop() ?? p;
      const data = weightFiles.get(name);
      if (!data) throw new Error(`the weights file "${name}" named in model.json was not given`);
      parts.push(data);
    }
  }
  const total = parts.reduce((s, b) => s + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const b of parts) {
    weightData.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return { modelTopology: json.modelTopology, weightSpecs: specs, weightData: weightData.buffer };
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

/**
 * Rank-5 element-wise kernels on tfjs-backend-webgpu 4.22, which the 3D U-Net needs.
 *
 * The backend writes a rank-5 shader's coordinates as a struct named vec5, which WGSL cannot
 * index: a binary op that broadcasts a small operand over a rank-5 tensor (a bias or the
 * normalisation's γ, β of shape [C], a mean of shape [B, 1, 1, 1, C]) fails to compile ("cannot
 * index type 'vec5'"), the command buffer is dropped and the result stays zero, silently (Softmax
 * too, which subtracts the maximum and divides by the sum that way); and Select (tf.where)
 * refuses rank 5 outright. Those are exactly the ops a 3D U-Net's instance
 * normalisation, biases and loss gradients run.
 *
 * The wrappers registered here give the original kernels the same data at a lower rank: adjacent
 * axes that every operand either spans whole or broadcasts are merged (a reshape, which costs
 * nothing on the GPU), e.g. [B, D, H, W, C] + [C] becomes [B, D·H, W, C] + [1, 1, 1, C], and
 * [B, D, H, W, C] − [B, 1, 1, 1, C] becomes [B, D·H, W, C] − [B, 1, 1, C]; the result is
 * reshaped back. Operands of one shape are flattened; Softmax runs on [n / C, C]. Every value is computed by the backend's
 * own kernel, so results equal those at rank 4; gradients go through the same wrapped kernels.
 * Shapes that cannot be merged below rank 5 reach the original kernel unchanged.
 */
import * as tf from '@tensorflow/tfjs';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Info = tf.TensorInfo;

/** Binary element-wise kernels with broadcasting (tfjs kernel names). */
const BINARY = ['Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference', 'Pow', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr', 'FloorDiv', 'Atan2', 'Mod'];

const originals = new Map<string, KernelFunc>();

/** The broadcast shape of two shapes (numpy rules), right-aligned. */
function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/**
 * Shapes of the operands and of the output with adjacent axes merged wherever every operand
 * either spans both axes whole or broadcasts both; null when nothing can be merged.
 */
export function mergedShapes(shapes: readonly (readonly number[])[], out: readonly number[]): { operands: number[][]; out: number[] } | null {
  const r = out.length;
  const padded = shapes.map((s) => [...Array<number>(r - s.length).fill(1), ...s]);
  // Groups of axes: [start, end) in the padded rank.
  const groups: [number, number][] = [];
  for (let a = 0; a < r; a++) {
    const last = groups[groups.length - 1];
    const joinable =
      last !== undefined &&
      padded.every((s) => {
        const whole = (i: number) => s[i] === out[i];
        const ones = (i: number) => s[i] === 1;
        const prevWhole = Array.from({ length: last[1] - last[0] }, (_, k) => whole(last[0] + k)).every(Boolean);
        const prevOnes = Array.from({ length: last[1] - last[0] }, (_, k) => ones(last[0] + k)).every(Boolean);
        return (prevWhole && whole(a)) || (prevOnes && ones(a));
      });
    if (joinable) last[1] = a + 1;
    else groups.push([a, a + 1]);
  }
  if (groups.length === r) return null;
  const size = (s: readonly number[], [i, j]: [number, number]) => s.slice(i, j).reduce((p, v) => p * v, 1);
  return { operands: padded.map((s) => groups.map((g) => size(s, g))), out: groups.map((g) => size(out, g)) };
}

function reshape(x: Info, shape: number[], backend: tf.KernelBackend): Info {
  const k = tf.getKernel('Reshape', 'webgpu');
  if (!k) throw new Error('tfjs-backend-webgpu has no Reshape kernel');
  return k.kernelFunc({ inputs: { x }, backend, attrs: { shape } }) as Info;
}

function dispose(backend: tf.KernelBackend, infos: Info[]): void {
  for (const i of infos) backend.disposeData(i.dataId);
}

/** Runs `original` on the operands reshaped to `shapes`, and reshapes its result to `out`. */
function atLowerRank(original: KernelFunc, args: Parameters<KernelFunc>[0], names: string[], shapes: number[][], out: number[]): Info {
  const backend = args.backend as tf.KernelBackend;
  const inputs = args.inputs as Record<string, Info>;
  const low = names.map((n, i) => reshape(inputs[n]!, shapes[i]!, backend));
  try {
    const r = original({ ...args, inputs: Object.fromEntries(names.map((n, i) => [n, low[i]!])) }) as Info;
    const back = reshape(r, out, backend);
    dispose(backend, [r]);
    return back;
  } finally {
    dispose(backend, low);
  }
}

/** Registers the rank-5 wrappers on the webgpu backend (idempotent); a no-op where it is not registered. */
export function registerWebGpuRank5Kernels(): void {
  for (const name of [...BINARY, 'Select', 'Softmax']) {
    if (originals.has(name)) continue;
    const config = tf.getKernel(name, 'webgpu');
    if (!config) continue;
    const original = config.kernelFunc;
    originals.set(name, original);
    const kernelFunc: KernelFunc = (args) => {
      const inputs = args.inputs as Record<string, Info>;
      if (name === 'Softmax') {
        // Softmax over the last axis: the same values on [n / C, C] (its kernel subtracts and divides by broadcasting).
        const { logits } = inputs as { logits: Info };
        if (logits.shape.length !== 5) return original(args);
        const c = logits.shape[4]!;
        const dim = (args.attrs as { dim?: number } | undefined)?.dim ?? -1;
        if (dim !== -1 && dim !== 4) return original(args);
        return atLowerRank(original, { ...args, attrs: { ...args.attrs, dim: 1 } }, ['logits'], [[logits.shape.reduce((p, v) => p * v, 1) / c, c]], [...logits.shape]);
      }
      if (name === 'Select') {
        const { condition, t, e } = inputs as { condition: Info; t: Info; e: Info };
        const same = t.shape.length === 5 && [condition, e].every((x) => x.shape.length === t.shape.length && x.shape.every((v, i) => v === t.shape[i]));
        if (!same) return original(args);
        const n = t.shape.reduce((p, v) => p * v, 1);
        return atLowerRank(original, args, ['condition', 't', 'e'], [[n], [n], [n]], [...t.shape]);
      }
      const { a, b } = inputs as { a: Info; b: Info };
      const out = broadcast(a.shape, b.shape);
      if (out.length !== 5) return original(args);
      const m = mergedShapes([a.shape, b.shape], out);
      if (!m || m.out.length >= 5) return original(args);
      return atLowerRank(original, args, ['a', 'b'], m.operands, out);
    };
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ ...config, kernelFunc });
  }
}

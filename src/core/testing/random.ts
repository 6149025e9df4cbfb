/** Deterministic test inputs: a seeded generator (mulberry32) and one-hot / softmax builders. */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Flat one-hot labels for `pixels` positions and C classes; class c drawn with probability weights[c]. */
export function randomOneHot(rand: () => number, pixels: number, weights: number[]): Float32Array {
  const c = weights.length;
  const total = weights.reduce((s, w) => s + w, 0);
  const out = new Float32Array(pixels * c);
  for (let i = 0; i < pixels; i++) {
    let r = rand() * total;
    let k = 0;
    while (k < c - 1 && r >= (weights[k] ?? 0)) {
      r -= weights[k] ?? 0;
      k++;
    }
    out[i * c + k] = 1;
  }
  return out;
}

/** Flat logits with entries uniform in [-scale, scale]. */
export function randomLogits(rand: () => number, n: number, scale = 2): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

/** Softmax over the last axis of flat logits with C channels. */
export function softmaxLast(logits: Float32Array, c: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i += c) {
    let m = -Infinity;
    for (let k = 0; k < c; k++) m = Math.max(m, logits[i + k] ?? 0);
    let s = 0;
    for (let k = 0; k < c; k++) s += Math.exp((logits[i + k] ?? 0) - m);
    for (let k = 0; k < c; k++) out[i + k] = Math.exp((logits[i + k] ?? 0) - m) / s;
  }
  return out;
}

/** A tiny seeded fully-convolutional segmentation model for tests of the training loop. */
import * as tf from '@tensorflow/tfjs';

export interface TinyModelOptions {
  size?: number;
  width?: number;
  height?: number;
  channels?: number;
  classes?: number;
  filters?: number;
  seed?: number;
}

/** conv3×3 (relu) → conv3×3 (relu) → conv1×1 softmax, glorot-uniform kernels seeded from `seed`. */
export function tinyModel(opts: TinyModelOptions = {}): tf.LayersModel {
  const size = opts.size ?? 32;
  const width = opts.width ?? size;
  const height = opts.height ?? size;
  const channels = opts.channels ?? 1;
  const classes = opts.classes ?? 2;
  const filters = opts.filters ?? 4;
  const seed = opts.seed ?? 1;
  const input = tf.input({ shape: [height, width, channels] });
  const conv = (f: number, k: number, activation: 'relu' | 'softmax', s: number) =>
    tf.layers.conv2d({
      filters: f,
      kernelSize: k,
      padding: 'same',
      activation,
      kernelInitializer: tf.initializers.glorotUniform({ seed: s }),
      biasInitializer: 'zeros',
    });
  let h = conv(filters, 3, 'relu', seed).apply(input) as tf.SymbolicTensor;
  h = conv(filters, 3, 'relu', seed + 1).apply(h) as tf.SymbolicTensor;
  const out = conv(classes, 1, 'softmax', seed + 2).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/**
 * The planner's step-time probe: a few training steps of an experiment request's model, on the
 * active backend, timed, so that the page and `segstudio --plan` can say how long an epoch and
 * the whole experiment take before it starts.
 *
 * The model is the request's (requestModel: the 2-D or 3-D U-Net at its patch size, depth and
 * filters, with the dataset's channels and classes), the loss is that of the request's first run,
 * the batch is one batch of the request's size, random intensities N(0, 1) and random one-hot
 * labels (a step's time does not depend on the values). One untimed step compiles the shaders
 * (WebGPU, WebGL); then `steps` SGD steps made as the Trainer makes them
 * (optimizer.minimize inside tf.tidy) are timed from the first until the last one's loss is read
 * back, so queued device work is counted. Everything built is disposed; the tensor count is the
 * same after the probe as before.
 */
import * as tf from '@tensorflow/tfjs';
import { createLoss } from '../losses';
import type { ExperimentRequest } from '../training/experimentFile';
import { requestModel } from './trainingService';

export interface ProbeResult {
  /** Mean milliseconds per training step over the timed steps. */
  msPerStep: number;
  /** Timed steps. */
  steps: number;
  /** Milliseconds of the first, untimed step (shader compilation included). */
  firstStepMs: number;
  /** The backend that ran it (tf.getBackend()). */
  backend: string;
}

/** Times `steps` (default 3) training steps of the request's model on the active backend. */
export async function probeStepTime(request: ExperimentRequest, steps = 3): Promise<ProbeResult> {
  const run = request.runs[0];
  if (!run) throw new Error('the experiment has no run to probe');
  const dims = request.dims ?? 2;
  const batch = request.training.batchSize ?? 2;
  const spatial = dims === 3 ? [request.model.inputDepth ?? 1, request.model.inputHeight, request.model.inputWidth] : [request.model.inputHeight, request.model.inputWidth];
  const model = requestModel(request);
  const optimizer = tf.train.sgd(request.training.learningRate ?? 0.1);
  const loss = createLoss(run.loss, run.params ?? {});
  const x = tf.randomNormal([batch, ...spatial, request.dataset.channels], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch, ...spatial], 0, request.dataset.numClasses, 'int32', 2), request.dataset.numClasses).toFloat());
  const step = (): tf.Scalar =>
    tf.tidy(() => {
      const c = optimizer.minimize(() => loss(y, model.apply(x, { training: true }) as tf.Tensor), true);
      if (!c) throw new Error('the optimizer returned no loss');
      return c;
    });
  try {
    let t0 = performance.now();
    const first = step();
    await first.data();
    first.dispose();
    const firstStepMs = performance.now() - t0;
    t0 = performance.now();
    let last: tf.Scalar | null = null;
    for (let i = 0; i < steps; i++) {
      last?.dispose();
      last = step();
    }
    await last!.data();
    last!.dispose();
    return { msPerStep: (performance.now() - t0) / steps, steps, firstStepMs, backend: tf.getBackend() };
  } finally {
    x.dispose();
    y.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

export { experimentTime, formatEstimate } from './planner';

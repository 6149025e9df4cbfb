/**
 * The engine a host drives: training, predictions and stored experiments wired together over
 * one store. The browser's training worker is a message switch over it; a command line calls it
 * directly (Node, tfjs with the backend it chose). The host brings the store, where events go
 * and how to let its messages in between steps.
 *
 *   const engine = createEngine({ store: async () => new MemoryStore(), emit: (e) => print(e) });
 *   const outcome = await engine.training.start(request, cases);   // 'started' … 'ended' events
 *   const file = await engine.experiments.exportExperiment(request.id);
 *   const { results } = await engine.predictions.predict({ experimentId: request.id, runs, case: c, slices });
 */
import type * as tf from '@tensorflow/tfjs';
import type { ExperimentRequest } from '../training/experimentFile';
import { PredictionService } from './predictionService';
import type { StoreAccess } from './store';
import { StoredExperiments } from './storedExperiments';
import { TrainingService } from './trainingService';
import type { EngineEventSink } from './types';

export interface EngineOptions {
  store: StoreAccess;
  emit: EngineEventSink;
  /** Awaited after every training step so that the host can take messages (see TrainingServiceOptions). */
  yieldNow?: () => Promise<void>;
  /** Builds one run's model. Default: the request's U-Net. */
  createModel?: (request: ExperimentRequest) => tf.LayersModel;
  now?: () => Date;
}

export interface Engine {
  training: TrainingService;
  predictions: PredictionService;
  experiments: StoredExperiments;
  /** Frees every model the engine holds (none may be training). */
  dispose(): Promise<void>;
}

export function createEngine(opts: EngineOptions): Engine {
  const holder: { training: TrainingService | null } = { training: null };
  const predictions = new PredictionService({
    store: opts.store,
    live: () => holder.training?.live ?? null,
    training: () => holder.training?.running ?? false,
  });
  const training = new TrainingService({
    store: opts.store,
    emit: opts.emit,
    ...(opts.yieldNow ? { yieldNow: opts.yieldNow } : {}),
    ...(opts.createModel ? { createModel: opts.createModel } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    betweenSteps: () => predictions.serve(),
    beforeRelease: () => predictions.idle(),
  });
  holder.training = training;
  const experiments = new StoredExperiments({
    store: opts.store,
    beforeChange: async (id) => {
      await predictions.idle();
      predictions.forget(id);
    },
  });
  return {
    training,
    predictions,
    experiments,
    async dispose() {
      await training.release();
      await predictions.idle();
      predictions.dispose();
    },
  };
}

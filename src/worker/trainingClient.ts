/**
 * Main-thread facade of the training worker: one long-lived worker, typed commands, events to
 * listeners. A crashed worker is reported as an error event and replaced on the next command;
 * the page keeps whatever results it already received.
 */
import type { Case } from '../core/data/types';
import type { BackendName } from './backend';
import type { PredictionResult } from '../core/engine/types';
import type { ExperimentFile, ExperimentRequest, ModelFiles, PredictRequest, TrainingCommand, TrainingEvent } from './trainingProtocol';

export type { PredictionResult } from '../core/engine/types';

export type TrainingListener = (e: TrainingEvent | { type: 'crashed'; message: string }) => void;

interface PendingPrediction {
  request: PredictRequest;
  getCase: () => Case | undefined;
  resolve: (r: PredictionResult) => void;
  reject: (e: Error) => void;
}

export class TrainingClient {
  private worker: Worker | null = null;
  private listeners = new Set<TrainingListener>();
  private predictions = new Map<number, PendingPrediction>();
  private nextRequestId = 1;

  on(listener: TrainingListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: Parameters<TrainingListener>[0]) {
    for (const l of this.listeners) l(e);
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (ev: MessageEvent<TrainingEvent>) => {
      if (ev.data.type === 'prediction' || ev.data.type === 'predictionFailed') this.settlePrediction(ev.data);
      else this.emit(ev.data);
    };
    w.onerror = (ev) => {
      ev.preventDefault();
      w.terminate();
      if (this.worker === w) this.worker = null;
      this.rejectPredictions('the training worker stopped');
      this.emit({ type: 'crashed', message: `the training worker stopped: ${ev.message || 'unknown error (out of memory or a lost GPU device?)'}` });
    };
    this.worker = w;
    return w;
  }

  private send(cmd: TrainingCommand, transfer: Transferable[] = []) {
    this.ensure().postMessage(cmd, transfer);
  }

  private settlePrediction(e: Extract<TrainingEvent, { type: 'prediction' | 'predictionFailed' }>) {
    const p = this.predictions.get(e.requestId);
    if (!p) return;
    if (e.type === 'predictionFailed' && e.missingCase && !p.request.case) {
      // The worker does not hold this case (a new dataset, or a new worker): send it along.
      const c = p.getCase();
      if (c) {
        p.request = { ...p.request, case: c };
        this.send({ type: 'predict', ...p.request });
        return;
      }
    }
    this.predictions.delete(e.requestId);
    if (e.type === 'prediction') p.resolve({ results: e.results, failed: e.failed });
    else p.reject(new Error(e.message));
  }

  private rejectPredictions(why: string) {
    for (const p of this.predictions.values()) p.reject(new Error(why));
    this.predictions.clear();
  }

  /**
   * Segmentations of slices of a case by runs of an experiment (see PredictRequest). The case
   * is sent only when the worker does not hold it yet.
   */
  predict(request: Omit<PredictRequest, 'requestId' | 'case'>, getCase: () => Case | undefined): Promise<PredictionResult> {
    return new Promise((resolve, reject) => {
      const full: PredictRequest = { ...request, requestId: this.nextRequestId++ };
      this.predictions.set(full.requestId, { request: full, getCase, resolve, reject });
      this.send({ type: 'predict', ...full });
    });
  }

  /**
   * (Re)starts the worker on a backend. 'auto' starts the first of webgpu → webgl → cpu that
   * works, and at the Start of each new model the worker times the backends and trains on the
   * fastest (backendChoice.ts).
   */
  init(backend: BackendName | 'auto') {
    // A backend cannot be switched back and forth reliably inside one tfjs instance: a new worker.
    this.worker?.terminate();
    this.worker = null;
    this.rejectPredictions('the training backend was restarted');
    this.send({ type: 'init', backend });
  }

  /** The cases are copied (structured clone) so that the page keeps its own dataset. */
  start(request: ExperimentRequest, cases: Case[], datasetKey: string, modelKey: string) {
    this.send({ type: 'start', request, cases, datasetKey, modelKey });
  }

  /** Continues a stored experiment from its last epoch checkpoint on these cases (the same dataset). */
  resume(id: string, cases: Case[], datasetKey: string) {
    this.send({ type: 'resume', id, cases, datasetKey });
  }

  stop() {
    this.send({ type: 'stop' });
  }

  list() {
    this.send({ type: 'list' });
  }

  remove(id: string) {
    this.send({ type: 'remove', id });
  }

  exportExperiment(id: string) {
    this.send({ type: 'exportExperiment', id });
  }

  importExperiment(file: ExperimentFile) {
    this.send({ type: 'importExperiment', file });
  }

  exportModel(id: string, run: string) {
    this.send({ type: 'exportModel', id, run });
  }

  probe(request: ExperimentRequest, key: string) {
    this.send({ type: 'probe', request, key });
  }

  infer(model: ModelFiles, name: string, cases: Case[], numClasses: number) {
    this.send({ type: 'infer', model, name, cases, numClasses });
  }

  dispose() {
    this.rejectPredictions('the training worker was closed');
    this.worker?.terminate();
    this.worker = null;
    this.listeners.clear();
  }
}

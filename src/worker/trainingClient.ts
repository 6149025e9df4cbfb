/**
 * Main-thread facade of the training worker: one long-lived worker, typed commands, events to
 * listeners. A crashed worker is reported as an error event and replaced on the next command;
 * the page keeps whatever results it already received.
 */
import type { Case } from '../core/data/types';
import type { BackendName } from './backend';
import type { ExperimentFile, ExperimentRequest, ModelFiles, TrainingCommand, TrainingEvent } from './trainingProtocol';

export type TrainingListener = (e: TrainingEvent | { type: 'crashed'; message: string }) => void;

export class TrainingClient {
  private worker: Worker | null = null;
  private listeners = new Set<TrainingListener>();

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
    w.onmessage = (ev: MessageEvent<TrainingEvent>) => this.emit(ev.data);
    w.onerror = (ev) => {
      ev.preventDefault();
      w.terminate();
      if (this.worker === w) this.worker = null;
      this.emit({ type: 'crashed', message: `the training worker stopped: ${ev.message || 'unknown error (out of memory or a lost GPU device?)'}` });
    };
    this.worker = w;
    return w;
  }

  private send(cmd: TrainingCommand, transfer: Transferable[] = []) {
    this.ensure().postMessage(cmd, transfer);
  }

  /** (Re)starts the worker on a backend; 'auto' tries webgpu → webgl → cpu. */
  init(backend: BackendName | 'auto') {
    // A backend cannot be switched back and forth reliably inside one tfjs instance: a new worker.
    this.worker?.terminate();
    this.worker = null;
    this.send({ type: 'init', backend });
  }

  /** The cases are copied (structured clone) so that the page keeps its own dataset. */
  start(request: ExperimentRequest, cases: Case[]) {
    this.send({ type: 'start', request, cases });
  }

  /** Continues a stored experiment from its last epoch checkpoint on these cases (the same dataset). */
  resume(id: string, cases: Case[]) {
    this.send({ type: 'resume', id, cases });
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

  infer(model: ModelFiles, name: string, cases: Case[], numClasses: number) {
    this.send({ type: 'infer', model, name, cases, numClasses });
  }

  dispose() {
    this.worker?.terminate();
    this.worker = null;
    this.listeners.clear();
  }
}

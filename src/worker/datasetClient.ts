/**
 * Main-thread facade of the dataset worker. One request at a time: a new request (or cancel)
 * ends the previous worker and rejects its promise with a SupersededError, so a late answer can
 * never overwrite a newer dataset.
 */
import type { LabelMapping } from '../core/data/labels';
import type { Pairing } from '../core/data/pairing';
import type { SyntheticOptions } from '../core/data/synthetic';
import type { DatasetCommand, DatasetEvent, DatasetResult, DroppedFile } from './datasetProtocol';

export type Progress = (done: number, total: number, label: string) => void;

export class SupersededError extends Error {
  constructor() {
    super('superseded by a newer request');
    this.name = 'SupersededError';
  }
}

export class DatasetClient {
  private current: { worker: Worker; reject: (e: Error) => void } | null = null;

  private run(cmd: DatasetCommand, onProgress?: Progress): Promise<DatasetResult> {
    this.cancel();
    const worker = new Worker(new URL('./dataset.worker.ts', import.meta.url), { type: 'module' });
    return new Promise<DatasetResult>((resolve, reject) => {
      const me = { worker, reject };
      this.current = me;
      const finish = () => {
        worker.terminate();
        if (this.current === me) this.current = null;
      };
      worker.onmessage = (ev: MessageEvent<DatasetEvent>) => {
        if (this.current !== me) return;
        const e = ev.data;
        if (e.type === 'progress') onProgress?.(e.done, e.total, e.label);
        else {
          finish();
          if (e.type === 'loaded') resolve(e.result);
          else reject(new Error(e.message));
        }
      };
      worker.onerror = (ev) => {
        if (this.current !== me) return;
        finish();
        reject(new Error(`the dataset worker failed: ${ev.message || 'unknown error (out of memory?)'}`));
      };
      worker.postMessage(cmd);
    });
  }

  load(files: DroppedFile[], opts: { pairing?: Pairing; mapping?: LabelMapping } = {}, onProgress?: Progress) {
    return this.run({ type: 'load', files, ...opts }, onProgress);
  }

  demo(options: Partial<SyntheticOptions> = {}, onProgress?: Progress) {
    return this.run({ type: 'demo', options }, onProgress);
  }

  /** Ends the running request, if any; its promise rejects with SupersededError. */
  cancel() {
    const c = this.current;
    if (!c) return;
    this.current = null;
    c.worker.terminate();
    c.reject(new SupersededError());
  }
}

/** Main-thread facade of the dataset worker: one request at a time, progress via callback. */
import type { LabelMapping } from '../core/data/labels';
import type { Pairing } from '../core/data/pairing';
import type { SyntheticOptions } from '../core/data/synthetic';
import type { DatasetCommand, DatasetEvent, DatasetResult, DroppedFile } from './datasetProtocol';

export type Progress = (done: number, total: number, label: string) => void;

export class DatasetClient {
  private worker: Worker | null = null;

  private run(cmd: DatasetCommand, onProgress?: Progress): Promise<DatasetResult> {
    // A fresh worker per request: a crashed or stale decode cannot leak into the next one.
    this.worker?.terminate();
    const worker = new Worker(new URL('./dataset.worker.ts', import.meta.url), { type: 'module' });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      worker.onmessage = (ev: MessageEvent<DatasetEvent>) => {
        const e = ev.data;
        if (e.type === 'progress') onProgress?.(e.done, e.total, e.label);
        else {
          worker.terminate();
          if (this.worker === worker) this.worker = null;
          if (e.type === 'loaded') resolve(e.result);
          else reject(new Error(e.message));
        }
      };
      worker.onerror = (ev) => {
        worker.terminate();
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

  cancel() {
    this.worker?.terminate();
    this.worker = null;
  }
}

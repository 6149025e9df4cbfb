/// <reference lib="webworker" />
/**
 * Dataset worker: reads dropped files (and zip archives), decodes and pairs them, maps label
 * values, and posts the cases back with their buffers transferred. The page stays responsive.
 */
import { loadDataset } from '../core/data/dataset';
import { summarizeDataset } from '../core/data/summary';
import { generateSynthetic, resolveOptions } from '../core/data/synthetic';
import { valueCounts } from '../core/data/labels';
import type { Case } from '../core/data/types';
import { blobSource } from '../core/io/zip';
import type { DatasetCommand, DatasetEvent, DatasetResult } from './datasetProtocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: DatasetEvent, transfer: Transferable[] = []) => scope.postMessage(e, transfer);

function buffersOf(cases: Case[]): Transferable[] {
  const seen = new Set<ArrayBufferLike>();
  for (const c of cases) for (const a of [c.image.data, c.labels, c.roi, c.image.paletteIndices]) if (a) seen.add(a.buffer);
  return [...seen].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

scope.onmessage = async (ev: MessageEvent<DatasetCommand>) => {
  const cmd = ev.data;
  try {
    let result: DatasetResult;
    if (cmd.type === 'demo') {
      const options = resolveOptions(cmd.options ?? {});
      const cases = generateSynthetic(options);
      const numClasses = options.numClasses;
      const summary = summarizeDataset(cases, numClasses);
      const names = numClasses === 3 ? ['class 1', 'class 2'] : ['foreground'];
      const counts = new Map<number, number>();
      for (const c of cases) for (const { value, count } of valueCounts(c.labels)) counts.set(value, (counts.get(value) ?? 0) + count);
      result = {
        origin: 'demo',
        cases,
        pairing: {
          pairs: cases.map((c) => ({ id: c.id, image: `${c.id} (synthetic image)`, mask: `${c.id} (synthetic mask)` })),
          unpaired: [],
          ignored: [],
          layout: `synthetic ${options.kind}, ${options.width}×${options.height}, target foreground ${(100 * options.foregroundFraction).toFixed(1)} %`,
        },
        mapping: {
          mapping: numClasses === 3 ? { kind: 'values', classes: { 1: 1, 2: 2 } } : { kind: 'nonzero' },
          numClasses,
          classNames: names,
        },
        labelValues: [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([value, count]) => ({ value, count })),
        summary,
        issues: [],
        notes: [],
      };
    } else {
      const files = cmd.files.map((f) => ({ path: f.path, read: async () => new Uint8Array(await f.file.arrayBuffer()), source: blobSource(f.file) }));
      let last = 0;
      const loaded = await loadDataset(files, {
        ...(cmd.pairing ? { pairing: cmd.pairing } : {}),
        ...(cmd.mapping ? { mapping: cmd.mapping } : {}),
        onProgress: (done, total, label) => {
          const now = performance.now();
          if (now - last > 100 || done === total) {
            last = now;
            post({ type: 'progress', done, total, label });
          }
        },
      });
      result = { origin: 'files', ...loaded };
    }
    post({ type: 'loaded', result }, buffersOf(result.cases));
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};

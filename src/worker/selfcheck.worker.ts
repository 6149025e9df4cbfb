/// <reference lib="webworker" />
/**
 * Self-check worker: runs the numpy reference table of the loss library on each requested tfjs
 * backend and posts the values back. All tensors live and die here.
 */
import { runReferenceCases, type ReferenceTable } from '../core/losses/selfcheck';
import { switchBackend } from './backend';
import type { SelfCheckCommand, SelfCheckEvent } from './selfcheckProtocol';

const post = (e: SelfCheckEvent) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(e);

self.onmessage = async (ev: MessageEvent<SelfCheckCommand>) => {
  const cmd = ev.data;
  if (cmd.type !== 'run') return;
  try {
    post({ type: 'loading', message: 'Loading the reference table…' });
    const res = await fetch(cmd.referenceUrl);
    if (!res.ok) throw new Error(`reference table: HTTP ${res.status}`);
    const table = (await res.json()) as ReferenceTable;
    for (const name of cmd.backends) {
      post({ type: 'loading', message: `Starting the ${name} backend…` });
      const r = await switchBackend(name);
      if (!r.ok) {
        post({ type: 'backend', requested: name, info: null, reason: r.reason });
        continue;
      }
      post({ type: 'backend', requested: name, info: r.info });
      const t0 = performance.now();
      const outcomes = await runReferenceCases(table.cases, (done, total) => {
        if (done % 10 === 0 || done === total) post({ type: 'progress', backend: name, done, total });
      });
      post({ type: 'result', backend: r.info, outcomes, seconds: (performance.now() - t0) / 1000 });
    }
    post({ type: 'done' });
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};

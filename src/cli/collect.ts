/**
 * `segstudio collect`: the run files of a sweep (one experiment file per array task, each
 * holding the runs that task trained) merged into one experiment file that the studio imports.
 * Runs are only merged when they belong to the same experiment: the same request (losses,
 * parameters, protocol, model, seed, split and cases), the same training configuration, split,
 * classes, input and sample counts in their histories. Anything that differs is named, file by
 * file, and nothing is merged; runs of the request that no file holds are named too, and are
 * left out only with `partial`.
 */
import { EXPERIMENT_FILE_FORMAT, EXPERIMENT_FILE_VERSION, type ExperimentFile, type ModelFiles } from '../core/training/experimentFile';
import type { ExperimentSnapshot } from '../core/training/experiment';

export interface RunFile {
  /** Where it came from (for messages). */
  name: string;
  file: ExperimentFile;
}

export interface Collected {
  file: ExperimentFile;
  /** Run ids of the request that no file holds (only with `partial`). */
  missing: string[];
  /** Which file each run came from. */
  from: Record<string, string>;
}

export class CollectError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'CollectError';
  }
}

/** Deep equality of JSON-like data (objects compared key by key, NaN equal to NaN). */
function same(a: unknown, b: unknown): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The first paths at which two values differ, e.g. ["training.learningRate"]. */
function differences(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 5 || same(a, b)) return out;
  const arrays = Array.isArray(a) && Array.isArray(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b) || (arrays && a.length !== b.length)) {
    out.push(path || '(the whole value)');
    return out;
  }
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
  }
  return out;
}

/** What the histories of one experiment share whichever runs a task trained. */
function sharedOfSnapshot(s: ExperimentSnapshot): unknown {
  return { config: s.config, scheduling: s.scheduling, interleave: s.interleave, split: s.split, numClasses: s.numClasses, input: s.input, samples: s.samples };
}

export function collectRuns(files: readonly RunFile[], opts: { partial?: boolean } = {}): Collected {
  const problems: string[] = [];
  if (files.length === 0) throw new CollectError(['no run files to collect']);
  const first = files[0] as RunFile;
  const request = first.file.record.request;
  for (const f of files.slice(1)) {
    const d = differences(request, f.file.record.request);
    if (d.length) problems.push(`${f.name}: another experiment than ${first.name} (its request differs in ${d.join(', ')})`);
  }
  const withSnapshot = files.filter((f) => f.file.record.snapshot);
  for (const f of files) if (!f.file.record.snapshot) problems.push(`${f.name}: holds no trained run (no history)`);
  const base = withSnapshot[0];
  if (base) {
    for (const f of withSnapshot.slice(1)) {
      const d = differences(sharedOfSnapshot(base.file.record.snapshot as ExperimentSnapshot), sharedOfSnapshot(f.file.record.snapshot as ExperimentSnapshot));
      if (d.length) problems.push(`${f.name}: its training differs from ${base.name}'s in ${d.join(', ')}`);
    }
  }
  const wanted = request.runs.map((r, i) => r.id ?? `run ${i}`);
  const runs = new Map<string, { run: ExperimentSnapshot['runs'][number]; from: string }>();
  const weights: Record<string, ModelFiles> = {};
  for (const f of withSnapshot) {
    for (const run of (f.file.record.snapshot as ExperimentSnapshot).runs) {
      if (run.status === 'pending' && run.epochs.length === 0) continue; // not trained by this task
      if (!wanted.includes(run.id)) {
        problems.push(`${f.name}: run ${run.id} is not a run of the experiment (its runs: ${wanted.join(', ')})`);
        continue;
      }
      const had = runs.get(run.id);
      if (had) {
        if (!same(had.run, run)) problems.push(`run ${run.id} is in ${had.from} and in ${f.name} with different histories`);
        continue;
      }
      runs.set(run.id, { run, from: f.name });
      const w = f.file.weights[run.id];
      if (w) weights[run.id] = w;
    }
  }
  const missing = wanted.filter((id) => !runs.has(id));
  if (missing.length && !opts.partial) problems.push(`missing runs (no file holds them; --partial merges what exists): ${missing.join(', ')}`);
  const unfinished = [...runs.values()].filter((r) => r.run.status !== 'done').map((r) => `${r.run.id} (${r.from}, ${r.run.epochs.length} epochs)`);
  if (unfinished.length && !opts.partial) problems.push(`runs that did not finish (--partial merges them as they are): ${unfinished.join(', ')}`);
  if (problems.length) throw new CollectError(problems);
  const snapshot: ExperimentSnapshot = {
    ...(base?.file.record.snapshot as ExperimentSnapshot),
    stopped: missing.length > 0 || unfinished.length > 0,
    runs: wanted.flatMap((id) => {
      const r = runs.get(id);
      return r ? [r.run] : [];
    }),
  };
  const finished = missing.length === 0 && unfinished.length === 0;
  return {
    file: {
      format: EXPERIMENT_FILE_FORMAT,
      version: EXPERIMENT_FILE_VERSION,
      record: {
        id: first.file.record.id,
        request,
        status: finished ? 'finished' : 'stopped',
        updatedAt: new Date().toISOString(),
        snapshot,
        savedWeights: Object.keys(weights),
        ...(finished ? {} : { message: `collected ${runs.size} of ${wanted.length} runs` }),
      },
      weights,
    },
    missing,
    from: Object.fromEntries([...runs.entries()].map(([id, r]) => [id, r.from])),
  };
}

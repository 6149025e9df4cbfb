/**
 * From an experiment's runs to the replicate analysis of core/results/replicates.ts: which runs
 * repeat one loss configuration (over training seeds and folds of the development set), what the
 * configuration is called, and how one replicate is named on the page.
 */
import { runInfo } from '../../core/results';
import type { ReplicateRow, ReplicateRun } from '../../core/results/replicates';
import type { ExperimentSnapshot, RunHistory } from '../../core/training/experiment';

/** Whether any run repeats a loss configuration (an experiment with seeds or folds). */
export function hasReplicates(snapshot: Pick<ExperimentSnapshot, 'runs'>): boolean {
  return snapshot.runs.some((r) => r.replicateOf !== undefined);
}

/** The loss configuration a run trains: the configuration it repeats, or its own id. */
export function configurationKey(run: Pick<RunHistory, 'id' | 'replicateOf'>): string {
  return run.replicateOf ?? run.id;
}

/** The replicate words runs.ts replicateRuns adds to a label: " · seed 2", " · fold 1/3". */
const REPLICATE_SUFFIX = /(?: · (?:seed -?\d+|fold \d+\/\d+))+$/;

/** "Dice" for "Dice · seed 2 · fold 1/3": the configuration's label without the replicate words. */
export function configurationLabel(run: Pick<RunHistory, 'id' | 'label' | 'replicateOf'>): string {
  if (run.replicateOf === undefined) return run.label || run.id;
  return run.label.replace(REPLICATE_SUFFIX, '') || run.replicateOf;
}

/** The runs as the replicate table takes them, in the experiment's order. */
export function replicateRunsOf(snapshot: Pick<ExperimentSnapshot, 'runs'>): ReplicateRun[] {
  return snapshot.runs.map((r) => ({
    runId: r.id,
    key: configurationKey(r),
    label: configurationLabel(r),
    seed: r.seed ?? null,
    fold: r.fold ?? null,
    test: r.test,
  }));
}

/** The colour of each configuration: its first run's loss colour. */
export function configurationColors(snapshot: Pick<ExperimentSnapshot, 'runs'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of snapshot.runs) if (!out.has(configurationKey(r))) out.set(configurationKey(r), runInfo(r).color);
  return out;
}

/**
 * Names replicates as the experiment distinguishes them: "seed 2", "fold 1/3" or "seed 2 · fold
 * 1/3" (a seed is named only when the experiment has several, a fold only with folds).
 */
export function replicateNamer(snapshot: Pick<ExperimentSnapshot, 'runs'>): (r: { seed: number | null; fold: number | null }) => string {
  const replicates = snapshot.runs.filter((r) => r.replicateOf !== undefined);
  const seeds = new Set(replicates.map((r) => r.seed ?? null));
  const folds = Math.max(0, ...replicates.map((r) => r.folds ?? 0));
  return (r) => {
    const parts = [...(seeds.size > 1 && r.seed !== null ? [`seed ${r.seed}`] : []), ...(r.fold !== null ? [folds > 0 ? `fold ${r.fold}/${folds}` : `fold ${r.fold}`] : [])];
    return parts.length ? parts.join(' · ') : r.seed !== null ? `seed ${r.seed}` : 'the one run';
  };
}

/** One series of the replicate chart: a loss configuration and the mean test DSC of each of its replicates. */
export interface ReplicateSeries {
  key: string;
  label: string;
  color: string;
  /** Mean test DSC of each replicate (those with a defined one), with its name ("seed 2 · fold 1/3"). */
  points: { name: string; dsc: number }[];
  mean: number;
  std: number;
}

/** The chart's series of the replicate table's rows. */
export function replicateSeries(rows: readonly ReplicateRow[], snapshot: Pick<ExperimentSnapshot, 'runs'>): ReplicateSeries[] {
  const colors = configurationColors(snapshot);
  const name = replicateNamer(snapshot);
  return rows.map((row) => ({
    key: row.key,
    label: row.label,
    color: colors.get(row.key) ?? '#555',
    points: row.replicates.filter((r) => Number.isFinite(r.meanDsc)).map((r) => ({ name: name(r), dsc: r.meanDsc })),
    mean: row.mean,
    std: row.n > 1 ? row.std : Number.NaN,
  }));
}

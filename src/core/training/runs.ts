/**
 * Run lists of an experiment (tfjs-free, so that pages can build them): one run per loss
 * configuration, the paper's eight, and the γ sweep of its Figure 3.
 */
import { LOSSES, PAPER_COMPARISON, paperParams, type LossId, type LossParams } from '../losses/registry';

/** One run: a loss and its parameters. */
export interface RunSpec {
  /** Unique within the experiment; default the loss id (with a suffix when a loss repeats). */
  id?: string;
  loss: LossId;
  /** Parameters (missing ones take the registry's defaults). Default: the paper's settings. */
  params?: LossParams;
  /** Display name; default the registry's label. */
  label?: string;
  /**
   * Replicates (seeds and folds, {@link replicateRuns}): the id of the loss configuration this
   * run repeats. Runs with the same `replicateOf` differ only in `seed` and `fold`.
   */
  replicateOf?: string;
  /**
   * The run's training seed: its initial weights, sample order and augmentation. Default: the
   * experiment's seed (the training config's). Runs with the same seed start from the same
   * weights.
   */
  seed?: number;
  /**
   * A fold of the development set (core/data/split.ts developmentFold): this run trains on the
   * other folds' cases and validates on this one's; the test cases are the split's. 1 … folds;
   * given together with `folds`.
   */
  fold?: number;
  /** How many folds the development set is cut into (2 or more). */
  folds?: number;
}

/** The paper's eight configurations, in its order, with its parameters. */
export function paperRuns(): RunSpec[] {
  return PAPER_COMPARISON.map((id) => ({ id, loss: id, params: { ...paperParams(id) }, label: LOSSES[id].label }));
}

/** γ values of the paper's Figure 3. */
export const GAMMA_SWEEP: readonly number[] = Object.freeze([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);

/**
 * The γ sweep of the paper's Figure 3: each unified focal loss at its paper settings (λ = 0.5,
 * δ = 0.6) with γ = 0.1 … 0.9. Ids are `${loss}:gamma=${γ}`.
 */
export function gammaSweepRuns(
  losses: readonly LossId[] = ['symmetricUnifiedFocal', 'asymmetricUnifiedFocal'],
  gammas: readonly number[] = GAMMA_SWEEP,
): RunSpec[] {
  const out: RunSpec[] = [];
  for (const loss of losses) {
    if (!LOSSES[loss].params.some((p) => p.name === 'gamma')) throw new Error(`${loss} has no γ parameter to sweep`);
    for (const gamma of gammas) {
      out.push({ id: `${loss}:gamma=${gamma}`, loss, params: { ...paperParams(loss), gamma }, label: `${LOSSES[loss].short} γ = ${gamma}` });
    }
  }
  return out;
}

/**
 * Every run repeated over training seeds and folds of the development set: for each run, for
 * each fold 1 … folds, for each seed firstSeed … firstSeed + seeds − 1, a run with id
 * `${id}:seed=${seed}` and/or `:fold=${fold}` and `replicateOf` the run's id. With one seed and
 * one fold the runs come back unchanged (a plain experiment).
 */
export function replicateRuns(runs: readonly RunSpec[], opts: { seeds: number; folds: number; firstSeed: number }): RunSpec[] {
  const { seeds, folds, firstSeed } = opts;
  if (!Number.isInteger(seeds) || seeds < 1) throw new RangeError(`seeds must be a positive integer, got ${seeds}`);
  if (!Number.isInteger(folds) || folds < 1) throw new RangeError(`folds must be a positive integer, got ${folds}`);
  if (seeds === 1 && folds === 1) return runs.map((r) => ({ ...r }));
  const out: RunSpec[] = [];
  for (const r of runs) {
    const base = r.id ?? r.loss;
    const label = r.label ?? LOSSES[r.loss].label;
    for (let fold = 1; fold <= folds; fold++) {
      for (let k = 0; k < seeds; k++) {
        const seed = firstSeed + k;
        const parts = [...(seeds > 1 ? [`seed=${seed}`] : []), ...(folds > 1 ? [`fold=${fold}`] : [])];
        const words = [...(seeds > 1 ? [`seed ${seed}`] : []), ...(folds > 1 ? [`fold ${fold}/${folds}`] : [])];
        out.push({
          ...r,
          id: `${base}:${parts.join(':')}`,
          label: `${label} · ${words.join(' · ')}`,
          replicateOf: base,
          seed,
          ...(folds > 1 ? { fold, folds } : {}),
        });
      }
    }
  }
  return out;
}

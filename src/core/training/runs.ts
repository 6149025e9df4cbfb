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

/**
 * The hierarchy of the paper's Figure 1: settings of the unified focal loss that recover the
 * losses it generalises. Each entry states the relation that holds; the unit tests check every
 * one numerically on the tensor losses.
 *
 * With δ = 0.5 the focal part weighs every class by 0.5, hence the factor ½ for cross entropy
 * and focal. The region part recovers Dice and Tversky up to the smoothing constant
 * (1e-7 instead of 1e-6) and the clipping of p, which matter only for an empty class that is
 * predicted exactly 0.
 */
import type { LossId, LossParams } from './registry';

export interface HierarchyRelation {
  id: 'dice' | 'crossEntropy' | 'focal' | 'tversky' | 'focalTversky';
  /** Button text. */
  label: string;
  /** The unified loss's settings (λ, δ, γ). */
  unified: { lambda: number; delta: number; gamma: number };
  /** The loss it recovers, with the settings at which it does. */
  target: { id: LossId; params: LossParams };
  /** Multiplier: unified = factor · target. */
  factor: number;
  /** True when equal to float precision; false when equal up to smoothing and clipping. */
  exact: boolean;
  /** The relation in words and symbols. */
  relation: string;
}

export const HIERARCHY: readonly HierarchyRelation[] = [
  {
    id: 'dice',
    label: 'Recover Dice',
    unified: { lambda: 0, delta: 0.5, gamma: 0 },
    target: { id: 'dice', params: { delta: 0.5 } },
    factor: 1,
    exact: false,
    relation: 'λ = 0, δ = 0.5, γ = 0: only the focal Tversky part remains, with exponent 1 and TI = Dice, so L ≈ L_DSC.',
  },
  {
    id: 'crossEntropy',
    label: 'Recover cross entropy',
    unified: { lambda: 1, delta: 0.5, gamma: 0 },
    target: { id: 'crossEntropy', params: {} },
    factor: 0.5,
    exact: true,
    relation: 'λ = 1, δ = 0.5, γ = 0: only the focal part remains, unmodulated, each class weighed 0.5, so L = ½·L_CE.',
  },
  {
    id: 'focal',
    label: 'Recover focal',
    unified: { lambda: 1, delta: 0.5, gamma: 0.5 },
    target: { id: 'focal', params: { alpha: null, gamma: 0.5 } },
    factor: 0.5,
    exact: true,
    relation: 'λ = 1, δ = 0.5, γ > 0 (symmetric): the focal part with every class weighed 0.5, so L = ½·L_F(γ).',
  },
  {
    id: 'tversky',
    label: 'Recover Tversky',
    unified: { lambda: 0, delta: 0.7, gamma: 0 },
    target: { id: 'tversky', params: { delta: 0.7 } },
    factor: 1,
    exact: false,
    relation: 'λ = 0, δ = 0.7, γ = 0: the focal Tversky part with exponent 1, so L ≈ L_T(δ = 0.7).',
  },
  {
    id: 'focalTversky',
    label: 'Recover focal Tversky',
    unified: { lambda: 0, delta: 0.7, gamma: 0.25 },
    target: { id: 'focalTversky', params: { delta: 0.7, gamma: 4 / 3 } },
    factor: 1,
    exact: false,
    relation: 'λ = 0, δ = 0.7, γ = 0.25 (symmetric): exponent 1 − γ = 0.75 = 1/(4/3), so L ≈ L_FT(δ = 0.7, γ = 4/3).',
  },
];

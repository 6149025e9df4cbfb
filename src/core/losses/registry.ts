/**
 * The loss registry: one entry per loss with its parameters (symbol, range, step, default),
 * the paper's settings, and its equation. The UI's sliders and legends, the docs table
 * (docs/LOSSES.md, generated) and the experiment runner all read this file.
 *
 * This module is free of tfjs so that the page can read it without loading tensors.
 *
 * Sources: Yeung, Sala, Schönlieb, Rundo, "Unified Focal loss: Generalising Dice and cross
 * entropy-based losses to handle class imbalanced medical image segmentation", Computerized
 * Medical Imaging and Graphics 95 (2022) 102026; reference code mlyg/unified-focal-loss
 * (loss_functions.py), whose values are matched except for the four fixes in docs/LOSSES.md.
 */

export const LOSS_IDS = [
  'crossEntropy',
  'focal',
  'dice',
  'tversky',
  'focalTversky',
  'combo',
  'symmetricFocal',
  'asymmetricFocal',
  'symmetricFocalTversky',
  'asymmetricFocalTversky',
  'symmetricUnifiedFocal',
  'asymmetricUnifiedFocal',
] as const;

export type LossId = (typeof LOSS_IDS)[number];

export type ParamName = 'alpha' | 'beta' | 'gamma' | 'delta' | 'lambda';

/** A parameter value: a number, or for focal's α also null (no weighting) or one weight per class. */
export type ParamValue = number | number[] | null;

export type LossParams = Partial<Record<ParamName, ParamValue>>;

/** Parameters after defaults are applied. */
export type ResolvedParams = Record<ParamName, ParamValue>;

export type LossFamily = 'distribution' | 'region' | 'compound';

export interface ParamSpec {
  name: ParamName;
  symbol: 'α' | 'β' | 'γ' | 'δ' | 'λ';
  /** The accessible name of the control, e.g. "γ (gamma)". */
  label: string;
  min: number;
  max: number;
  step: number;
  default: number | null;
  /** What the parameter does in this loss. */
  meaning: string;
  /** focal's α: null means every class weighs 1; an array gives one weight per class. */
  nullable?: boolean;
  classWeights?: boolean;
}

export interface LossSpec {
  id: LossId;
  label: string;
  /** Short symbol used in formulas and legends. */
  short: string;
  family: LossFamily;
  params: ParamSpec[];
  /** The settings used in the paper's comparison (docs/LOSSES.md, "Paper settings"). */
  paper: LossParams;
  /** The equation in plain text with symbolic parameters. */
  equation: string;
  /** The equation with the given parameter values written in. */
  instantiate: (p: ResolvedParams) => string;
  /** Where the loss comes from. */
  source: string;
  /** A colour used for this loss everywhere in the UI (charts, legends, tiles). */
  color: string;
}

const SYMBOL_WORD: Record<ParamName, [ParamSpec['symbol'], string]> = {
  alpha: ['α', 'alpha'],
  beta: ['β', 'beta'],
  gamma: ['γ', 'gamma'],
  delta: ['δ', 'delta'],
  lambda: ['λ', 'lambda'],
};

function param(
  name: ParamName,
  min: number,
  max: number,
  step: number,
  def: number | null,
  meaning: string,
  extra: Partial<ParamSpec> = {},
): ParamSpec {
  const [symbol, word] = SYMBOL_WORD[name];
  return { name, symbol, label: `${symbol} (${word})`, min, max, step, default: def, meaning, ...extra };
}

/** Formats a number for a formula: up to 4 significant decimals, no trailing zeros. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const r = Math.round(x * 1e4) / 1e4;
  return String(r === 0 ? 0 : r);
}

function num(p: ResolvedParams, name: ParamName): number {
  const v = p[name];
  if (typeof v !== 'number') throw new Error(`parameter ${name} must be a number here`);
  return v;
}

const TI = 'TI_c = (tp_c + s) / (tp_c + δ·fn_c + (1−δ)·fp_c + s)';
const tiWith = (delta: number, s: string) =>
  `TI_c = (tp_c + ${s}) / (tp_c + ${fmt(delta)}·fn_c + ${fmt(1 - delta)}·fp_c + ${s})`;

const DISTRIBUTION_NOTE = 'mean over pixels i; p clipped to [1e-7, 1 − 1e-7]';
const REGION_NOTE = 'mean over samples and classes c (background included)';

function symmetricFocalText(delta: number, gamma: number): string {
  return (
    `L_mF = −mean_i[ ${fmt(1 - delta)}·(1 − p_i0)^${fmt(gamma)}·y_i0·log p_i0` +
    ` + Σ_c≥1 ${fmt(delta)}·(1 − p_ic)^${fmt(gamma)}·y_ic·log p_ic ]`
  );
}
function asymmetricFocalText(delta: number, gamma: number): string {
  return (
    `L_maF = −mean_i[ ${fmt(1 - delta)}·(1 − p_i0)^${fmt(gamma)}·y_i0·log p_i0` +
    ` + Σ_c≥1 ${fmt(delta)}·y_ic·log p_ic ]`
  );
}
function symmetricFTText(delta: number, gamma: number): string {
  return `L_mFT = mean_c (1 − TI_c)^${fmt(1 - gamma)},  ${tiWith(delta, '1e-7')}`;
}
function asymmetricFTText(delta: number, gamma: number): string {
  return (
    `L_maFT = mean_c[ (1 − TI_0) for the background, (1 − TI_c)^${fmt(1 - gamma)} for c ≥ 1 ],  ` +
    tiWith(delta, '1e-7')
  );
}

const PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b',
  '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#b5862b',
];

type SpecWithoutColor = Omit<LossSpec, 'color'>;

const SPECS: SpecWithoutColor[] = [
  {
    id: 'crossEntropy',
    label: 'Cross entropy',
    short: 'CE',
    family: 'distribution',
    params: [],
    paper: {},
    equation: 'L_CE = −mean_i Σ_c y_ic · log p_ic   (' + DISTRIBUTION_NOTE + ')',
    instantiate: () => 'L_CE = −mean_i Σ_c y_ic · log p_ic',
    source: 'Categorical cross entropy.',
  },
  {
    id: 'focal',
    label: 'Focal',
    short: 'F',
    family: 'distribution',
    params: [
      param('alpha', 0, 1, 0.05, null, 'RetinaNet α_t: weight a on rare classes, 1 − a on the background; none = all 1; or one weight per class', {
        nullable: true,
        classWeights: true,
      }),
      param('gamma', 0, 5, 0.1, 2, 'focusing exponent on (1 − p)'),
    ],
    paper: { alpha: 0.25, gamma: 2 },
    equation: 'L_F = −mean_i Σ_c α_c · (1 − p_ic)^γ · y_ic · log p_ic   (' + DISTRIBUTION_NOTE + ')',
    instantiate: (p) => {
      const a = p.alpha;
      const g = fmt(num(p, 'gamma'));
      if (a === null) return `L_F = −mean_i Σ_c (1 − p_ic)^${g} · y_ic · log p_ic`;
      if (typeof a === 'number')
        return `L_F = −mean_i[ ${fmt(1 - a)}·(1 − p_i0)^${g}·y_i0·log p_i0 + Σ_c≥1 ${fmt(a)}·(1 − p_ic)^${g}·y_ic·log p_ic ]`;
      return `L_F = −mean_i Σ_c α_c · (1 − p_ic)^${g} · y_ic · log p_ic,  α = [${a.map(fmt).join(', ')}]`;
    },
    source: 'Lin et al., "Focal loss for dense object detection", ICCV 2017.',
  },
  {
    id: 'dice',
    label: 'Dice',
    short: 'DSC',
    family: 'region',
    params: [param('delta', 0, 1, 0.05, 0.5, 'weight of false negatives (1 − δ on false positives); 0.5 is Dice')],
    paper: { delta: 0.5 },
    equation: `L_DSC = mean_c (1 − TI_c),  ${TI}, s = 1e-6, p not clipped   (${REGION_NOTE})`,
    instantiate: (p) => `L_DSC = mean_c (1 − TI_c),  ${tiWith(num(p, 'delta'), '1e-6')}`,
    source: 'Milletari et al., "V-Net", 3DV 2016 (soft Dice loss).',
  },
  {
    id: 'tversky',
    label: 'Tversky',
    short: 'T',
    family: 'region',
    params: [param('delta', 0, 1, 0.05, 0.7, 'weight of false negatives (1 − δ on false positives)')],
    paper: { delta: 0.7 },
    equation: `L_T = mean_c (1 − TI_c),  ${TI}, s = 1e-6, p not clipped   (${REGION_NOTE})`,
    instantiate: (p) => `L_T = mean_c (1 − TI_c),  ${tiWith(num(p, 'delta'), '1e-6')}`,
    source: 'Salehi et al., "Tversky loss function for image segmentation", MLMI 2017.',
  },
  {
    id: 'focalTversky',
    label: 'Focal Tversky',
    short: 'FT',
    family: 'region',
    params: [
      param('delta', 0, 1, 0.05, 0.7, 'weight of false negatives (1 − δ on false positives)'),
      param('gamma', 0.25, 3, 0.01, 4 / 3, 'the exponent is 1/γ (γ = 4/3 gives 0.75)'),
    ],
    paper: { delta: 0.7, gamma: 4 / 3 },
    equation: `L_FT = mean_c (1 − TI_c)^(1/γ),  ${TI}, s = 1e-6, p clipped   (${REGION_NOTE})`,
    instantiate: (p) =>
      `L_FT = mean_c (1 − TI_c)^${fmt(1 / num(p, 'gamma'))},  ${tiWith(num(p, 'delta'), '1e-6')}`,
    source: 'Abraham & Khan, "A novel focal Tversky loss function", ISBI 2019.',
  },
  {
    id: 'combo',
    label: 'Combo',
    short: 'Combo',
    family: 'compound',
    params: [
      param('alpha', 0, 1, 0.05, 0.5, 'weight of the cross-entropy part (1 − α on Dice)'),
      param('beta', 0, 1, 0.05, 0.5, 'weight of the rare classes in cross entropy (1 − β on the background); β > 0.5 penalises false negatives'),
    ],
    paper: { alpha: 0.5, beta: 0.5 },
    equation:
      'L_combo = α·L_CE(β) − (1 − α)·DSC,  L_CE(β) = −mean_i[ (1−β)·y_i0·log p_i0 + Σ_c≥1 β·y_ic·log p_ic ],  DSC = mean over samples and classes of TI_c(δ = 0.5, s = 1e-6) on unclipped p; can be negative',
    instantiate: (p) => {
      const a = num(p, 'alpha');
      const b = num(p, 'beta');
      return (
        `L_combo = ${fmt(a)}·L_CE − ${fmt(1 - a)}·DSC,  ` +
        `L_CE = −mean_i[ ${fmt(1 - b)}·y_i0·log p_i0 + Σ_c≥1 ${fmt(b)}·y_ic·log p_ic ],  DSC = mean_c TI_c(δ = 0.5)`
      );
    },
    source: 'Taghanaki et al., "Combo loss", Computerized Medical Imaging and Graphics 2019.',
  },
  {
    id: 'symmetricFocal',
    label: 'Symmetric focal',
    short: 'mF',
    family: 'distribution',
    params: [
      param('delta', 0, 1, 0.05, 0.7, 'weight of the rare classes (1 − δ on the background)'),
      param('gamma', 0, 5, 0.1, 2, 'focusing exponent on (1 − p), every class'),
    ],
    paper: { delta: 0.7, gamma: 2 },
    equation:
      'L_mF = −mean_i[ (1−δ)·(1 − p_i0)^γ·y_i0·log p_i0 + Σ_c≥1 δ·(1 − p_ic)^γ·y_ic·log p_ic ]',
    instantiate: (p) => symmetricFocalText(num(p, 'delta'), num(p, 'gamma')),
    source: 'Yeung et al. 2022, modified (symmetric) focal loss.',
  },
  {
    id: 'asymmetricFocal',
    label: 'Asymmetric focal',
    short: 'maF',
    family: 'distribution',
    params: [
      param('delta', 0, 1, 0.05, 0.7, 'weight of the rare classes (1 − δ on the background)'),
      param('gamma', 0, 5, 0.1, 2, 'focusing exponent, on the background only'),
    ],
    paper: { delta: 0.7, gamma: 2 },
    equation:
      'L_maF = −mean_i[ (1−δ)·(1 − p_i0)^γ·y_i0·log p_i0 + Σ_c≥1 δ·y_ic·log p_ic ]   (rare classes are not suppressed)',
    instantiate: (p) => asymmetricFocalText(num(p, 'delta'), num(p, 'gamma')),
    source: 'Yeung et al. 2022, asymmetric focal loss.',
  },
  {
    id: 'symmetricFocalTversky',
    label: 'Symmetric focal Tversky',
    short: 'mFT',
    family: 'region',
    params: [
      param('delta', 0, 1, 0.05, 0.7, 'weight of false negatives (1 − δ on false positives)'),
      param('gamma', 0, 1, 0.05, 0.75, 'the exponent is 1 − γ, every class'),
    ],
    paper: { delta: 0.7, gamma: 0.75 },
    equation: `L_mFT = mean_c (1 − TI_c)^(1−γ),  ${TI}, s = 1e-7, p clipped   (${REGION_NOTE})`,
    instantiate: (p) => symmetricFTText(num(p, 'delta'), num(p, 'gamma')),
    source: 'Yeung et al. 2022, modified (symmetric) focal Tversky loss.',
  },
  {
    id: 'asymmetricFocalTversky',
    label: 'Asymmetric focal Tversky',
    short: 'maFT',
    family: 'region',
    params: [
      param('delta', 0, 1, 0.05, 0.7, 'weight of false negatives (1 − δ on false positives)'),
      param('gamma', 0, 1, 0.05, 0.75, 'the exponent 1 − γ applies to the rare classes only'),
    ],
    paper: { delta: 0.7, gamma: 0.75 },
    equation: `L_maFT = mean_c[ (1 − TI_0) for the background; (1 − TI_c)^(1−γ) for c ≥ 1 ],  ${TI}, s = 1e-7, p clipped   (${REGION_NOTE})`,
    instantiate: (p) => asymmetricFTText(num(p, 'delta'), num(p, 'gamma')),
    source: 'Yeung et al. 2022, asymmetric focal Tversky loss.',
  },
  {
    id: 'symmetricUnifiedFocal',
    label: 'Symmetric unified focal',
    short: 'sUF',
    family: 'compound',
    params: [
      param('lambda', 0, 1, 0.05, 0.5, 'weight of the focal part (1 − λ on the focal Tversky part)'),
      param('delta', 0, 1, 0.05, 0.6, 'rare-class / false-negative weight in both parts'),
      param('gamma', 0, 1, 0.05, 0.5, 'focal exponent γ; focal Tversky exponent 1 − γ'),
    ],
    paper: { lambda: 0.5, delta: 0.6, gamma: 0.5 },
    equation: 'L_sUF = λ·L_mF(δ, γ) + (1 − λ)·L_mFT(δ, γ)',
    instantiate: (p) => {
      const l = num(p, 'lambda');
      const d = num(p, 'delta');
      const g = num(p, 'gamma');
      return `L_sUF = ${fmt(l)}·L_mF + ${fmt(1 - l)}·L_mFT\n${symmetricFocalText(d, g)}\n${symmetricFTText(d, g)}`;
    },
    source: 'Yeung et al. 2022, symmetric unified focal loss.',
  },
  {
    id: 'asymmetricUnifiedFocal',
    label: 'Asymmetric unified focal',
    short: 'aUF',
    family: 'compound',
    params: [
      param('lambda', 0, 1, 0.05, 0.5, 'weight of the focal part (1 − λ on the focal Tversky part)'),
      param('delta', 0, 1, 0.05, 0.6, 'rare-class / false-negative weight in both parts'),
      param('gamma', 0, 1, 0.05, 0.5, 'background focal exponent γ; rare-class focal Tversky exponent 1 − γ'),
    ],
    paper: { lambda: 0.5, delta: 0.6, gamma: 0.5 },
    equation: 'L_aUF = λ·L_maF(δ, γ) + (1 − λ)·L_maFT(δ, γ)',
    instantiate: (p) => {
      const l = num(p, 'lambda');
      const d = num(p, 'delta');
      const g = num(p, 'gamma');
      return `L_aUF = ${fmt(l)}·L_maF + ${fmt(1 - l)}·L_maFT\n${asymmetricFocalText(d, g)}\n${asymmetricFTText(d, g)}`;
    },
    source: 'Yeung et al. 2022, asymmetric unified focal loss.',
  },
];

export const LOSSES: Readonly<Record<LossId, LossSpec>> = Object.freeze(
  Object.fromEntries(SPECS.map((s, i) => [s.id, { ...s, color: PALETTE[i % PALETTE.length] ?? '#000' }])) as Record<
    LossId,
    LossSpec
  >,
);

/** The eight configurations of the paper's comparison, in its order. */
export const PAPER_COMPARISON: readonly LossId[] = [
  'crossEntropy',
  'focal',
  'dice',
  'tversky',
  'focalTversky',
  'combo',
  'symmetricUnifiedFocal',
  'asymmetricUnifiedFocal',
];

export function isLossId(id: string): id is LossId {
  return (LOSS_IDS as readonly string[]).includes(id);
}

export function getLossSpec(id: string): LossSpec {
  if (!isLossId(id)) {
    throw new Error(`Unknown loss "${id}". Known losses: ${LOSS_IDS.join(', ')}.`);
  }
  return LOSSES[id];
}

export function defaultParams(id: LossId): ResolvedParams {
  const out: Partial<ResolvedParams> = {};
  for (const ps of LOSSES[id].params) out[ps.name] = ps.default;
  return out as ResolvedParams;
}

export function paperParams(id: LossId): ResolvedParams {
  return { ...defaultParams(id), ...LOSSES[id].paper } as ResolvedParams;
}

/**
 * Applies defaults and checks every parameter: unknown names, non-finite values and values
 * outside the registry's range are errors that name the loss, the parameter and the range.
 * Per-class α arrays are checked for length when the loss sees its input (classes unknown here).
 */
export function resolveParams(id: LossId, params: LossParams = {}): ResolvedParams {
  const spec = LOSSES[id];
  const known = new Set(spec.params.map((p) => p.name));
  for (const name of Object.keys(params)) {
    if (!known.has(name as ParamName)) {
      const list = spec.params.map((p) => p.name).join(', ') || 'none';
      throw new Error(`${id}: unknown parameter "${name}" (parameters: ${list}).`);
    }
  }
  const out = defaultParams(id);
  for (const ps of spec.params) {
    const raw = params[ps.name];
    if (raw === undefined) continue;
    if (raw === null) {
      if (!ps.nullable) throw new Error(`${id}: ${ps.label} cannot be null.`);
      out[ps.name] = null;
      continue;
    }
    if (Array.isArray(raw)) {
      if (!ps.classWeights) throw new Error(`${id}: ${ps.label} must be a number, not an array.`);
      if (raw.length < 2) throw new Error(`${id}: ${ps.label} as class weights needs one weight per class (at least 2).`);
      raw.forEach((w, i) => {
        if (!Number.isFinite(w) || w < 0) {
          throw new Error(`${id}: ${ps.label} weight for class ${i} must be a finite number ≥ 0; got ${w}.`);
        }
      });
      out[ps.name] = [...raw];
      continue;
    }
    if (typeof raw !== 'number' || !Number.isFinite(raw)) {
      throw new Error(`${id}: ${ps.label} must be a finite number; got ${String(raw)}.`);
    }
    if (raw < ps.min || raw > ps.max) {
      throw new Error(`${id}: ${ps.label} = ${raw} is outside its range [${ps.min}, ${ps.max}].`);
    }
    out[ps.name] = raw;
  }
  return out;
}

/**
 * The configuration link (TensorFlow Playground's habit): the whole configuration
 * (configuration.ts: the training settings, the parameters of the losses in play, and what the
 * loss explorer shows) as a short, readable query string in the page's hash, e.g.
 *
 *   https://host/studio/#/train?losses=crossEntropy,asymmetricUnifiedFocal&epochs=30&size=64&depth=3
 *     &filters=8&batch=2&lr=0.1&opt=sgd&order=interleaved&seed=1&steps=0&sweep=0&budget=0
 *     &slices=all&aug=1&best=loss&seeds=1&folds=1&res=native&p.asymmetricUnifiedFocal=delta:0.7,gamma:0.2
 *
 * Keys (stable: links already shared depend on them):
 *
 *   key          | field                         | value
 *   -------------|-------------------------------|-----------------------------------------------
 *   losses       | settings.losses               | loss ids in run order, comma-separated; empty: none
 *   epochs       | settings.maxEpochs            | integer 1…1000
 *   size         | settings.inputWidth and       | 32, 64, 128 or 256 (a square input; written
 *                |   inputHeight                 | when the input is one of these squares)
 *   width        | settings.inputWidth           | integer 16…512, a multiple of 16 (written with
 *   height       | settings.inputHeight          |   height instead of size for other inputs)
 *   depth        | settings.depth                | integer 2…5
 *   filters      | settings.baseFilters          | integer 4…64
 *   batch        | settings.batchSize            | integer 1…64
 *   lr           | settings.learningRate         | number 1e-6…10
 *   opt          | settings.optimizer            | sgd or adam
 *   order        | settings.scheduling           | interleaved or sequential
 *   seed         | settings.seed                 | integer 0…2147483647 (2^31 − 1)
 *   steps        | settings.stepsPerEpoch        | integer 0…10000 (0: one pass per epoch)
 *   sweep        | settings.gammaSweep           | 0 or 1
 *   budget       | settings.maxSteps             | integer 0…10000000 (steps per run; 0: none)
 *   slices       | settings.slices               | all or foreground (training slices of volumes)
 *   aug          | settings.augment              | 0 or 1 (the paper's augmentation)
 *   best         | settings.checkpointMetric     | loss or dsc (the validation score that picks
 *                |                               | the checkpoint tested: valLoss or valDsc)
 *   seeds        | settings.seeds                | integer 1…10 (training seeds per loss)
 *   folds        | settings.folds                | integer 1…10 (folds of the development set)
 *   res          | settings.resolution           | native (patches of the input size, sliding
 *                |                               | windows) or fit (images resized to the input)
 *   dims         | settings.dims                 | 2 (2D U-Net) or 3 (3D U-Net on 3D patches)
 *   zsize        | settings.inputDepth           | integer 16…256, a multiple of 16: the slices of
 *                |                               | a 3D patch (written with dims=3)
 *   spacing      | settings.spacing              | x,y,z in mm (each in (0, 100]) or own: the
 *                |                               | spacing 3D volumes are resampled to (dims=3)
 *   mem          | settings.memoryBudget         | integer 64…1048576: the memory budget of a
 *                |                               | training step in MiB (the planner's)
 *   split        | splitSeed                     | integer 0…2147483647: the seed of the dataset's
 *                |                               | train/validation/test split (core/data/split.ts)
 *   show         | explorer.selected             | loss ids drawn in the explorer, comma-separated
 *   focus        | explorer.focused              | the loss whose sliders are shown
 *   p.<lossId>   | params[lossId]                | name:value pairs, comma-separated; a value is a
 *                |                               | number, `none` (null) or class weights `w0/w1/…`
 *
 * `size` and `width`/`height` set the same fields: a link gives one or the other (both is an
 * error). A link written before a key existed leaves that setting at its current value.
 *
 * The parameters written are those of the ticked losses and of the losses the explorer shows,
 * and of those only the ones that differ from the paper's settings (paperParams): a loss in play
 * with no `p.` key, or a parameter left out of its `p.` key, is at the paper's value.
 *
 * Decoding is tolerant: an unknown key, an unknown loss or an invalid value is reported as an
 * error that names the key, the value and what is allowed, and everything else still applies
 * (an invalid setting or parameter keeps its current value). The studio applies what is valid
 * and shows the errors (state/shareConfig.ts); a command line refuses a link with any error
 * ({@link readConfigLink}).
 *
 * Decoding is bounded: a query longer than {@link MAX_LINK_LENGTH} characters is refused whole
 * with one message; a loss list holds at most one entry per loss, a `p.` key at most
 * {@link MAX_PARAM_ENTRIES} entries and class weights at most {@link MAX_CLASS_WEIGHTS} values
 * (longer ones are errors and keep the current value); values quoted in errors are cut at 60
 * characters, and at most {@link MAX_ERRORS} errors are listed, then one line counts the rest.
 */
import {
  LOSS_IDS,
  LOSSES,
  isLossId,
  paperParams,
  resolveParams,
  type LossId,
  type ParamValue,
  type ResolvedParams,
} from '../losses/registry';
import { echo } from '../io/echo';
import { didYouMean, RESOLUTIONS } from '../training/config';
import type { UNET_LIMITS } from '../model/unet';
import {
  defaultSettings,
  INPUT_SIZES,
  OPTIMIZERS,
  SCHEDULINGS,
  SETTING_LIMITS,
  SLICE_SELECTIONS,
  withinRule,
  type ExplorerView,
  type NumericSetting,
  type NumberRule,
  type StudioConfiguration,
  type TrainingSettings,
} from './configuration';

/** What a link is decoded against: the values kept where the link is silent or invalid. */
export interface ConfigBase {
  settings: TrainingSettings;
  params: Record<LossId, ResolvedParams>;
  explorer?: ExplorerView;
}

/** The explorer the studio opens with. */
export const DEFAULT_EXPLORER: Readonly<ExplorerView> = Object.freeze({ selected: ['crossEntropy', 'asymmetricUnifiedFocal'] as LossId[], focused: 'asymmetricUnifiedFocal' as const });

/** The studio as it opens: the default settings, every loss at the paper's parameters, the default explorer. */
export function defaultConfigBase(): ConfigBase {
  const params = {} as Record<LossId, ResolvedParams>;
  for (const id of LOSS_IDS) params[id] = paperParams(id);
  return { settings: defaultSettings(), params, explorer: { selected: [...DEFAULT_EXPLORER.selected], focused: DEFAULT_EXPLORER.focused } };
}

/** Setting keys in the order they are written. */
const SETTING_KEYS = ['losses', 'epochs', 'size', 'width', 'height', 'depth', 'filters', 'batch', 'lr', 'opt', 'order', 'seed', 'steps', 'sweep', 'budget', 'slices', 'aug', 'best', 'seeds', 'folds', 'res', 'dims', 'zsize', 'spacing', 'mem'] as const;
type SettingKey = (typeof SETTING_KEYS)[number];

const NUMERIC_KEYS: Partial<Record<SettingKey, NumericSetting>> = {
  epochs: 'maxEpochs',
  depth: 'depth',
  filters: 'baseFilters',
  batch: 'batchSize',
  lr: 'learningRate',
  seed: 'seed',
  steps: 'stepsPerEpoch',
  budget: 'maxSteps',
  width: 'inputWidth',
  height: 'inputHeight',
  seeds: 'seeds',
  folds: 'folds',
  zsize: 'inputDepth',
  mem: 'memoryBudget',
};

/** The link's words for the checkpoint metrics. */
const BEST_WORDS = { loss: 'valLoss', dsc: 'valDsc' } as const;

const PARAM_PREFIX = 'p.';

/** The longest query a link may carry (the studio writes well under 1 KB, class weights aside). */
export const MAX_LINK_LENGTH = 8192;
/** The most class weights one parameter may list: one per class of the U-Net, at most 256. */
export const MAX_CLASS_WEIGHTS: (typeof UNET_LIMITS)['numClasses'][1] = 256;
/** The most `name:value` entries of one `p.` key: every loss has fewer parameters. */
export const MAX_PARAM_ENTRIES = 16;
/** The most errors listed for one link; one more line counts the rest. */
export const MAX_ERRORS = 20;
const KNOWN_KEYS = [...SETTING_KEYS, 'split', 'show', 'focus', `${PARAM_PREFIX}<lossId>`];

// ---------------------------------------------------------------------------------------------
// Encoding

function numberText(x: number): string {
  return String(x);
}

function valueText(v: ParamValue): string {
  if (v === null) return 'none';
  if (Array.isArray(v)) return v.map(numberText).join('/');
  return numberText(v);
}

function sameValue(a: ParamValue | undefined, b: ParamValue | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** Percent-encodes a key or value, leaving the separators that keep a link readable (, : /). */
function urlText(s: string): string {
  return encodeURIComponent(s).replace(/%2C/gi, ',').replace(/%3A/gi, ':').replace(/%2F/gi, '/');
}

/** The losses whose parameters a link carries: the ticked ones, then those the explorer shows. */
export function lossesInPlay(settings: TrainingSettings, explorer?: StudioConfiguration['explorer']): LossId[] {
  const ids = new Set<LossId>(settings.losses);
  if (explorer) {
    for (const id of explorer.selected) ids.add(id);
    ids.add(explorer.focused);
  }
  return LOSS_IDS.filter((id) => ids.has(id));
}

/** The `name:value,…` text of the parameters that differ from the paper's; '' when none do. */
function paramsText(id: LossId, params: ResolvedParams): string {
  const paper = paperParams(id);
  return LOSSES[id].params
    .filter((ps) => params[ps.name] !== undefined && !sameValue(params[ps.name], paper[ps.name]))
    .map((ps) => `${ps.name}:${valueText(params[ps.name])}`)
    .join(',');
}

/**
 * The configuration as a query string (without the leading `?`). The same configuration always
 * gives the same string: keys in a fixed order, loss parameters in the registry's order.
 */
export function encodeConfigLink(cfg: StudioConfiguration): string {
  const s = cfg.settings;
  const pairs: [string, string][] = [
    ['losses', s.losses.join(',')],
    ['epochs', numberText(s.maxEpochs)],
    ...((s.inputWidth === s.inputHeight && (INPUT_SIZES as readonly number[]).includes(s.inputWidth)
      ? [['size', numberText(s.inputWidth)]]
      : [
          ['width', numberText(s.inputWidth)],
          ['height', numberText(s.inputHeight)],
        ]) as [string, string][]),
    ['depth', numberText(s.depth)],
    ['filters', numberText(s.baseFilters)],
    ['batch', numberText(s.batchSize)],
    ['lr', numberText(s.learningRate)],
    ['opt', s.optimizer],
    ['order', s.scheduling],
    ['seed', numberText(s.seed)],
    ['steps', numberText(s.stepsPerEpoch)],
    ['sweep', s.gammaSweep ? '1' : '0'],
    ['budget', numberText(s.maxSteps)],
    ['slices', s.slices],
    ['aug', s.augment ? '1' : '0'],
    ['best', s.checkpointMetric === 'valDsc' ? 'dsc' : 'loss'],
    ['seeds', numberText(s.seeds)],
    ['folds', numberText(s.folds)],
    ['res', s.resolution],
    ['dims', String(s.dims)],
    ...((s.dims === 3
      ? [
          ['zsize', numberText(s.inputDepth)],
          ['spacing', s.spacing ? s.spacing.map(numberText).join(',') : 'own'],
        ]
      : []) as [string, string][]),
    ['mem', numberText(s.memoryBudget)],
  ];
  if (cfg.splitSeed !== undefined) pairs.push(['split', numberText(cfg.splitSeed)]);
  if (cfg.explorer) {
    pairs.push(['show', cfg.explorer.selected.join(',')], ['focus', cfg.explorer.focused]);
  }
  for (const id of lossesInPlay(s, cfg.explorer)) {
    const p = cfg.params[id];
    if (!p) continue;
    const text = paramsText(id, p);
    if (text) pairs.push([`${PARAM_PREFIX}${id}`, text]);
  }
  return pairs.map(([k, v]) => `${urlText(k)}=${urlText(v)}`).join('&');
}

/** The query part of a hash such as `#/train?epochs=5`: `epochs=5`; null when there is none. */
export function parseHashQuery(hash: string): string | null {
  const i = hash.indexOf('?');
  if (i < 0) return null;
  const query = hash.slice(i + 1);
  return query === '' ? null : query;
}

/**
 * The query of a configuration link given whole (`https://host/studio/#/train?epochs=5`), as its
 * hash (`#/train?epochs=5`), with its `?`, or bare (`epochs=5`); '' when it has none.
 */
export function linkQuery(text: string): string {
  const t = text.trim();
  const hash = t.indexOf('#');
  if (hash >= 0) return parseHashQuery(t.slice(hash)) ?? '';
  const q = t.indexOf('?');
  return q >= 0 ? t.slice(q + 1) : t;
}

// ---------------------------------------------------------------------------------------------
// Decoding

const NUMBER_RE = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function parseNumber(text: string): number | null {
  const t = text.trim();
  return NUMBER_RE.test(t) ? Number(t) : null;
}

/**
 * Loss ids from a comma-separated list; unknown ones become errors, repeats are dropped. A list
 * of more entries than there are losses is an error, and null (the current value is kept).
 */
function parseLossList(key: string, text: string, errors: string[]): LossId[] | null {
  const entries = text.split(',').map((raw) => raw.trim()).filter((id) => id !== '');
  if (entries.length > LOSS_IDS.length) {
    errors.push(`${key}: ${entries.length} entries; at most ${LOSS_IDS.length}, one per loss`);
    return null;
  }
  const out: LossId[] = [];
  for (const id of entries) {
    if (!isLossId(id)) errors.push(unknownLoss(key, id));
    else if (!out.includes(id)) out.push(id);
  }
  return out;
}

function unknownLoss(key: string, id: string): string {
  return `${echo(key)}: unknown loss "${echo(id)}" (known losses: ${LOSS_IDS.join(', ')})`;
}

function parseParamValue(text: string): ParamValue | undefined {
  const t = text.trim();
  if (t === 'none') return null;
  if (t.includes('/')) {
    const ws = t.split('/').map(parseNumber);
    return ws.every((w): w is number => w !== null) ? ws : undefined;
  }
  return parseNumber(t) ?? undefined;
}

/** The number of class weights in a `w0/w1/…` value (0 for any other value). */
function classWeightCount(text: string): number {
  return text.includes('/') ? text.split('/').length : 0;
}

/** The `p.<lossId>` value applied over `start`; each bad entry is an error and is skipped. */
function parseParams(id: LossId, key: string, text: string, start: ResolvedParams, current: ResolvedParams, errors: string[]): ResolvedParams {
  const spec = LOSSES[id];
  const entries = text.split(',').filter((entry) => entry.trim() !== '');
  if (entries.length > MAX_PARAM_ENTRIES) {
    errors.push(`${key}: ${entries.length} entries; at most ${MAX_PARAM_ENTRIES} (${spec.label} has ${spec.params.length} parameter${spec.params.length === 1 ? '' : 's'})`);
    return { ...current };
  }
  let out: ResolvedParams = { ...start };
  for (const entry of entries) {
    const where = `${key}=${echo(entry)}`;
    const colon = entry.indexOf(':');
    if (colon < 0) {
      errors.push(`${where}: each entry must be name:value`);
      continue;
    }
    const name = entry.slice(0, colon).trim();
    const ps = spec.params.find((p) => p.name === name);
    if (!ps) {
      const list = spec.params.map((p) => p.name).join(', ') || 'none';
      errors.push(`${where}: ${spec.label} has no parameter "${echo(name)}" (parameters: ${list})`);
      continue;
    }
    const weights = classWeightCount(entry.slice(colon + 1));
    if (ps.classWeights && weights > MAX_CLASS_WEIGHTS) {
      errors.push(`${where}: ${ps.label} lists ${weights} class weights; at most ${MAX_CLASS_WEIGHTS}, one per class`);
      out = { ...out, [ps.name]: current[ps.name] };
      continue;
    }
    const value = parseParamValue(entry.slice(colon + 1));
    if (value === undefined) {
      const forms = ['a number', ...(ps.nullable ? ['none'] : []), ...(ps.classWeights ? ['class weights like 0.2/0.8'] : [])];
      errors.push(`${where}: ${ps.label} must be ${forms.join(' or ')}, in ${ps.min}…${ps.max}`);
      out = { ...out, [ps.name]: current[ps.name] };
      continue;
    }
    try {
      out = resolveParams(id, { ...out, [ps.name]: value });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      errors.push(`${where}: ${message.startsWith(`${id}: `) ? message.slice(id.length + 2) : message}`);
      out = { ...out, [ps.name]: current[ps.name] };
    }
  }
  return out;
}

/** One setting key's value checked; the error names the key, the value and what is allowed. */
function parseSetting(key: SettingKey, text: string, settings: TrainingSettings, errors: string[]): void {
  const bad = (allowed: string) => errors.push(`${key}=${echo(text)}: must be ${allowed}`);
  switch (key) {
    case 'losses':
      settings.losses = parseLossList(key, text, errors) ?? settings.losses;
      return;
    case 'size': {
      const n = parseNumber(text);
      const size = INPUT_SIZES.find((s) => s === n);
      if (size === undefined) bad(`one of ${INPUT_SIZES.join(', ')}`);
      else settings.inputWidth = settings.inputHeight = size;
      return;
    }
    case 'slices': {
      const sel = SLICE_SELECTIONS.find((o) => o === text);
      if (!sel) bad(SLICE_SELECTIONS.join(' or '));
      else settings.slices = sel;
      return;
    }
    case 'best': {
      if (text === 'loss' || text === 'dsc') settings.checkpointMetric = BEST_WORDS[text];
      else bad('loss or dsc');
      return;
    }
    case 'res': {
      const res = RESOLUTIONS.find((o) => o === text);
      if (!res) bad(RESOLUTIONS.join(' or '));
      else settings.resolution = res;
      return;
    }
    case 'dims':
      if (text === '2' || text === '3') settings.dims = text === '3' ? 3 : 2;
      else bad('2 or 3');
      return;
    case 'spacing': {
      if (text === 'own') {
        settings.spacing = null;
        return;
      }
      const parts = text.split(',').map((x) => parseNumber(x.trim()));
      if (parts.length === 3 && parts.every((v): v is number => v !== null && v > 0 && v <= 100)) settings.spacing = [parts[0]!, parts[1]!, parts[2]!];
      else bad('own or three spacings in mm, x,y,z, each more than 0 and at most 100');
      return;
    }
    case 'aug':
      if (text === '0' || text === '1') settings.augment = text === '1';
      else bad('0 or 1');
      return;
    case 'opt': {
      const opt = OPTIMIZERS.find((o) => o === text);
      if (!opt) bad(OPTIMIZERS.join(' or '));
      else settings.optimizer = opt;
      return;
    }
    case 'order': {
      const order = SCHEDULINGS.find((o) => o === text);
      if (!order) bad(SCHEDULINGS.join(' or '));
      else settings.scheduling = order;
      return;
    }
    case 'sweep':
      if (text === '0' || text === '1') settings.gammaSweep = text === '1';
      else bad('0 or 1');
      return;
    default: {
      const field = NUMERIC_KEYS[key];
      if (!field) return;
      const rule: NumberRule = SETTING_LIMITS[field];
      const n = parseNumber(text);
      if (n === null || !withinRule(rule, n)) {
        bad(`${rule.kind === 'integer' ? 'an integer' : 'a number'} ${rule.range}`);
      } else {
        settings[field] = n;
      }
    }
  }
}

/**
 * Reads a query string (with or without its `?`) written by encodeConfig, or edited by hand.
 * Settings the link leaves out keep the base's; the losses in play get the paper's parameters
 * overridden by their `p.` keys. The explorer part is present when the link has `show` or `focus`.
 */
export function decodeConfigLink(query: string, base: ConfigBase = defaultConfigBase()): { config: StudioConfiguration; errors: string[] } {
  const errors: string[] = [];
  const settings: TrainingSettings = { ...base.settings, losses: [...base.settings.losses] };
  const refusal = tooLong(query);
  if (refusal) {
    const params: Partial<Record<LossId, ResolvedParams>> = {};
    for (const id of lossesInPlay(settings)) params[id] = { ...base.params[id] };
    return { config: { settings, params }, errors: [refusal] };
  }
  const search = new URLSearchParams(query);
  const seen = new Set<string>();
  const paramTexts: { key: string; id: LossId; text: string }[] = [];
  let show: LossId[] | undefined;
  let focus: LossId | undefined;
  let splitSeed: number | undefined;

  for (const [key, value] of search) {
    if (seen.has(key)) errors.push(`${echo(key)}: given more than once; the last valid value applies`);
    seen.add(key);
    const other = key === 'size' ? ['width', 'height'].find((k) => seen.has(k)) : key === 'width' || key === 'height' ? (seen.has('size') ? 'size' : undefined) : undefined;
    if (other) {
      errors.push(`${key}: the link also gives ${other}; size sets the width and the height, so give size or width and height`);
    } else if ((SETTING_KEYS as readonly string[]).includes(key)) {
      parseSetting(key as SettingKey, value, settings, errors);
    } else if (key === 'split') {
      const n = parseNumber(value);
      if (n !== null && withinRule(SETTING_LIMITS.seed, n)) splitSeed = n;
      else errors.push(`split=${echo(value)}: must be an integer ${SETTING_LIMITS.seed.range}`);
    } else if (key === 'show') {
      show = parseLossList(key, value, errors) ?? show;
    } else if (key === 'focus') {
      const id = value.trim();
      if (isLossId(id)) focus = id;
      else errors.push(unknownLoss(key, id));
    } else if (key.startsWith(PARAM_PREFIX)) {
      const id = key.slice(PARAM_PREFIX.length);
      if (isLossId(id)) paramTexts.push({ key, id, text: value });
      else errors.push(unknownLoss(key, id));
    } else {
      errors.push(`${echo(key)}: unknown key${didYouMean(key, KNOWN_KEYS)} (known keys: ${KNOWN_KEYS.join(', ')})`);
    }
  }

  let explorer: StudioConfiguration['explorer'];
  if (show !== undefined || focus !== undefined) {
    const selected = show ?? base.explorer?.selected ?? [];
    explorer = { selected: [...selected], focused: focus ?? base.explorer?.focused ?? selected[0] ?? LOSS_IDS[0] };
  }

  const params: Partial<Record<LossId, ResolvedParams>> = {};
  for (const id of lossesInPlay(settings, explorer)) params[id] = paperParams(id);
  for (const { key, id, text } of paramTexts) {
    params[id] = parseParams(id, key, text, params[id] ?? paperParams(id), base.params[id], errors);
  }

  return { config: { settings, params, ...(splitSeed !== undefined ? { splitSeed } : {}), ...(explorer ? { explorer } : {}) }, errors: capped(errors) };
}

/** The error refusing a query longer than {@link MAX_LINK_LENGTH}; null for one that may be read. */
export function tooLong(query: string): string | null {
  const text = query.startsWith('?') ? query.slice(1) : query;
  if (text.length <= MAX_LINK_LENGTH) return null;
  return `the configuration link is ${text.length} characters long, more than the ${MAX_LINK_LENGTH} a configuration needs: nothing in it was applied`;
}

/** At most {@link MAX_ERRORS} errors, then one line that counts the rest. */
function capped(errors: string[]): string[] {
  if (errors.length <= MAX_ERRORS) return errors;
  const more = errors.length - MAX_ERRORS;
  return [...errors.slice(0, MAX_ERRORS), `… and ${more} more problem${more === 1 ? '' : 's'} in the link`];
}


/** A link with problems: every one of them, as decodeConfigLink lists them. */
export class ConfigLinkError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the configuration link has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${problems.join('; ')}`);
    this.name = 'ConfigLinkError';
  }
}

/**
 * A configuration link (whole, hash, or query; see {@link linkQuery}) read strictly against the
 * studio's defaults: any problem (an unknown key, a misspelt loss, a value out of range) is a
 * {@link ConfigLinkError} that lists them all, nothing is applied in part.
 */
export function readConfigLink(text: string, base: ConfigBase = defaultConfigBase()): StudioConfiguration {
  const { config, errors } = decodeConfigLink(linkQuery(text), base);
  if (errors.length) throw new ConfigLinkError(errors);
  return config;
}

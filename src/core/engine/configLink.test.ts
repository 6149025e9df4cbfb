import { describe, expect, it } from 'vitest';
import { LOSS_IDS, PAPER_COMPARISON, paperParams, type LossId, type ResolvedParams } from '../losses/registry';
import {
  ConfigLinkError,
  MAX_CLASS_WEIGHTS,
  MAX_ERRORS,
  MAX_LINK_LENGTH,
  MAX_PARAM_ENTRIES,
  decodeConfigLink as decodeConfig,
  defaultConfigBase,
  encodeConfigLink as encodeConfig,
  linkQuery,
  parseHashQuery,
  readConfigLink,
  type ConfigBase,
} from './configLink';
import { DEFAULT_SETTINGS, type StudioConfiguration as SharedConfig } from './configuration';
import { DEFAULT_QUERY, MODIFIED_QUERY, modified, rp } from './testing/configLinks';

/** The studio as it opens, with some loss parameters changed (as the explorer's sliders would). */
function base(changed: Partial<Record<LossId, ResolvedParams>> = {}): ConfigBase {
  const b = defaultConfigBase();
  return { ...b, params: { ...b.params, ...changed } };
}

/** The configuration of the studio as it opens: the defaults, the paper's parameters of the losses in play. */
function defaultConfig(): SharedConfig {
  const params: Partial<Record<LossId, ResolvedParams>> = {};
  for (const id of LOSS_IDS) if ((PAPER_COMPARISON as readonly LossId[]).includes(id)) params[id] = paperParams(id);
  return { settings: { ...DEFAULT_SETTINGS, losses: [...DEFAULT_SETTINGS.losses] }, params, explorer: { selected: ['crossEntropy', 'asymmetricUnifiedFocal'], focused: 'asymmetricUnifiedFocal' } };
}

describe('the configuration link', () => {
  it('encodes the defaults as a short, readable query and decodes them back', () => {
    const cfg = defaultConfig();
    expect(encodeConfig(cfg)).toBe(DEFAULT_QUERY);
    const { config, errors } = decodeConfig(DEFAULT_QUERY, base());
    expect(errors).toEqual([]);
    expect(config).toEqual(cfg);
    expect(config.settings).toEqual(DEFAULT_SETTINGS);
    expect(config.params.combo).toEqual({ alpha: 0.5, beta: 0.5 });
  });

  it('writes only the parameters that differ from the paper, of the losses in play', () => {
    // The encoder writes what it is given (combo's α = none would be rejected when decoded).
    expect(encodeConfig(modified())).toBe(MODIFIED_QUERY);
    // tversky is shown in the explorer but at the paper's δ: no p.tversky key.
    expect(MODIFIED_QUERY).not.toContain('p.tversky');
    const { settings, params } = modified();
    const onlyTicked: SharedConfig = { settings, params };
    expect(encodeConfig(onlyTicked)).toBe(
      'losses=asymmetricUnifiedFocal,focal&epochs=12&size=128&depth=4&filters=16&batch=4&lr=0.001&opt=adam' +
        '&order=sequential&seed=42&steps=50&sweep=1&budget=5000&slices=foreground&aug=0&best=dsc&seeds=3&folds=2&res=fit&dims=2&mem=4096&p.focal=alpha:0.2/0.3/0.5,gamma:1.5&p.asymmetricUnifiedFocal=delta:0.7,gamma:0.2',
    );
  });

  it('round-trips modified settings and parameters', () => {
    const cfg = modified();
    cfg.params.combo = rp({ alpha: 0.25, beta: 0.9 });
    cfg.params.focalTversky = rp({ delta: 0.7, gamma: 4 / 3 });
    cfg.settings.losses.push('focalTversky');
    const query = encodeConfig(cfg);
    expect(query).toContain('&p.combo=alpha:0.25,beta:0.9&');
    expect(query).not.toContain('p.focalTversky');
    const { config, errors } = decodeConfig(query, base());
    expect(errors).toEqual([]);
    expect(config).toEqual(cfg);
    expect(encodeConfig(config)).toBe(query);
  });

  it('carries the split seed when the configuration states it, and refuses a bad one', () => {
    const cfg = { ...defaultConfig(), splitSeed: 17 };
    const query = encodeConfig(cfg);
    expect(query).toContain('&folds=1&res=native&dims=2&mem=2048&split=17&show=');
    expect(encodeConfig(defaultConfig())).not.toContain('split=');
    const { config, errors } = decodeConfig(query, base());
    expect(errors).toEqual([]);
    expect(config).toEqual(cfg);
    expect(decodeConfig('split=-1', base())).toMatchObject({ errors: ['split=-1: must be an integer 0…2147483647'] });
    expect(decodeConfig('split=-1', base()).config.splitSeed).toBeUndefined();
  });

  it('carries a 3D experiment: dims, the patch depth and the target spacing', () => {
    const cfg: SharedConfig = { settings: { ...DEFAULT_SETTINGS, losses: ['dice'], dims: 3, inputDepth: 48, spacing: [1.62, 1.62, 3.22] }, params: { dice: rp({ delta: 0.5 }) } };
    const query = encodeConfig(cfg);
    expect(query).toContain('&res=native&dims=3&zsize=48&spacing=1.62,1.62,3.22&mem=2048');
    expect(decodeConfig(query, base())).toEqual({ config: cfg, errors: [] });
    const own = { ...cfg, settings: { ...cfg.settings, spacing: null } };
    expect(encodeConfig(own)).toContain('&dims=3&zsize=48&spacing=own&');
    expect(decodeConfig(encodeConfig(own), base())).toEqual({ config: own, errors: [] });
  });

  it('round-trips a null focal α', () => {
    const cfg: SharedConfig = { settings: { ...DEFAULT_SETTINGS, losses: ['focal'] }, params: { focal: rp({ alpha: null, gamma: 2 }) } };
    const query = encodeConfig(cfg);
    expect(query).toBe('losses=focal&epochs=30&size=64&depth=3&filters=8&batch=2&lr=0.1&opt=sgd&order=interleaved&seed=1&steps=0&sweep=0&budget=0&slices=all&aug=1&best=loss&seeds=1&folds=1&res=native&dims=2&mem=2048&p.focal=alpha:none');
    expect(decodeConfig(query, base())).toEqual({ config: cfg, errors: [] });
  });

  it('is stable: the same configuration gives the same string whatever the order of its fields', () => {
    const a = modified();
    const s = a.settings;
    const b: SharedConfig = {
      explorer: { focused: 'combo', selected: ['combo', 'tversky'] },
      params: {
        tversky: rp({ delta: 0.7 }),
        asymmetricUnifiedFocal: rp({ gamma: 0.2, delta: 0.7, lambda: 0.5 }),
        combo: rp({ beta: 0.9, alpha: null }),
        focal: rp({ gamma: 1.5, alpha: [0.2, 0.3, 0.5] }),
      },
      settings: {
        seed: s.seed, scheduling: s.scheduling, optimizer: s.optimizer, learningRate: s.learningRate, batchSize: s.batchSize,
        stepsPerEpoch: s.stepsPerEpoch, maxEpochs: s.maxEpochs, baseFilters: s.baseFilters, depth: s.depth, inputHeight: s.inputHeight,
        inputWidth: s.inputWidth, checkpointMetric: s.checkpointMetric, augment: s.augment, slices: s.slices, maxSteps: s.maxSteps,
        gammaSweep: s.gammaSweep, losses: [...s.losses], seeds: s.seeds, folds: s.folds, resolution: s.resolution,
        dims: s.dims, inputDepth: s.inputDepth, spacing: s.spacing, memoryBudget: s.memoryBudget,
      },
    };
    expect(encodeConfig(a)).toBe(encodeConfig(b));
    expect(encodeConfig(a)).toBe(encodeConfig(modified()));
  });

  it('keeps the base settings for keys the link leaves out', () => {
    const { config, errors } = decodeConfig('epochs=5', base());
    expect(errors).toEqual([]);
    expect(config.settings).toEqual({ ...DEFAULT_SETTINGS, maxEpochs: 5 });
    expect(config.explorer).toBeUndefined();
    expect(config.params.asymmetricUnifiedFocal).toEqual({ lambda: 0.5, delta: 0.6, gamma: 0.5 });
  });

  it.each([
    ['depth=9', 'depth=9: must be an integer 2…5'],
    ['res=full', 'res=full: must be native or fit'],
    ['dims=4', 'dims=4: must be 2 or 3'],
    ['zsize=20', 'zsize=20: must be an integer 16…256, a multiple of 16'],
    ['spacing=1,0,1', 'spacing=1,0,1: must be own or three spacings in mm, x,y,z, each more than 0 and at most 100'],
    ['spacing=1,1', 'spacing=1,1: must be own or three spacings in mm, x,y,z, each more than 0 and at most 100'],
    ['depth=2.5', 'depth=2.5: must be an integer 2…5'],
    ['filters=3', 'filters=3: must be an integer 4…64'],
    ['epochs=0', 'epochs=0: must be an integer 1…1000'],
    ['epochs=', 'epochs=: must be an integer 1…1000'],
    ['steps=10001', 'steps=10001: must be an integer 0…10000'],
    ['batch=65', 'batch=65: must be an integer 1…64'],
    ['lr=20', 'lr=20: must be a number 1e-6…10'],
    ['lr=abc', 'lr=abc: must be a number 1e-6…10'],
    ['lr=1e-7', 'lr=1e-7: must be a number 1e-6…10'],
    ['size=100', 'size=100: must be one of 32, 64, 128, 256'],
    ['seed=-1', 'seed=-1: must be an integer 0…2147483647'],
    ['seed=2147483648', 'seed=2147483648: must be an integer 0…2147483647'],
    ['opt=rmsprop', 'opt=rmsprop: must be sgd or adam'],
    ['order=random', 'order=random: must be interleaved or sequential'],
    ['sweep=yes', 'sweep=yes: must be 0 or 1'],
    ['width=100', 'width=100: must be an integer 16…512, a multiple of 16'],
    ['height=544', 'height=544: must be an integer 16…512, a multiple of 16'],
    ['budget=-1', 'budget=-1: must be an integer 0…10000000'],
    ['slices=some', 'slices=some: must be all or foreground'],
    ['aug=yes', 'aug=yes: must be 0 or 1'],
    ['best=iou', 'best=iou: must be loss or dsc'],
  ])('%s is reported and the valid keys still apply', (bad, message) => {
    const { config, errors } = decodeConfig(`${bad}&epochs=7&depth=4&lr=0.05&losses=dice`, base());
    const key = bad.split('=')[0];
    expect(errors).toContain(message);
    expect(config.settings.losses).toEqual(['dice']);
    if (key !== 'epochs') expect(config.settings.maxEpochs).toBe(7);
    if (key !== 'depth') expect(config.settings.depth).toBe(4);
    if (key !== 'lr') expect(config.settings.learningRate).toBe(0.05);
  });

  it('an invalid value keeps the current setting', () => {
    const { config, errors } = decodeConfig('depth=9&size=100&opt=rmsprop', base());
    expect(errors).toHaveLength(3);
    expect(config.settings).toEqual(DEFAULT_SETTINGS);
  });

  it('validates loss parameters with the registry, applying the valid ones', () => {
    const { config, errors } = decodeConfig(
      'losses=combo,dice,focal&p.combo=alpha:7,beta:0.8&p.dice=delta:none&p.focal=alpha:0.1/x,gamma:3,beta:1&p.tversky=delta',
      base(),
    );
    expect(errors).toEqual([
      'p.combo=alpha:7: α (alpha) = 7 is outside its range [0, 1].',
      'p.dice=delta:none: δ (delta) cannot be null.',
      'p.focal=alpha:0.1/x: α (alpha) must be a number or none or class weights like 0.2/0.8, in 0…1',
      'p.focal=beta:1: Focal has no parameter "beta" (parameters: alpha, gamma)',
      'p.tversky=delta: each entry must be name:value',
    ]);
    expect(config.params.combo).toEqual({ alpha: 0.5, beta: 0.8 });
    expect(config.params.dice).toEqual({ delta: 0.5 });
    expect(config.params.focal).toEqual({ alpha: 0.25, gamma: 3 });
    expect(config.params.tversky).toEqual({ delta: 0.7 });
  });

  it('an invalid parameter keeps its current value', () => {
    const { config, errors } = decodeConfig('losses=combo&p.combo=alpha:-1', base({ combo: rp({ alpha: 0.3, beta: 0.5 }) }));
    expect(errors).toEqual(['p.combo=alpha:-1: α (alpha) = -1 is outside its range [0, 1].']);
    expect(config.params.combo).toEqual({ alpha: 0.3, beta: 0.5 });
  });

  it('reports unknown loss ids and unknown keys', () => {
    const { config, errors } = decodeConfig('losses=crossEntropy,hinge,dice&p.hinge=margin:1&focus=hinge&colour=red', base());
    const known =
      'crossEntropy, focal, dice, tversky, focalTversky, combo, symmetricFocal, asymmetricFocal, symmetricFocalTversky, asymmetricFocalTversky, symmetricUnifiedFocal, asymmetricUnifiedFocal';
    expect(errors).toEqual([
      `losses: unknown loss "hinge" (known losses: ${known})`,
      `p.hinge: unknown loss "hinge" (known losses: ${known})`,
      `focus: unknown loss "hinge" (known losses: ${known})`,
      'colour: unknown key (known keys: losses, epochs, size, width, height, depth, filters, batch, lr, opt, order, seed, steps, sweep, budget, slices, aug, best, seeds, folds, res, dims, zsize, spacing, mem, split, show, focus, p.<lossId>)',
    ]);
    expect(config.settings.losses).toEqual(['crossEntropy', 'dice']);
    expect(Object.keys(config.params).sort()).toEqual(['crossEntropy', 'dice']);
  });

  it('carries a non-square input as width and height, and size or width and height, not both', () => {
    const cfg = { ...defaultConfig(), settings: { ...DEFAULT_SETTINGS, losses: ['dice' as const], inputWidth: 96, inputHeight: 64 }, params: { dice: paperParams('dice') } };
    delete cfg.explorer;
    const query = encodeConfig(cfg);
    expect(query).toContain('&epochs=30&width=96&height=64&depth=3&');
    expect(query).not.toContain('size=');
    expect(decodeConfig(query, base())).toEqual({ config: cfg, errors: [] });
    expect(decodeConfig('size=128', base()).config.settings).toMatchObject({ inputWidth: 128, inputHeight: 128 });
    const both = decodeConfig('width=96&size=128&height=64', base());
    expect(both.errors).toEqual([
      'size: the link also gives width; size sets the width and the height, so give size or width and height',
      'height: the link also gives size; size sets the width and the height, so give size or width and height',
    ]);
    expect(both.config.settings).toMatchObject({ inputWidth: 96, inputHeight: 64 });
  });

  it('suggests the key a misspelt one resembles', () => {
    const { errors } = decodeConfig('epoch=5&filter=8&learningrate=0.1', base());
    expect(errors.map((e) => e.slice(0, e.indexOf(' (known')))).toEqual([
      'epoch: unknown key (did you mean epochs?)',
      'filter: unknown key (did you mean filters?)',
      'learningrate: unknown key',
    ]);
  });

  it('reports a key given twice and applies the last valid value', () => {
    const { config, errors } = decodeConfig('depth=2&depth=5', base());
    expect(errors).toEqual(['depth: given more than once; the last valid value applies']);
    expect(config.settings.depth).toBe(5);
  });

  it('an empty losses list ticks none', () => {
    expect(decodeConfig('losses=', base()).config.settings.losses).toEqual([]);
  });

  it.each([
    ['#/train?epochs=5&depth=4', 'epochs=5&depth=4'],
    ['#/train?', null],
    ['#/train', null],
    ['', null],
    ['#/losses?p.dice=delta:0.6', 'p.dice=delta:0.6'],
    ['/train?a=1?b', 'a=1?b'],
  ])('parseHashQuery(%j) is %j', (hash, query) => {
    expect(parseHashQuery(hash)).toBe(query);
  });

  it.each([
    ['https://example.org/studio/#/train?epochs=5&depth=4', 'epochs=5&depth=4'],
    ['#/train?epochs=5', 'epochs=5'],
    ['?epochs=5', 'epochs=5'],
    ['  epochs=5\n', 'epochs=5'],
    ['https://example.org/studio/#/train', ''],
  ])('linkQuery(%j) is %j', (text, query) => {
    expect(linkQuery(text)).toBe(query);
  });

  it('reads a link strictly for a command line: every problem at once, nothing in part', () => {
    const link = `https://example.org/studio/#/train?${MODIFIED_QUERY.replace('alpha:none', 'alpha:0.1')}`;
    const config = readConfigLink(link);
    expect(config.settings).toEqual(modified().settings);
    expect(config.params.combo).toEqual({ alpha: 0.1, beta: 0.9 });
    expect(() => readConfigLink('epochs=5&learningrate=0.1&depth=9')).toThrow(ConfigLinkError);
    expect(() => readConfigLink('epochs=5&learningrate=0.1&depth=9')).toThrow(
      'the configuration link has 2 problems: learningrate: unknown key (known keys: losses, epochs, size, width, height, depth, filters, batch, lr, opt, order, seed, steps, sweep, budget, slices, aug, best, seeds, folds, res, dims, zsize, spacing, mem, split, show, focus, p.<lossId>); depth=9: must be an integer 2…5',
    );
    expect(readConfigLink('').settings).toEqual(DEFAULT_SETTINGS);
  });

  describe('bounds', () => {
    /** `n` class weights summing to 1. */
    const weights = (n: number) => Array.from({ length: n }, () => 1 / n).join('/');

    it(`reads a query of ${MAX_LINK_LENGTH} characters and refuses a longer one whole, with one short message`, () => {
      const longest = `epochs=7&lr=0.1${'0'.repeat(MAX_LINK_LENGTH - 15)}`;
      expect(longest).toHaveLength(MAX_LINK_LENGTH);
      const read = decodeConfig(longest, base());
      expect(read.errors).toEqual([]);
      expect(read.config.settings).toEqual({ ...DEFAULT_SETTINGS, maxEpochs: 7, learningRate: 0.1 });
      const message = `the configuration link is ${MAX_LINK_LENGTH + 1} characters long, more than the ${MAX_LINK_LENGTH} a configuration needs: nothing in it was applied`;
      const current = base({ combo: rp({ alpha: 0.3, beta: 0.5 }) });
      current.settings.losses = ['combo'];
      const refused = decodeConfig(`${longest}0`, current);
      expect(refused.errors).toEqual([message]);
      expect(refused.config).toEqual({ settings: current.settings, params: { combo: { alpha: 0.3, beta: 0.5 } } });
      expect(decodeConfig(`?${longest}0`, base()).errors).toEqual([message]);
    });

    it('refuses 200,001 class weights with one short message, not an echo of the input', () => {
      const { errors } = decodeConfig(`losses=focal&p.focal=alpha:${weights(200_001)}`, base());
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^the configuration link is \d+ characters long, more than the 8192/);
      expect(errors[0]!.length).toBeLessThan(200);
    });

    it(`accepts ${MAX_CLASS_WEIGHTS} class weights and refuses more, keeping the current value`, () => {
      const ok = decodeConfig(`losses=focal&p.focal=alpha:${Array(MAX_CLASS_WEIGHTS).fill('0.5').join('/')}`, base());
      expect(ok.errors).toEqual([]);
      expect(ok.config.params.focal?.alpha).toHaveLength(MAX_CLASS_WEIGHTS);
      const over = `${Array(MAX_CLASS_WEIGHTS + 1).fill('0.5').join('/')}`;
      const { config, errors } = decodeConfig(`losses=focal&p.focal=gamma:3,alpha:${over}`, base({ focal: rp({ alpha: 0.4, gamma: 2 }) }));
      expect(errors).toEqual([`p.focal=alpha:${over.slice(0, 53)}…: α (alpha) lists ${MAX_CLASS_WEIGHTS + 1} class weights; at most ${MAX_CLASS_WEIGHTS}, one per class`]);
      expect(config.params.focal).toEqual({ alpha: 0.4, gamma: 3 });
    });

    it.each(['losses', 'show'])(`%s: accepts every loss once and refuses more than ${LOSS_IDS.length} entries`, (key) => {
      const all = decodeConfig(`${key}=${[...LOSS_IDS].reverse().join(',')}`, base());
      expect(all.errors).toEqual([]);
      const listed = key === 'losses' ? all.config.settings.losses : all.config.explorer?.selected;
      expect(listed).toEqual([...LOSS_IDS].reverse());
      const { config, errors } = decodeConfig(`${key}=${[...LOSS_IDS, 'dice'].join(',')}&epochs=5`, base());
      expect(errors).toEqual([`${key}: ${LOSS_IDS.length + 1} entries; at most ${LOSS_IDS.length}, one per loss`]);
      expect(config.settings.losses).toEqual(DEFAULT_SETTINGS.losses);
      expect(config.settings.maxEpochs).toBe(5);
      if (key === 'show') expect(config.explorer).toBeUndefined();
    });

    it(`accepts ${MAX_PARAM_ENTRIES} entries in a p. key and refuses more, keeping the current values`, () => {
      const ok = decodeConfig(`losses=focal&p.focal=${Array(MAX_PARAM_ENTRIES).fill('gamma:3').join(',')}`, base());
      expect(ok.errors).toEqual([]);
      expect(ok.config.params.focal).toEqual({ alpha: 0.25, gamma: 3 });
      const { config, errors } = decodeConfig(`losses=focal&p.focal=${Array(MAX_PARAM_ENTRIES + 1).fill('gamma:3').join(',')}`, base({ focal: rp({ alpha: 0.25, gamma: 1 }) }));
      expect(errors).toEqual([`p.focal: ${MAX_PARAM_ENTRIES + 1} entries; at most ${MAX_PARAM_ENTRIES} (Focal has 2 parameters)`]);
      expect(config.params.focal).toEqual({ alpha: 0.25, gamma: 1 });
    });

    it('cuts every value it quotes to 60 characters', () => {
      const long = 'x'.repeat(400);
      const cut = `${'x'.repeat(59)}…`;
      const { errors } = decodeConfig(
        `depth=${long}&losses=${long}&focus=${long}&p.${long}=a:1&p.dice=${long}&p.dice=${long}:1&p.combo=alpha:${long}&${long}=1&${long}=2`,
        base(),
      );
      const known = LOSS_IDS.join(', ');
      expect(errors).toEqual([
        `depth=${cut}: must be an integer 2…5`,
        `losses: unknown loss "${cut}" (known losses: ${known})`,
        `focus: unknown loss "${cut}" (known losses: ${known})`,
        `${`p.${long}`.slice(0, 59)}…: unknown loss "${cut}" (known losses: ${known})`,
        'p.dice: given more than once; the last valid value applies',
        `${cut}: unknown key (known keys: losses, epochs, size, width, height, depth, filters, batch, lr, opt, order, seed, steps, sweep, budget, slices, aug, best, seeds, folds, res, dims, zsize, spacing, mem, split, show, focus, p.<lossId>)`,
        `${cut}: given more than once; the last valid value applies`,
        `${cut}: unknown key (known keys: losses, epochs, size, width, height, depth, filters, batch, lr, opt, order, seed, steps, sweep, budget, slices, aug, best, seeds, folds, res, dims, zsize, spacing, mem, split, show, focus, p.<lossId>)`,
        `p.dice=${cut}: each entry must be name:value`,
        `p.dice=${`${long}:1`.slice(0, 59)}…: Dice has no parameter "${cut}" (parameters: delta)`,
        `p.combo=${`alpha:${long}`.slice(0, 59)}…: α (alpha) must be a number, in 0…1`,
      ]);
      for (const e of errors) expect(e.length).toBeLessThan(400);
    });

    it(`lists at most ${MAX_ERRORS} errors and counts the rest`, () => {
      const { config, errors } = decodeConfig(`${Array.from({ length: 50 }, (_, i) => `k${i}=1`).join('&')}&epochs=9`, base());
      expect(errors).toHaveLength(MAX_ERRORS + 1);
      expect(errors[0]).toMatch(/^k0: unknown key/);
      expect(errors[MAX_ERRORS - 1]).toMatch(new RegExp(`^k${MAX_ERRORS - 1}: unknown key`));
      expect(errors[MAX_ERRORS]).toBe(`… and ${50 - MAX_ERRORS} more problems in the link`);
      expect(config.settings.maxEpochs).toBe(9);
      expect(decodeConfig(`${Array.from({ length: MAX_ERRORS }, (_, i) => `k${i}=1`).join('&')}`, base()).errors).toHaveLength(MAX_ERRORS);
    });
  });
});

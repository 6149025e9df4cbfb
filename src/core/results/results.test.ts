import { describe, expect, it } from 'vitest';
import reference from './__fixtures__/results_reference.json';
import { DEFAULT_TRAINING } from '../training/config';
import { LOSSES, paperParams, type LossId } from '../losses/registry';
import { gammaSweepRuns } from '../training/experiment';
import type { CaseResult, ExperimentSnapshot, RunHistory } from '../training/experiment';
import {
  boxPlotData,
  caseValue,
  compareCaseIds,
  defaultReference,
  formatPValue,
  gammaSweepSeries,
  hasSweepRuns,
  METRICS,
  parseSweepId,
  perCaseTable,
  resultsTable,
  type ClassSelection,
  type ResultsTest,
} from './table';
import { csvField, perCaseCsv, resultsCsv, resultsDocument, resultsJson } from './export';

// Reference values: __fixtures__/results_reference.py (numpy mean / std(ddof=1), scipy.stats
// wilcoxon and mannwhitneyu, two-sided), which records the scipy call of every p-value.

interface FixtureCase {
  id: string;
  dsc: (number | null)[];
  iou: (number | null)[];
  precision: (number | null)[];
  recall: (number | null)[];
}
interface FixtureRun {
  id: string;
  loss: string;
  label: string;
  status: string;
  stopReason: string | null;
  test: FixtureCase[] | null;
}
interface ExpectedTest {
  pValue: number;
  n: number;
  method: string;
  scipy: string;
}
interface ExpectedRow {
  runId: string;
  cases: number;
  metrics: Record<string, { n: number; mean: number; std: number }>;
  wilcoxon: ExpectedTest | null;
  rankSum: ExpectedTest | null;
}

const fixtureRuns = reference.runs as unknown as FixtureRun[];
const expected = reference.expected as unknown as Record<string, ExpectedRow[]>;

function historyOf(r: FixtureRun): RunHistory {
  return {
    id: r.id,
    loss: r.loss as LossId,
    params: paperParams(r.loss as LossId),
    label: r.label,
    status: r.status as RunHistory['status'],
    stopReason: r.stopReason as RunHistory['stopReason'],
    steps: 10,
    stepLosses: [],
    epochs: [],
    bestEpoch: 0,
    bestValLoss: 0.25,
    // A JSON snapshot holds null where a score was NaN.
    test: r.test as unknown as CaseResult[] | null,
  };
}

function snapshotOf(runs: readonly FixtureRun[], numClasses: number): ExperimentSnapshot {
  const ids = [...new Set(runs.flatMap((r) => (r.test ?? []).map((c) => c.id)))];
  return {
    version: 1,
    config: { ...DEFAULT_TRAINING },
    scheduling: 'interleaved',
    interleave: 'epoch',
    split: { train: ['t1'], validation: ['v1'], test: ids },
    numClasses,
    input: { width: 32, height: 32, channels: 1 },
    samples: { train: 1, validation: 1, test: ids.length },
    stopped: false,
    runs: runs.map(historyOf),
  };
}

const fixture = (): ExperimentSnapshot => snapshotOf(fixtureRuns, reference.numClasses);

/** A binary-segmentation run whose cases have the given DSC (other metrics derived from it). */
function simpleRun(id: string, loss: LossId, dsc: Record<string, number | null>, label = id): FixtureRun {
  return {
    id,
    loss,
    label,
    status: 'done',
    stopReason: 'earlyStop',
    test: Object.entries(dsc).map(([caseId, v]) => ({ id: caseId, dsc: [v], iou: [v === null ? null : v / (2 - v)], precision: [v], recall: [v] })),
  };
}

function expectRel(actual: number, want: number, rel: number): void {
  expect(Math.abs(actual - want)).toBeLessThanOrEqual(rel * Math.abs(want) + 1e-15);
}

describe('resultsTable against numpy/scipy (results_reference.py)', () => {
  const classes: [string, ClassSelection][] = [
    ['0', 0],
    ['1', 1],
    ['mean', 'mean'],
  ];
  for (const [key, classIndex] of classes) {
    for (const test of ['wilcoxon', 'rankSum'] as ResultsTest[]) {
      it(`class ${key}, ${test}`, () => {
        const table = resultsTable(fixture(), { classIndex, reference: reference.reference, test });
        const want = expected[key]!;
        expect(table.rows.map((r) => r.runId)).toEqual(want.map((r) => r.runId));
        expect(table.referenceFound).toBe(true);
        expect(table.nCases).toBe(12);
        for (const [i, w] of want.entries()) {
          const row = table.rows[i]!;
          expect(row.cases).toBe(w.cases);
          for (const m of METRICS) {
            const cell = row.metrics[m];
            const wm = w.metrics[m]!;
            expect(cell.n, `${row.runId} ${m} n`).toBe(wm.n);
            expectRel(cell.mean, wm.mean, 1e-12);
            expectRel(cell.std, wm.std, 1e-12);
            expect(cell.text).toBe(`${wm.mean.toFixed(3)} ± ${wm.std.toFixed(3)}`);
          }
          const wt = w[test];
          if (wt === null) {
            expect(row.p).toBeNull();
            expect(row.pNote).toBe('reference');
          } else {
            expect(row.p, `${row.runId}: ${wt.scipy}`).not.toBeNull();
            expect(row.p!.n).toBe(wt.n);
            expect(row.p!.method).toBe(wt.method);
            expectRel(row.p!.pValue, wt.pValue, 1e-6);
            expect(row.p!.text).toBe(formatPValue(wt.pValue));
            expect(row.pNote).toBeNull();
          }
        }
      });
    }
  }

  it('exercises what it should: a dropped NaN, a missing case, tied differences, exact and normal paths', () => {
    const d1 = expected['1']!.find((r) => r.runId === 'dice')!;
    expect(d1.metrics.dsc!.n).toBe(11);
    expect(d1.wilcoxon!.n).toBe(11);
    expect(expected['0']!.find((r) => r.runId === 'dice')!.wilcoxon!.method).toBe('normal');
    expect(expected['0']!.find((r) => r.runId === 'focal')!.cases).toBe(11);
    const methods = new Set(Object.values(expected).flatMap((rows) => rows.flatMap((r) => [r.wilcoxon?.method, r.rankSum?.method])));
    expect(methods).toEqual(new Set([undefined, 'exact', 'normal']));
  });

  it('lists runs without test results with a reason', () => {
    const table = resultsTable(fixture(), { classIndex: 0, reference: reference.reference, test: 'wilcoxon' });
    expect(table.skipped.map((s) => [s.runId, s.reason])).toEqual([
      ['crossEntropy', 'still training'],
      ['combo', 'stopped before testing'],
    ]);
    expect(table.skipped[0]!.color).toBe(LOSSES.crossEntropy.color);
  });

  it('carries label, loss and registry colour, and flags the best mean per metric', () => {
    const table = resultsTable(fixture(), { classIndex: 1, reference: reference.reference, test: 'wilcoxon' });
    const row = table.rows[1]!;
    expect([row.label, row.loss, row.color]).toEqual(['Dice', 'dice', LOSSES.dice.color]);
    for (const m of METRICS) {
      const means = expected['1']!.map((r) => r.metrics[m]!.mean);
      const top = Math.max(...means);
      expect(table.rows.map((r) => r.metrics[m].best)).toEqual(means.map((v) => v.toFixed(3) === top.toFixed(3)));
    }
  });

  it('restricts to runIds and has no p-values without a tested reference', () => {
    const snap = fixture();
    const t = resultsTable(snap, { classIndex: 0, reference: 'asymmetricUnifiedFocal', test: 'wilcoxon', runIds: ['dice', 'focal'] });
    expect(t.rows.map((r) => r.runId)).toEqual(['dice', 'focal']);
    expect(t.rows.every((r) => r.p !== null)).toBe(true); // the reference need not be a row
    const none = resultsTable(snap, { classIndex: 0, reference: 'combo', test: 'wilcoxon' });
    expect(none.referenceFound).toBe(false);
    expect(none.rows.map((r) => r.pNote)).toEqual(Array(3).fill('the reference run has no test results'));
    const missing = resultsTable(snap, { classIndex: 0, reference: 'nope', test: 'rankSum' });
    expect(missing.rows[0]!.pNote).toBe('no run "nope" to compare with');
  });

  it('rejects a class that is not a foreground class', () => {
    const snap = fixture();
    expect(() => resultsTable(snap, { classIndex: 2, reference: 'dice', test: 'wilcoxon' })).toThrow(RangeError);
    expect(() => resultsTable(snap, { classIndex: -1, reference: 'dice', test: 'wilcoxon' })).toThrow(RangeError);
    expect(() => perCaseTable(snap, 0.5)).toThrow(RangeError);
  });
});

describe('best flags', () => {
  it('flags every run tied at the highest mean (exactly or at the displayed precision)', () => {
    const snap = snapshotOf(
      [
        simpleRun('a', 'dice', { c1: 0.8, c2: 0.6 }),
        simpleRun('b', 'focal', { c1: 0.6, c2: 0.8 }),
        simpleRun('c', 'combo', { c1: 0.5, c2: 0.5 }),
        simpleRun('d', 'tversky', { c1: 0.70002, c2: 0.7 }),
      ],
      2,
    );
    const t = resultsTable(snap, { classIndex: 0, reference: 'a', test: 'wilcoxon' });
    expect(t.rows.map((r) => r.metrics.dsc.best)).toEqual([true, true, false, true]);
    const precise = resultsTable(snap, { classIndex: 0, reference: 'a', test: 'wilcoxon', digits: 5 });
    expect(precise.rows.map((r) => r.metrics.dsc.best)).toEqual([false, false, false, true]);
  });

  it('flags nothing in a column without values, and shows "—" there', () => {
    const snap = snapshotOf([simpleRun('a', 'dice', { c1: null }), simpleRun('b', 'focal', { c1: null })], 2);
    const t = resultsTable(snap, { classIndex: 0, reference: 'a', test: 'wilcoxon' });
    expect(t.rows.map((r) => [r.metrics.dsc.best, r.metrics.dsc.text, r.metrics.dsc.n])).toEqual([
      [false, '—', 0],
      [false, '—', 0],
    ]);
    expect(t.rows[1]!.p).toBeNull();
    expect(t.rows[1]!.pNote).toMatch(/no test case in common/);
  });
});

describe('class selection', () => {
  it("'mean' averages the defined classes of each case", () => {
    const c: CaseResult = { id: 'x', dsc: [0.5, NaN, 0.75], iou: [null as unknown as number, 0.2, 0.4], precision: [NaN, NaN, NaN], recall: [1, 0, 0.5] };
    expect(caseValue(c, 'dsc', 'mean')).toBe(0.625);
    expect(caseValue(c, 'iou', 'mean')).toBeCloseTo(0.3, 15);
    expect(caseValue(c, 'precision', 'mean')).toBeNaN();
    expect(caseValue(c, 'recall', 'mean')).toBe(0.5);
    expect(caseValue(c, 'dsc', 1)).toBeNaN();
    expect(caseValue(c, 'iou', 0)).toBeNaN();
    expect(caseValue(c, 'dsc', 2)).toBe(0.75);
  });
});

describe('perCaseTable and boxPlotData', () => {
  it('is a cases × runs DSC matrix in natural case order, null where missing or undefined', () => {
    const snap = fixture();
    const t = perCaseTable(snap, 1);
    expect(t.runs.map((r) => r.runId)).toEqual(['asymmetricUnifiedFocal', 'dice', 'focal']);
    expect(t.cases.map((c) => c.id)).toEqual(Array.from({ length: 12 }, (_, i) => `case-${i + 1}`));
    const byId = (runId: string) => new Map(fixtureRuns.find((r) => r.id === runId)!.test!.map((c) => [c.id, c.dsc[1]]));
    for (const row of t.cases) {
      expect(row.dsc).toEqual(['asymmetricUnifiedFocal', 'dice', 'focal'].map((id) => byId(id).get(row.id) ?? null));
    }
    expect(t.cases[4]!.dsc[1]).toBeNull(); // dice, case-5, class 1: NaN in the fixture
    expect(t.cases[11]!.dsc[2]).toBeNull(); // focal has no case-12
  });

  it('gives each tested run its defined per-case DSC', () => {
    const box = boxPlotData(fixture(), 1);
    expect(box.map((b) => b.runId)).toEqual(['asymmetricUnifiedFocal', 'dice', 'focal']);
    const dice = box[1]!;
    expect(dice.dsc).toHaveLength(11);
    expect(dice.undefinedCount).toBe(1);
    expect(dice.caseIds).not.toContain('case-5');
    expect(box[2]!.dsc).toHaveLength(11);
    expect(box.map((b) => b.color)).toEqual([LOSSES.asymmetricUnifiedFocal.color, LOSSES.dice.color, LOSSES.focal.color]);
    const mean = box[1]!.dsc.reduce((a, b) => a + b, 0) / 11;
    expectRel(mean, expected['1']![1]!.metrics.dsc!.mean, 1e-12);
  });

  it('orders case ids naturally', () => {
    const ids = ['case-10', 'case-2', 'b', 'case-1', 'a10', 'a9', 'case-02', 'A'];
    expect([...ids].sort(compareCaseIds)).toEqual(['A', 'a9', 'a10', 'b', 'case-1', 'case-02', 'case-2', 'case-10']);
  });
});

describe('γ sweep (Figure 3)', () => {
  it('parses `${loss}:gamma=${γ}` ids as gammaSweepRuns writes them', () => {
    for (const spec of gammaSweepRuns()) {
      expect(parseSweepId(spec.id!)).toEqual({ loss: spec.loss, gamma: spec.params!.gamma });
    }
    expect(parseSweepId('asymmetricUnifiedFocal')).toBeNull();
    expect(parseSweepId('asymmetricUnifiedFocal:gamma=')).toBeNull();
    expect(parseSweepId('asymmetricUnifiedFocal:gamma=abc')).toBeNull();
    expect(parseSweepId('notALoss:gamma=0.5')).toBeNull();
    expect(parseSweepId('dice#2')).toBeNull();
    expect(parseSweepId('focal:gamma=2')).toEqual({ loss: 'focal', gamma: 2 });
  });

  it('gives mean and sample std of DSC per γ, in γ order, one series per loss', () => {
    const runs = [
      simpleRun('asymmetricUnifiedFocal', 'asymmetricUnifiedFocal', { c1: 0.9, c2: 0.9 }),
      simpleRun('asymmetricUnifiedFocal:gamma=0.5', 'asymmetricUnifiedFocal', { c1: 0.6, c2: 0.8 }),
      simpleRun('asymmetricUnifiedFocal:gamma=0.1', 'asymmetricUnifiedFocal', { c1: 0.5, c2: 0.7, c3: null }),
      simpleRun('symmetricUnifiedFocal:gamma=0.9', 'symmetricUnifiedFocal', { c1: 0.25, c2: 0.75, c3: 0.5 }),
      { ...simpleRun('symmetricUnifiedFocal:gamma=0.2', 'symmetricUnifiedFocal', {}), status: 'running', test: null },
      // An id that looks like a sweep but names another loss than the run's is not one.
      simpleRun('symmetricUnifiedFocal:gamma=0.3', 'dice', { c1: 0.1 }),
    ];
    const snap = snapshotOf(runs, 2);
    expect(hasSweepRuns(snap)).toBe(true);
    const series = gammaSweepSeries(snap, 0);
    expect(series.map((s) => [s.loss, s.label, s.color])).toEqual([
      ['symmetricUnifiedFocal', 'Symmetric unified focal', LOSSES.symmetricUnifiedFocal.color],
      ['asymmetricUnifiedFocal', 'Asymmetric unified focal', LOSSES.asymmetricUnifiedFocal.color],
    ]);
    const [sym, asym] = series;
    expect(sym!.points).toEqual([{ gamma: 0.9, runId: 'symmetricUnifiedFocal:gamma=0.9', mean: 0.5, std: 0.25, n: 3 }]);
    expect(asym!.points.map((p) => p.gamma)).toEqual([0.1, 0.5]);
    expect(asym!.points[0]!.mean).toBeCloseTo(0.6, 15);
    expect(asym!.points[0]!.std).toBeCloseTo(Math.SQRT2 / 10, 15); // |0.5 − 0.7| / √2
    expect(asym!.points[0]!.n).toBe(2);
    expect(asym!.points[1]!.mean).toBeCloseTo(0.7, 15);
    expect(hasSweepRuns(fixture())).toBe(false);
    expect(gammaSweepSeries(fixture(), 'mean')).toEqual([]);
  });
});

describe('defaultReference', () => {
  it('prefers the tested asymmetric unified focal run outside a sweep, else the first run', () => {
    expect(defaultReference(fixture())).toBe('asymmetricUnifiedFocal');
    const sweepOnly = snapshotOf([simpleRun('dice', 'dice', { c: 0.5 }), simpleRun('asymmetricUnifiedFocal:gamma=0.2', 'asymmetricUnifiedFocal', { c: 0.5 }), simpleRun('aUF', 'asymmetricUnifiedFocal', { c: 0.5 })], 2);
    expect(defaultReference(sweepOnly)).toBe('aUF');
    expect(defaultReference(snapshotOf([simpleRun('x', 'focal', { c: 0.5 }), simpleRun('y', 'dice', { c: 0.5 })], 2))).toBe('x');
    expect(defaultReference(snapshotOf([], 2))).toBeNull();
  });
});

describe('formatPValue', () => {
  it('writes three decimals and "< 0.001" below', () => {
    expect(formatPValue(0.0123)).toBe('p = 0.012');
    expect(formatPValue(0.001)).toBe('p = 0.001');
    expect(formatPValue(0.000999)).toBe('p < 0.001');
    expect(formatPValue(1)).toBe('p = 1.000');
    expect(formatPValue(NaN)).toBe('—');
  });
});

/** A small RFC 4180 reader (quoted fields, doubled quotes, CRLF) to read the exports back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('CSV export', () => {
  it('quotes fields as RFC 4180', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvField(NaN)).toBe('');
    expect(csvField(null)).toBe('');
  });

  it('writes the results table at full precision, labels with commas and quotes quoted', () => {
    const runs = fixtureRuns.map((r) => (r.id === 'dice' ? { ...r, label: 'Dice, "soft"' } : r));
    const snap = snapshotOf(runs, reference.numClasses);
    const table = resultsTable(snap, { classIndex: 1, reference: 'asymmetricUnifiedFocal', test: 'wilcoxon' });
    const text = resultsCsv(table);
    expect(text).toContain('"Dice, ""soft"""');
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text);
    const header = rows[0]!;
    expect(header.slice(0, 9)).toEqual(['run_id', 'label', 'loss', 'class', 'n_cases', 'dsc_mean', 'dsc_std', 'dsc_n', 'dsc_best']);
    expect(rows).toHaveLength(1 + 3 + 2);
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    const col = (name: string) => header.indexOf(name);
    const dice = rows[2]!;
    expect(dice[col('label')]).toBe('Dice, "soft"');
    expect(dice[col('class')]).toBe('2');
    expect(Number(dice[col('dsc_mean')])).toBe(table.rows[1]!.metrics.dsc.mean);
    expect(Number(dice[col('dsc_std')])).toBe(table.rows[1]!.metrics.dsc.std);
    expect(dice[col('dsc_n')]).toBe('11');
    expect(Number(dice[col('p_value')])).toBe(table.rows[1]!.p!.pValue);
    expect(dice[col('p_pairs')]).toBe('11');
    expect(rows[1]![col('p_value')]).toBe('');
    expect(rows[1]![col('note')]).toBe('reference');
    expect(rows[4]![col('run_id')]).toBe('crossEntropy');
    expect(rows[4]![col('note')]).toBe('still training');
    expect(rows[4]![col('dsc_mean')]).toBe('');
  });

  it('writes every run × case × class of the per-case scores', () => {
    const runs = fixtureRuns.map((r) => (r.id === 'dice' ? { ...r, label: 'Dice, "soft"' } : r));
    const snap = snapshotOf(runs, reference.numClasses);
    const rows = parseCsv(perCaseCsv(snap, ['liver', 'tumour, small']));
    expect(rows[0]).toEqual(['run_id', 'label', 'loss', 'case_id', 'class', 'class_name', 'dsc', 'iou', 'precision', 'recall']);
    expect(rows).toHaveLength(1 + (12 + 12 + 11) * 2);
    const dice5 = rows.filter((r) => r[0] === 'dice' && r[3] === 'case-5');
    expect(dice5.map((r) => r.slice(1, 6))).toEqual([
      ['Dice, "soft"', 'dice', 'case-5', '1', 'liver'],
      ['Dice, "soft"', 'dice', 'case-5', '2', 'tumour, small'],
    ]);
    expect(dice5[1]!.slice(6)).toEqual(['', '', '', '']); // NaN in the fixture
    const src = fixtureRuns.find((r) => r.id === 'dice')!.test!.find((c) => c.id === 'case-5')!;
    expect(dice5[0]!.slice(6).map(Number)).toEqual([src.dsc[0], src.iou[0], src.precision[0], src.recall[0]]);
  });
});

describe('JSON export', () => {
  it('holds the configuration, the runs with parameters, the summary and the per-case scores', () => {
    const snap = fixture();
    const table = resultsTable(snap, { classIndex: 'mean', reference: 'asymmetricUnifiedFocal', test: 'rankSum' });
    const doc = JSON.parse(resultsJson(snap, table, { name: 'liver, run 1', classNames: ['liver'] })) as ReturnType<typeof resultsDocument>;
    expect(doc.format).toBe('segmentation-studio/results');
    expect(doc.name).toBe('liver, run 1');
    expect(doc.experiment.classNames).toEqual(['liver', 'class 2']);
    expect(doc.experiment.config).toEqual(snap.config);
    expect(doc.runs.map((r) => [r.id, r.tested])).toEqual([
      ['asymmetricUnifiedFocal', true],
      ['dice', true],
      ['focal', true],
      ['crossEntropy', false],
      ['combo', false],
    ]);
    expect(doc.runs[1]!.params).toEqual(paperParams('dice'));
    expect(doc.summary.class).toBe('mean');
    expect(doc.summary.test).toBe('rankSum');
    expect(doc.summary.rows[2]!.p!.value).toBe(table.rows[2]!.p!.pValue);
    expect(doc.summary.rows[0]!.metrics.dsc).toEqual({ mean: table.rows[0]!.metrics.dsc.mean, std: table.rows[0]!.metrics.dsc.std, n: 12, best: true });
    expect(doc.summary.skipped.map((s) => s.reason)).toEqual(['still training', 'stopped before testing']);
    expect(Object.keys(doc.perCase)).toEqual(['asymmetricUnifiedFocal', 'dice', 'focal']);
    const dice5 = doc.perCase.dice!.find((c) => c.id === 'case-5') as unknown as Record<string, (number | null)[]>;
    expect(dice5.dsc![1]).toBeNull();
    expect(dice5.dsc![0]).toBe(fixtureRuns[1]!.test!.find((c) => c.id === 'case-5')!.dsc[0]);
  });
});

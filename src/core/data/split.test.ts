import { describe, it, expect } from 'vitest';
import { createRng } from './rng';
import { developmentFold, ownSplit, paperSplit, paperSplitSizes, parseSplitCsv, splitCases, splitOf, splitToCsv, type DatasetSplit } from './split';
import type { SplitName } from './types';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `case_${String(i).padStart(3, '0')}`);

function expectPartition(split: DatasetSplit, all: string[]): void {
  const union = [...split.train, ...split.validation, ...split.test];
  expect(union.length).toBe(all.length); // disjoint (no id twice) …
  expect(new Set(union).size).toBe(all.length);
  expect([...union].sort()).toEqual([...all].sort()); // … and complete
}

describe('paperSplit (80 % development / 20 % test; development 80/20 train/validation)', () => {
  it('100 ids → 64 / 16 / 20', () => {
    const s = paperSplit(ids(100), 1);
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([64, 16, 20]);
    expectPartition(s, ids(100));
  });

  it('is deterministic per seed, independent of input order, and differs between seeds', () => {
    const a = paperSplit(ids(40), 7);
    const shuffled = createRng(3).shuffle(ids(40));
    expect(paperSplit(shuffled, 7)).toEqual(a);
    expect(paperSplit(ids(40), 8)).not.toEqual(a);
    expect(paperSplit(ids(40), 'seven')).toEqual(paperSplit(ids(40), 'seven'));
  });

  it('sizes are rounded sensibly with at least one case per split from n = 3', () => {
    const table: Record<number, [number, number, number]> = {
      0: [0, 0, 0],
      1: [1, 0, 0],
      2: [1, 1, 0],
      3: [1, 1, 1],
      4: [2, 1, 1],
      5: [3, 1, 1],
      10: [6, 2, 2],
      20: [13, 3, 4],
      40: [26, 6, 8],
      100: [64, 16, 20],
      1000: [640, 160, 200],
    };
    for (const [n, want] of Object.entries(table)) {
      const s = paperSplitSizes(Number(n));
      expect([s.train, s.validation, s.test], `n = ${n}`).toEqual(want);
    }
    for (let n = 3; n <= 300; n++) {
      const s = paperSplitSizes(n);
      expect(s.train + s.validation + s.test).toBe(n);
      expect(Math.min(s.train, s.validation, s.test)).toBeGreaterThanOrEqual(1);
      expect(Math.abs(s.test - n / 5)).toBeLessThanOrEqual(n >= 3 && n < 5 ? 1 : 0.5);
    }
  });

  it('every id lands in exactly one split for many n and seeds', () => {
    for (let n = 0; n < 30; n++) for (const seed of [1, 2]) expectPartition(paperSplit(ids(n), seed), ids(n));
  });

  it('rejects duplicate ids', () => {
    expect(() => paperSplit(['a', 'b', 'a'], 1)).toThrow(/duplicate/);
  });
});

describe('ownSplit (e.g. DRIVE training/ and test/)', () => {
  const drive = [
    ...ids(20).map((id) => ({ id: `train_${id}`, ownSplit: 'train' as SplitName })),
    ...ids(20).map((id) => ({ id: `test_${id}`, ownSplit: 'test' as SplitName })),
  ];

  it('test stays test; train is split 80/20 into train and validation', () => {
    const s = ownSplit(drive, 1);
    expect(s.test).toEqual(drive.filter((c) => c.ownSplit === 'test').map((c) => c.id));
    expect(s.train.length).toBe(16);
    expect(s.validation.length).toBe(4);
    expect([...s.train, ...s.validation].every((id) => id.startsWith('train_'))).toBe(true);
    expectPartition(
      s,
      drive.map((c) => c.id),
    );
    expect(ownSplit(drive, 1)).toEqual(s);
    expect(ownSplit([...drive].reverse(), 1)).toEqual(s);
  });

  it('an own validation set is kept as is', () => {
    const cases = [
      { id: 'a', ownSplit: 'train' as SplitName },
      { id: 'b', ownSplit: 'validation' as SplitName },
      { id: 'c', ownSplit: 'test' as SplitName },
      { id: 'd', ownSplit: 'train' as SplitName },
    ];
    expect(ownSplit(cases, 5)).toEqual({ train: ['a', 'd'], validation: ['b'], test: ['c'] });
  });

  it('splitCases uses the own split only when every case has one', () => {
    expect(splitCases(drive, 1).method).toBe('own');
    const mixed = [...drive, { id: 'extra' }];
    const s = splitCases(mixed, 1);
    expect(s.method).toBe('paper');
    expect(s.test.length).toBe(8);
    expect(() => ownSplit(mixed, 1)).toThrow(/no own split/);
  });
});

describe('split CSV', () => {
  it('round trips, sorted by id, with header id,split', () => {
    const s = paperSplit(ids(25), 3);
    const csv = splitToCsv(s);
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('id,split');
    expect(lines.length).toBe(26);
    expect(lines[1]).toBe(`case_000,${splitOf(s, 'case_000')}`);
    expect(parseSplitCsv(csv)).toEqual(s);
  });

  it('quotes ids with commas, quotes and newlines, and reads CRLF', () => {
    const s: DatasetSplit = { train: ['a,b', 'plain'], validation: ['say "hi"'], test: ['two\nlines'] };
    const csv = splitToCsv(s);
    expect(csv).toContain('"a,b",train');
    expect(csv).toContain('"say ""hi""",validation');
    expect(parseSplitCsv(csv)).toEqual(s);
    expect(parseSplitCsv(csv.replace(/\n/g, '\r\n').replace('two\r\nlines', 'two\nlines'))).toEqual(s);
    expect(parseSplitCsv('\uFEFFid,split\r\nx, test \r\n\r\ny,train')).toEqual({ train: ['y'], validation: [], test: ['x'] });
  });

  it('reports bad input with the line number', () => {
    expect(() => parseSplitCsv('name,split\na,train\n')).toThrow(/id,split/);
    expect(() => parseSplitCsv('id,split\na,train\nb,dev\n')).toThrow(/line 3.*unknown split/);
    expect(() => parseSplitCsv('id,split\na,train\na,test\n')).toThrow(/line 3.*twice/);
    expect(() => parseSplitCsv('id,split\na,train,x\n')).toThrow(/line 2.*2 fields/);
    expect(() => parseSplitCsv('id,split\n"a,train\n')).toThrow(/unterminated/);
  });
});

describe('developmentFold', () => {
  const split = { train: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], validation: ['h', 'i', 'j'], test: ['x', 'y'] };
  it('deals the development cases into folds: each case validates exactly once, the test set never moves', () => {
    const folds = [0, 1, 2].map((k) => developmentFold(split, k, 3, 7));
    const validations = folds.map((f) => f.validation);
    expect(validations.map((v) => v.length).sort()).toEqual([3, 3, 4]);
    expect(validations.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    for (const f of folds) {
      expect(f.test).toEqual(['x', 'y']);
      expect([...f.train, ...f.validation].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    }
    expect(developmentFold(split, 1, 3, 7)).toEqual(folds[1]);
    expect(developmentFold(split, 0, 3, 8)).not.toEqual(folds[0]);
    expect(developmentFold(split, 0, 1, 7)).toEqual(split);
  });
  it('refuses impossible folds', () => {
    expect(() => developmentFold(split, 3, 3, 1)).toThrow('fold must be 0 … 2, got 3');
    expect(() => developmentFold(split, 0, 11, 1)).toThrow('11 folds need at least 11 development cases, there are 10');
    expect(() => developmentFold(split, 0, 0, 1)).toThrow('folds must be a positive integer, got 0');
  });
});

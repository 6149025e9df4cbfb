import { mkdtempSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExperimentCheckpoint } from '../core/training/experiment';
import { modelFilesFixture, storedExperimentFixture } from '../core/training/testing/experimentRecords';
import { FileStore } from './fileStore';

describe('FileStore', () => {
  it('keeps records, weights and checkpoints across instances (a resubmitted task finds them), NaN and typed arrays included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    const a = new FileStore(dir);
    const rec = storedExperimentFixture('exp:1 é');
    await a.save(rec);
    await a.saveWeights(rec.id, 'dice', modelFilesFixture());
    const cp = { version: 1, snapshot: rec.snapshot, runs: { dice: { weights: [{ shape: [2], data: Float32Array.from([Number.NaN, Infinity]) }] } }, next: null } as unknown as ExperimentCheckpoint;
    await a.saveCheckpoint(rec.id, cp);
    const b = new FileStore(dir);
    expect(await b.get(rec.id)).toEqual(rec);
    expect(new Float32Array((await b.getWeights(rec.id, 'dice'))!.weightData)).toEqual(new Float32Array(20).fill(0.5));
    const back = (await b.getCheckpoint(rec.id)) as unknown as { runs: { dice: { weights: { data: Float32Array }[] } } };
    expect(Array.from(back.runs.dice.weights[0]!.data)).toEqual([Number.NaN, Infinity]);
    expect((await b.list()).experiments.map((e) => e.id)).toEqual([rec.id]);
    await b.remove(rec.id);
    expect(await readdir(dir)).toEqual([]);
  });
  it('a damaged record is listed apart with its reason; nothing stored reads as nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    writeFileSync(join(dir, 'bad.record'), 'not a record');
    const s = new FileStore(dir);
    const l = await s.list();
    expect(l.experiments).toEqual([]);
    expect(l.broken[0]?.id).toBe('bad');
    expect(await s.get('nothing')).toBeUndefined();
    expect(await new FileStore(join(dir, 'absent')).list()).toEqual({ experiments: [], broken: [] });
  });
});

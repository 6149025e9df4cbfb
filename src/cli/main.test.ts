import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { experimentFromJson, experimentToJson } from '../core/io/modelFiles';
import { paperParams } from '../core/losses/registry';
import { validateExperimentFile, type ExperimentFile } from '../core/training/experimentFile';
import { experimentFileFixture } from '../core/training/testing/experimentRecords';
import { main } from './main';

function captured() {
  const err: string[] = [];
  const out: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  return { err: () => err.join(''), out: () => out.join('') };
}
afterEach(() => vi.restoreAllMocks());

/** A sweep folder with one run file per run of a two-run experiment. */
function sweepFolder(runs: number[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
  const ids = ['dice', 'focal'] as const;
  for (const k of runs) {
    const f: ExperimentFile = structuredClone(experimentFileFixture('exp-s'));
    const id = ids[k] as (typeof ids)[number];
    f.record.request.runs = ids.map((loss) => ({ id: loss, loss, params: { ...paperParams(loss) } }));
    f.record.snapshot!.runs = [{ ...f.record.snapshot!.runs[0]!, id, loss: id, params: paperParams(id), label: id }];
    f.weights = { [id]: f.weights.dice! };
    f.record.savedWeights = [id];
    writeFileSync(join(dir, `run-${k}.experiment.json`), experimentToJson(f));
  }
  return dir;
}

describe('segstudio collect', () => {
  it('merges a sweep folder into an experiment file the studio imports, and will not overwrite it without --force', async () => {
    const dir = sweepFolder([1, 0]);
    const out = join(dir, 'merged.json');
    const io = captured();
    expect(await main(['collect', dir, '--out', out])).toBe(0);
    const merged = validateExperimentFile(experimentFromJson(readFileSync(out, 'utf8')));
    expect(merged.record.snapshot?.runs.map((r) => r.id)).toEqual(['dice', 'focal']);
    expect(io.err()).toContain(`${out}: 2 runs from 2 files`);
    expect(await main(['collect', dir, '--out', out])).toBe(2);
    expect(io.err()).toContain(`${out} exists: add --force to overwrite it`);
    expect(await main(['collect', dir, '--out', out, '--force'])).toBe(0);
  });
  it('names missing runs (status 1) and merges them with --partial', async () => {
    const dir = sweepFolder([0]);
    const io = captured();
    expect(await main(['collect', dir, '--out', join(dir, 'm.json')])).toBe(1);
    expect(io.err()).toContain('segstudio collect: nothing was merged:\n  missing runs (no file holds them; --partial merges what exists): focal');
    expect(await main(['collect', dir, '--out', join(dir, 'm.json'), '--partial'])).toBe(0);
  });
  it('usage errors exit with 2 and print the usage; help exits with 0', async () => {
    const io = captured();
    expect(await main(['colect'])).toBe(2);
    expect(io.err()).toMatch(/^segstudio: unknown command "colect"/);
    expect(await main(['collect', '/x', '--out', 'y', '--parital'])).toBe(2);
    expect(io.err()).toContain('unknown option --parital for "collect" (did you mean --partial?)');
    expect(await main(['--help'])).toBe(0);
    expect(io.out()).toContain('segstudio collect DIR --out FILE [options]');
    expect(await main(['collect', '/nonexistent-folder', '--out', join(tmpdir(), 'never.json')])).toBe(1);
    expect(io.err()).toContain('segstudio collect: /nonexistent-folder: no such folder');
  });
});

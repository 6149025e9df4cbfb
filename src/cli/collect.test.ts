import { describe, expect, it } from 'vitest';
import { paperParams } from '../core/losses/registry';
import { validateExperimentFile } from '../core/training/experimentFile';
import { experimentFileFixture, modelFilesFixture } from '../core/training/testing/experimentRecords';
import type { ExperimentFile } from '../core/training/experimentFile';
import { collectRuns, CollectError, type RunFile } from './collect';

/** The fixture experiment with three runs (dice, focal, crossEntropy); task `k` trained run k only. */
function sweep(): RunFile[] {
  const ids = ['dice', 'focal', 'crossEntropy'] as const;
  return ids.map((id, k) => {
    const f: ExperimentFile = structuredClone(experimentFileFixture('exp-sweep'));
    f.record.request.runs = ids.map((loss) => ({ id: loss, loss, params: { ...paperParams(loss) } }));
    const run = structuredClone(f.record.snapshot!.runs[0]!);
    f.record.snapshot!.runs = [{ ...run, id, loss: id, params: paperParams(id), label: id, test: [{ id: 'c4', dsc: [0.1 * (k + 1)], iou: [0.05], precision: [0.2], recall: [0.1] }] }];
    f.weights = { [id]: modelFilesFixture() };
    f.record.savedWeights = [id];
    return { name: `run-${k}.experiment.json`, file: f };
  });
}

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CollectError);
    return (e as CollectError).problems;
  }
  throw new Error('collected without a problem');
};

describe('collectRuns', () => {
  it('merges the runs of one experiment in the request order, with their weights, into a file the studio imports', () => {
    const files = sweep().reverse();
    const c = collectRuns(files);
    expect(c.file.record.snapshot?.runs.map((r) => r.id)).toEqual(['dice', 'focal', 'crossEntropy']);
    expect(c.file.record.snapshot?.runs.map((r) => r.test?.[0]?.dsc[0])).toEqual([0.1, 0.2, 0.30000000000000004]);
    expect(Object.keys(c.file.weights).sort()).toEqual(['crossEntropy', 'dice', 'focal']);
    expect(c.file.record.status).toBe('finished');
    expect(c.from).toEqual({ crossEntropy: 'run-2.experiment.json', focal: 'run-1.experiment.json', dice: 'run-0.experiment.json' });
    expect(() => validateExperimentFile(c.file)).not.toThrow();
  });
  it('names missing runs and merges them only with partial', () => {
    const files = sweep().slice(0, 2);
    expect(problems(() => collectRuns(files))).toEqual(['missing runs (no file holds them; --partial merges what exists): crossEntropy']);
    const c = collectRuns(files, { partial: true });
    expect(c.missing).toEqual(['crossEntropy']);
    expect(c.file.record.status).toBe('stopped');
    expect(c.file.record.message).toBe('collected 2 of 3 runs');
  });
  it('refuses runs of another experiment, another protocol, another split, and says which file and field', () => {
    const files = sweep();
    files[1]!.file.record.request.training = { ...files[1]!.file.record.request.training, learningRate: 0.01 };
    files[2]!.file.record.snapshot!.split = { train: ['c1'], validation: ['c2', 'c3'], test: ['c4'] };
    expect(problems(() => collectRuns(files))).toEqual([
      'run-1.experiment.json: another experiment than run-0.experiment.json (its request differs in training.learningRate)',
      "run-2.experiment.json: its training differs from run-0.experiment.json's in split.train, split.validation",
    ]);
  });
  it('a run twice with different histories, a run the request does not have, an unfinished run', () => {
    const files = sweep();
    const again = structuredClone(files[0]!);
    again.name = 'copy.json';
    again.file.record.snapshot!.runs[0]!.steps = 99;
    const stray = structuredClone(files[1]!);
    stray.name = 'stray.json';
    stray.file.record.snapshot!.runs[0]!.id = 'tversky';
    files[2]!.file.record.snapshot!.runs[0]!.status = 'running';
    expect(problems(() => collectRuns([...files, again, stray]))).toEqual([
      'run dice is in run-0.experiment.json and in copy.json with different histories',
      'stray.json: run tversky is not a run of the experiment (its runs: dice, focal, crossEntropy)',
      'runs that did not finish (--partial merges them as they are): crossEntropy (run-2.experiment.json, 1 epochs)',
    ]);
  });
});

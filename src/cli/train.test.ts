import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cvcFixture } from '../core/data/testing/layouts';
import { readVolume } from '../core/io/read';
import { experimentFromJson } from '../core/io/modelFiles';
import { validateExperimentFile, type ExperimentFile } from '../core/training/experimentFile';
import { collectRuns } from './collect';
import { main } from './main';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = 'https://studio.example/#/train?losses=dice,crossEntropy&epochs=2&size=32&depth=2&filters=4&steps=2&seed=3';
let base = '';
let data = '';

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'segstudio-train-'));
  data = join(base, 'CVC-ClinicDB');
  for (const f of cvcFixture().files) {
    const p = join(base, f.path);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, f.bytes);
  }
});
afterEach(() => vi.restoreAllMocks());

function quiet(): { err: () => string } {
  const err: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  return { err: () => err.join('') };
}
const read = (p: string): ExperimentFile => validateExperimentFile(experimentFromJson(readFileSync(p, 'utf8')));

/** segstudio in a child process (signals, exit codes). */
function child(args: string[]): { done: Promise<number>; kill: (s: NodeJS.Signals) => void } {
  const c = spawn(process.execPath, [join(ROOT, 'src/cli/segstudio.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  c.stderr.resume();
  return { done: new Promise((r) => c.on('exit', (code) => r(code ?? -1))), kill: (s) => c.kill(s) };
}

describe('segstudio train', () => {
  it('trains the link’s experiment, writes an experiment file the studio imports and the test cases’ predicted masks', async () => {
    const io = quiet();
    const out = join(base, 'a.experiment.json');
    expect(await main(['train', '--data', data, '--config', CONFIG, '--out', out, '--predictions', join(base, 'pred')])).toBe(0);
    const f = read(out);
    expect(f.record.status).toBe('finished');
    expect(f.record.request.runs.map((r) => r.id)).toEqual(['dice', 'crossEntropy']);
    expect(f.record.snapshot?.runs.every((r) => r.epochs.length === 2 && (r.test?.length ?? 0) === f.record.request.split.test.length)).toBe(true);
    expect(Object.keys(f.weights).sort()).toEqual(['crossEntropy', 'dice']);
    const test = f.record.request.split.test[0] as string;
    const mask = readVolume(new Uint8Array(readFileSync(join(base, 'pred', 'dice', `${test}.png`))), `${test}.png`);
    const image = readVolume(new Uint8Array(readFileSync(join(data, 'Original', `${test}.tif`))), `${test}.tif`);
    expect(mask.dims).toEqual(image.dims);
    expect(new Set(mask.data).size).toBeLessThanOrEqual(2);
    expect([...new Set(mask.data)].every((v) => v === 0 || v === 255)).toBe(true);
    expect(io.err()).toMatch(/4 cases \(CVC-ClinicDB\), 2 classes\nEvery image fits the 32×32 input \(padded where smaller\): nothing is resized\.\nbackend: cpu\n/);
    expect(f.record.request).toMatchObject({ dims: 2, resolution: 'native' });
    expect(existsSync(`${out}.state`)).toBe(false);
  }, 120_000);
  it('--runs trains a subset of the same experiment; flags override the link; the file still names every run', async () => {
    quiet();
    const full = read(join(base, 'a.experiment.json'));
    const out = join(base, 'b.experiment.json');
    expect(await main(['train', '--data', data, '--config', CONFIG, '--out', out, '--runs', 'crossEntropy'])).toBe(0);
    const part = read(out);
    expect(part.record.request.runs.map((r) => r.id)).toEqual(['dice', 'crossEntropy']);
    expect(part.record.snapshot?.runs.map((r) => r.id)).toEqual(['crossEntropy']);
    // The same run trained alone equals the one trained beside dice (same weights, split, seed).
    expect(part.record.snapshot?.runs[0]).toEqual(full.record.snapshot?.runs.find((r) => r.id === 'crossEntropy'));
    const o = join(base, 'c.experiment.json');
    expect(await main(['train', '--data', data, '--config', CONFIG, '--out', o, '--losses', 'focal', '--max-epochs', '1'])).toBe(0);
    expect(read(o).record.snapshot?.runs.map((r) => [r.id, r.epochs.length])).toEqual([['focal', 1]]);
    const q = join(base, 'quick.experiment.json');
    expect(await main(['train', '--data', data, '--config', CONFIG, '--out', q, '--losses', 'dice', '--max-epochs', '1', '--resolution', 'fit'])).toBe(0);
    expect(read(q).record.request.resolution).toBe('fit');
    const io = quiet();
    expect(await main(['train', '--data', data, '--config', CONFIG, '--out', join(base, 'never.json'), '--resolution', 'full'])).toBe(2);
    expect(io.err()).toContain('--resolution: must be native or fit, got "full"');
    const never = ['--out', join(base, 'never.json')];
    expect(await main(['train', '--data', data, '--config', CONFIG, ...never, '--patch', '32x32x16'])).toBe(2);
    expect(io.err()).toContain('--patch 32x32x16: a patch of three sides needs --dims 3');
    expect(await main(['train', '--data', data, '--config', CONFIG, ...never, '--dims', '3', '--resolution', 'fit'])).toBe(2);
    expect(io.err()).toContain('a 3D U-Net trains at native resolution');
    expect(await main(['train', '--data', data, '--config', CONFIG, ...never, '--spacing', '1,1'])).toBe(2);
    expect(io.err()).toContain('--spacing: must be own or x,y,z in mm');
    // A 512×512 patch with 64 filters needs more than a 64 MiB budget: refused before training.
    expect(await main(['train', '--data', data, '--config', CONFIG, ...never, '--patch', '512x512', '--memory', '64'])).toBe(2);
    expect(io.err()).toMatch(/refused before training: a 512×512 patch at batch 2 \(depth 2, 4 base filters\) needs about [\d.]+ MiB per training step, more than the memory budget \(64 MiB\)/);
    expect(existsSync(join(base, 'never.json'))).toBe(false);
  }, 120_000);
  it('--seeds and --folds repeat each loss; the replicates trained by separate tasks collect into the file one process writes', async () => {
    const io = quiet();
    const args = ['train', '--data', data, '--config', CONFIG, '--losses', 'dice', '--max-epochs', '1', '--seeds', '2', '--folds', '2'];
    const out = join(base, 'replicates.experiment.json');
    expect(await main([...args, '--out', out])).toBe(0);
    const full = read(out);
    const ids = ['dice:seed=3:fold=1', 'dice:seed=4:fold=1', 'dice:seed=3:fold=2', 'dice:seed=4:fold=2'];
    expect(full.record.request.runs.map((r) => r.id)).toEqual(ids);
    expect(full.record.snapshot?.runs.map((r) => [r.id, r.replicateOf, r.seed, r.fold, r.folds, r.status])).toEqual(
      ids.map((id, i) => [id, 'dice', 3 + (i % 2), 1 + Math.floor(i / 2), 2, 'done']),
    );
    // Every fold validates on its own cases and tests on the split's.
    const test = full.record.request.split.test.length;
    expect(full.record.snapshot?.runs.every((r) => r.test?.length === test && r.samples !== undefined)).toBe(true);
    // Two tasks of a sweep: the same request, two runs each.
    const request = join(base, 'replicates.request.json');
    writeFileSync(request, JSON.stringify(full.record.request));
    const parts = [0, 1].map((k) => join(base, `replicates-${k}.experiment.json`));
    const task = ['train', '--data', data, '--config', CONFIG, '--request', request];
    expect(await main([...task, '--out', parts[0]!, '--runs', '0,3'])).toBe(0);
    expect(await main([...task, '--out', parts[1]!, '--runs', 'dice:seed=4:fold=1,dice:seed=3:fold=2'])).toBe(0);
    // A request fixes the experiment: flags that would change it are refused, and so is a broken request.
    expect(await main([...task, '--seeds', '3', '--out', join(base, 'never.json')])).toBe(2);
    expect(io.err()).toContain('--request fixes the experiment: --seeds would have no effect');
    writeFileSync(request, JSON.stringify({ ...full.record.request, runs: [{ loss: 'dice', fold: 1 }] }));
    expect(await main([...task, '--out', join(base, 'never.json')])).toBe(1);
    expect(io.err()).toMatch(/--request .*replicates\.request\.json: .*fold and folds go together/);
    const merged = collectRuns(parts.map((name) => ({ name, file: read(name) })));
    expect(merged.file.record.snapshot?.runs).toEqual(full.record.snapshot?.runs);
    expect(io.err()).not.toMatch(/error/i);
    expect(await main([...args.slice(0, -4), '--seeds', '11', '--out', join(base, 'never.json')])).toBe(2);
    expect(io.err()).toContain('--seeds must be an integer from 1 to 10, got "11"');
  }, 180_000);
  it('bad input: a link with a wrong value, an unknown loss, a run that does not exist, a missing folder, an existing --out', async () => {
    const io = quiet();
    const out = join(base, 'never.json');
    expect(await main(['train', '--data', data, '--config', 'losses=dice&depth=9', '--out', out])).toBe(2);
    expect(io.err()).toMatch(/--config: .*depth/);
    expect(await main(['train', '--data', data, '--config', CONFIG, '--out', out, '--losses', 'dise'])).toBe(2);
    expect(io.err()).toContain('--losses: unknown loss "dise"');
    expect(await main(['train', '--data', data, '--config', CONFIG, '--out', out, '--runs', '7'])).toBe(2);
    expect(io.err()).toContain('--runs: no run "7" (the experiment has 2: 0 dice, 1 crossEntropy)');
    expect(await main(['train', '--data', join(base, 'nothing'), '--config', CONFIG, '--out', out])).toBe(1);
    expect(io.err()).toContain('nothing: no such file or folder');
    expect(await main(['train', '--data', data, '--config', CONFIG, '--out', join(base, 'a.experiment.json')])).toBe(2);
    expect(io.err()).toContain('exists: add --force to overwrite it');
    expect(existsSync(out)).toBe(false);
  }, 120_000);
  it('a run stopped by a signal keeps its finished epochs; --resume continues it to the same end as an uninterrupted run', async () => {
    const io = quiet();
    const cfg = `${CONFIG.replace('epochs=2', 'epochs=30').replace('steps=2', 'steps=1')}`;
    const whole = join(base, 'whole.json');
    expect(await child(['train', '--data', data, '--config', cfg, '--out', whole, '--runs', 'crossEntropy']).done).toBe(0);
    const out = join(base, 'cut.json');
    const c = child(['train', '--data', data, '--config', cfg, '--out', out, '--runs', '1']);
    // Stop it once an epoch checkpoint exists.
    for (let t = 0; t < 600 && !(existsSync(`${out}.state`) && readdirSync(`${out}.state`).some((n) => n.endsWith('.checkpoint'))); t++) await new Promise((r) => setTimeout(r, 100));
    c.kill('SIGTERM');
    expect(await c.done).toBe(1);
    const cut = read(out);
    expect(cut.record.status).toBe('stopped');
    const epochs = cut.record.snapshot?.runs[0]?.epochs.length ?? 0;
    expect(epochs).toBeGreaterThan(0);
    expect(epochs).toBeLessThan(30);
    // Resumed as a resubmitted array task resumes: the same --runs, by its index in the whole experiment.
    expect(await main(['train', '--data', data, '--config', cfg, '--out', out, '--runs', '0', '--resume'])).toBe(2);
    expect(io.err()).toContain('trained the runs crossEntropy; --runs now names dice');
    expect(await child(['train', '--data', data, '--config', cfg, '--out', out, '--runs', '1', '--resume']).done).toBe(0);
    expect(read(out).record.snapshot?.runs).toEqual(read(whole).record.snapshot?.runs);
    expect(read(out).record.request.runs.map((r) => r.id)).toEqual(['dice', 'crossEntropy']);
    expect(new Uint8Array(read(out).weights.crossEntropy!.weightData)).toEqual(new Uint8Array(read(whole).weights.crossEntropy!.weightData));
    // A finished file is kept as it is.
    expect(await child(['train', '--data', data, '--config', cfg, '--out', out, '--resume']).done).toBe(0);
  }, 240_000);
});

describe('segstudio sweep', () => {
  it('--dry-run writes the request and a script of one array task per run, and submits nothing', async () => {
    const io = quiet();
    const dir = join(base, 'sweep');
    expect(await main(['sweep', '--slurm', '--dry-run', '--data', data, '--config', CONFIG, '--out', dir, '--partition', 'gpu', '--gpus-per-task', '1', '--backend', 'webgpu'])).toBe(0);
    const request = JSON.parse(readFileSync(join(dir, 'experiment.request.json'), 'utf8')) as { runs: { id: string }[] };
    expect(request.runs.map((r) => r.id)).toEqual(['dice', 'crossEntropy']);
    const script = readFileSync(join(dir, 'sweep.sbatch'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-1');
    expect(script).toContain('#SBATCH --partition=gpu');
    expect(script).toContain(`--request ${join(dir, 'experiment.request.json')} --backend webgpu`);
    expect(io.err()).toContain('2 tasks, not submitted (--dry-run)');
    expect(await main(['sweep', '--slurm', '--dry-run', '--data', data, '--config', CONFIG, '--out', dir])).toBe(2);
    expect(io.err()).toContain('already holds a sweep: add --force');
    expect(await main(['sweep', '--data', data, '--config', CONFIG, '--out', join(base, 'x')])).toBe(2);
    expect(io.err()).toContain('sweep needs --slurm');
  }, 60_000);

  it('splits the dataset as the link says (its split key), unless --split-seed overrides it; seeds and folds become array tasks', async () => {
    quiet();
    const requestOf = async (name: string, extra: string[], config = CONFIG) => {
      const dir = join(base, name);
      expect(await main(['sweep', '--slurm', '--dry-run', '--data', data, '--config', config, '--out', dir, ...extra])).toBe(0);
      return JSON.parse(readFileSync(join(dir, 'experiment.request.json'), 'utf8')) as { split: unknown; runs: { id: string }[] };
    };
    const studio = await requestOf('split-default', []);
    const byLink = await requestOf('split-link', [], `${CONFIG}&split=2`);
    const byFlag = await requestOf('split-flag', ['--split-seed', '2']);
    const overridden = await requestOf('split-both', ['--split-seed', '1'], `${CONFIG}&split=2`);
    expect(byLink.split).toEqual(byFlag.split);
    expect(byLink.split).not.toEqual(studio.split);
    expect(overridden.split).toEqual(studio.split);
    const replicated = await requestOf('split-replicates', ['--seeds', '3', '--folds', '2']);
    expect(replicated.runs).toHaveLength(12);
    expect(readFileSync(join(base, 'split-replicates', 'sweep.sbatch'), 'utf8')).toContain('#SBATCH --array=0-11');
  }, 60_000);

  it('takes the model flags of train: --patch and --dims set the request, --plan proposes, and a step over --memory is refused before submitting', async () => {
    const io = quiet();
    const requestAt = (name: string) => JSON.parse(readFileSync(join(base, name, 'experiment.request.json'), 'utf8')) as { dims?: number; model: { inputWidth: number; inputHeight: number } };
    expect(await main(['sweep', '--slurm', '--dry-run', '--data', data, '--config', CONFIG, '--out', join(base, 'sweep-patch'), '--dims', '2', '--patch', '48x32'])).toBe(0);
    expect(requestAt('sweep-patch')).toMatchObject({ dims: 2, model: { inputWidth: 48, inputHeight: 32 } });
    expect(await main(['sweep', '--slurm', '--dry-run', '--data', data, '--config', CONFIG, '--out', join(base, 'sweep-plan'), '--plan'])).toBe(0);
    expect(io.err()).toMatch(/plan: /);
    expect(await main(['sweep', '--slurm', '--dry-run', '--data', data, '--config', CONFIG, '--out', join(base, 'sweep-refused'), '--patch', '512x512', '--memory', '64'])).toBe(2);
    expect(io.err()).toMatch(/refused before submitting: .*64 MiB/);
    expect(existsSync(join(base, 'sweep-refused', 'experiment.request.json'))).toBe(false);
  }, 60_000);
});

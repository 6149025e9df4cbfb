/**
 * The Slurm sweep on a real cluster (run by .ci/run through .ci/slurm/check, with SLURM_CONF
 * pointing at the project's one-node cluster): `segstudio sweep --slurm` submits a three-run
 * experiment on a small dataset as a job array, the tasks train, `segstudio collect` merges
 * them, and the merged file must equal a single-process `segstudio train` of the same request
 * on the CPU backend, run for run and weight for weight (bit-identical), with every test case
 * scored. Exit status 0 when it does.
 *
 *   node --import tsx e2e/cluster/sweep.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cvcFixture } from '../../src/core/data/testing/layouts';
import { experimentFromJson } from '../../src/core/io/modelFiles';
import { validateExperimentFile, type ExperimentFile } from '../../src/core/training/experimentFile';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEGSTUDIO = [process.execPath, join(ROOT, 'src/cli/segstudio.mjs')];
const CONFIG = 'losses=dice,crossEntropy,asymmetricUnifiedFocal&epochs=2&size=32&depth=2&filters=4&steps=3&seed=7';
const TIMEOUT_S = Number(process.env.SWEEP_TIMEOUT ?? 600);

function segstudio(args: string[]): string {
  const r = spawnSync(SEGSTUDIO[0] as string, [...SEGSTUDIO.slice(1), ...args], { cwd: ROOT, encoding: 'utf8' });
  process.stderr.write(r.stderr);
  if (r.status !== 0) throw new Error(`segstudio ${args[0]} exited with ${r.status}`);
  return r.stdout;
}

function read(path: string): ExperimentFile {
  return validateExperimentFile(experimentFromJson(readFileSync(path, 'utf8')));
}

function bytes(f: ExperimentFile, run: string): Uint8Array {
  const w = f.weights[run];
  if (!w) throw new Error(`no weights for ${run}`);
  return new Uint8Array(w.weightData);
}

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'segstudio-sweep-'));
  const data = join(base, 'data');
  for (const f of cvcFixture().files) {
    const p = join(data, f.path);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, f.bytes);
  }
  const dir = join(base, 'sweep');
  const job = segstudio(['sweep', '--slurm', '--data', join(data, 'CVC-ClinicDB'), '--config', CONFIG, '--out', dir]).trim();
  console.log(`job ${job} submitted`);
  const start = Date.now();
  for (;;) {
    const q = execFileSync('squeue', ['-h', '-j', job, '-o', '%i %T'], { encoding: 'utf8' }).trim();
    if (!q) break;
    if (Date.now() - start > TIMEOUT_S * 1000) throw new Error(`the array did not end within ${TIMEOUT_S} s:\n${q}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(`array ended after ${Math.round((Date.now() - start) / 1000)} s`);
  for (const log of readdirSync(join(dir, 'logs')).sort()) console.log(`--- ${log}\n${readFileSync(join(dir, 'logs', log), 'utf8').trim()}`);
  const merged = join(base, 'merged.experiment.json');
  segstudio(['collect', dir, '--out', merged]);
  const single = join(base, 'single.experiment.json');
  segstudio(['train', '--data', join(data, 'CVC-ClinicDB'), '--config', CONFIG, '--request', join(dir, 'experiment.request.json'), '--out', single]);
  const m = read(merged);
  const s = read(single);
  const problems: string[] = [];
  const ids = (f: ExperimentFile) => f.record.snapshot?.runs.map((r) => r.id) ?? [];
  if (ids(m).join() !== 'dice,crossEntropy,asymmetricUnifiedFocal') problems.push(`merged runs: ${ids(m).join(', ')}`);
  if (JSON.stringify(m.record.request) !== JSON.stringify(s.record.request)) problems.push('the merged and single requests differ');
  const testCases = m.record.request.split.test;
  for (const run of m.record.snapshot?.runs ?? []) {
    const other = s.record.snapshot?.runs.find((r) => r.id === run.id);
    if (JSON.stringify(run) !== JSON.stringify(other)) problems.push(`run ${run.id}: its history differs from the single-process run`);
    if ((run.test ?? []).map((c) => c.id).sort().join() !== [...testCases].sort().join()) problems.push(`run ${run.id}: not every test case scored`);
    const a = bytes(m, run.id);
    const b = bytes(s, run.id);
    if (a.length !== b.length || a.some((v, i) => v !== b[i])) problems.push(`run ${run.id}: its weights differ from the single-process run`);
  }
  if (problems.length) throw new Error(problems.join('\n'));
  console.log(`sweep of ${ids(m).length} runs on Slurm = single-process train, bit for bit (${testCases.length} test cases scored per run)`);
}

main().catch((e: unknown) => {
  console.error(`cluster sweep check failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});

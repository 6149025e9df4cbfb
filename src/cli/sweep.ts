/**
 * `segstudio sweep --slurm`: the experiment of a configuration link fanned out over a Slurm job
 * array, one task per run (each loss, or each γ of a γ sweep). The experiment request is built
 * once, here, from the dataset and the link, and written into the sweep folder; every task
 * trains its run of that same request (`segstudio train --request … --runs $SLURM_ARRAY_TASK_ID`),
 * so every run starts from the same initial weights, split and augmentation seed, as in the
 * studio. `segstudio collect DIR` merges the tasks' files into one experiment file.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../core/data/dataset';
import { splitCases } from '../core/data/split';
import { buildExperimentRequest, ConfigurationError, describeDataset } from '../core/engine/experimentRequest';
import type { ExperimentRequest } from '../core/training/experimentFile';
import { intFlag, UsageError, type CommandSpec, type Parsed } from './args';
import { inputFilesFrom } from './nodeFiles';
import type { Output } from './progress';
import { sbatchScript, submit } from './sbatch';
import { applyPlanFlag, configText, configurationFrom, splitSeedOf, TRAIN, withRunIds } from './train';
import { requestDeviceProblems } from '../core/engine/planner';

const OVERRIDES = ['losses', 'max-epochs', 'steps-per-epoch', 'max-steps', 'seed', 'seeds', 'folds', 'resolution', 'dims', 'patch', 'spacing', 'memory', 'plan'] as const;

export const SWEEP: CommandSpec = {
  summary: 'Submits one Slurm array task per run of the experiment; segstudio collect merges their files.',
  flags: {
    data: TRAIN.flags.data!,
    config: TRAIN.flags.config!,
    out: { value: 'DIR', required: true, help: 'the sweep folder: the request, the sbatch script, logs and one run file per task' },
    slurm: { help: 'submit to Slurm with sbatch (the only scheduler the sweep drives)' },
    partition: { value: 'P', help: 'Slurm partition of the tasks' },
    'gpus-per-task': { value: 'N', help: 'GPUs per task (use with --backend webgpu)' },
    'cpus-per-task': { value: 'N', help: 'CPU cores per task' },
    time: { value: 'T', help: 'Slurm time limit per task, e.g. 02:00:00' },
    'dry-run': { help: 'write and print the sbatch script, submit nothing' },
    backend: TRAIN.flags.backend!,
    'split-seed': TRAIN.flags['split-seed']!,
    ...Object.fromEntries(OVERRIDES.map((k) => [k, TRAIN.flags[k]!])),
    force: { help: 'reuse a sweep folder that already holds a request' },
  },
};

/** The checkout's launcher, so that tasks run this very segstudio. */
const LAUNCHER = fileURLToPath(new URL('./segstudio.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function sweep(p: Parsed, err: Output = process.stderr, out: Output = process.stdout): Promise<number> {
  if (!p.flags.has('slurm')) throw new UsageError('sweep needs --slurm (it submits a Slurm job array); to train on this machine use segstudio train', 'sweep');
  const dir = resolve(p.flags.get('out') as string);
  const requestPath = join(dir, 'experiment.request.json');
  if (existsSync(requestPath) && !p.flags.has('force')) throw new UsageError(`${dir} already holds a sweep: add --force to submit it again (tasks continue from their checkpoints), or choose another folder`, 'sweep');
  const configuration = configurationFrom(p, await configText(p.flags.get('config') as string));
  const data = resolve(p.flags.get('data') as string);
  err.write(`reading ${data}…\n`);
  const loaded = await loadDataset(await inputFilesFrom(data));
  for (const i of loaded.issues) err.write(`${i.severity === 'error' ? 'skipped' : 'note'}: ${i.file}: ${i.message}\n`);
  if (!loaded.cases.length) throw new Error(`${data}: no case could be loaded (see the messages above)`);
  applyPlanFlag(p, configuration, loaded, p.flags.get('backend') ?? 'cpu', err);
  const split = splitCases(loaded.cases, splitSeedOf(p, configuration));
  let request: ExperimentRequest;
  try {
    request = buildExperimentRequest(configuration, describeDataset(loaded.cases, { numClasses: loaded.mapping.numClasses, origin: 'files', description: loaded.pairing.layout }), {
      train: split.train,
      validation: split.validation,
      test: split.test,
    });
  } catch (e) {
    if (e instanceof ConfigurationError) throw new UsageError(e.message, 'sweep');
    throw e;
  }
  request = withRunIds(request);
  // A step over the memory budget is refused before anything is submitted; each task checks its
  // adapter's buffer limits when its backend runs (segstudio train).
  const refusals = requestDeviceProblems(request, { memoryBudget: configuration.settings.memoryBudget * 2 ** 20, backend: p.flags.get('backend') ?? 'cpu' });
  if (refusals.length) throw new UsageError(`refused before submitting: ${refusals.join('; ')}`, 'sweep');
  await mkdir(join(dir, 'logs'), { recursive: true });
  await writeFile(requestPath, `${JSON.stringify(request, null, 1)}\n`);
  const trainArgs = ['--data', data, '--config', p.flags.get('config') as string, '--request', requestPath, '--backend', p.flags.get('backend') ?? 'cpu'];
  const gpus = p.flags.has('gpus-per-task') ? intFlag(p, 'gpus-per-task', 1, 1, 64) : undefined;
  const cpus = p.flags.has('cpus-per-task') ? intFlag(p, 'cpus-per-task', 1, 1, 1024) : undefined;
  const script = sbatchScript({
    dir,
    tasks: request.runs.length,
    segstudio: [process.execPath, LAUNCHER],
    trainArgs,
    workdir: ROOT,
    ...(p.flags.get('partition') ? { partition: p.flags.get('partition') as string } : {}),
    ...(gpus ? { gpusPerTask: gpus } : {}),
    ...(cpus ? { cpusPerTask: cpus } : {}),
    ...(p.flags.get('time') ? { time: p.flags.get('time') as string } : {}),
    jobName: `segstudio-${request.id}`.slice(0, 60),
  });
  const scriptPath = join(dir, 'sweep.sbatch');
  await writeFile(scriptPath, script, { mode: 0o755 });
  const runList = request.runs.map((r, i) => `  ${i}: ${r.id}`).join('\n');
  if (p.flags.has('dry-run')) {
    out.write(script);
    err.write(`${scriptPath}: ${request.runs.length} tasks, not submitted (--dry-run)\n${runList}\n`);
    return 0;
  }
  const job = submit(scriptPath);
  out.write(`${job}\n`);
  err.write(`submitted job ${job}: ${request.runs.length} array tasks into ${dir}\n${runList}\nwhen they have ended: segstudio collect ${dir} --out merged.experiment.json\n`);
  return 0;
}

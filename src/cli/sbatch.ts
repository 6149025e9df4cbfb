/**
 * Slurm job arrays for `segstudio sweep`: one array task per run of the experiment, each running
 * `segstudio train --runs $SLURM_ARRAY_TASK_ID` into the sweep folder. The script is written into
 * the folder before it is submitted (and only written with --dry-run), so what ran can be read
 * and submitted again by hand; a task submitted again continues from its last epoch checkpoint.
 */
import { spawnSync } from 'node:child_process';

export interface SweepScript {
  /** The sweep folder (absolute). */
  dir: string;
  /** Array tasks: one per run. */
  tasks: number;
  /** The command that starts segstudio (absolute paths), e.g. [node, launcher]. */
  segstudio: string[];
  /** Arguments every task passes to `segstudio train` (the data, the configuration, the backend, …). */
  trainArgs: string[];
  /** Folder the tasks start in (the checkout). */
  workdir: string;
  partition?: string;
  gpusPerTask?: number;
  cpusPerTask?: number;
  /** Slurm time limit per task, e.g. 02:00:00. */
  time?: string;
  jobName?: string;
}

/** A word for a POSIX shell: quoted unless it is plainly safe. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The run file of array task `i` (and of `$SLURM_ARRAY_TASK_ID` in the script). */
export function runFileName(task: number | string): string {
  return `run-${task}.experiment.json`;
}

export function sbatchScript(s: SweepScript): string {
  if (!Number.isInteger(s.tasks) || s.tasks < 1) throw new RangeError(`a sweep needs at least one run, got ${s.tasks}`);
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${shellWord(s.jobName ?? 'segstudio-sweep')}`,
    `#SBATCH --array=0-${s.tasks - 1}`,
    `#SBATCH --output=${shellWord(`${s.dir}/logs/task-%a.log`)}`,
    `#SBATCH --chdir=${shellWord(s.workdir)}`,
  ];
  if (s.partition) lines.push(`#SBATCH --partition=${shellWord(s.partition)}`);
  if (s.gpusPerTask) lines.push(`#SBATCH --gpus-per-task=${s.gpusPerTask}`);
  if (s.cpusPerTask) lines.push(`#SBATCH --cpus-per-task=${s.cpusPerTask}`);
  if (s.time) lines.push(`#SBATCH --time=${shellWord(s.time)}`);
  lines.push(
    '#',
    '# One task per run of the experiment; every run starts from the same initial weights, split',
    '# and augmentation seed. A task submitted again continues from its last epoch checkpoint.',
    'set -euo pipefail',
    `exec ${s.segstudio.map(shellWord).join(' ')} train ${s.trainArgs.map(shellWord).join(' ')} \\`,
    `  --runs "$SLURM_ARRAY_TASK_ID" --out ${shellWord(s.dir)}/"${runFileName('$SLURM_ARRAY_TASK_ID').replace('$SLURM_ARRAY_TASK_ID', '${SLURM_ARRAY_TASK_ID}')}" --resume`,
    '',
  );
  return lines.join('\n');
}

/** Submits a script with sbatch; returns the job id. An Error says when sbatch is missing or refuses. */
export function submit(scriptPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync('sbatch', ['--parsable', scriptPath], { encoding: 'utf8', env });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('sbatch was not found on the PATH: run the sweep on a machine with Slurm, or use --dry-run to only write the script');
  }
  if (r.status !== 0) throw new Error(`sbatch refused the job (status ${r.status}): ${(r.stderr || r.stdout || '').trim()}`);
  const id = r.stdout.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new Error(`sbatch answered "${r.stdout.trim()}", not a job id`);
  return id;
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFileName, sbatchScript, shellWord, submit } from './sbatch';

describe('sbatchScript', () => {
  const script = sbatchScript({
    dir: '/runs/my sweep',
    tasks: 3,
    segstudio: ['/usr/bin/node', '/repo/src/cli/segstudio.mjs'],
    trainArgs: ['--data', '/data/Task04', '--config', "/cfg/it's.link", '--backend', 'webgpu'],
    workdir: '/repo',
    partition: 'gpu',
    gpusPerTask: 1,
    time: '02:00:00',
  });
  it('one array task per run, each training its run into the sweep folder and resuming when resubmitted', () => {
    expect(script).toContain('#SBATCH --array=0-2');
    expect(script).toContain("#SBATCH --output='/runs/my sweep/logs/task-%a.log'");
    expect(script).toContain('#SBATCH --partition=gpu');
    expect(script).toContain('#SBATCH --gpus-per-task=1');
    expect(script).toContain('#SBATCH --time=02:00:00');
    expect(script).toContain(`exec /usr/bin/node /repo/src/cli/segstudio.mjs train --data /data/Task04 --config '/cfg/it'\\''s.link' --backend webgpu`);
    expect(script).toContain(`--runs "$SLURM_ARRAY_TASK_ID" --out '/runs/my sweep'/"run-\${SLURM_ARRAY_TASK_ID}.experiment.json" --resume`);
  });
  it('is a script bash accepts, and expands to the run file of each task', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbatch-'));
    const fake = join(dir, 'echo-args.sh');
    writeFileSync(fake, '#!/bin/bash\nfor a in "$@"; do echo "[$a]"; done\n', { mode: 0o755 });
    const s = sbatchScript({ dir: join(dir, 'out dir'), tasks: 2, segstudio: [fake], trainArgs: ['--data', 'd d'], workdir: dir });
    writeFileSync(join(dir, 'job.sh'), s);
    const out = execFileSync('bash', [join(dir, 'job.sh')], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '1' }, encoding: 'utf8' });
    expect(out.trim().split('\n')).toEqual(['[train]', '[--data]', '[d d]', '[--runs]', '[1]', '[--out]', `[${join(dir, 'out dir')}/${runFileName(1)}]`, '[--resume]']);
  });
  it('quotes words for the shell', () => {
    expect(shellWord('/a/b-c_d.e')).toBe('/a/b-c_d.e');
    expect(shellWord('a b')).toBe("'a b'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(() => sbatchScript({ dir: '/x', tasks: 0, segstudio: ['x'], trainArgs: [], workdir: '/' })).toThrow(/at least one run/);
  });
  it('says so when sbatch is not installed', () => {
    expect(() => submit('/nonexistent.sh', { PATH: '/nonexistent' })).toThrow(/sbatch was not found on the PATH/);
  });
});

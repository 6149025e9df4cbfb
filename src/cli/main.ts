/**
 * segstudio: runs the studio's experiments headless. Usage errors print the usage on stderr and
 * exit with status 2; other failures print their message and exit with status 1.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { experimentFromJson, experimentToJson } from '../core/io/modelFiles';
import { validateExperimentFile } from '../core/training/experimentFile';
import { parseArgs, usage, UsageError, type CommandSpec, type Parsed } from './args';
import { collectRuns, CollectError } from './collect';
import { sweep, SWEEP } from './sweep';
import { train, TRAIN } from './train';

const PROGRAM = 'segstudio';

export const COMMANDS: Record<string, CommandSpec> = {
  train: TRAIN,
  sweep: SWEEP,
  collect: {
    summary: 'Merges the run files of a sweep folder (run-*.experiment.json) into one experiment file for the studio.',
    positional: ['DIR'],
    flags: {
      out: { value: 'FILE', required: true, help: 'the merged experiment file' },
      partial: { help: 'merge the runs that exist (and unfinished ones) instead of refusing' },
      force: { help: 'overwrite --out if it exists' },
    },
  },
};

/** Refuses to overwrite a file unless --force. */
export function checkOverwrite(p: Parsed, path: string): void {
  if (existsSync(path) && !p.flags.has('force')) throw new UsageError(`${path} exists: add --force to overwrite it`, p.command);
}

async function writeExperiment(path: string, text: string): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, text);
}

async function collect(p: Parsed): Promise<number> {
  const dir = p.positional[0] as string;
  const out = p.flags.get('out') as string;
  checkOverwrite(p, out);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^run-\d+\.experiment\.json$/.test(n)).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  } catch {
    throw new Error(`${dir}: no such folder`);
  }
  if (!names.length) throw new Error(`${dir}: no run files (run-N.experiment.json) to collect`);
  const files = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      files.push({ name, file: validateExperimentFile(experimentFromJson(await readFile(path, 'utf8'))) });
    } catch (e) {
      throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  let merged;
  try {
    merged = collectRuns(files, { partial: p.flags.has('partial') });
  } catch (e) {
    if (e instanceof CollectError) throw new Error(`nothing was merged:\n  ${e.problems.join('\n  ')}`, { cause: e });
    throw e;
  }
  await writeExperiment(out, experimentToJson(merged.file));
  const runs = merged.file.record.snapshot?.runs.length ?? 0;
  process.stderr.write(`${out}: ${runs} runs from ${files.length} files${merged.missing.length ? `; missing: ${merged.missing.join(', ')}` : ''}\n`);
  return 0;
}

const HANDLERS: Record<string, (p: Parsed) => Promise<number>> = { train: (p) => train(p), sweep: (p) => sweep(p), collect };

export async function main(argv: readonly string[]): Promise<number> {
  let parsed: Parsed | { help: string | null };
  try {
    parsed = parseArgs(argv, COMMANDS);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${PROGRAM}: ${e.message}\n\n${usage(PROGRAM, COMMANDS, e.command)}`);
      return 2;
    }
    throw e;
  }
  if ('help' in parsed) {
    process.stdout.write(usage(PROGRAM, COMMANDS, parsed.help));
    return 0;
  }
  try {
    return await (HANDLERS[parsed.command] as (p: Parsed) => Promise<number>)(parsed);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${PROGRAM}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`${PROGRAM} ${parsed.command}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (process.argv[1] && /segstudio(\.mjs)?$/.test(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2));
}

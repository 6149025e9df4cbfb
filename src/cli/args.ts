/**
 * Command-line arguments of `segstudio`: a command, then `--flag value`, `--flag=value` and
 * boolean `--switch` options, and positional arguments where a command takes them. Every flag
 * a command does not know is an error (a misspelt flag must never be ignored), as is a missing
 * value, a value given twice, or a missing required flag. Errors are UsageErrors: the command
 * line prints them with the usage and exits with status 2.
 */
import { closestName } from '../core/training/config';

export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** A value follows (`--out FILE`); otherwise a switch (`--force`). */
  value?: string;
  required?: boolean;
  /** One line of help. */
  help: string;
}

export interface CommandSpec {
  /** One line of help. */
  summary: string;
  /** Positional arguments, in order (`DIR`); all required. */
  positional?: string[];
  flags: Record<string, FlagSpec>;
}

export interface Parsed {
  command: string;
  positional: string[];
  /** Values by flag name (without the dashes); switches are 'true'. */
  flags: Map<string, string>;
}

/** Parses `argv` (without node and the script) against the commands; throws UsageError. */
export function parseArgs(argv: readonly string[], commands: Record<string, CommandSpec>): Parsed | { help: string | null } {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const about = command === 'help' ? rest[0] : undefined;
    if (about !== undefined && !(about in commands)) throw new UsageError(`unknown command "${short(about)}"`);
    return { help: about ?? null };
  }
  const spec = commands[command];
  if (!spec) throw new UsageError(`unknown command "${short(command)}" (commands: ${Object.keys(commands).join(', ')})`);
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '--help' || arg === '-h') return { help: command };
    if (arg === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    const f = spec.flags[name];
    if (!f) throw new UsageError(`unknown option --${short(name)} for "${command}"${suggest(name, Object.keys(spec.flags))}`, command);
    if (flags.has(name)) throw new UsageError(`--${name} is given twice`, command);
    if (f.value === undefined) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`, command);
      flags.set(name, 'true');
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = rest[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value (${f.value})`, command);
      i++;
    }
    flags.set(name, value);
  }
  const wanted = spec.positional ?? [];
  if (positional.length < wanted.length) throw new UsageError(`"${command}" needs ${wanted.join(' ')}`, command);
  if (positional.length > wanted.length) throw new UsageError(`unexpected argument "${short(positional[wanted.length] ?? '')}" for "${command}"`, command);
  for (const [name, f] of Object.entries(spec.flags)) {
    if (f.required && !flags.has(name)) throw new UsageError(`"${command}" needs --${name} ${f.value ?? ''}`.trimEnd(), command);
  }
  return { command, positional, flags };
}

/** The usage text of every command, or of one. */
export function usage(program: string, commands: Record<string, CommandSpec>, only?: string | null): string {
  const lines: string[] = [];
  const names = only ? [only] : Object.keys(commands);
  if (!only) lines.push(`usage: ${program} <command> [options]   (${program} help <command> for one command)`, '');
  for (const name of names) {
    const c = commands[name];
    if (!c) continue;
    const pos = (c.positional ?? []).join(' ');
    const req = Object.entries(c.flags)
      .filter(([, f]) => f.required)
      .map(([n, f]) => `--${n} ${f.value ?? ''}`.trimEnd())
      .join(' ');
    lines.push(`${program} ${name}${pos ? ` ${pos}` : ''}${req ? ` ${req}` : ''} [options]`, `  ${c.summary}`);
    for (const [n, f] of Object.entries(c.flags)) {
      const left = `    --${n}${f.value ? ` ${f.value}` : ''}`;
      lines.push(`${left.padEnd(30)} ${f.help}${f.required ? ' (required)' : ''}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** An outside value quoted in a message, cut short. */
function short(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** " (did you mean --x?)" for the known flag closest to `name` (core/training/config.ts closestName). */
function suggest(name: string, known: string[]): string {
  const best = closestName(name, known);
  return best ? ` (did you mean --${best}?)` : '';
}

/** A positive integer flag, or the fallback when absent; anything else is a UsageError. */
export function intFlag(p: Parsed, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const raw = p.flags.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${short(raw)}"`, p.command);
  }
  return v;
}

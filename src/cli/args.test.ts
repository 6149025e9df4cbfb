import { describe, expect, it } from 'vitest';
import { intFlag, parseArgs, usage, UsageError, type CommandSpec, type Parsed } from './args';

const COMMANDS: Record<string, CommandSpec> = {
  train: {
    summary: 'train',
    flags: {
      data: { value: 'DIR', required: true, help: 'the dataset' },
      out: { value: 'FILE', required: true, help: 'the experiment file' },
      'max-epochs': { value: 'N', help: 'epochs' },
      force: { help: 'overwrite' },
    },
  },
  collect: { summary: 'merge', positional: ['DIR'], flags: { out: { value: 'FILE', required: true, help: 'merged' }, partial: { help: 'what exists' } } },
};

const parse = (...argv: string[]) => parseArgs(argv, COMMANDS);
const error = (...argv: string[]) => {
  try {
    parse(...argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('parseArgs', () => {
  it('reads flags with a space or =, switches and positionals', () => {
    const p = parse('train', '--data', 'd', '--out=x.json', '--force', '--max-epochs', '3') as Parsed;
    expect(p.command).toBe('train');
    expect(Object.fromEntries(p.flags)).toEqual({ data: 'd', out: 'x.json', force: 'true', 'max-epochs': '3' });
    expect((parse('collect', 'runs', '--out', 'm.json') as Parsed).positional).toEqual(['runs']);
  });
  it('refuses what it does not know, with a suggestion for a misspelt flag', () => {
    expect(error('trian')).toMatch(/unknown command "trian" \(commands: train, collect\)/);
    expect(error('train', '--data', 'd', '--out', 'o', '--max-epoch', '3')).toBe('unknown option --max-epoch for "train" (did you mean --max-epochs?)');
    expect(error('train', '--data', 'd', '--out', 'o', '--learningrate', '3')).toBe('unknown option --learningrate for "train"');
    expect(error('train', '--data', 'd')).toBe('"train" needs --out FILE');
    expect(error('train', '--data', '--out', 'o')).toBe('--data needs a value (DIR)');
    expect(error('train', '--data', 'a', '--data', 'b', '--out', 'o')).toBe('--data is given twice');
    expect(error('train', '--force=yes', '--data', 'a', '--out', 'o')).toBe('--force takes no value');
    expect(error('collect', '--out', 'm')).toBe('"collect" needs DIR');
    expect(error('collect', 'a', 'b', '--out', 'm')).toBe('unexpected argument "b" for "collect"');
  });
  it('help for all or one command', () => {
    expect(parse()).toEqual({ help: null });
    expect(parse('--help')).toEqual({ help: null });
    expect(parse('help', 'collect')).toEqual({ help: 'collect' });
    expect(parse('train', '--help')).toEqual({ help: 'train' });
    const text = usage('segstudio', COMMANDS);
    expect(text).toContain('segstudio train --data DIR --out FILE [options]');
    expect(text).toMatch(/--max-epochs N\s+epochs/);
    expect(usage('segstudio', COMMANDS, 'collect')).not.toContain('segstudio train');
  });
  it('integer flags are checked', () => {
    const p = parse('train', '--data', 'd', '--out', 'o', '--max-epochs', '2.5') as Parsed;
    expect(() => intFlag(p, 'max-epochs', 1)).toThrow('--max-epochs must be an integer from 1 to');
    expect(intFlag(parse('train', '--data', 'd', '--out', 'o') as Parsed, 'max-epochs', 7)).toBe(7);
  });
});

import { describe, expect, it } from 'vitest';
import { ECHO_LENGTH, echo, shown } from './echo';

describe('echo', () => {
  it('keeps short texts and cuts long ones to 60 characters with an ellipsis', () => {
    expect(echo('')).toBe('');
    expect(echo('x'.repeat(ECHO_LENGTH))).toBe('x'.repeat(ECHO_LENGTH));
    expect(echo('x'.repeat(ECHO_LENGTH + 1))).toBe(`${'x'.repeat(ECHO_LENGTH - 1)}…`);
    expect(echo('y'.repeat(2_000_000))).toHaveLength(ECHO_LENGTH);
  });

  it('never splits a surrogate pair', () => {
    const text = `${'a'.repeat(ECHO_LENGTH - 2)}😀${'b'.repeat(10)}`;
    const cut = echo(text);
    expect(cut).toBe(`${'a'.repeat(ECHO_LENGTH - 2)}…`);
  });

  it('shows values as JSON', () => {
    expect(shown('float16')).toBe('"float16"');
    expect(shown([3, -1])).toBe('[3,-1]');
    expect(shown(undefined)).toBe('undefined');
    expect(shown(Array(1000).fill(1))).toBe(`[${'1,'.repeat(29)}…`);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(shown(cyclic)).toBe('[object Object]');
  });
});

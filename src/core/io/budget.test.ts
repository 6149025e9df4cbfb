import { describe, expect, it } from 'vitest';
import { formatBytes } from './budget';

describe('formatBytes', () => {
  it('writes binary units with one decimal', () => {
    expect(formatBytes(812)).toBe('812 bytes');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536 * 1024)).toBe('1.5 MiB');
    expect(formatBytes(2 ** 32)).toBe('4.0 GiB');
    expect(formatBytes(2 ** 40)).toBe('1.0 TiB');
    expect(formatBytes(2 ** 62)).toBe('4.0 EiB');
    expect(formatBytes(Number.NaN)).toBe('NaN');
  });
});

import { describe, expect, it, vi } from 'vitest';

// chartPng imports the plotly bundle, which needs a browser; only dataUrlBlob is tested here.
vi.mock('plotly.js', () => ({ default: {} }));
const { dataUrlBlob } = await import('./chartPng');

describe('dataUrlBlob', () => {
  it('decodes a base64 data URL into its bytes and type', async () => {
    const bytes = new Uint8Array([137, 80, 78, 71, 0, 255, 10]);
    const blob = dataUrlBlob(`data:image/png;base64,${Buffer.from(bytes).toString('base64')}`);
    expect(blob.type).toBe('image/png');
    expect(Array.from(new Uint8Array(await blob.arrayBuffer()))).toEqual(Array.from(bytes));
  });

  it('keeps parameters out of the type and refuses anything but base64 data URLs', async () => {
    expect(dataUrlBlob('data:image/svg+xml;charset=utf-8;base64,PHN2Zy8+').type).toBe('image/svg+xml');
    expect(await dataUrlBlob('data:;base64,').text()).toBe('');
    expect(() => dataUrlBlob('data:image/png,abc')).toThrow('the chart image is not a base64 data URL');
    expect(() => dataUrlBlob('https://example.com/x.png')).toThrow('the chart image is not a base64 data URL');
  });
});

/** Charts as PNG files: the plot redrawn at a fixed size with its title written into the image. */
import Plotly from 'plotly.js';
import type { Layout, PlotlyHTMLElement } from 'plotly.js';
import { download } from '../../state/download';
import { plainText } from './plainText';

export const PNG_SIZE = { width: 1200, height: 640 };

/** Saves the plot in `div` (a plotly graph div) as `fileName`, titled `imageTitle` (shown literally). */
export async function savePlotPng(div: HTMLElement, fileName: string, imageTitle: string): Promise<void> {
  const gd = div as PlotlyHTMLElement;
  const imageLayout: Partial<Layout> = { ...gd.layout, ...PNG_SIZE, title: { text: plainText(imageTitle), font: { size: 16 } }, margin: { ...gd.layout.margin, t: 56 } };
  const url = await Plotly.toImage({ data: gd.data, layout: imageLayout, config: { displaylogo: false } }, { format: 'png', ...PNG_SIZE });
  download(fileName, dataUrlBlob(url));
}

/**
 * The bytes of a base64 `data:` URL as a Blob, decoded here rather than fetched: the page's
 * Content-Security-Policy lets fetch reach only the studio's own origin.
 */
export function dataUrlBlob(url: string): Blob {
  const m = /^data:([^;,]*)(;[^,]*)?;base64,/.exec(url);
  if (!m) throw new Error('the chart image is not a base64 data URL');
  const bin = atob(url.slice(m[0].length));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type: m[1] || 'application/octet-stream' });
}

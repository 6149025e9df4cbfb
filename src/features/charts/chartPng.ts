/** Charts as PNG files: the plot redrawn at a fixed size with its title written into the image. */
import Plotly from 'plotly.js';
import type { Layout, PlotlyHTMLElement } from 'plotly.js';
import { download } from '../../state/download';

export const PNG_SIZE = { width: 1200, height: 640 };

/** Saves the plot in `div` (a plotly graph div) as `fileName`, titled `imageTitle`. */
export async function savePlotPng(div: HTMLElement, fileName: string, imageTitle: string): Promise<void> {
  const gd = div as PlotlyHTMLElement;
  const imageLayout: Partial<Layout> = { ...gd.layout, ...PNG_SIZE, title: { text: imageTitle, font: { size: 16 } }, margin: { ...gd.layout.margin, t: 56 } };
  const url = await Plotly.toImage({ data: gd.data, layout: imageLayout, config: { displaylogo: false } }, { format: 'png', ...PNG_SIZE });
  download(fileName, await (await fetch(url)).blob());
}

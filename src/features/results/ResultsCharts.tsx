/**
 * The charts of the results: box plots of the per-case test DSC of every run (the spread
 * behind the means of the paper's tables) and the paper's Figure 3 (test DSC against γ for the
 * symmetric and asymmetric unified focal losses, mean with standard-deviation error bars).
 * Each chart can be saved as a PNG.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import type { Config, Data, Layout, PlotMouseEvent } from 'plotly.js';
import type { BoxSeries, SweepSeries } from '../../core/results';
import { savePlotPng } from '../charts/chartPng';
import { Plot } from '../charts/Plot';
import type { ReplicateSeries } from './replicateRuns';
import { plainText } from '../charts/plainText';

/** A plot in a figure with a caption and a "save as PNG" button. */
function ChartFigure({
  title,
  imageTitle,
  caption,
  fileName,
  data,
  layout,
  onClick,
  testId,
}: {
  title: string;
  /** Title drawn into the PNG (the page shows `title` above the chart instead). */
  imageTitle: string;
  caption: string;
  fileName: string;
  data: Data[];
  layout: Partial<Layout>;
  onClick?: (e: Readonly<PlotMouseEvent>) => void;
  testId: string;
}) {
  const graph = useRef<HTMLElement | null>(null);
  const [error, setError] = useState<string | null>(null);
  const keep = useCallback((_figure: unknown, div: Readonly<HTMLElement>) => {
    graph.current = div as HTMLElement;
  }, []);
  const config = useMemo<Partial<Config>>(() => ({ displaylogo: false, responsive: true, modeBarButtonsToRemove: ['select2d', 'lasso2d'] }), []);
  const savePng = async () => {
    const div = graph.current;
    if (!div) return;
    try {
      setError(null);
      await savePlotPng(div, fileName, imageTitle);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <figure className="results-chart" aria-label={title} data-testid={testId}>
      <div className="results-chart-head">
        <h3>{title}</h3>
        <button type="button" onClick={() => void savePng()} aria-label={`Save the chart "${title}" as PNG`}>
          PNG
        </button>
      </div>
      <Plot data={data} layout={layout} config={config} useResizeHandler style={{ width: '100%' }} onInitialized={keep} onUpdate={keep} onClick={onClick} />
      <figcaption className="muted">{caption}</figcaption>
      {error && (
        <p className="bad" role="alert">
          Could not make the PNG: {error}
        </p>
      )}
    </figure>
  );
}

/** One box per run in its loss colour, every case shown as a point; clicking a point opens that case. */
export function DscBoxPlot({
  series,
  classText,
  experimentName,
  fileName,
  onOpenCase,
}: {
  series: readonly BoxSeries[];
  classText: string;
  experimentName: string;
  fileName: string;
  onOpenCase: (caseId: string, runId: string) => void;
}) {
  const data = useMemo(
    () =>
      series.map(
        (s): Data => ({
          type: 'box',
          name: plainText(s.label),
          y: s.dsc,
          text: s.caseIds.map(plainText),
          customdata: s.caseIds,
          boxpoints: 'all',
          jitter: 0.4,
          pointpos: 0,
          boxmean: true,
          hovertemplate: `%{text}: DSC %{y:.3f}<extra>${plainText(s.label)}</extra>`,
          marker: { color: s.color, size: 5, opacity: 0.8 },
          line: { color: s.color },
          fillcolor: 'rgba(0,0,0,0)',
        }),
      ),
    [series],
  );
  const layout = useMemo<Partial<Layout>>(
    () => ({
      height: 360,
      margin: { l: 52, r: 12, t: 12, b: 40 },
      showlegend: false,
      yaxis: { title: { text: `test DSC (${plainText(classText)})` }, range: [-0.02, 1.02], zeroline: false },
      // One category per run label, even a label that reads as a number or a date.
      xaxis: { type: 'category', automargin: true, tickangle: series.length > 6 ? -30 : 0 },
    }),
    [classText, series.length],
  );
  const onClick = useCallback(
    (e: Readonly<PlotMouseEvent>) => {
      const p = e.points[0];
      const caseId = p?.customdata;
      const runId = p ? series[p.curveNumber]?.runId : undefined;
      if (typeof caseId === 'string' && runId !== undefined) onOpenCase(caseId, runId);
    },
    [onOpenCase, series],
  );
  const undefinedNote = series.filter((s) => s.undefinedCount > 0).map((s) => `${s.label}: ${s.undefinedCount}`);
  return (
    <ChartFigure
      title="Per-case test DSC"
      imageTitle={`Per-case test DSC (${classText}): ${experimentName}`}
      testId="results-boxplot"
      caption={`One point per test case (click one to open it in the viewer); the box spans the quartiles, the line is the median and the dashed line the mean.${
        undefinedNote.length ? ` Cases without a defined DSC left out: ${undefinedNote.join(', ')}.` : ''
      }`}
      fileName={fileName}
      data={data}
      layout={layout}
      onClick={onClick}
    />
  );
}

/** The paper's Figure 3: mean test DSC ± std against γ, one line per unified focal loss. */
export function GammaSweepChart({
  series,
  classText,
  experimentName,
  fileName,
}: {
  series: readonly SweepSeries[];
  classText: string;
  experimentName: string;
  fileName: string;
}) {
  const data = useMemo(
    () =>
      series.map(
        (s): Data => ({
          type: 'scatter',
          mode: 'lines+markers',
          name: plainText(s.label),
          x: s.points.map((p) => p.gamma),
          y: s.points.map((p) => p.mean),
          error_y: { type: 'data', array: s.points.map((p) => p.std), visible: true, color: s.color },
          customdata: s.points.map((p) => p.n),
          hovertemplate: `γ = %{x}: DSC %{y:.3f} (n = %{customdata})<extra>${plainText(s.label)}</extra>`,
          line: { color: s.color },
          marker: { color: s.color, size: 7 },
        }),
      ),
    [series],
  );
  const layout = useMemo<Partial<Layout>>(
    () => ({
      height: 360,
      margin: { l: 52, r: 12, t: 12, b: 44 },
      xaxis: { title: { text: 'γ' }, dtick: 0.1, range: [0, 1] },
      yaxis: { title: { text: `test DSC (${plainText(classText)})` }, range: [0, 1.02] },
      legend: { orientation: 'h', y: -0.2 },
    }),
    [classText],
  );
  return (
    <ChartFigure
      title="DSC against γ (Figure 3)"
      imageTitle={`Test DSC (${classText}) against γ: ${experimentName}`}
      testId="results-gamma-sweep"
      caption="Mean test DSC with ±1 sample standard deviation error bars, at λ = 0.5 and δ = 0.6, as in the paper's Figure 3."
      fileName={fileName}
      data={data}
      layout={layout}
    />
  );
}

/** A dot per replicate (seed, fold) of every loss configuration, with the mean ± std across them. */
export function ReplicateDotChart({
  series,
  classText,
  experimentName,
  fileName,
}: {
  series: readonly ReplicateSeries[];
  classText: string;
  experimentName: string;
  fileName: string;
}) {
  const data = useMemo(
    () =>
      series.flatMap((s): Data[] => {
        const x = plainText(s.label);
        return [
          {
            type: 'scatter',
            mode: 'markers',
            name: x,
            x: s.points.map(() => x),
            y: s.points.map((p) => p.dsc),
            text: s.points.map((p) => plainText(p.name)),
            hovertemplate: `%{text}: DSC %{y:.3f}<extra>${x}</extra>`,
            marker: { color: s.color, size: 8, opacity: 0.75 },
          },
          {
            type: 'scatter',
            mode: 'markers',
            name: `${x}: mean ± std`,
            x: [x],
            y: [s.mean],
            error_y: { type: 'data', array: [Number.isFinite(s.std) ? s.std : 0], visible: true, color: s.color, thickness: 2, width: 12 },
            hovertemplate: `mean DSC %{y:.3f}${Number.isFinite(s.std) ? ` ± ${s.std.toFixed(3)}` : ''}<extra>${x}</extra>`,
            marker: { color: s.color, size: 14, symbol: 'line-ew-open', line: { width: 3, color: s.color } },
          },
        ];
      }),
    [series],
  );
  const layout = useMemo<Partial<Layout>>(
    () => ({
      height: 320,
      margin: { l: 52, r: 12, t: 12, b: 40 },
      showlegend: false,
      yaxis: { title: { text: `mean test DSC (${plainText(classText)})` }, zeroline: false },
      xaxis: { type: 'category', automargin: true, tickangle: series.length > 6 ? -30 : 0 },
    }),
    [classText, series.length],
  );
  return (
    <ChartFigure
      title="Mean test DSC of each seed and fold"
      imageTitle={`Mean test DSC (${classText}) of each seed and fold: ${experimentName}`}
      testId="results-replicates-chart"
      caption="One dot per replicate (a training seed and fold): its mean test DSC; the bar is the mean across replicates with ±1 sample standard deviation."
      fileName={fileName}
      data={data}
      layout={layout}
    />
  );
}

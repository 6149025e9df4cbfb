import { useMemo, useRef, useState } from 'react';
import type { Data, Layout } from 'plotly.js';
import { LOSSES } from '../../core/losses/registry';
import type { ExperimentSnapshot, RunHistory } from '../../core/training/experiment';
import { Plot } from '../charts/Plot';
import { savePlotPng } from '../charts/chartPng';
import { plainText } from '../charts/plainText';

type Metric = 'trainLoss' | 'valLoss' | 'valDsc' | 'lr';
const PANELS: { metric: Metric; title: string }[] = [
  { metric: 'trainLoss', title: 'training loss' },
  { metric: 'valLoss', title: 'validation loss' },
  { metric: 'valDsc', title: 'validation DSC (mean over classes)' },
  { metric: 'lr', title: 'learning rate' },
];
const DASHES = ['solid', 'dash', 'dot', 'dashdot'] as const;

function values(run: RunHistory, metric: Metric): (number | null)[] {
  return run.epochs.map((e) => {
    if (metric === 'valDsc') {
      const d = e.valDsc.filter((v): v is number => v !== null);
      return d.length ? d.reduce((a, b) => a + b, 0) / d.length : null;
    }
    return e[metric];
  });
}

/** One chart per metric, one colour per loss (the registry's), one point per epoch. */
export function TrainingCharts({ snapshot }: { snapshot: ExperimentSnapshot }) {
  const traces = useMemo(() => {
    const seen = new Map<string, number>();
    return PANELS.map(({ metric }) =>
      snapshot.runs.map((run) => {
        const k = seen.get(run.loss) ?? 0;
        if (metric === 'trainLoss') seen.set(run.loss, k + 1);
        const repeat = metric === 'trainLoss' ? k : [...snapshot.runs].filter((r) => r.loss === run.loss).indexOf(run);
        return {
          type: 'scatter',
          mode: 'lines+markers',
          name: plainText(run.label),
          x: run.epochs.map((e) => e.epoch + 1), // epochs are counted from 1 on screen
          y: values(run, metric),
          line: { color: LOSSES[run.loss].color, dash: DASHES[repeat % DASHES.length] },
          marker: { size: 5 },
          meta: { run: run.id, metric },
        } as Data;
      }),
    );
  }, [snapshot]);
  const layouts = useMemo(
    () =>
      PANELS.map(
        ({ metric, title }) =>
          ({
            height: 240,
            margin: { l: 52, r: 8, t: 28, b: 36 },
            title: { text: title, font: { size: 13 } },
            xaxis: { title: { text: 'epoch' }, rangemode: 'tozero', dtick: 1 },
            yaxis: metric === 'lr' ? { type: 'log' } : metric === 'valDsc' ? { range: [0, 1] } : {},
            showlegend: metric === 'trainLoss',
            legend: { orientation: 'h', y: -0.3 },
          }) as Partial<Layout>,
      ),
    [],
  );
  const config = useMemo(() => ({ displaylogo: false, responsive: true }), []);
  const graphs = useRef<(HTMLElement | null)[]>([]);
  const keepers = useMemo(() => PANELS.map((_, i) => (_f: unknown, div: Readonly<HTMLElement>) => void (graphs.current[i] = div as HTMLElement)), []);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="charts-grid">
      {PANELS.map((p, i) => (
        <figure key={p.metric} className="chart" data-metric={p.metric} aria-label={p.title}>
          <Plot data={traces[i] ?? []} layout={layouts[i] ?? {}} config={config} useResizeHandler style={{ width: '100%' }} onInitialized={keepers[i]} onUpdate={keepers[i]} />
          <button
            type="button"
            className="chart-png"
            aria-label={`Save the chart "${p.title}" as PNG`}
            onClick={() => {
              const div = graphs.current[i];
              if (div) savePlotPng(div, `${p.metric}.png`, p.title).then(() => setError(null), (e: unknown) => setError(`Could not make the PNG: ${e instanceof Error ? e.message : String(e)}`));
            }}
          >
            PNG
          </button>
        </figure>
      ))}
      {error && (
        <p className="bad" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

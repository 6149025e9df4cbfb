import { useMemo } from 'react';
import type { Data, Layout } from 'plotly.js';
import { componentCurves, probabilityGrid, type PixelClass } from '../../core/losses/curves';
import { LOSSES, type LossId, type ResolvedParams } from '../../core/losses/registry';
import { Plot } from '../charts/Plot';

const GRID = probabilityGrid();
const DASH = { total: 'solid', distribution: 'dash', region: 'dot' } as const;
const COMPONENT_NAME = { total: '', distribution: ' · focal/CE part', region: ' · region part' } as const;
const PANELS: { kind: PixelClass; axis: '' | '2'; title: string }[] = [
  { kind: 'background', axis: '', title: 'Background pixel (class 0)' },
  { kind: 'rare', axis: '2', title: 'Rare-class pixel (class ≥ 1)' },
];

interface Props {
  selected: LossId[];
  params: Record<LossId, ResolvedParams>;
}

/**
 * Each selected loss's components against the predicted probability of the true class, for a
 * background and a rare-class pixel (the paper's Figure 2). Colours come from the registry.
 */
export function ExplorerChart({ selected, params }: Props) {
  const data = useMemo<Data[]>(() => {
    const traces: Data[] = [];
    for (const panel of PANELS) {
      for (const id of selected) {
        const spec = LOSSES[id];
        for (const curve of componentCurves(id, params[id], panel.kind, GRID)) {
          traces.push({
            type: 'scatter',
            mode: 'lines',
            x: GRID,
            y: curve.values,
            xaxis: `x${panel.axis}`,
            yaxis: `y${panel.axis}`,
            name: `${spec.label}${COMPONENT_NAME[curve.component]}`,
            legendgroup: id,
            showlegend: false,
            line: { color: spec.color, dash: DASH[curve.component], width: curve.component === 'total' ? 2.5 : 1.5 },
            meta: { loss: id, kind: panel.kind, component: curve.component },
            hovertemplate: `${spec.short} ${curve.component}: %{y:.4f} at p = %{x:.3f}<extra></extra>`,
          } as Data);
        }
      }
    }
    return traces;
  }, [selected, params]);

  const layout = useMemo<Partial<Layout>>(
    () => ({
      autosize: true,
      height: 420,
      margin: { l: 56, r: 16, t: 36, b: 48 },
      showlegend: false,
      grid: { rows: 1, columns: 2, pattern: 'independent' },
      xaxis: { title: { text: 'predicted probability of the true class, p' }, range: [0, 1] },
      xaxis2: { title: { text: 'predicted probability of the true class, p' }, range: [0, 1] },
      yaxis: { title: { text: 'loss contribution' }, rangemode: 'tozero' },
      yaxis2: { rangemode: 'tozero' },
      annotations: PANELS.map((p, i) => ({
        text: p.title,
        showarrow: false,
        xref: 'paper',
        yref: 'paper',
        x: i === 0 ? 0.22 : 0.78,
        xanchor: 'center',
        y: 1.08,
        font: { size: 13 },
      })),
    }),
    [],
  );

  const config = useMemo(() => ({ displaylogo: false, responsive: true }), []);

  return (
    <figure className="explorer-chart" aria-label="Loss components against the predicted probability">
      <Plot data={data} layout={layout} config={config} useResizeHandler style={{ width: '100%' }} />
      <ul className="chart-legend" aria-label="Legend">
        {selected.map((id) => (
          <li key={id}>
            <span className="legend-line" style={{ borderColor: LOSSES[id].color }} aria-hidden />
            {LOSSES[id].label}
          </li>
        ))}
      </ul>
      <figcaption>
        Solid: the loss; dashed: its focal / cross-entropy part; dotted: its region part (for a class whose pixels
        are all predicted at p with no false positives). Combo&apos;s region part is its Dice coefficient, which it
        subtracts.
      </figcaption>
    </figure>
  );
}

import { useMemo } from 'react';
import type { Data, Layout } from 'plotly.js';
import { useStudio } from '../../state/store';
import { Plot } from '../charts/Plot';
import { plainText } from '../charts/plainText';

const fmtDims = (d: [number, number, number]) => (d[2] === 1 ? `${d[0]}×${d[1]}` : d.join('×'));
const fmtSpacing = (s: [number, number, number]) => s.map((v) => Number(v.toFixed(3))).join(' × ');

/** Cases, sizes, spacing and the foreground percentage per class (the paper's Table 1), with a histogram. */
export function SummaryPanel() {
  const summary = useStudio((s) => s.dataset.summary);
  const mapping = useStudio((s) => s.dataset.mapping);
  const data = useMemo<Data[]>(() => {
    if (!summary) return [];
    const { edges, counts } = summary.histogram;
    const centres = edges.slice(0, -1).map((e, i) => (e + (edges[i + 1] ?? e)) / 2);
    return counts.map((c, k) => ({
      type: 'bar',
      x: centres,
      y: c,
      name: plainText(mapping?.classNames[k] ?? `class ${k + 1}`),
      width: (edges[1] ?? 1) - (edges[0] ?? 0),
      opacity: 0.75,
    })) as Data[];
  }, [summary, mapping]);
  const layout = useMemo<Partial<Layout>>(
    () => ({
      height: 220,
      margin: { l: 48, r: 8, t: 8, b: 40 },
      barmode: 'overlay',
      xaxis: { title: { text: 'foreground % of the case' } },
      yaxis: { title: { text: 'cases' } },
      legend: { orientation: 'h', y: 1.15 },
    }),
    [],
  );
  const config = useMemo(() => ({ displaylogo: false, responsive: true }), []);
  if (!summary || !mapping) return null;
  return (
    <section className="panel" aria-labelledby="summary-title">
      <h2 id="summary-title">Summary</h2>
      <dl className="facts" data-testid="summary">
        <dt>cases</dt>
        <dd data-testid="summary-cases">{summary.cases}</dd>
        <dt>size</dt>
        <dd>{summary.cases ? `${fmtDims(summary.minDims)} to ${fmtDims(summary.maxDims)}` : '—'}</dd>
        <dt>spacing (mm)</dt>
        <dd>{summary.cases ? `${fmtSpacing(summary.minSpacing)} to ${fmtSpacing(summary.maxSpacing)}` : '—'}</dd>
        {summary.meanForegroundPercent.map((m, k) => (
          <div key={k} className="fact-pair">
            <dt>{mapping.classNames[k] ?? `class ${k + 1}`}</dt>
            <dd data-testid={`foreground-${k + 1}`}>
              {m.toFixed(2)} % of voxels per case on average ({(summary.pooledForegroundPercent[k] ?? 0).toFixed(2)} % of all voxels)
            </dd>
          </div>
        ))}
      </dl>
      {summary.cases > 1 && <Plot data={data} layout={layout} config={config} useResizeHandler style={{ width: '100%' }} />}
    </section>
  );
}

/**
 * The studio's plotly component: react-plotly.js built over the partial cartesian bundle
 * (package.json aliases "plotly.js" to plotly.js-cartesian-dist-min), so the full plotly.js
 * never enters the bundle.
 *
 * plotly is about a megabyte minified, more than the rest of the page together, so it is its own
 * chunk, loaded the first time a chart is drawn: until then each chart holds its place (the
 * layout's height) with a short note, and the view around it is usable at once.
 */
import { lazy, Suspense } from 'react';
import type { PlotParams } from 'react-plotly.js';

const PlotlyChart = lazy(async () => {
  const [plotly, factory] = await Promise.all([import('plotly.js'), import('react-plotly.js/factory')]);
  return { default: factory.default(plotly.default) };
});

export function Plot(props: PlotParams) {
  const height = props.style?.height ?? (props.layout as { height?: number }).height ?? 450;
  return (
    <Suspense
      fallback={
        <div className="plot-loading muted" role="status" style={{ height, width: props.style?.width }}>
          Loading the chart…
        </div>
      }
    >
      <PlotlyChart {...props} />
    </Suspense>
  );
}

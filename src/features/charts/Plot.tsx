/**
 * The studio's plotly component: react-plotly.js built over the partial cartesian bundle
 * (package.json aliases "plotly.js" to plotly.js-cartesian-dist-min), so the full plotly.js
 * never enters the bundle.
 */
import Plotly from 'plotly.js';
import createPlotlyComponent from 'react-plotly.js/factory';

export const Plot = createPlotlyComponent(Plotly);

// The partial plotly bundle (aliased as "plotly.js" in package.json) ships no types; it has
// the same API as plotly.js for the cartesian traces it contains.
declare module 'plotly.js-cartesian-dist-min' {
  export * from 'plotly.js';
}

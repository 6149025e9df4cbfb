/**
 * Strings from outside (class names from a dataset.json, run labels and experiment names from
 * imported files, case ids from file names) shown literally in plotly.
 *
 * Plotly draws every string it shows (trace names in legends, hover text, axis and chart titles,
 * category tick labels) through its own small HTML reader: `<a href>` becomes a link, `<b>`,
 * `<i>`, `<sup>`, `<sub>`, `<span style>` and `<br>` format, and in the text between tags it
 * decodes, in one pass, `&lt;` `&gt;` `&amp;` `&nbsp;` `&mu;` `&times;` `&plusmn;` `&deg;` and
 * numeric references `&#N;` / `&#xN;`. It also fills `%{…}` templates in hover templates and in
 * trace names of traces with `meta`, and takes text between `$` signs for TeX.
 *
 * `plainText` writes `&`, `<`, `>`, `%` and `$` as entities: plotly then finds no tag, template
 * or formula and decodes each entity back to its character, so the string reads as it was
 * given. Use it on every such string passed to plotly as a trace name, a text or hovertext
 * entry, a category, a title or a piece of a hover template.
 */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '%': '&#37;',
  $: '&#36;',
};

export function plainText(s: string): string {
  return s.replace(/[&<>%$]/g, (c) => ENTITIES[c] ?? c);
}

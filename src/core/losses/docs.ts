/** The docs table of losses, generated from the registry so the documentation cannot drift. */
import { HIERARCHY } from './hierarchy';
import { LOSS_IDS, LOSSES, PAPER_COMPARISON, fmt, type ParamValue } from './registry';

const value = (v: ParamValue | undefined): string =>
  v === undefined ? '' : v === null ? 'none' : Array.isArray(v) ? `[${v.map(fmt).join(', ')}]` : fmt(v);

const escape = (s: string) => s.replace(/\|/g, '\\|');

export function lossTableMarkdown(): string {
  const lines = [
    '| id | loss | family | parameters: symbol, range, default | paper setting | equation |',
    '|---|---|---|---|---|---|',
  ];
  for (const id of LOSS_IDS) {
    const s = LOSSES[id];
    const params = s.params
      .map((p) => `\`${p.name}\` ${p.symbol} ∈ [${fmt(p.min)}, ${fmt(p.max)}], default ${value(p.default)}${p.nullable ? ' (none allowed; or one weight per class)' : ''}`)
      .join('; ');
    const paper = s.params.map((p) => `${p.symbol} = ${value(s.paper[p.name])}`).join(', ');
    const inComparison = PAPER_COMPARISON.includes(id) ? ' (in the paper comparison)' : '';
    lines.push(
      `| \`${id}\` | ${s.label}${inComparison} | ${s.family} | ${escape(params || '–')} | ${escape(paper || '–')} | ${escape(s.equation)} |`,
    );
  }
  lines.push('', '| relation (Figure 1) | λ | δ | γ | recovers |', '|---|---|---|---|---|');
  for (const h of HIERARCHY) {
    const target = `${h.factor === 1 ? '' : `${fmt(h.factor)} × `}${LOSSES[h.target.id].label}${h.exact ? '' : ' (up to smoothing and clipping)'}`;
    lines.push(`| ${h.label} | ${fmt(h.unified.lambda)} | ${fmt(h.unified.delta)} | ${fmt(h.unified.gamma)} | ${target} |`);
  }
  return lines.join('\n');
}

export const TABLE_START = '<!-- losses-table:start (generated from src/core/losses/registry.ts by `npm run docs`) -->';
export const TABLE_END = '<!-- losses-table:end -->';

/** The document with its table section replaced by the current table. */
export function withTable(doc: string): string {
  const a = doc.indexOf(TABLE_START);
  const b = doc.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error('docs/LOSSES.md lacks the losses-table markers');
  return `${doc.slice(0, a + TABLE_START.length)}\n${lossTableMarkdown()}\n${doc.slice(b)}`;
}

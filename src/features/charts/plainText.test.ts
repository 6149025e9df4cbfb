import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { plainText } from './plainText';

/**
 * How plotly reads a string it draws (src/lib/svg_text_utils.js and lib/index.js of plotly.js;
 * the last test checks that the installed bundle still uses these very patterns): the string is
 * cut at tags, the text between tags has its entities decoded in one pass, `%{…}` is a template
 * and text between `$` signs is TeX.
 */
const TAG = /(<[^<>]*>)/;
const ENTITY = /&(#\d+|#x[\da-fA-F]+|[a-z]+);/g;
const NAMED: Record<string, string> = { mu: 'μ', amp: '&', lt: '<', gt: '>', nbsp: '\u00a0', times: '×', plusmn: '±', deg: '°' };
const TEMPLATE = new RegExp('%{([^\\s%{}:]*)([:|\\|][^}]*)?}', 'g'); // spelled as in plotly's source
const TEX = /([^$]*)([$]+[^$]*[$]+)([^$]*)/;

function plotlyReads(s: string): { tags: string[]; text: string; templates: boolean; tex: boolean } {
  const parts = s.split(TAG);
  const decode = (t: string) =>
    t.replace(ENTITY, (whole, inner: string) => {
      if (inner.startsWith('#')) return String.fromCodePoint(inner[1] === 'x' ? parseInt(inner.slice(2), 16) : parseInt(inner.slice(1), 10));
      return NAMED[inner] ?? whole;
    });
  return {
    tags: parts.filter((_, i) => i % 2 === 1),
    text: parts.filter((_, i) => i % 2 === 0).map(decode).join(''),
    templates: new RegExp(TEMPLATE.source).test(s),
    tex: TEX.test(s),
  };
}

const HOSTILE = [
  '<a href="https://evil.example/">click</a>',
  '<b>bold</b><br>next line',
  '<span style="font-size:400px">big</span>',
  '&lt;not a tag&gt;',
  '&amp;lt;',
  '&#60;a&#62;',
  '&#x3C;',
  'A & B, 5 % of 50%',
  '%{y} and %{text:.2f}',
  '$\\alpha$ and $5',
  '<<>>&&;;',
  'Ödem · 左肾 · 😀',
  '',
];

describe('plainText', () => {
  it('leaves ordinary names as they are', () => {
    for (const s of ['Anterior', 'left kidney (cortex)', 'hippocampus_001', 'CE · aUF γ=0.5', 'Ödem 😀']) expect(plainText(s)).toBe(s);
  });

  it('writes the characters plotly reads as markup as entities', () => {
    expect(plainText('<a href="https://evil.example/">click</a>')).toBe('&lt;a href="https://evil.example/"&gt;click&lt;/a&gt;');
    expect(plainText('&lt; 5% $x$')).toBe('&amp;lt; 5&#37; &#36;x&#36;');
  });

  it.each(HOSTILE)('plotly shows %j literally: no tag, template or formula, and the same text', (s) => {
    const read = plotlyReads(plainText(s));
    expect(read.tags).toEqual([]);
    expect(read.templates).toBe(false);
    expect(read.tex).toBe(false);
    expect(read.text).toBe(s);
  });

  it('without it, the same strings would be markup (the model above is not vacuous)', () => {
    expect(plotlyReads(HOSTILE[0]!).tags).toEqual(['<a href="https://evil.example/">', '</a>']);
    expect(plotlyReads('&lt;').text).toBe('<');
    expect(plotlyReads('%{y}').templates).toBe(true);
    expect(plotlyReads('$x$').tex).toBe(true);
  });

  it('different strings stay different (category labels are not merged)', () => {
    const all = HOSTILE.map(plainText);
    expect(new Set(all).size).toBe(HOSTILE.length);
    expect(plainText('&lt;')).not.toBe(plainText('<'));
  });

  it('the installed plotly bundle reads text with exactly these patterns', () => {
    const bundle = readFileSync(createRequire(import.meta.url).resolve('plotly.js'), 'utf8');
    expect(bundle).toContain(`=${TAG.toString()},`);
    expect(bundle).toContain(`=${ENTITY.toString()};`);
    expect(bundle).toContain('={mu:"\\u03BC",amp:"&",lt:"<",gt:">",nbsp:"\\xA0",times:"\\xD7",plusmn:"\\xB1",deg:"\\xB0"}');
    expect(bundle).toContain(`TEMPLATE_STRING_REGEX=${TEMPLATE.toString()};`);
    expect(bundle).toContain(`=${TEX.toString()},`);
  });
});

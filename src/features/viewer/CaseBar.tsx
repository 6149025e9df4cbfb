/** Case and slice navigation shared by the single viewer and the side-by-side grid. */
import { useEffect, useEffectEvent } from 'react';
import type { Case } from '../../core/data/types';
import { viewer } from '../../state/store';
import { caseSplit, sliceCountOf, type ShownExperiment } from './viewerData';

/** Slice keys anywhere on the page (when no control has the focus): ↓/↑ ±1, PageDown/PageUp ±10, Home/End. */
function usePageSliceKeys(n: number, slice: number) {
  const onKey = useEffectEvent((e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    if (n <= 1 || e.altKey || e.ctrlKey || e.metaKey || (t && t !== document.body && t.closest('input, select, textarea, button, a, [tabindex]'))) return;
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -Infinity, End: Infinity };
    const d = step[e.key];
    if (d === undefined) return;
    e.preventDefault();
    viewer.setSlice(Math.min(n - 1, Math.max(0, Number.isFinite(d) ? slice + d : d > 0 ? n - 1 : 0)));
  });
  useEffect(() => {
    const h = (e: KeyboardEvent) => onKey(e);
    document.addEventListener('keydown', h);
    return () => document.removeEventListener('keydown', h);
  }, []);
}

export function CaseBar({ cases, current, slice, exp }: { cases: readonly Case[]; current: Case; slice: number; exp: ShownExperiment | null }) {
  const n = sliceCountOf(current);
  usePageSliceKeys(n, slice);
  const testIds = new Set(exp?.request.split.test ?? []);
  // Test cases first: they are the ones the results are about.
  const ordered = [...cases].sort((a, b) => Number(testIds.has(b.id)) - Number(testIds.has(a.id)));
  return (
    <div className="case-bar">
      <label className="field">
        Case{' '}
        <select
          value={current.id}
          onChange={(e) => {
            const c = cases.find((x) => x.id === e.currentTarget.value);
            if (c) viewer.openCase(c.id, { sliceCount: sliceCountOf(c) });
          }}
        >
          {ordered.map((c) => {
            const split = caseSplit(exp, c.id);
            return (
              <option key={c.id} value={c.id}>
                {c.id}
                {split ? ` (${split})` : ''}
              </option>
            );
          })}
        </select>
      </label>
      {n > 1 && (
        <label className="field slice-field">
          Slice{' '}
          <input type="range" min={0} max={n - 1} step={1} value={slice} onChange={(e) => viewer.setSlice(Number(e.currentTarget.value))} />{' '}
          <output data-testid="slice-number">
            {slice + 1} / {n}
          </output>
        </label>
      )}
      {n > 1 && <span className="muted">Slices: the wheel over an image, ↑/↓, PageUp/PageDown (±10), Home/End.</span>}
    </div>
  );
}

/** The slice index kept inside the case (the store may hold one from a larger volume). */
export function clampSlice(c: Case, slice: number): number {
  return Math.min(Math.max(0, slice), sliceCountOf(c) - 1);
}

/** Case and slice navigation shared by the single viewer and the side-by-side grid. */
import type { Case } from '../../core/data/types';
import { viewer } from '../../state/store';
import { caseSplit, sliceCountOf, type ShownExperiment } from './viewerData';

export function CaseBar({ cases, current, slice, exp }: { cases: readonly Case[]; current: Case; slice: number; exp: ShownExperiment | null }) {
  const n = sliceCountOf(current);
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
      <span className="muted">
        {n > 1 ? 'Wheel or ↑/↓ (PageUp/PageDown ±10, Home/End) on the image: slices; ' : ''}Ctrl+wheel or +/−: zoom; drag: pan; Shift+drag or
        right-drag: window/level; 0: reset.
      </span>
    </div>
  );
}

/** The slice index kept inside the case (the store may hold one from a larger volume). */
export function clampSlice(c: Case, slice: number): number {
  return Math.min(Math.max(0, slice), sliceCountOf(c) - 1);
}

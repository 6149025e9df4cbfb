/** Case and slice navigation shared by the single viewer and the side-by-side grid. */
import { useEffect, useEffectEvent, type ReactNode } from 'react';
import type { Case } from '../../core/data/types';
import { PLANE_KEYS, type Plane } from '../../core/viz/planes';
import { viewer } from '../../state/store';
import { caseSplit, sliceCountOf, type ShownExperiment } from './viewerData';

/** The keyboard shortcuts of the viewers, as the Case bar lists them. */
export const SLICE_KEYS_HELP = 'Slices: the wheel over an image, ↑/↓, PageUp/PageDown (±10), Home/End.';
export const PLANE_KEYS_HELP = 'Planes: A axial, S sagittal, C coronal; a click in one plane moves the cursor (the crosshair) and the slices of the other two.';

/** Slice keys anywhere on the page (when no control has the focus): ↓/↑ ±1, PageDown/PageUp ±10, Home/End. */
function usePageSliceKeys(n: number, slice: number, onSlice: (slice: number) => void) {
  const onKey = useEffectEvent((e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    if (n <= 1 || e.altKey || e.ctrlKey || e.metaKey || (t && t !== document.body && t.closest('input, select, textarea, button, a, [tabindex]'))) return;
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -Infinity, End: Infinity };
    const d = step[e.key];
    if (d === undefined) return;
    e.preventDefault();
    onSlice(Math.min(n - 1, Math.max(0, Number.isFinite(d) ? slice + d : d > 0 ? n - 1 : 0)));
  });
  useEffect(() => {
    const h = (e: KeyboardEvent) => onKey(e);
    document.addEventListener('keydown', h);
    return () => document.removeEventListener('keydown', h);
  }, []);
}

/**
 * Plane keys anywhere on the page except in text fields and lists (a focused viewport too):
 * A axial, S sagittal, C coronal, among `planes`.
 */
export function usePlaneKeys(planes: readonly Plane[], onPlane: (plane: Plane) => void) {
  const onKey = useEffectEvent((e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    if (planes.length <= 1 || e.altKey || e.ctrlKey || e.metaKey || e.repeat) return;
    if (t && t !== document.body && (t.isContentEditable || t.closest('input, select, textarea'))) return;
    const plane = planes.find((p) => PLANE_KEYS[p] === e.key.toLowerCase());
    if (!plane) return;
    e.preventDefault();
    onPlane(plane);
  });
  useEffect(() => {
    const h = (e: KeyboardEvent) => onKey(e);
    document.addEventListener('keydown', h);
    return () => document.removeEventListener('keydown', h);
  }, []);
}

export interface CaseBarProps {
  cases: readonly Case[];
  current: Case;
  exp: ShownExperiment | null;
  /** The slice the slider and the page's slice keys move (of `plane`, the axial one by default). */
  slice: number;
  /** Slices of that plane (default: the axial count). */
  count?: number;
  onSlice?: (slice: number) => void;
  /** The plane they act on, when the case has several. */
  plane?: Plane;
  /** Lists the plane keys too. */
  planeKeys?: boolean;
  /** More controls in the bar (e.g. a plane select). */
  children?: ReactNode;
}

export function CaseBar({ cases, current, slice, exp, count, onSlice = viewer.setSlice, plane, planeKeys = false, children }: CaseBarProps) {
  const n = count ?? sliceCountOf(current);
  usePageSliceKeys(n, slice, onSlice);
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
          {plane ? `Slice (${plane})` : 'Slice'}{' '}
          <input type="range" min={0} max={n - 1} step={1} value={slice} onChange={(e) => onSlice(Number(e.currentTarget.value))} />{' '}
          <output data-testid="slice-number">
            {slice + 1} / {n}
          </output>
        </label>
      )}
      {children}
      {n > 1 && <span className="muted">{SLICE_KEYS_HELP}</span>}
      {planeKeys && <span className="muted">{PLANE_KEYS_HELP}</span>}
    </div>
  );
}

/** The slice index kept inside the case (the store may hold one from a larger volume). */
export function clampSlice(c: Case, slice: number): number {
  return Math.min(Math.max(0, slice), sliceCountOf(c) - 1);
}

/**
 * Navigation across the three planes, shared by the single viewer and the side-by-side grid:
 * the cursor voxel (x, y, z) of the open case, the plane that slice keys and the slice slider
 * act on (the viewer's focused plane, the plane of every side-by-side tile), and the zoom and
 * pan of the sagittal and coronal images.
 *
 * z is the store's axial slice (state/viewerSlice.ts, which the rest of the studio opens cases
 * at); x and y are kept here, per case: opening another case starts them at planes.ts's
 * defaultCursor. Window and level are shared by all planes (the store's view); the axial plane's
 * zoom and pan are the store's, the other planes keep their own (their images have other sizes).
 */
import { useEffect, useSyncExternalStore } from 'react';
import type { Case } from '../../core/data/types';
import {
  clampVoxel,
  defaultCursor,
  pickInPlane,
  planeGeometry,
  planeIndex,
  planesOf,
  withPlaneIndex,
  type Plane,
  type PlaneGeometry,
  type Voxel,
} from '../../core/viz/planes';
import { DEFAULT_VIEW, type ViewState } from '../../core/viz/view';
import { viewer } from '../../state/store';

type PanZoom = Pick<ViewState, 'zoom' | 'panX' | 'panY'>;

interface NavState {
  caseId: string | null;
  x: number;
  y: number;
  plane: Plane;
  views: Record<Exclude<Plane, 'axial'>, PanZoom>;
}

const FIT: PanZoom = { zoom: DEFAULT_VIEW.zoom, panX: DEFAULT_VIEW.panX, panY: DEFAULT_VIEW.panY };

let state: NavState = { caseId: null, x: 0, y: 0, plane: 'axial', views: { sagittal: FIT, coronal: FIT } };
const listeners = new Set<() => void>();

function update(p: Partial<NavState>): void {
  state = { ...state, ...p };
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The plane that slice keys act on. */
export function setNavPlane(plane: Plane): void {
  if (state.plane !== plane) update({ plane });
}

/** Forgets the cursor and the plane views (tests, or a new dataset). */
export function resetPlaneNav(): void {
  update({ caseId: null, x: 0, y: 0, plane: 'axial', views: { sagittal: FIT, coronal: FIT } });
}

function setCursor(caseId: string, v: Voxel, slice: number): void {
  const views = state.caseId === caseId ? state.views : { sagittal: FIT, coronal: FIT };
  if (state.caseId !== caseId || state.x !== v.x || state.y !== v.y) update({ caseId, x: v.x, y: v.y, views });
  if (v.z !== slice) viewer.setSlice(v.z);
}

export interface PlaneNavigation {
  /** The planes of this case (one for a 2-D picture). */
  planes: readonly Plane[];
  cursor: Voxel;
  /** The plane slice keys act on (always one of `planes`). */
  plane: Plane;
  geometry: (p: Plane) => PlaneGeometry;
  /** The slice of plane p through the cursor. */
  indexOf: (p: Plane) => number;
  /** Moves the cursor to slice `index` of plane p. */
  setIndex: (p: Plane, index: number) => void;
  /** Moves the cursor to pixel (col, row) of plane p. */
  pick: (p: Plane, col: number, row: number) => void;
  /** The display of plane p: the shared window with the plane's zoom and pan. */
  viewOf: (p: Plane, shared: ViewState) => ViewState;
  /** Applies a view change of plane p (window to every plane, zoom and pan to p). */
  setView: (p: Plane) => (v: Partial<ViewState>) => void;
}

/** The planes, cursor and plane views of case c, whose axial slice is `slice`. */
export function usePlaneNavigation(c: Case, slice: number): PlaneNavigation {
  const nav = useSyncExternalStore(subscribe, () => state);
  const dims = c.image.dims;
  const planes = planesOf(dims);
  const cursor =
    nav.caseId === c.id ? clampVoxel({ x: nav.x, y: nav.y, z: slice }, dims) : defaultCursor(c.labels, dims, slice);
  // A case opened for the first time: its cursor starts at the default (and stays there).
  useEffect(() => {
    if (state.caseId !== c.id) setCursor(c.id, cursor, cursor.z);
  });
  return {
    planes,
    cursor,
    plane: planes.includes(nav.plane) ? nav.plane : 'axial',
    geometry: (p) => planeGeometry(p, dims, c.image.spacing),
    indexOf: (p) => planeIndex(p, cursor),
    setIndex: (p, index) => setCursor(c.id, withPlaneIndex(p, cursor, index, dims), slice),
    pick: (p, col, row) => setCursor(c.id, pickInPlane(p, cursor, col, row, dims), slice),
    viewOf: (p, shared) => (p === 'axial' ? shared : { ...shared, ...nav.views[p] }),
    setView: (p) => (v) => {
      if (p === 'axial') return viewer.setView(v);
      const { zoom, panX, panY, ...window } = v;
      const own = { ...(zoom !== undefined ? { zoom } : {}), ...(panX !== undefined ? { panX } : {}), ...(panY !== undefined ? { panY } : {}) };
      if (Object.keys(own).length) update({ views: { ...state.views, [p]: { ...state.views[p], ...own } } });
      if (Object.keys(window).length) viewer.setView(window);
    },
  };
}

/**
 * The viewer's state, shared by the single viewer and the side-by-side grid so that navigation
 * is synchronised: the case and axial slice shown, the run whose prediction the single viewer
 * overlays, the overlay layers and the display (window/level, zoom, pan).
 */
import type { StateCreator } from 'zustand';
import { DEFAULT_OVERLAY_SETTINGS, type OverlaySettings } from '../core/viz/overlay';
import { DEFAULT_VIEW, type ViewState } from '../core/viz/view';

export type { ViewState } from '../core/viz/view';

export interface ViewerState {
  caseId: string | null;
  slice: number;
  /** Run id shown in the single viewer; null: the image and its ground truth only. */
  run: string | null;
  overlay: OverlaySettings;
  view: ViewState;
}

export interface ViewerSlice {
  viewer: ViewerState;
}

export function initialViewer(): ViewerState {
  return { caseId: null, slice: 0, run: null, overlay: { ...DEFAULT_OVERLAY_SETTINGS }, view: { ...DEFAULT_VIEW } };
}

export const createViewerSlice: StateCreator<ViewerSlice, [], [], ViewerSlice> = () => ({ viewer: initialViewer() });

type Set = (fn: (s: ViewerSlice) => Partial<ViewerSlice>) => void;

export function viewerActions(set: Set) {
  const update = (p: Partial<ViewerState>) => set((s) => ({ viewer: { ...s.viewer, ...p } }));
  return {
    /** Opens a case (at its middle slice unless one is given); the display is kept, the zoom reset. */
    openCase(caseId: string, opts: { slice?: number; sliceCount?: number; run?: string | null } = {}) {
      const slice = opts.slice ?? Math.floor((opts.sliceCount ?? 1) / 2);
      set((s) => ({
        viewer: { ...s.viewer, caseId, slice, ...(opts.run !== undefined ? { run: opts.run } : {}), view: { ...s.viewer.view, zoom: 1, panX: 0, panY: 0 } },
      }));
    },
    setSlice(slice: number) {
      update({ slice });
    },
    setRun(run: string | null) {
      update({ run });
    },
    setOverlay(p: Partial<OverlaySettings>) {
      set((s) => ({ viewer: { ...s.viewer, overlay: { ...s.viewer.overlay, ...p } } }));
    },
    setView(p: Partial<ViewState>) {
      set((s) => ({ viewer: { ...s.viewer, view: { ...s.viewer.view, ...p } } }));
    },
  };
}

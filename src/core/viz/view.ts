/** Display state of a slice viewport (see features/viewer/SliceViewport.tsx). */
export interface ViewState {
  /** Window in real units; null = automatic (see features/viewer/cornerstoneAdapter.ts). */
  windowCenter: number | null;
  windowWidth: number | null;
  /** 1 = the whole image fits the viewport. */
  zoom: number;
  /** Translation in image pixels. */
  panX: number;
  panY: number;
}

export const DEFAULT_VIEW: Readonly<ViewState> = Object.freeze({ windowCenter: null, windowWidth: null, zoom: 1, panX: 0, panY: 0 });

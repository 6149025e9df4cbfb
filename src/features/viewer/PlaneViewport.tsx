/**
 * One plane of a case in a SliceViewport: the plane's image and ground truth at the cursor's
 * slice, the prediction cut from a label volume (or the axial slice's own prediction), the
 * crosshair at the cursor and a click moving it (when the case has several planes). Sagittal and
 * coronal images are drawn with z upward and their own pixel spacing (core/viz/planes.ts).
 */
import type { ReactNode } from 'react';
import type { Case } from '../../core/data/types';
import type { OverlaySettings } from '../../core/viz/overlay';
import { voxelInPlane, type Plane } from '../../core/viz/planes';
import type { ViewState } from '../../core/viz/view';
import type { PlaneNavigation } from './planeNav';
import { SliceViewport } from './SliceViewport';
import { planeFlipY, usePlaneCut, usePlaneData } from './viewerData';

export interface PlaneViewportProps {
  c: Case;
  plane: Plane;
  nav: PlaneNavigation;
  /** The dataset version (part of image ids). */
  version: number;
  overlay: OverlaySettings;
  /** The shared display (window; the axial plane's zoom and pan). */
  view: ViewState;
  /** The prediction of the shown axial slice (axial plane only; null: none yet). Left out: cut from `volume`. */
  slicePrediction?: Uint8Array | null;
  /** A predicted label volume of the case to cut the plane's prediction from. */
  volume?: Uint8Array | null;
  /** aria-label of the viewport, from the slice shown and the plane's slice count. */
  label: (slice: number, count: number) => string;
  /** The caption, from the plane's truth and prediction. */
  caption?: (truth: Uint8Array, prediction: Uint8Array | null) => ReactNode;
  size: 'large' | 'medium' | 'tile';
}

export function PlaneViewport({ c, plane, nav, version, overlay, view, slicePrediction, volume = null, label, caption, size }: PlaneViewportProps) {
  const index = nav.indexOf(plane);
  const count = nav.geometry(plane).count;
  const data = usePlaneData(c, plane, index, version);
  const cut = usePlaneCut(slicePrediction === undefined || plane !== 'axial' ? volume : null, c, plane, index);
  if (!data) return null;
  const prediction = plane === 'axial' && slicePrediction !== undefined ? slicePrediction : cut;
  const several = nav.planes.length > 1;
  return (
    <SliceViewport
      image={data.image}
      truth={data.truth}
      prediction={prediction}
      overlay={overlay}
      view={nav.viewOf(plane, view)}
      onViewChange={nav.setView(plane)}
      slice={index}
      sliceCount={count}
      onSlice={(i) => nav.setIndex(plane, i)}
      flipY={planeFlipY(c, plane)}
      plane={plane}
      crosshair={several ? voxelInPlane(plane, nav.cursor) : null}
      {...(several ? { onPick: (col: number, row: number) => nav.pick(plane, col, row) } : {})}
      label={label(index, count)}
      caption={caption?.(data.truth, prediction)}
      size={size}
    />
  );
}

/**
 * One slice in a cornerstone viewport with a segmentation overlay on top.
 *
 * The image goes through cornerstoneAdapter (the only cornerstone importer); the overlay is
 * overlayRgba of the masks at image resolution, put into an image-sized offscreen canvas and
 * drawn onto one canvas layered over cornerstone's, with the image → canvas transform and no
 * smoothing, so every image pixel is one crisp block exactly over its image pixel. The overlay
 * is redrawn after every cornerstone render (IMAGE_RENDERED) and whenever masks or overlay
 * settings change; those changes never hand the image to cornerstone again.
 *
 * Test hooks on the focusable viewport element (data-testid="slice-viewport"):
 *   data-plane          the plane shown (axial, sagittal, coronal)
 *   data-slice          the slice index shown
 *   data-crosshair      col,row of the crosshair's pixel ('' without one)
 *   data-image-renders  cornerstone renders so far
 *   data-overlay-draws  overlay canvas redraws so far
 *   data-transform      a,b,c,d,e,f of image pixel (x, y) → overlay canvas pixel
 *                       (a·x + c·y + e, b·x + d·y + f); pixel (i, j)'s centre is (i + 0.5, j + 0.5)
 * The overlay canvas (data-testid="overlay-canvas") has the pixel size of cornerstone's canvas;
 * the crosshair (the shared cursor of the planes: a vertical and a horizontal line through the
 * centre of its pixel, open around it) is drawn on a canvas of its own above it, so the overlay
 * canvas holds overlay pixels only.
 *
 * Interaction: wheel = next / previous slice, Ctrl/⌘ + wheel = zoom about the pointer, left drag =
 * pan, a left click (no drag beyond 3 px) = move the cursor there (when onPick is given), right
 * drag or Shift + left drag = window (→ wider, ↓ higher level); keys when focused:
 * ↓ / → next slice, ↑ / ← previous, Page Down / Page Up ± 10, Home / End first / last,
 * + / − zoom, 0 reset (zoom 1, no pan, auto window).
 */
import { useEffect, useEffectEvent, useId, useRef, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import { overlayRgba, type OverlaySettings } from '../../core/viz/overlay';
import { DEFAULT_VIEW, type ViewState } from '../../core/viz/view';
import {
  canvasOf,
  disable,
  displayInfo,
  enable,
  imageToCanvasTransform,
  onRendered,
  resize,
  show,
  type ViewerImage,
} from './cornerstoneAdapter';
import './viewer.css';

export type { ViewerImage } from './cornerstoneAdapter';

export type { ViewState } from '../../core/viz/view';

export interface SliceViewportProps {
  /** The current slice. */
  image: ViewerImage;
  /** Labels of this slice, one class per pixel, row-major like the image. */
  truth?: Uint8Array | null;
  prediction?: Uint8Array | null;
  overlay: OverlaySettings;
  view: ViewState;
  onViewChange: (v: Partial<ViewState>) => void;
  slice: number;
  sliceCount: number;
  onSlice: (slice: number) => void;
  /** NIfTI canonical slices: row 0 at the bottom. */
  flipY?: boolean;
  /** aria-label of the viewport. */
  label: string;
  /** Shown above the image (e.g. the run name and its DSC). */
  caption?: ReactNode;
  size?: 'large' | 'medium' | 'tile';
  /** The plane shown (data-plane). */
  plane?: string;
  /** The cursor's pixel in this image: a crosshair is drawn through its centre. */
  crosshair?: { col: number; row: number } | null;
  /** A left click on image pixel (col, row) (without dragging): moves the cursor. */
  onPick?: (col: number, row: number) => void;
}

const ZOOM_MIN = 0.1;
const ZOOM_MAX = 50;
const ZOOM_STEP = 1.25;
/** Wheel travel (pixels) per slice for smooth (trackpad) scrolling; a notch ≥ 50 px is one slice. */
const WHEEL_PER_SLICE = 100;
/** Window drag: real units per pointer pixel = data range / this. */
const WINDOW_DRAG_PIXELS = 400;

/** Pointer travel (CSS pixels) below which a left press and release is a click, not a pan. */
const CLICK_SLOP = 3;
/** Half the crosshair's opening around the cursor, canvas pixels. */
const CROSSHAIR_GAP = 6;
const CROSSHAIR_COLOR = 'rgba(255, 96, 96, 0.9)';

const HELP =
  'Wheel or ↑↓: slice · Ctrl+wheel or +/−: zoom · drag: pan · right-drag or Shift+drag: window (↔ width, ↕ level) · 0: reset';
const HELP_PICK = `Click: move the cursor (sets the other planes' slices) · ${HELP}`;

const clampZoom = (z: number) => Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, z));

function fmtWindow(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.01 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

interface Drag {
  mode: 'pan' | 'window';
  pointerId: number;
  x0: number;
  y0: number;
  panX: number;
  panY: number;
  scaleX: number;
  scaleY: number;
  center: number;
  width: number;
  perPixel: number;
  /** A left press that has not moved beyond CLICK_SLOP yet (a click when released so). */
  click: boolean;
}

interface OverlayBuffer {
  canvas: HTMLCanvasElement;
  pixels: ImageData;
  /** false when there is no mask to draw. */
  content: boolean;
}

export function SliceViewport({
  image,
  truth = null,
  prediction = null,
  overlay,
  view,
  onViewChange,
  slice,
  sliceCount,
  onSlice,
  flipY = false,
  label,
  caption,
  size = 'large',
  plane,
  crosshair = null,
  onPick,
}: SliceViewportProps) {
  const helpId = useId();
  const stageRef = useRef<HTMLDivElement>(null);
  const csRef = useRef<HTMLDivElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const crossRef = useRef<HTMLCanvasElement>(null);
  const readoutRef = useRef<HTMLSpanElement>(null);
  const bufferRef = useRef<OverlayBuffer | null>(null);
  const counters = useRef({ renders: 0, draws: 0 });
  const dragRef = useRef<Drag | null>(null);
  const wheelRef = useRef(0);

  /** Clears the overlay canvas (resized to cornerstone's) and draws the overlay buffer with the current transform. */
  const drawOverlay = useEffectEvent(() => {
    const cs = csRef.current;
    const ov = overlayRef.current;
    const stage = stageRef.current;
    if (!cs || !ov || !stage) return;
    const canvas = canvasOf(cs);
    if (!canvas) return;
    if (ov.width !== canvas.width) ov.width = canvas.width;
    if (ov.height !== canvas.height) ov.height = canvas.height;
    const ctx = ov.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, ov.width, ov.height);
    const t = imageToCanvasTransform(cs);
    const buf = bufferRef.current;
    if (t && buf?.content && buf.pixels.width === image.width && buf.pixels.height === image.height) {
      ctx.imageSmoothingEnabled = false;
      ctx.setTransform(t[0], t[1], t[2], t[3], t[4], t[5]);
      ctx.drawImage(buf.canvas, 0, 0);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
    }
    drawCrosshair(t, canvas.width, canvas.height);
    counters.current.draws += 1;
    stage.dataset.overlayDraws = String(counters.current.draws);
    stage.dataset.transform = t ? t.join(',') : '';
  });

  /** The crosshair through the centre of the cursor's pixel, on its own canvas (cleared without one). */
  function drawCrosshair(t: ReturnType<typeof imageToCanvasTransform>, w: number, h: number): void {
    const cv = crossRef.current;
    if (!cv) return;
    if (cv.width !== w) cv.width = w;
    if (cv.height !== h) cv.height = h;
    const ctx = cv.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, cv.width, cv.height);
    if (!t || !crosshair) return;
    const at = (x: number, y: number) => [t[0] * x + t[2] * y + t[4], t[1] * x + t[3] * y + t[5]] as const;
    const cx = crosshair.col + 0.5;
    const cy = crosshair.row + 0.5;
    const [px, py] = at(cx, cy);
    ctx.strokeStyle = CROSSHAIR_COLOR;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const [x0, y0, x1, y1] of [
      [cx, 0, cx, image.height],
      [0, cy, image.width, cy],
    ] as const) {
      const a = at(x0, y0);
      const b = at(x1, y1);
      const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
      if (len === 0) continue;
      const ux = (b[0] - a[0]) / len;
      const uy = (b[1] - a[1]) / len;
      // Two segments, from each end to CROSSHAIR_GAP before the cursor's centre.
      for (const end of [a, b]) {
        const s = Math.sign((end[0] - px) * ux + (end[1] - py) * uy) || 1;
        ctx.moveTo(end[0], end[1]);
        ctx.lineTo(px + s * CROSSHAIR_GAP * ux, py + s * CROSSHAIR_GAP * uy);
      }
    }
    ctx.stroke();
  }

  const afterRender = useEffectEvent(() => {
    const stage = stageRef.current;
    const cs = csRef.current;
    if (!stage || !cs) return;
    counters.current.renders += 1;
    stage.dataset.imageRenders = String(counters.current.renders);
    drawOverlay();
    const info = displayInfo(cs);
    if (readoutRef.current && info) {
      readoutRef.current.textContent = `W ${fmtWindow(info.window.width)} L ${fmtWindow(info.window.center)} · ${fmtWindow(view.zoom)}×`;
    }
  });

  const onWheel = useEffectEvent((e: WheelEvent) => {
    const cs = csRef.current;
    if (!cs) return;
    const zooming = e.ctrlKey || e.metaKey;
    if (!zooming && sliceCount <= 1) return; // nothing to scroll through: let the page scroll
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 800 : 1;
    const dy = e.deltaY * unit;
    if (zooming) {
      const info = displayInfo(cs);
      const canvas = canvasOf(cs);
      const zoom = clampZoom(view.zoom * Math.exp(-dy * 0.002));
      if (!info || !canvas || zoom === view.zoom) return;
      // Keep the image point under the pointer in place: pan' = pan + (q − centre) / scale · (1/r − 1).
      const r = zoom / view.zoom;
      const rect = canvas.getBoundingClientRect();
      const qx = e.clientX - rect.left - info.canvasWidth / 2;
      const qy = e.clientY - rect.top - info.canvasHeight / 2;
      onViewChange({
        zoom,
        panX: view.panX + (qx / info.scaleX) * (1 / r - 1),
        panY: view.panY + (qy / info.scaleY) * (1 / r - 1),
      });
      return;
    }
    let steps: number;
    if (Math.abs(dy) >= WHEEL_PER_SLICE / 2) {
      steps = Math.sign(dy);
      wheelRef.current = 0;
    } else {
      wheelRef.current += dy;
      steps = Math.trunc(wheelRef.current / WHEEL_PER_SLICE);
      wheelRef.current -= steps * WHEEL_PER_SLICE;
    }
    if (steps !== 0) goToSlice(slice + steps);
  });

  const onResize = useEffectEvent(() => {
    const cs = csRef.current;
    if (!cs) return;
    resize(cs);
    drawOverlay();
  });

  // Cornerstone on mount, off on unmount (StrictMode mounts twice: enable → disable → enable).
  useEffect(() => {
    const cs = csRef.current;
    const stage = stageRef.current;
    if (!cs || !stage) return;
    enable(cs);
    counters.current = { renders: 0, draws: 0 };
    stage.dataset.imageRenders = '0';
    stage.dataset.overlayDraws = '0';
    stage.dataset.transform = '';
    const offRendered = onRendered(cs, () => afterRender());
    const wheel = (e: WheelEvent) => onWheel(e);
    stage.addEventListener('wheel', wheel, { passive: false });
    const ro = new ResizeObserver(() => onResize());
    ro.observe(cs);
    return () => {
      ro.disconnect();
      stage.removeEventListener('wheel', wheel);
      offRendered();
      disable(cs);
    };
  }, []);

  // The image and the view: cornerstone gets the image only when its id changes.
  // Problems with the image or the overlay are shown on the viewport (a DOM write, no re-render).
  const problemRef = useRef<HTMLParagraphElement | null>(null);
  const problems = useRef<{ image: string | null; overlay: string | null }>({ image: null, overlay: null });
  const report = (what: 'image' | 'overlay', err: unknown) => {
    problems.current[what] = err === null ? null : `Cannot draw the ${what}: ${err instanceof Error ? err.message : String(err)}`;
    const el = problemRef.current;
    if (el) el.textContent = [problems.current.image, problems.current.overlay].filter(Boolean).join(' · ');
  };
  const { windowCenter, windowWidth, zoom, panX, panY } = view;
  useEffect(() => {
    const cs = csRef.current;
    if (!cs) return;
    try {
      show(cs, image, { windowCenter, windowWidth, zoom, panX, panY, flipY });
      report('image', null);
    } catch (err) {
      // A malformed slice (data length ≠ width · height · channels): said here, the page goes on.
      report('image', err);
    }
  }, [image, windowCenter, windowWidth, zoom, panX, panY, flipY]);

  // The overlay pixels: recomputed when masks or settings change, then drawn without a cornerstone render.
  const { outline, prediction: showPrediction, tp, fp, fn, opacity, classFilter } = overlay;
  const { width, height } = image;
  useEffect(() => {
    let buf = bufferRef.current;
    if (!buf || buf.pixels.width !== width || buf.pixels.height !== height) {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      buf = { canvas, pixels: new ImageData(width, height), content: false };
      bufferRef.current = buf;
    }
    const settings = { outline, prediction: showPrediction, tp, fp, fn, opacity, classFilter };
    buf.content = truth !== null || prediction !== null;
    if (buf.content) {
      try {
        overlayRgba(truth, prediction, width, height, settings, buf.pixels.data);
        buf.canvas.getContext('2d')?.putImageData(buf.pixels, 0, 0);
        report('overlay', null);
      } catch (err) {
        // A mask of another size than the image (or bad settings): the image without overlay, and why.
        report('overlay', err);
        buf.content = false;
      }
    }
    drawOverlay();
  }, [truth, prediction, width, height, outline, showPrediction, tp, fp, fn, opacity, classFilter]);

  // The crosshair moves without touching the image or the overlay pixels.
  const crossCol = crosshair?.col ?? null;
  const crossRow = crosshair?.row ?? null;
  useEffect(() => {
    const stage = stageRef.current;
    if (stage) stage.dataset.crosshair = crossCol === null || crossRow === null ? '' : `${crossCol},${crossRow}`;
    drawOverlay();
  }, [crossCol, crossRow]);

  /** The image pixel under a pointer position, or null outside the image. */
  function pixelAt(clientX: number, clientY: number): { col: number; row: number } | null {
    const cs = csRef.current;
    const canvas = cs ? canvasOf(cs) : null;
    const t = cs ? imageToCanvasTransform(cs) : null;
    if (!canvas || !t) return null;
    const rect = canvas.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return null;
    const u = ((clientX - rect.left) * canvas.width) / rect.width - t[4];
    const v = ((clientY - rect.top) * canvas.height) / rect.height - t[5];
    const det = t[0] * t[3] - t[1] * t[2];
    if (det === 0) return null;
    const col = Math.floor((t[3] * u - t[2] * v) / det);
    const row = Math.floor((t[0] * v - t[1] * u) / det);
    return col >= 0 && row >= 0 && col < image.width && row < image.height ? { col, row } : null;
  }

  function goToSlice(s: number): void {
    const next = Math.min(sliceCount - 1, Math.max(0, s));
    if (next !== slice && sliceCount > 0) onSlice(next);
  }

  function zoomBy(factor: number): void {
    const z = clampZoom(view.zoom * factor);
    if (z !== view.zoom) onViewChange({ zoom: z });
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowRight':
        goToSlice(slice + 1);
        break;
      case 'ArrowUp':
      case 'ArrowLeft':
        goToSlice(slice - 1);
        break;
      case 'PageDown':
        goToSlice(slice + 10);
        break;
      case 'PageUp':
        goToSlice(slice - 10);
        break;
      case 'Home':
        goToSlice(0);
        break;
      case 'End':
        goToSlice(sliceCount - 1);
        break;
      case '+':
      case '=':
        zoomBy(ZOOM_STEP);
        break;
      case '-':
      case '_':
        zoomBy(1 / ZOOM_STEP);
        break;
      case '0':
        onViewChange({ ...DEFAULT_VIEW });
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  function onPointerDown(e: PointerEvent<HTMLDivElement>): void {
    const cs = csRef.current;
    const info = cs ? displayInfo(cs) : null;
    e.currentTarget.focus({ preventScroll: true });
    if (!info || dragRef.current) return;
    const mode = e.button === 2 || (e.button === 0 && e.shiftKey) ? 'window' : e.button === 0 || e.button === 1 ? 'pan' : null;
    if (!mode) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    const range = info.range.max - info.range.min;
    dragRef.current = {
      mode,
      pointerId: e.pointerId,
      x0: e.clientX,
      y0: e.clientY,
      panX: view.panX,
      panY: view.panY,
      scaleX: info.scaleX,
      scaleY: info.scaleY,
      center: info.window.center,
      width: info.window.width,
      perPixel: (range > 0 ? range : info.window.width) / WINDOW_DRAG_PIXELS,
      click: mode === 'pan' && e.button === 0 && onPick !== undefined,
    };
  }

  function onPointerMove(e: PointerEvent<HTMLDivElement>): void {
    const d = dragRef.current;
    if (!d || d.pointerId !== e.pointerId) return;
    const dx = e.clientX - d.x0;
    const dy = e.clientY - d.y0;
    if (d.click) {
      if (Math.hypot(dx, dy) <= CLICK_SLOP) return;
      d.click = false;
    }
    if (d.mode === 'pan') {
      onViewChange({ panX: d.panX + dx / d.scaleX, panY: d.panY + dy / d.scaleY });
    } else {
      onViewChange({ windowWidth: Math.max(d.width + dx * d.perPixel, 1e-6), windowCenter: d.center + dy * d.perPixel });
    }
  }

  function endDrag(e: PointerEvent<HTMLDivElement>): void {
    const d = dragRef.current;
    if (!d || d.pointerId !== e.pointerId) return;
    dragRef.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    if (d.click && e.type === 'pointerup' && onPick) {
      const p = pixelAt(e.clientX, e.clientY);
      if (p) onPick(p.col, p.row);
    }
  }

  return (
    <div className={`slice-viewport slice-viewport--${size}`}>
      {caption !== undefined && <div className="sv-caption">{caption}</div>}
      <div
        ref={stageRef}
        className="sv-stage"
        data-testid="slice-viewport"
        data-slice={slice}
        data-plane={plane}
        tabIndex={0}
        role="application"
        aria-roledescription="slice viewer"
        aria-label={label}
        aria-describedby={helpId}
        title={onPick ? HELP_PICK : HELP}
        onKeyDown={onKeyDown}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={endDrag}
        onPointerCancel={endDrag}
        onContextMenu={(e) => e.preventDefault()}
      >
        <div ref={csRef} className="sv-cornerstone" />
        <canvas ref={overlayRef} className="sv-overlay" data-testid="overlay-canvas" aria-hidden="true" />
        <canvas ref={crossRef} className="sv-overlay" data-testid="crosshair-canvas" aria-hidden="true" />
        {sliceCount > 1 && (
          <span className="sv-badge sv-slice" aria-hidden="true">
            {slice + 1} / {sliceCount}
          </span>
        )}
        {size !== 'tile' && <span ref={readoutRef} className="sv-badge sv-readout" aria-hidden="true" />}
      </div>
      <p ref={problemRef} className="sv-problem bad" role="alert" />
      <p id={helpId} className={size === 'large' ? 'sv-help' : 'sv-help sv-help--hidden'}>
        {onPick ? HELP_PICK : HELP}
      </p>
    </div>
  );
}

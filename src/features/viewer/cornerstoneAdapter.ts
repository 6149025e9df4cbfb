/**
 * The one place that talks to cornerstone-core: turns a slice into a cornerstone image, shows it
 * in an enabled element with a view (window, zoom, pan, vertical flip), and reports the
 * image → canvas transform so an overlay canvas can be drawn in register with it.
 *
 * Stored pixels (cornerstone only displays integer stored values through its lookup tables):
 *   grey (1 channel, or the first of grey + alpha): Uint16 0 … 4095 with
 *     real = stored · slope + intercept, slope = (max − min) / 4095, intercept = min
 *     (core/viz/windowing.ts toUint16), so the window is set in real units;
 *   colour (RGB, or RGBA with the alpha dropped): RGBA bytes, `color: true, rgba: false`, byte
 *     data kept as is, other types rescaled min … max → 0 … 255 (toRgba8). Cornerstone's colour
 *     LUT has no slope/intercept, so the window is converted to stored units here:
 *     center_s = (center − intercept) / slope, width_s = width / slope.
 * min … max is ViewerImage.min/max when given (e.g. the volume's range, so every slice is
 * quantised alike), else the slice's finite range.
 *
 * View → cornerstone viewport:
 *   scale = fitScale · zoom (fitScale: the whole image fits the canvas, as cornerstone's
 *   fitToWindow computes it with the pixel spacing), translation = (panX, panY) in image pixels
 *   (applied before the flip, so +y always moves the image down on screen), vflip = flipY,
 *   voi = the window, or the image's auto window where the view has null: ViewerImage.window
 *   when given, else for grey autoWindow of the slice (0.5th–99.5th percentiles) and for colour
 *   the whole quantised range min … max (center_s 127.5, width_s 255: the identity, so colours
 *   show as stored). Pixels are replicated (nearest neighbour), so
 *   every image pixel is a crisp block like the overlay's.
 *
 * Built images are kept in a small LRU cache keyed by ViewerImage.id (which must change when
 * the pixels do), so showing a slice again costs no conversion.
 */
import cornerstone from 'cornerstone-core';
import type { Image, PixelCoordinate, Viewport } from 'cornerstone-core';
import { autoWindow, finiteRange, toRgba8, toUint16, type DisplayWindow } from '../../core/viz/windowing';

export interface ViewerImage {
  /** Unique per pixel content (e.g. `${volumeId}:${axis}:${index}`). */
  id: string;
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha (shown grey), 3 RGB, 4 RGBA (shown without alpha). */
  channels: 1 | 2 | 3 | 4;
  /** Channel-interleaved, row-major: value (x, y, c) at c + channels · (x + width · y). */
  data: ArrayLike<number>;
  /** The real-value range to quantise (defaults to the slice's finite range). */
  min?: number;
  max?: number;
  /** The window used where the view says 'auto' (default: grey autoWindow of this slice, colour the identity). */
  window?: DisplayWindow;
  /** Distance between rows (pixel height) in mm; 1 when unknown. */
  rowSpacing?: number;
  /** Distance between columns (pixel width) in mm; 1 when unknown. */
  columnSpacing?: number;
}

export interface AdapterView {
  /** Window in real units; null = the image's auto window. */
  windowCenter: number | null;
  windowWidth: number | null;
  /** Relative to the fit-to-canvas scale (1 = the whole image fits). */
  zoom: number;
  /** Translation in image pixels. */
  panX: number;
  panY: number;
  /** Draw row 0 at the bottom. */
  flipY: boolean;
}

/** Canvas 2-D transform [a, b, c, d, e, f]: canvas = (a·x + c·y + e, b·x + d·y + f). */
export type Transform6 = [number, number, number, number, number, number];

export interface DisplayInfo {
  /** The window in effect, real units. */
  window: DisplayWindow;
  /** The window 'auto' stands for. */
  autoWindow: DisplayWindow;
  /** The quantised real-value range. */
  range: { min: number; max: number };
  /** Canvas pixels per image pixel along x and y (absolute values). */
  scaleX: number;
  scaleY: number;
  canvasWidth: number;
  canvasHeight: number;
}

interface Built {
  image: Image;
  color: boolean;
  /** real = stored · slope + intercept. */
  slope: number;
  intercept: number;
  range: { min: number; max: number };
  autoWindow: DisplayWindow;
  bytes: number;
}

interface ElementState {
  built: Built | null;
  view: AdapterView | null;
}

const MIN_WIDTH = 1e-6;
const CACHE_MAX_ENTRIES = 64;
const CACHE_MAX_BYTES = 256 * 1024 * 1024;

const cache = new Map<string, Built>();
let cacheBytes = 0;
const states = new WeakMap<HTMLElement, ElementState>();

function checkImage(img: ViewerImage): void {
  const { width, height, channels } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`viewer image ${img.id}: size must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new RangeError(`viewer image ${img.id}: channels must be 1 … 4, got ${String(channels)}`);
  }
  const expected = width * height * channels;
  if (img.data.length !== expected) {
    throw new RangeError(`viewer image ${img.id}: data has ${img.data.length} values; expected ${expected} (${width}×${height}×${channels})`);
  }
}

function rangeOf(img: ViewerImage, values: ArrayLike<number>, byteDefault: boolean): { min: number; max: number } {
  if (img.min !== undefined && img.max !== undefined && Number.isFinite(img.min) && Number.isFinite(img.max) && img.max >= img.min) {
    return { min: img.min, max: img.max };
  }
  if (byteDefault) return { min: 0, max: 255 };
  return finiteRange(values) ?? { min: 0, max: 0 };
}

function build(img: ViewerImage): Built {
  checkImage(img);
  const { width, height, channels } = img;
  const n = width * height;
  const rowPixelSpacing = img.rowSpacing && img.rowSpacing > 0 ? img.rowSpacing : 1;
  const columnPixelSpacing = img.columnSpacing && img.columnSpacing > 0 ? img.columnSpacing : 1;
  const common = {
    imageId: img.id,
    rows: height,
    columns: width,
    height,
    width,
    rowPixelSpacing,
    columnPixelSpacing,
    invert: false,
  };

  if (channels >= 3) {
    const isBytes = img.data instanceof Uint8Array || img.data instanceof Uint8ClampedArray;
    const range = rangeOf(img, img.data, isBytes);
    const { pixels, slope, intercept } = toRgba8(img.data, channels, range.min, range.max);
    const auto = img.window ?? { center: (range.min + range.max) / 2, width: range.max > range.min ? range.max - range.min : 1 };
    const stored = toStoredWindow(auto, slope, intercept);
    // Colour pixels are stored as display bytes; the window works on them (slope 1).
    const image = cornerstoneImage(common, pixels, { color: true, maxPixelValue: 255, slope: 1, intercept: 0, window: stored });
    return { image, color: true, slope, intercept, range, autoWindow: auto, bytes: pixels.byteLength };
  }

  let grey: ArrayLike<number> = img.data;
  if (channels === 2) {
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) g[i] = img.data[2 * i] as number;
    grey = g;
  }
  const range = rangeOf(img, grey, false);
  const { pixels, slope, intercept } = toUint16(grey, range.min, range.max);
  const auto = img.window ?? autoWindow(grey, 1);
  const image = cornerstoneImage(common, pixels, { color: false, maxPixelValue: 4095, slope, intercept, window: auto });
  return { image, color: false, slope, intercept, range, autoWindow: auto, bytes: pixels.byteLength };
}

/** A cornerstone Image over stored pixels 0 … maxPixelValue (real value = slope · stored + intercept). */
function cornerstoneImage(
  common: Record<string, unknown>,
  pixels: Uint16Array | Uint8ClampedArray,
  f: { color: boolean; maxPixelValue: number; slope: number; intercept: number; window: DisplayWindow },
): Image {
  return {
    ...common,
    color: f.color,
    rgba: false,
    minPixelValue: 0,
    maxPixelValue: f.maxPixelValue,
    slope: f.slope,
    intercept: f.intercept,
    windowCenter: f.window.center,
    windowWidth: f.window.width,
    getPixelData: () => pixels,
    sizeInBytes: pixels.byteLength,
  } as unknown as Image;
}

function toStoredWindow(w: DisplayWindow, slope: number, intercept: number): DisplayWindow {
  return { center: (w.center - intercept) / slope, width: Math.max(w.width / slope, MIN_WIDTH) };
}

/** The built image for `img.id`, from the cache or converted now (least recently used evicted). */
function builtFor(img: ViewerImage): Built {
  const hit = cache.get(img.id);
  if (hit) {
    cache.delete(img.id);
    cache.set(img.id, hit);
    return hit;
  }
  const b = build(img);
  cache.set(img.id, b);
  cacheBytes += b.bytes;
  for (const [id, old] of cache) {
    if (cache.size <= CACHE_MAX_ENTRIES && cacheBytes <= CACHE_MAX_BYTES) break;
    if (id === img.id) break;
    cache.delete(id);
    cacheBytes -= old.bytes;
  }
  return b;
}

/** Drops every cached image (e.g. when a dataset is closed). */
export function clearImageCache(): void {
  cache.clear();
  cacheBytes = 0;
}

/** Number of images in the cache (for tests). */
export function cachedImageCount(): number {
  return cache.size;
}

function effectiveWindow(b: Built, view: AdapterView): DisplayWindow {
  const center = view.windowCenter ?? b.autoWindow.center;
  const width = Math.max(view.windowWidth ?? b.autoWindow.width, MIN_WIDTH);
  return { center, width };
}

function viewportFor(el: HTMLElement, b: Built, view: AdapterView): Viewport {
  const fit = cornerstone.getDefaultViewportForImage(el, b.image).scale;
  const w = effectiveWindow(b, view);
  const voi = b.color ? toStoredWindow(w, b.slope, b.intercept) : w;
  return {
    scale: Math.max(fit * view.zoom, 1e-4),
    translation: { x: view.panX, y: view.panY },
    voi: { windowCenter: voi.center, windowWidth: voi.width },
    invert: false,
    pixelReplication: true,
    rotation: 0,
    hflip: false,
    vflip: view.flipY,
  };
}

function sameViewport(a: Viewport, b: Viewport | undefined): boolean {
  return (
    b !== undefined &&
    a.scale === b.scale &&
    a.translation?.x === b.translation?.x &&
    a.translation?.y === b.translation?.y &&
    a.voi?.windowCenter === b.voi?.windowCenter &&
    a.voi?.windowWidth === b.voi?.windowWidth &&
    a.vflip === b.vflip &&
    a.hflip === b.hflip &&
    a.rotation === b.rotation &&
    a.invert === b.invert &&
    a.pixelReplication === b.pixelReplication
  );
}

/** Makes `el` a cornerstone element (it appends its canvas to `el`, sized to el's client box). */
export function enable(el: HTMLElement): void {
  if (states.has(el)) return;
  cornerstone.enable(el);
  states.set(el, { built: null, view: null });
}

/** Undoes {@link enable}: stops cornerstone's render loop and removes its canvas. */
export function disable(el: HTMLElement): void {
  if (!states.has(el)) return;
  states.delete(el);
  cornerstone.disable(el);
}

export function isEnabled(el: HTMLElement): boolean {
  return states.has(el);
}

/**
 * Shows `img` with `view`. The image is converted (or taken from the cache) and handed to
 * cornerstone only when it differs from the one shown; otherwise this is {@link setView}.
 * Rendering happens on cornerstone's next animation frame (then IMAGE_RENDERED fires).
 */
export function show(el: HTMLElement, img: ViewerImage, view: AdapterView): void {
  const st = states.get(el);
  if (!st) throw new Error('cornerstoneAdapter.show: the element is not enabled');
  const b = builtFor(img);
  if (st.built !== b) {
    st.built = b;
    st.view = { ...view };
    cornerstone.displayImage(el, b.image, viewportFor(el, b, view));
    return;
  }
  setView(el, view);
}

/** Updates window, zoom, pan and flip of the shown image without handing it to cornerstone again; no-op when nothing changes. */
export function setView(el: HTMLElement, view: AdapterView): void {
  const st = states.get(el);
  if (!st?.built) return;
  st.view = { ...view };
  const vp = viewportFor(el, st.built, view);
  if (sameViewport(vp, cornerstone.getViewport(el))) return;
  cornerstone.setViewport(el, vp);
}

/** Resizes cornerstone's canvas to the element's client box and refits the view (zoom stays relative to the fit); no-op when the size is unchanged. */
export function resize(el: HTMLElement): void {
  const st = states.get(el);
  if (!st) return;
  const canvas = cornerstone.getEnabledElement(el).canvas;
  if (canvas && canvas.width === el.clientWidth && canvas.height === el.clientHeight) return;
  cornerstone.resize(el, true);
  if (st.built && st.view) cornerstone.setViewport(el, viewportFor(el, st.built, st.view));
}

/** Cornerstone's canvas in `el` (its pixel size is the overlay canvas's size), or null. */
export function canvasOf(el: HTMLElement): HTMLCanvasElement | null {
  if (!states.has(el)) return null;
  return cornerstone.getEnabledElement(el).canvas ?? null;
}

/**
 * The affine map from image pixel coordinates (x right, y down, pixel (i, j) covering
 * [i, i + 1) × [j, j + 1), so its centre is (i + 0.5, j + 0.5)) to cornerstone canvas pixels,
 * read off cornerstone.pixelToCanvas at (0, 0), (1, 0) and (0, 1). Null before an image is shown.
 */
export function imageToCanvasTransform(el: HTMLElement): Transform6 | null {
  const st = states.get(el);
  if (!st?.built) return null;
  const at = (x: number, y: number) => cornerstone.pixelToCanvas(el, { x, y } as PixelCoordinate);
  const o = at(0, 0);
  const ex = at(1, 0);
  const ey = at(0, 1);
  return [ex.x - o.x, ex.y - o.y, ey.x - o.x, ey.y - o.y, o.x, o.y];
}

/** Window in effect, auto window, range and scale of what `el` shows; null before an image is shown. */
export function displayInfo(el: HTMLElement): DisplayInfo | null {
  const st = states.get(el);
  const t = imageToCanvasTransform(el);
  const canvas = canvasOf(el);
  if (!st?.built || !st.view || !t || !canvas) return null;
  return {
    window: effectiveWindow(st.built, st.view),
    autoWindow: st.built.autoWindow,
    range: st.built.range,
    scaleX: Math.hypot(t[0], t[1]),
    scaleY: Math.hypot(t[2], t[3]),
    canvasWidth: canvas.width,
    canvasHeight: canvas.height,
  };
}

/** Calls `cb` after every cornerstone render of `el`; returns the unsubscribe function. */
export function onRendered(el: HTMLElement, cb: () => void): () => void {
  const handler = (): void => cb();
  el.addEventListener(cornerstone.EVENTS.IMAGE_RENDERED, handler);
  return () => el.removeEventListener(cornerstone.EVENTS.IMAGE_RENDERED, handler);
}

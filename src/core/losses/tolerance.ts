/** How loss values are compared with the reference table (tfjs-free, for pages and tests). */

/** |value − expected| / |expected|, with 0 for two exact zeros. */
export function relativeError(value: number, expected: number): number {
  if (value === expected) return 0;
  return Math.abs(value - expected) / Math.max(Math.abs(expected), 1e-30);
}

/** 1e-5 relative by default; the absolute 1e-12 only matters where the expected value is exactly 0. */
export function withinTolerance(value: number, expected: number, relative = 1e-5): boolean {
  return Math.abs(value - expected) <= relative * Math.abs(expected) + 1e-12;
}

/**
 * What the page bundle of a production build carries, from its chunks as the bundler reports them
 * (file name, bytes, the modules in it, its static and dynamic imports, the CSS it pulls in):
 *
 * - The tfjs wall: no chunk of a page (index.html, selfcheck.html, …) may contain a module of
 *   @tensorflow/*. Tensors live in the workers, whose bundles are separate assets of the build;
 *   a page that imports a module loading tfjs, even through a chain of imports, puts tfjs in a
 *   page chunk and is reported with that chain.
 * - The first page: the bytes a browser fetches before the studio's first view can draw, that is
 *   the HTML, the static import closure of its entry chunk, the static closure of the chunk of the
 *   view it opens on (loaded at once by the shell), and the CSS of all of them. Chunks reached
 *   only through a later dynamic import (the other views, plotly when the first chart draws,
 *   cornerstone with the viewer) do not count.
 */

export interface ChunkInfo {
  fileName: string;
  bytes: number;
  /** Absolute module ids in the chunk (node_modules paths included). */
  moduleIds: readonly string[];
  /** File names of chunks imported statically (loaded with this one). */
  imports: readonly string[];
  /** File names of chunks imported with import() (loaded later, on demand). */
  dynamicImports: readonly string[];
  /** CSS assets this chunk pulls in, with their bytes. */
  css: readonly { fileName: string; bytes: number }[];
  /** The module the chunk was made for when it is an entry or a dynamic import's target. */
  facadeModuleId: string | null;
}

export interface TfjsLeak {
  chunk: string;
  module: string;
  /** The chain of importers from a source file of the studio down to the tfjs module, when known. */
  chain: readonly string[];
}

/** The @tensorflow modules inside page chunks. `chainOf` explains how a module got there. */
export function tfjsLeaks(chunks: readonly ChunkInfo[], chainOf: (module: string) => readonly string[] = () => []): TfjsLeak[] {
  const leaks: TfjsLeak[] = [];
  for (const c of chunks) {
    const tf = c.moduleIds.filter((m) => /[\\/]node_modules[\\/]@tensorflow[\\/]/.test(m));
    // One line per chunk is enough to find the import; the first module names the package.
    if (tf.length > 0) leaks.push({ chunk: c.fileName, module: tf[0]!, chain: chainOf(tf[0]!) });
  }
  return leaks;
}

export interface FirstPage {
  /** The chunks and CSS files fetched, with their bytes, largest first. */
  files: { fileName: string; bytes: number }[];
  bytes: number;
  /** Module ids of the first page matching each name asked about (e.g. plotly, cornerstone). */
  carries: Record<string, string[]>;
}

/** Static closure of `roots` (file names), each chunk once. */
function staticClosure(byName: ReadonlyMap<string, ChunkInfo>, roots: readonly string[]): ChunkInfo[] {
  const seen = new Set<string>();
  const out: ChunkInfo[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const c = byName.get(name);
    if (!c) throw new Error(`the bundle has no chunk ${name}, which another chunk imports`);
    out.push(c);
    stack.push(...c.imports);
  }
  return out;
}

/**
 * The first page of an HTML entry: `entry` is the module id suffix of the entry (its HTML file),
 * `firstView` that of the view module the shell loads at once (its dynamic import is followed).
 */
export function firstPage(
  chunks: readonly ChunkInfo[],
  opts: { entry: string; firstView: string; htmlBytes: number; watch: Record<string, RegExp> },
): FirstPage {
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const find = (suffix: string) => {
    const c = chunks.find((k) => k.facadeModuleId !== null && k.facadeModuleId.replaceAll('\\', '/').endsWith(suffix));
    if (!c) throw new Error(`no chunk is made for ${suffix}: is it still an entry or a dynamic import?`);
    return c;
  };
  const entry = find(opts.entry);
  const view = find(opts.firstView);
  const closure = staticClosure(byName, [entry.fileName, view.fileName]);
  const files = new Map<string, number>();
  for (const c of closure) {
    files.set(c.fileName, c.bytes);
    for (const css of c.css) files.set(css.fileName, css.bytes);
  }
  const list = [...files].map(([fileName, bytes]) => ({ fileName, bytes })).sort((a, b) => b.bytes - a.bytes);
  const carries: Record<string, string[]> = {};
  for (const [name, re] of Object.entries(opts.watch)) carries[name] = closure.flatMap((c) => c.moduleIds.filter((m) => re.test(m)));
  return { files: list, bytes: opts.htmlBytes + list.reduce((s, f) => s + f.bytes, 0), carries };
}

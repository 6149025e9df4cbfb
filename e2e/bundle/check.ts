/**
 * `npm run test:bundle`: builds the studio as `npm run build` does (nothing written to disk) and
 * checks its page bundle (./analyse.ts):
 *   1. no @tensorflow module in any chunk of a page (index, selfcheck, bench): tfjs runs in the
 *      workers only;
 *   2. the first page of index.html (the shell and the Losses view it opens on) is at most
 *      FIRST_PAGE_LIMIT bytes minified and carries neither plotly nor cornerstone.
 * Prints the first page's files and the largest chunks loaded later, then exits 1 on a failure.
 */
import { resolve } from 'node:path';
import { build, type Plugin } from 'vite';
import { firstPage, tfjsLeaks, type ChunkInfo } from './analyse';

/** 700 kB, as 700,000 bytes of minified JavaScript, CSS and HTML. */
const FIRST_PAGE_LIMIT = 700_000;
const root = resolve(import.meta.dirname, '../..');

type ModuleInfoOf = (id: string) => { importers: readonly string[] } | null;
let moduleInfo: ModuleInfoOf = () => null;
/** Keeps the bundler's module graph so that a leak can be traced back to the studio's source. */
const graph: Plugin = {
  name: 'bundle-check-graph',
  generateBundle() {
    moduleInfo = (id) => this.getModuleInfo(id);
  },
};

/** The shortest chain of importers from a page module (src/app, src/features, src/state) down to `module`. */
function chainOf(module: string): string[] {
  const prev = new Map<string, string>([[module, '']]);
  const queue = [module];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (/^src\/(app|features|state)\//.test(id.replace(`${root}/`, ''))) {
      const chain = [id];
      for (let at = prev.get(id)!; at !== ''; at = prev.get(at)!) chain.push(at);
      return chain.map((m) => m.replace(`${root}/`, ''));
    }
    for (const imp of moduleInfo(id)?.importers ?? []) {
      if (!prev.has(imp)) {
        prev.set(imp, id);
        queue.push(imp);
      }
    }
  }
  return [];
}

const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;

// Rolldown's plugin timing notes say nothing about the bundle: off.
const output = await build({ root, logLevel: 'warn', build: { write: false, rolldownOptions: { checks: { pluginTimings: false } } }, plugins: [graph] });
const outputs = Array.isArray(output) ? output : [output];
const files = outputs.flatMap((o) => ('output' in o ? o.output : []));
const bytesOf = (source: string | Uint8Array) => (typeof source === 'string' ? Buffer.byteLength(source) : source.byteLength);
const assetBytes = new Map(files.filter((f) => f.type === 'asset').map((f) => [f.fileName, bytesOf(f.source)]));
const chunks: ChunkInfo[] = files.flatMap((f) =>
  f.type === 'chunk'
    ? [
        {
          fileName: f.fileName,
          bytes: Buffer.byteLength(f.code),
          moduleIds: f.moduleIds,
          imports: f.imports,
          dynamicImports: f.dynamicImports,
          facadeModuleId: f.facadeModuleId,
          css: [...(f.viteMetadata?.importedCss ?? [])].map((fileName) => ({ fileName, bytes: assetBytes.get(fileName) ?? 0 })),
        },
      ]
    : [],
);

const failures: string[] = [];

const leaks = tfjsLeaks(chunks, chainOf);
for (const l of leaks) failures.push(`page chunk ${l.chunk} contains ${l.module.replace(/^.*node_modules\//, '')}${l.chain.length ? `, imported through ${l.chain.join(' → ')}` : ''}`);

const page = firstPage(chunks, {
  entry: '/index.html',
  firstView: '/src/features/losses/LossExplorer.tsx',
  htmlBytes: assetBytes.get('index.html') ?? 0,
  watch: { plotly: /plotly/, cornerstone: /cornerstone-core/, tfjs: /@tensorflow/ },
});
console.log(`First page of index.html (the shell and the Losses view): ${kB(page.bytes)} minified (limit ${kB(FIRST_PAGE_LIMIT)})`);
for (const f of page.files) console.log(`  ${f.fileName.padEnd(48)} ${kB(f.bytes).padStart(10)}`);
if (page.bytes > FIRST_PAGE_LIMIT) failures.push(`the first page is ${kB(page.bytes)}, over the ${kB(FIRST_PAGE_LIMIT)} limit`);
for (const [name, modules] of Object.entries(page.carries)) {
  if (modules.length > 0) failures.push(`the first page carries ${name} (${modules.length} modules, e.g. ${modules[0]!.replace(/^.*node_modules\//, '')})`);
}

const inPage = new Set(page.files.map((f) => f.fileName));
const later = chunks.filter((c) => !inPage.has(c.fileName)).sort((a, b) => b.bytes - a.bytes);
console.log('Loaded later, when a view or a chart first needs them (largest five):');
for (const c of later.slice(0, 5)) console.log(`  ${c.fileName.padEnd(48)} ${kB(c.bytes).padStart(10)}`);
const workers = [...assetBytes].filter(([name]) => /\.worker-.*\.js$/.test(name));
console.log(`Workers (tfjs lives here): ${workers.map(([n, b]) => `${n.replace(/^assets\//, '')} ${kB(b)}`).join(', ')}`);
console.log(`tfjs in page chunks: ${leaks.length === 0 ? 'none' : leaks.length}`);

// A sanity check of the check itself: the build must have produced the pages and workers it reads.
if (!assetBytes.has('index.html') || workers.length === 0) failures.push('the build produced no index.html or no worker: the check read the wrong output');

if (failures.length > 0) {
  console.error(`\nBundle check failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}

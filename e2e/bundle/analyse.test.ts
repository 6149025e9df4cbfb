import { describe, expect, it } from 'vitest';
import { firstPage, tfjsLeaks, type ChunkInfo } from './analyse';

const chunk = (fileName: string, bytes: number, more: Partial<ChunkInfo> = {}): ChunkInfo => ({
  fileName,
  bytes,
  moduleIds: [],
  imports: [],
  dynamicImports: [],
  css: [],
  facadeModuleId: null,
  ...more,
});

// index.html → main (static: shared, which imports react) ; main ⇢ Losses view (dynamic) ;
// the view ⇢ plotly (dynamic) ; main ⇢ Viewer (dynamic, which statically imports cornerstone).
const bundle: ChunkInfo[] = [
  chunk('main.js', 100, { facadeModuleId: '/r/index.html', imports: ['shared.js'], dynamicImports: ['Losses.js', 'Viewer.js'], css: [{ fileName: 'main.css', bytes: 7 }] }),
  chunk('shared.js', 50, { imports: ['react.js'] }),
  chunk('react.js', 30, { moduleIds: ['/r/node_modules/react/index.js'] }),
  chunk('Losses.js', 20, { facadeModuleId: '/r/src/features/losses/LossExplorer.tsx', imports: ['shared.js'], dynamicImports: ['plotly.js'], css: [{ fileName: 'losses.css', bytes: 3 }] }),
  chunk('plotly.js', 1000, { moduleIds: ['/r/node_modules/plotly.js-cartesian-dist-min/plotly.min.js'] }),
  chunk('Viewer.js', 40, { facadeModuleId: '/r/src/features/viewer/ViewerView.tsx', imports: ['cs.js'] }),
  chunk('cs.js', 90, { moduleIds: ['/r/node_modules/cornerstone-core/dist/cornerstone.js'] }),
];
const opts = { entry: '/index.html', firstView: '/src/features/losses/LossExplorer.tsx', htmlBytes: 1, watch: { plotly: /plotly/, cornerstone: /cornerstone-core/ } };

describe('firstPage', () => {
  it('adds the HTML, the static closures of the entry and the first view, and their CSS, each file once', () => {
    const p = firstPage(bundle, opts);
    // 1 (html) + main 100 + main.css 7 + shared 50 + react 30 + Losses 20 + losses.css 3
    expect(p.bytes).toBe(211);
    expect(p.files.map((f) => f.fileName).sort()).toEqual(['Losses.js', 'losses.css', 'main.css', 'main.js', 'react.js', 'shared.js']);
    expect(p.carries).toEqual({ plotly: [], cornerstone: [] });
  });

  it('counts a chunk the first view imports statically, and names what it carries', () => {
    const eager = bundle.map((c) => (c.fileName === 'Losses.js' ? { ...c, imports: ['shared.js', 'plotly.js'], dynamicImports: [] } : c));
    const p = firstPage(eager, opts);
    expect(p.bytes).toBe(1211);
    expect(p.carries.plotly).toEqual(['/r/node_modules/plotly.js-cartesian-dist-min/plotly.min.js']);
  });

  it('refuses a bundle in which the entry or the first view has no chunk of its own', () => {
    expect(() => firstPage(bundle, { ...opts, firstView: '/src/features/losses/Gone.tsx' })).toThrow(/Gone\.tsx/);
    const broken = bundle.map((c) => (c.fileName === 'shared.js' ? { ...c, imports: ['missing.js'] } : c));
    expect(() => firstPage(broken, opts)).toThrow(/missing\.js/);
  });
});

describe('tfjsLeaks', () => {
  it('finds @tensorflow modules in page chunks, one line per chunk with its chain', () => {
    const leaking = [
      ...bundle,
      chunk('Train.js', 5, {
        moduleIds: ['/r/src/features/training/TrainView.tsx', '/r/node_modules/@tensorflow/tfjs-core/dist/base.js', '/r/node_modules/@tensorflow/tfjs-core/dist/ops.js'],
      }),
    ];
    const leaks = tfjsLeaks(leaking, (m) => ['src/features/training/TrainView.tsx', m]);
    expect(leaks).toEqual([
      { chunk: 'Train.js', module: '/r/node_modules/@tensorflow/tfjs-core/dist/base.js', chain: ['src/features/training/TrainView.tsx', '/r/node_modules/@tensorflow/tfjs-core/dist/base.js'] },
    ]);
    expect(tfjsLeaks(bundle)).toEqual([]);
  });

  it('does not mistake a studio file named after tfjs for tfjs', () => {
    expect(tfjsLeaks([chunk('a.js', 1, { moduleIds: ['/r/src/core/tensorflow/notes.ts', '/r/node_modules/tensorflow-like/index.js'] })])).toEqual([]);
  });
});

import { lazy, Suspense, useEffect, useState } from 'react';
import { BackendNote } from '../features/training/BackendBadge';
import { StoredExperimentsRescue } from '../features/training/StoredExperimentsRescue';
import { trainingActions } from '../state/trainingActions';
import { datasetActions } from '../state/datasetActions';
import { applySharedConfig, parseHashQuery } from '../state/shareConfig';
import { useStudio } from '../state/store';
import { ErrorBoundary, ViewCrashed } from './ErrorBoundary';

/**
 * Each view is its own chunk, loaded when it is first shown, so the first page carries only the
 * shell and the view it opens on; plotly (features/charts/Plot) and cornerstone (the viewer
 * views) load with the views that draw them.
 */
const LossExplorer = lazy(() => import('../features/losses/LossExplorer').then((m) => ({ default: m.LossExplorer })));
const DatasetView = lazy(() => import('../features/dataset/DatasetView').then((m) => ({ default: m.DatasetView })));
const TrainView = lazy(() => import('../features/training/TrainView').then((m) => ({ default: m.TrainView })));
const ViewerView = lazy(() => import('../features/viewer/ViewerView').then((m) => ({ default: m.ViewerView })));
const CompareView = lazy(() => import('../features/viewer/CompareView').then((m) => ({ default: m.CompareView })));
const ResultsPage = lazy(() => import('../features/results/ResultsPage').then((m) => ({ default: m.ResultsPage })));

const VIEWS = [
  { id: 'data', label: 'Data' },
  { id: 'losses', label: 'Losses' },
  { id: 'train', label: 'Train & compare' },
  { id: 'viewer', label: 'Viewer' },
  { id: 'compare', label: 'Side by side' },
  { id: 'results', label: 'Results' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

/** The view part of the hash (`#/train?losses=…` → `#/train`). */
const hashView = () => window.location.hash.split('?')[0] ?? '';
const fromHash = (): ViewId => VIEWS.find((v) => hashView() === `#/${v.id}`)?.id ?? 'losses';

/** Applies a configuration link in the hash, then drops the query so that a reload does not apply it again. */
function applyLinkInHash(): string[] | null {
  const query = parseHashQuery(window.location.hash);
  if (query === null) return null;
  const errors = applySharedConfig(query);
  history.replaceState(null, '', `${window.location.pathname}${window.location.search}${hashView()}`);
  return errors;
}
// Once, before the first render (outside StrictMode's doubled initialisers).
const startupLinkErrors = applyLinkInHash() ?? [];

/** What a view that threw while rendering shows instead (the header and navigation stay). */
function crashed(view: ViewId, message: string, retry: () => void) {
  const label = VIEWS.find((v) => v.id === view)?.label ?? view;
  const away = view === 'losses' ? { href: '#/data', label: 'Go to the Data view' } : { href: '#/losses', label: 'Go to the Losses view' };
  return (
    <ViewCrashed view={label} message={message} retry={retry} away={away}>
      {view === 'train' ? <StoredExperimentsRescue /> : null}
    </ViewCrashed>
  );
}

export function App() {
  const [view, setView] = useState<ViewId>(fromHash);
  const [linkErrors, setLinkErrors] = useState<string[]>(startupLinkErrors);
  useEffect(() => {
    // The built-in synthetic demo, so a newcomer has data at once; a drop replaces it.
    if (useStudio.getState().dataset.status === 'empty') void datasetActions.loadDemo();
    // The training worker starts the backend asked for in an earlier session, else the first that
    // starts (webgpu → webgl → cpu); in automatic mode the fastest is measured at Start.
    if (useStudio.getState().training.backendStatus === 'idle') trainingActions.initBackend();
  }, []);
  useEffect(() => {
    const onHash = () => {
      const e = applyLinkInHash();
      if (e) setLinkErrors(e);
      setView(fromHash());
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return (
    <div className="app">
      <header className="app-header">
        <h1>Segmentation Studio</h1>
        <p className="tagline">
          Compare loss functions for class-imbalanced segmentation: the Unified Focal loss family of Yeung et al.
          (2022) and the losses it generalises. Everything runs in this browser; nothing leaves your machine.
        </p>
        <nav className="app-nav" aria-label="Studio">
          {VIEWS.map((v) => (
            <a key={v.id} href={`#/${v.id}`} aria-current={view === v.id ? 'page' : undefined}>
              {v.label}
            </a>
          ))}
          <a href="./selfcheck.html">Backend self-check</a>
          <span className="nav-backend">
            backend: <BackendNote />
          </span>
        </nav>
      </header>
      {linkErrors.length > 0 && (
        <div className="bad link-errors" role="alert">
          Parts of the configuration link could not be applied (the rest was):
          <ul>
            {linkErrors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
          <button type="button" onClick={() => setLinkErrors([])}>
            dismiss
          </button>
        </div>
      )}
      <main>
        <ErrorBoundary key={view} fallback={(message, retry) => crashed(view, message, retry)}>
          <Suspense
            fallback={
              <p className="muted view-loading" role="status">
                Loading the {VIEWS.find((v) => v.id === view)?.label ?? view} view…
              </p>
            }
          >
          {view === 'losses' ? (
            <LossExplorer />
          ) : view === 'data' ? (
            <DatasetView />
          ) : view === 'train' ? (
            <TrainView />
          ) : view === 'viewer' ? (
            <ViewerView />
          ) : view === 'compare' ? (
            <CompareView />
          ) : (
            <ResultsPage />
          )}
          </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}

import { useEffect, useState } from 'react';
import { DatasetView } from '../features/dataset/DatasetView';
import { LossExplorer } from '../features/losses/LossExplorer';
import { TrainView } from '../features/training/TrainView';
import { trainingActions } from '../state/trainingActions';
import { datasetActions } from '../state/datasetActions';
import { useStudio } from '../state/store';

const VIEWS = [
  { id: 'losses', label: 'Losses' },
  { id: 'data', label: 'Data' },
  { id: 'train', label: 'Train & compare' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

const fromHash = (): ViewId => VIEWS.find((v) => window.location.hash === `#/${v.id}`)?.id ?? 'losses';

export function App() {
  const [view, setView] = useState<ViewId>(fromHash);
  useEffect(() => {
    // The built-in synthetic demo, so a newcomer has data at once; a drop replaces it.
    if (useStudio.getState().dataset.status === 'empty') void datasetActions.loadDemo();
    // The training worker picks its backend in the background (webgpu → webgl → cpu).
    if (useStudio.getState().training.backendStatus === 'idle') trainingActions.initBackend('auto');
  }, []);
  useEffect(() => {
    const onHash = () => setView(fromHash());
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
        </nav>
      </header>
      {view === 'losses' ? <LossExplorer /> : view === 'data' ? <DatasetView /> : <TrainView />}
    </div>
  );
}

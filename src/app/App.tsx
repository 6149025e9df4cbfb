import { LossExplorer } from '../features/losses/LossExplorer';

export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <h1>Segmentation Studio</h1>
        <p className="tagline">
          Compare loss functions for class-imbalanced segmentation: the Unified Focal loss family of Yeung et al.
          (2022) and the losses it generalises. Everything runs in this browser; nothing leaves your machine.
        </p>
        <nav className="app-nav" aria-label="Studio">
          <a href="./" aria-current="page">
            Loss explorer
          </a>
          <a href="./selfcheck.html">Backend self-check</a>
        </nav>
      </header>
      <LossExplorer />
    </div>
  );
}

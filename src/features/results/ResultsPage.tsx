/** The Results view for the experiment on screen (the stored one being viewed, or the live one). */
import { useStudio, viewer } from '../../state/store';
import { datasetRegistry } from '../../state/datasetRegistry';
import { mostForegroundSlice, useShownExperiment } from '../viewer/viewerData';
import { ResultsView } from './ResultsView';

export function ResultsPage() {
  const exp = useShownExperiment();
  const classNames = useStudio((s) => s.dataset.mapping?.classNames);
  if (!exp?.snapshot) {
    return (
      <section className="panel">
        <h2>Results</h2>
        <p className="muted">No experiment yet. Start one in Train &amp; compare, or open a stored one there; its test results appear here as each run ends.</p>
      </section>
    );
  }
  return (
    <ResultsView
      snapshot={exp.snapshot}
      experimentName={exp.request.name}
      {...(classNames ? { classNames } : {})}
      onOpenCase={(caseId, runId) => {
        const c = datasetRegistry.cases().find((x) => x.id === caseId);
        viewer.openCase(caseId, { run: runId, ...(c ? { slice: mostForegroundSlice(c) } : {}) });
        window.location.hash = '#/viewer';
      }}
    />
  );
}

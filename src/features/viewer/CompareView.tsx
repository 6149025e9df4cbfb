/**
 * Side by side (the paper's Figure 4): the same case and slice for every run of the experiment,
 * each tile with its slice DSC and its test DSC for the case, the ground truth first. Zoom,
 * pan, window/level and slice are shared, so navigating in one tile moves them all; tiles are
 * predicted again as their runs finish epochs.
 */
import { useMemo } from 'react';
import { LOSSES } from '../../core/losses/registry';
import { formatScore } from '../../core/metrics/summary';
import { getPrediction, getPredictionFailure } from '../../state/predictions';
import { viewer } from '../../state/store';
import { CaseBar, clampSlice } from './CaseBar';
import { OverlayControls } from './OverlayControls';
import { SliceViewport } from './SliceViewport';
import { caseTestDsc, flipYOf, sliceCountOf, sliceDsc, useSliceData, useSlicePredictions, useViewerContext } from './viewerData';


export function CompareView() {
  const { exp, cases, current, state, version, numClasses, classNames } = useViewerContext();
  const runs = useMemo(() => exp?.snapshot?.runs ?? [], [exp]);
  const runIds = useMemo(() => runs.map((r) => r.id), [runs]);
  const slice = current ? clampSlice(current, state.slice) : 0;
  useSlicePredictions(exp, current, slice, runIds);
  const data = useSliceData(current, slice, version);

  if (!current || !data) {
    return (
      <section className="panel">
        <h2>Side by side</h2>
        <p className="muted">Load a dataset first.</p>
      </section>
    );
  }
  const { image, truth } = data;
  const n = sliceCountOf(current);
  const common = {
    image,
    truth,
    overlay: state.overlay,
    view: state.view,
    onViewChange: viewer.setView,
    slice,
    sliceCount: n,
    onSlice: viewer.setSlice,
    flipY: flipYOf(current),
    size: 'tile' as const,
  };
  return (
    <div className="compare-view">
      <section className="panel" aria-labelledby="compare-title">
        <h2 id="compare-title">Side by side</h2>
        <p className="muted">
          {exp
            ? `${exp.request.name}: every run on the same slice${exp.running ? ', updated as each run finishes an epoch' : ''}.`
            : 'No experiment yet: start one in Train & compare (or open a stored one there) to see every loss here.'}
        </p>
        <CaseBar cases={cases} current={current} slice={slice} exp={exp} />
        <OverlayControls settings={state.overlay} onChange={viewer.setOverlay} numClasses={numClasses} {...(classNames ? { classNames } : {})} />
      </section>
      <div className="tile-grid" role="list" aria-label="Predictions of every run">
        <div role="listitem" className="tile" data-run="">
          <SliceViewport {...common} prediction={null} label={`Ground truth, case ${current.id}, slice ${slice + 1}`} caption={
              <span className="tile-caption">
                <strong>ground truth</strong>
                <span className="muted">{current.id}</span>
              </span>
            } />
        </div>
        {runs.map((r) => {
          const p = exp ? getPrediction(exp.id, r.id, current.id, slice) : undefined;
          const failure = exp ? getPredictionFailure(exp.id, r.id, current.id, slice) : undefined;
          const d = p ? sliceDsc(truth, p.labels, state.overlay.classFilter, numClasses) : null;
          const caseDsc = caseTestDsc(r, current.id, state.overlay.classFilter);
          return (
            <div role="listitem" className="tile" key={r.id} data-run={r.id}>
              <SliceViewport
                {...common}
                prediction={p?.labels ?? null}
                label={`${r.label}, case ${current.id}, slice ${slice + 1}`}
                caption={
                  <span className="tile-caption">
                    <span className="tile-name">
                      <span className="swatch" style={{ background: LOSSES[r.loss].color }} aria-hidden /> <strong>{r.label}</strong>
                    </span>
                    <span>
                      <span data-testid={`tile-dsc-${r.id}`}>
                        {p ? `DSC ${formatScore(d)}` : failure ? `cannot predict: ${failure}` : r.epochs.length === 0 && exp?.live ? 'waiting for its first epoch' : 'predicting…'}
                      </span>
                      {caseDsc !== null ? ` · case ${formatScore(caseDsc)}` : ''}
                      {p ? <span className="muted"> · {p.weights === 'best' ? `best weights of ${p.epochs} epochs` : `after epoch ${p.epochs}`}</span> : null}
                    </span>
                  </span>
                }
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}

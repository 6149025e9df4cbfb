/**
 * Side by side (the paper's Figure 4): the same case, plane and slice for every run of the
 * experiment, each tile with its slice DSC and its test DSC for the case, the ground truth first.
 * The plane (axial, sagittal or coronal for a volume; the Plane select or the keys A, S, C) is
 * the one the viewer's slice keys act on, and the cursor is the viewer's. Zoom, pan,
 * window/level and slice are shared, so navigating in one tile moves them all; tiles are
 * predicted again as their runs finish epochs (sagittal and coronal tiles from each run's
 * predicted label volume).
 */
import { useMemo } from 'react';
import type { Case } from '../../core/data/types';
import { LOSSES } from '../../core/losses/registry';
import { formatScore } from '../../core/metrics/summary';
import { PLANE_KEYS, type Plane } from '../../core/viz/planes';
import { getPrediction, getPredictionFailure, getVolumePrediction, getVolumePredictionFailure } from '../../state/predictions';
import { viewer } from '../../state/store';
import { CaseBar, clampSlice, usePlaneKeys } from './CaseBar';
import { OverlayControls } from './OverlayControls';
import { PlaneViewport } from './PlaneViewport';
import { setNavPlane, usePlaneNavigation } from './planeNav';
import { caseTestDsc, sliceDsc, useSlicePredictions, useViewerContext, useVolumePredictions } from './viewerData';

export function CompareView() {
  const ctx = useViewerContext();
  if (!ctx.current) {
    return (
      <section className="panel">
        <h2>Side by side</h2>
        <p className="muted">Load a dataset first.</p>
      </section>
    );
  }
  return <CaseCompare {...ctx} current={ctx.current} />;
}

function CaseCompare({ exp, cases, current, state, version, numClasses, classNames }: Omit<ReturnType<typeof useViewerContext>, 'current'> & { current: Case }) {
  const runs = useMemo(() => exp?.snapshot?.runs ?? [], [exp]);
  const runIds = useMemo(() => runs.map((r) => r.id), [runs]);
  const slice = clampSlice(current, state.slice);
  const nav = usePlaneNavigation(current, slice);
  const plane: Plane = nav.plane;
  useSlicePredictions(exp, current, slice, plane === 'axial' ? runIds : []);
  useVolumePredictions(exp, current, runIds, plane !== 'axial');
  usePlaneKeys(nav.planes, setNavPlane);
  const index = nav.indexOf(plane);
  const common = { c: current, plane, nav, version, overlay: state.overlay, view: state.view, size: 'tile' as const };
  const where = (k: number) => (nav.planes.length > 1 ? `${plane} slice ${k + 1}` : `slice ${k + 1}`);
  return (
    <div className="compare-view">
      <section className="panel" aria-labelledby="compare-title">
        <h2 id="compare-title">Side by side</h2>
        <p className="muted">
          {exp
            ? `${exp.request.name}: every run on the same slice${exp.running ? ', updated as each run finishes an epoch' : ''}.`
            : 'No experiment yet: start one in Train & compare (or open a stored one there) to see every loss here.'}
        </p>
        <CaseBar
          cases={cases}
          current={current}
          exp={exp}
          slice={index}
          count={nav.geometry(plane).count}
          onSlice={(i) => nav.setIndex(plane, i)}
          {...(nav.planes.length > 1 ? { plane, planeKeys: true } : {})}
        >
          {nav.planes.length > 1 && (
            <label className="field plane-field">
              Plane{' '}
              <select value={plane} onChange={(e) => setNavPlane(e.currentTarget.value as Plane)}>
                {nav.planes.map((p) => (
                  <option key={p} value={p}>
                    {p} ({PLANE_KEYS[p].toUpperCase()})
                  </option>
                ))}
              </select>
            </label>
          )}
        </CaseBar>
        <OverlayControls settings={state.overlay} onChange={viewer.setOverlay} numClasses={numClasses} {...(classNames ? { classNames } : {})} />
      </section>
      <div className="tile-grid" role="list" aria-label="Predictions of every run">
        <div role="listitem" className="tile" data-run="">
          <PlaneViewport
            {...common}
            slicePrediction={null}
            label={(k) => `Ground truth, case ${current.id}, ${where(k)}`}
            caption={() => (
              <span className="tile-caption">
                <strong>ground truth</strong>
                <span className="muted">{current.id}</span>
              </span>
            )}
          />
        </div>
        {runs.map((r) => {
          const axial = plane === 'axial';
          const p = exp ? (axial ? getPrediction(exp.id, r.id, current.id, slice) : getVolumePrediction(exp.id, r.id, current.id)) : undefined;
          const failure = exp
            ? axial
              ? getPredictionFailure(exp.id, r.id, current.id, slice)
              : p
                ? undefined
                : getVolumePredictionFailure(exp.id, r.id, current.id)
            : undefined;
          const caseDsc = caseTestDsc(r, current.id, state.overlay.classFilter);
          return (
            <div role="listitem" className="tile" key={r.id} data-run={r.id}>
              <PlaneViewport
                {...common}
                {...(axial ? { slicePrediction: p?.labels ?? null } : { volume: p?.labels ?? null })}
                label={(k) => `${r.label}, case ${current.id}, ${where(k)}`}
                caption={(truth, prediction) => (
                  <span className="tile-caption">
                    <span className="tile-name">
                      <span className="swatch" style={{ background: LOSSES[r.loss].color }} aria-hidden /> <strong>{r.label}</strong>
                    </span>
                    <span>
                      <span data-testid={`tile-dsc-${r.id}`}>
                        {p && prediction ? `DSC ${formatScore(sliceDsc(truth, prediction, state.overlay.classFilter, numClasses))}` : failure ? `cannot predict: ${failure}` : r.epochs.length === 0 && exp?.live ? 'waiting for its first epoch' : 'predicting…'}
                      </span>
                      {caseDsc !== null ? ` · case ${formatScore(caseDsc)}` : ''}
                      {p ? <span className="muted"> · {p.weights === 'best' ? `best weights of ${p.epochs} epochs` : `after epoch ${p.epochs}`}</span> : null}
                    </span>
                  </span>
                )}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}

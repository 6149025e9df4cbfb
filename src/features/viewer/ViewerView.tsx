/**
 * The viewer: one case, the ground truth and one run's prediction as overlays (true positives,
 * false positives in magenta, false negatives in green, the truth outline), with the predicted
 * masks to download in the source geometry. A volume is shown in three planes, axial, sagittal
 * and coronal, that share a cursor: a click in one plane moves it, which sets the slices of the
 * other two, and every plane draws it as a crosshair. Slice keys act on the focused plane (or,
 * with nothing focused, on the last one focused); A, S and C focus the axial, sagittal and
 * coronal plane. The sagittal and coronal predictions are cut from the run's predicted label
 * volume (state/predictions.ts), asked for while those planes are shown. A 2-D picture has the
 * axial view only.
 */
import { useRef, useState } from 'react';
import { zipSync } from 'fflate';
import { joinSlices, predictionFile } from '../../core/io/predictionFiles';
import { formatScore } from '../../core/metrics/summary';
import { acceptList, labelWriterFor } from '../../core/io/formats/registry';
import { readVolume } from '../../core/io/read';
import { classValues } from '../../core/data/labels';
import { maskToLabels } from '../../core/data/predictionMask';
import type { Case } from '../../core/data/types';
import { download } from '../../state/download';
import type { Plane } from '../../core/viz/planes';
import {
  getFilePrediction,
  getPrediction,
  getPredictionFailure,
  getVolumePrediction,
  getVolumePredictionFailure,
  predictWholeCase,
  setFilePrediction,
} from '../../state/predictions';
import { useStudio, viewer } from '../../state/store';
import { trainingActions } from '../../state/trainingActions';
import { CaseBar, clampSlice, usePlaneKeys } from './CaseBar';
import { OverlayControls } from './OverlayControls';
import { PlaneViewport } from './PlaneViewport';
import { setNavPlane, usePlaneNavigation } from './planeNav';
import { caseTestDsc, sliceCountOf, sliceDsc, useSlicePredictions, useViewerContext, useVolumePredictions, type ShownExperiment } from './viewerData';

const FILE_RUN = '\u0000file';


const PLANE_TITLES: Record<Plane, string> = { axial: 'Axial', sagittal: 'Sagittal', coronal: 'Coronal' };

/** Weights a prediction came from, in words. */
function weightsNote(p: { weights: 'current' | 'best'; epochs: number }): string {
  return p.weights === 'best' ? `best weights of ${p.epochs} epoch${p.epochs === 1 ? '' : 's'}` : `weights after epoch ${p.epochs}`;
}

/** What a prediction of this image is written as: its format (the registry's writer) and geometry. */
function exportCaption(image: Case['image']): string {
  const w = labelWriterFor(image);
  if (!w) return 'no format can write labels of this image';
  return w.format.kind === 'volume' ? `${w.format.label} (.${w.writer.extension}) in the geometry of the source volume` : `${w.format.label} masks of the image size`;
}

export function ViewerView() {
  const { exp, cases, current, state, version, numClasses, classNames } = useViewerContext();
  if (!current) {
    return (
      <section className="panel">
        <h2>Viewer</h2>
        <p className="muted">Load a dataset in the Data view (or wait for the synthetic demo) to look at its cases.</p>
      </section>
    );
  }
  return <CaseViewer exp={exp} cases={cases} current={current} state={state} version={version} numClasses={numClasses} classNames={classNames} />;
}

type ViewerContext = ReturnType<typeof useViewerContext>;

function CaseViewer({ exp, cases, current, state, version, numClasses, classNames }: Omit<ViewerContext, 'current'> & { current: Case }) {
  const runs = exp?.snapshot?.runs ?? [];
  const file = current ? getFilePrediction(current.id) : undefined;
  const run = state.run === FILE_RUN ? (file ? FILE_RUN : null) : (state.run && runs.some((r) => r.id === state.run) ? state.run : (runs[0]?.id ?? (file ? FILE_RUN : null)));
  const slice = clampSlice(current, state.slice);
  const runList = run && run !== FILE_RUN ? [run] : [];
  const nav = usePlaneNavigation(current, slice);
  const several = nav.planes.length > 1;
  useSlicePredictions(exp, current, slice, runList);
  useVolumePredictions(exp, current, runList, several);
  const stackRef = useRef<HTMLDivElement>(null);
  usePlaneKeys(nav.planes, (p) => {
    setNavPlane(p);
    stackRef.current?.querySelector<HTMLElement>(`[data-testid="slice-viewport"][data-plane="${p}"]`)?.focus({ preventScroll: true });
  });

  // The prediction: the axial slice's own, and the label volume the other planes are cut from.
  let slicePrediction: Uint8Array | null | undefined;
  let volume: Uint8Array | null = null;
  let note = '';
  let volumeNote = '';
  if (run === FILE_RUN && file) {
    volume = file.labels;
    note = volumeNote = 'mask file';
  } else if (run && exp) {
    const p = getPrediction(exp.id, run, current.id, slice);
    const v = getVolumePrediction(exp.id, run, current.id);
    const failure = getPredictionFailure(exp.id, run, current.id, slice);
    const volumeFailure = getVolumePredictionFailure(exp.id, run, current.id);
    slicePrediction = p?.labels ?? null;
    volume = v?.labels ?? null;
    const untrained = exp.live && (runs.find((r) => r.id === run)?.epochs.length ?? 0) === 0;
    const waiting = untrained ? 'waiting for its first epoch' : 'predicting…';
    note = failure ? `cannot predict: ${failure}` : p ? weightsNote(p) : waiting;
    volumeNote = volumeFailure && !v ? `cannot predict: ${volumeFailure}` : v ? weightsNote(v) : waiting;
  }
  const history = exp?.snapshot?.runs.find((r) => r.id === run);
  const caseDsc = history ? caseTestDsc(history, current.id, state.overlay.classFilter) : null;
  const runLabel = run === FILE_RUN ? (file?.name ?? '') : (runs.find((r) => r.id === run)?.label ?? 'ground truth only');
  const common = { c: current, nav, version, overlay: state.overlay, view: state.view, volume };
  const axial = (
    <PlaneViewport
      {...common}
      plane="axial"
      {...(slicePrediction !== undefined ? { slicePrediction } : {})}
      label={(k, n) => `Case ${current.id}, ${several ? 'axial ' : ''}slice ${k + 1} of ${n}`}
      size="large"
      caption={(truth, prediction) => (
        <span data-testid="viewer-caption">
          {several && <span className="plane-name">Axial · </span>}
          <strong>{runLabel}</strong>
          {prediction ? ` · slice DSC ${formatScore(sliceDsc(truth, prediction, state.overlay.classFilter, numClasses))}` : ''}
          {caseDsc !== null ? ` · case DSC (test) ${formatScore(caseDsc)}` : ''}
          {note ? ` · ${note}` : ''}
        </span>
      )}
    />
  );
  return (
    <div className="viewer-view">
      <div className="viewer-side">
        <section className="panel" aria-labelledby="viewer-title">
          <h2 id="viewer-title">Viewer</h2>
          <p className="muted">{exp ? `Experiment: ${exp.request.name}` : 'No experiment yet: the image and its ground truth. Train in Train & compare, or load a mask file below.'}</p>
          <CaseBar
            cases={cases}
            current={current}
            exp={exp}
            slice={nav.indexOf(nav.plane)}
            count={nav.geometry(nav.plane).count}
            onSlice={(i) => nav.setIndex(nav.plane, i)}
            {...(several ? { plane: nav.plane, planeKeys: true } : {})}
          />
          <label className="field">
            Prediction{' '}
            <select value={run ?? ''} onChange={(e) => viewer.setRun(e.currentTarget.value || null)}>
              <option value="">none (ground truth only)</option>
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
              {file && <option value={FILE_RUN}>mask file: {file.name}</option>}
            </select>
          </label>
          <OverlayControls settings={state.overlay} onChange={viewer.setOverlay} numClasses={numClasses} {...(classNames ? { classNames } : {})} />
          <MaskFileLoader current={current} numClasses={numClasses} />
          <PredictionExport exp={exp} run={run === FILE_RUN ? null : run} current={current} cases={cases} numClasses={numClasses} />
        </section>
      </div>
      {several ? (
        // The axial plane stays the one in .viewer-main; sagittal and coronal beside it.
        <div className="viewer-stack" ref={stackRef}>
          <div className="viewer-main" onFocus={() => setNavPlane('axial')}>
            {axial}
          </div>
          <div className="viewer-planes">
            {(['sagittal', 'coronal'] as const).map((p) => (
              <div key={p} className="viewer-plane" onFocus={() => setNavPlane(p)}>
                <PlaneViewport
                  {...common}
                  plane={p}
                  label={(k, n) => `Case ${current.id}, ${p} slice ${k + 1} of ${n}`}
                  size="medium"
                  caption={() => (
                    <span data-testid={`plane-caption-${p}`}>
                      <span className="plane-name">{PLANE_TITLES[p]} · </span>
                      <strong>{runLabel}</strong>
                      {volumeNote ? ` · ${volumeNote}` : ''}
                    </span>
                  )}
                />
              </div>
            ))}
          </div>
        </div>
      ) : (
        <div className="viewer-main" ref={stackRef}>
          {axial}
        </div>
      )}
    </div>
  );
}

/** A segmentation made elsewhere, loaded as this case's prediction (same grid as the image). */
function MaskFileLoader({ current, numClasses }: { current: Case; numClasses: number }) {
  const mapping = useStudio((s) => s.dataset.mapping?.mapping);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="mask-loader">
      <label className="file-button">
        Load a mask file as this case&apos;s prediction…
        <input
          type="file"
          accept={acceptList()}
          onChange={async (e) => {
            const f = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (!f) return;
            try {
              const vol = readVolume(new Uint8Array(await f.arrayBuffer()), f.name);
              setFilePrediction(current.id, f.name, maskToLabels(vol, { id: current.id, dims: current.image.dims }, numClasses, mapping));
              viewer.setRun(FILE_RUN);
              setError(null);
            } catch (err) {
              setError(err instanceof Error ? err.message : String(err));
            }
          }}
        />
      </label>
      <ErrorNote error={error} />
    </div>
  );
}

/** Predicted masks as files in the source geometry: this case, or every test case as a zip. */
function PredictionExport({ exp, run, current, cases, numClasses }: { exp: ShownExperiment | null; run: string | null; current: Case; cases: readonly Case[]; numClasses: number }) {
  const mapping = useStudio((s) => s.dataset.mapping?.mapping);
  const hasModel = useStudio((s) => (exp && run ? (s.training.experiments.find((e) => e.id === exp.id)?.savedWeights.includes(run) ?? false) : false));
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!exp || !run) return null;
  const label = exp.snapshot?.runs.find((r) => r.id === run)?.label ?? run;
  const stem = (c: Case) => `${c.id}_${run.replace(/[^A-Za-z0-9=.-]+/g, '_')}`;
  const predictOne = async (c: Case) => {
    const slices = await predictWholeCase(exp.id, run, c.id, sliceCountOf(c));
    return predictionFile(c.image, joinSlices(slices, c.image.dims), stem(c), { numClasses, classValues: mapping ? classValues(mapping, numClasses) : null });
  };
  const go = async (which: 'case' | 'test') => {
    setError(null);
    try {
      if (which === 'case') {
        setProgress({ done: 0, total: 1 });
        const f = await predictOne(current);
        download(f.name, new Blob([f.bytes as BlobPart], { type: f.mime }));
      } else {
        const test = cases.filter((c) => exp.request.split.test.includes(c.id));
        const files: Record<string, Uint8Array> = {};
        for (const [i, c] of test.entries()) {
          setProgress({ done: i, total: test.length });
          const f = await predictOne(c);
          files[f.name] = f.bytes;
        }
        download(`${exp.id}_${run.replace(/[^A-Za-z0-9=.-]+/g, '_')}_test_predictions.zip`, new Blob([zipSync(files, { level: 0 }) as BlobPart], { type: 'application/zip' }));
      }
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setProgress(null);
    }
  };
  return (
    <div className="prediction-export">
      <h3>Download predictions of {label}</h3>
      <p className="muted">{exportCaption(current.image)}, with the dataset&apos;s label values where its mapping names them (else two classes as 0/255, more as class indices).</p>
      <div className="buttons">
        <button type="button" aria-label={`Download the prediction of ${current.id}`} disabled={progress !== null} onClick={() => void go('case')}>
          This case
        </button>
        <button type="button" aria-label="Download the predictions of all test cases (zip)" disabled={progress !== null} onClick={() => void go('test')}>
          All test cases (zip)
        </button>
        {hasModel && (
          <button type="button" aria-label={`Download the model of ${label} (tfjs: model.json and weights)`} onClick={() => trainingActions.exportModel(exp.id, run)}>
            The model
          </button>
        )}
      </div>
      {progress && (
        <label>
          predicting {progress.total > 1 ? 'the test cases' : 'every slice'}… <progress max={progress.total} value={progress.done} /> {progress.done} / {progress.total}
        </label>
      )}
      <ErrorNote error={error} />
    </div>
  );
}

function ErrorNote({ error }: { error: string | null }) {
  return error ? (
    <p className="bad" role="alert">
      {error}
    </p>
  ) : null;
}

/**
 * The viewer: one case, one slice, the ground truth and one run's prediction as overlays (true
 * positives, false positives in magenta, false negatives in green, the truth outline), with the
 * predicted masks to download in the source geometry.
 */
import { useState } from 'react';
import { zipSync } from 'fflate';
import { joinSlices, predictionFile } from '../../core/io/predictionFiles';
import { formatScore } from '../../core/metrics/summary';
import { readVolume } from '../../core/io/read';
import { classValues } from '../../core/data/labels';
import { maskToLabels } from '../../core/data/predictionMask';
import type { Case } from '../../core/data/types';
import { download } from '../../state/download';
import { getFilePrediction, getPrediction, getPredictionFailure, predictWholeCase, setFilePrediction } from '../../state/predictions';
import { useStudio, viewer } from '../../state/store';
import { trainingActions } from '../../state/trainingActions';
import { CaseBar, clampSlice } from './CaseBar';
import { OverlayControls } from './OverlayControls';
import { SliceViewport } from './SliceViewport';
import { caseTestDsc, flipYOf, sliceCountOf, sliceDsc, useSliceData, useSlicePredictions, useViewerContext, type ShownExperiment } from './viewerData';

const FILE_RUN = '\u0000file';


export function ViewerView() {
  const { exp, cases, current, state, version, numClasses, classNames } = useViewerContext();
  const runs = exp?.snapshot?.runs ?? [];
  const file = current ? getFilePrediction(current.id) : undefined;
  const run = state.run === FILE_RUN ? (file ? FILE_RUN : null) : (state.run && runs.some((r) => r.id === state.run) ? state.run : (runs[0]?.id ?? (file ? FILE_RUN : null)));
  const slice = current ? clampSlice(current, state.slice) : 0;
  const runList = run && run !== FILE_RUN ? [run] : [];
  useSlicePredictions(exp, current, slice, runList);
  const data = useSliceData(current, slice, version);

  if (!current || !data) {
    return (
      <section className="panel">
        <h2>Viewer</h2>
        <p className="muted">Load a dataset in the Data view (or wait for the synthetic demo) to look at its cases.</p>
      </section>
    );
  }
  const { image, truth } = data;
  const plane = current.image.dims[0] * current.image.dims[1];
  let prediction: Uint8Array | null = null;
  let note = '';
  if (run === FILE_RUN && file) {
    prediction = file.labels.subarray(slice * plane, (slice + 1) * plane);
    note = 'mask file';
  } else if (run && exp) {
    const p = getPrediction(exp.id, run, current.id, slice);
    const failure = getPredictionFailure(exp.id, run, current.id, slice);
    prediction = p?.labels ?? null;
    const untrained = exp.live && (runs.find((r) => r.id === run)?.epochs.length ?? 0) === 0;
    note = failure
      ? `cannot predict: ${failure}`
      : p
        ? p.weights === 'best'
          ? `best weights of ${p.epochs} epoch${p.epochs === 1 ? '' : 's'}`
          : `weights after epoch ${p.epochs}`
        : untrained
          ? 'waiting for its first epoch'
          : 'predicting…';
  }
  const history = exp?.snapshot?.runs.find((r) => r.id === run);
  const caseDsc = history ? caseTestDsc(history, current.id, state.overlay.classFilter) : null;
  const runLabel = run === FILE_RUN ? (file?.name ?? '') : (runs.find((r) => r.id === run)?.label ?? 'ground truth only');
  return (
    <div className="viewer-view">
      <div className="viewer-side">
        <section className="panel" aria-labelledby="viewer-title">
          <h2 id="viewer-title">Viewer</h2>
          <p className="muted">{exp ? `Experiment: ${exp.request.name}` : 'No experiment yet: the image and its ground truth. Train in Train & compare, or load a mask file below.'}</p>
          <CaseBar cases={cases} current={current} slice={slice} exp={exp} />
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
      <div className="viewer-main">
        <SliceViewport
          image={image}
          truth={truth}
          prediction={prediction}
          overlay={state.overlay}
          view={state.view}
          onViewChange={viewer.setView}
          slice={slice}
          sliceCount={sliceCountOf(current)}
          onSlice={viewer.setSlice}
          flipY={flipYOf(current)}
          label={`Case ${current.id}, slice ${slice + 1} of ${sliceCountOf(current)}`}
          size="large"
          caption={
            <span data-testid="viewer-caption">
              <strong>{runLabel}</strong>
              {prediction ? ` · slice DSC ${formatScore(sliceDsc(truth, prediction, state.overlay.classFilter, numClasses))}` : ''}
              {caseDsc !== null ? ` · case DSC (test) ${formatScore(caseDsc)}` : ''}
              {note ? ` · ${note}` : ''}
            </span>
          }
        />
      </div>
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
          accept=".png,.gif,.bmp,.tif,.tiff,.jpg,.jpeg,.nii,.gz"
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
      <p className="muted">{current.image.nifti ? 'NIfTI (.nii.gz) in the geometry of the source volume' : 'PNG masks of the image size'}, with the dataset&apos;s label values where its mapping names them (else two classes as 0/255, more as class indices).</p>
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

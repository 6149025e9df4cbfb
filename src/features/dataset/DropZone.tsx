import { useRef, useState } from 'react';
import { acceptList, describeFormats } from '../../core/io/formats/registry';
import { datasetActions } from '../../state/datasetActions';
import { useStudio } from '../../state/store';
import { filesFromDataTransfer, filesFromInput } from './collectFiles';

/** Drop a folder, a zip or files; or pick them; or load the synthetic demo. */
export function DropZone() {
  const [over, setOver] = useState(false);
  const loading = useStudio((s) => s.dataset.status === 'loading');
  const progress = useStudio((s) => s.dataset.progress);
  const error = useStudio((s) => s.dataset.error);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  return (
    <section className="panel">
      <div
        className={`dropzone${over ? ' over' : ''}`}
        data-testid="dropzone"
        role="region"
        aria-label="Drop a dataset here"
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setOver(true);
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
        }}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          filesFromDataTransfer(e.dataTransfer).then(
            (files) => datasetActions.loadFiles(files),
            (err: unknown) => datasetActions.failed(`The dropped items could not be read: ${err instanceof Error ? err.message : String(err)}`),
          );
        }}
      >
        <p className="drop-title">Drop a dataset folder, a zip of it, or a handful of files here</p>
        <p className="muted">
          {describeFormats()} Folders laid out as DRIVE, CVC-ClinicDB, the Medical Segmentation Decathlon, KiTS,
          BraTS, or images/ with masks/ are paired automatically. Files are read in this browser only.
        </p>
        <div className="buttons">
          <button type="button" onClick={() => folderInput.current?.click()} disabled={loading}>
            Choose a folder…
          </button>
          <button type="button" onClick={() => filesInput.current?.click()} disabled={loading}>
            Choose files or a zip…
          </button>
          <button type="button" onClick={() => void datasetActions.loadDemo()} disabled={loading}>
            Load the synthetic demo
          </button>
          {loading && (
            <button type="button" onClick={() => datasetActions.cancel()}>
              Cancel
            </button>
          )}
        </div>
        <input
          ref={filesInput}
          type="file"
          multiple
          hidden
          aria-label="Choose files or a zip"
          accept={acceptList({ archives: true })}
          onChange={(e) => {
            const files = filesFromInput(e.currentTarget.files);
            e.currentTarget.value = '';
            void datasetActions.loadFiles(files);
          }}
        />
        <input
          ref={folderInput}
          type="file"
          hidden
          aria-label="Choose a folder"
          {...({ webkitdirectory: '' } as Record<string, string>)}
          onChange={(e) => {
            const files = filesFromInput(e.currentTarget.files);
            e.currentTarget.value = '';
            void datasetActions.loadFiles(files);
          }}
        />
      </div>
      {loading && progress && (
        <div className="progress-row" aria-live="polite">
          <label>
            {progress.total ? `Decoding case ${Math.min(Math.floor(progress.done) + 1, progress.total)} of ${progress.total} (${progress.label})` : 'Reading files…'}{' '}
            <progress max={progress.total || undefined} value={progress.total ? progress.done : undefined} />
          </label>
        </div>
      )}
      {error && (
        <p className="bad" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

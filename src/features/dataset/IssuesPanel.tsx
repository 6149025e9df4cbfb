import { useStudio } from '../../state/store';

/** Per-file problems (the case was left out) and warnings, then reader notes. */
export function IssuesPanel() {
  const issues = useStudio((s) => s.dataset.issues);
  const notes = useStudio((s) => s.dataset.notes);
  if (!issues.length && !notes.length) return null;
  const errors = issues.filter((i) => i.severity === 'error');
  const warnings = issues.filter((i) => i.severity === 'warning');
  return (
    <section className="panel" aria-labelledby="issues-title">
      <h2 id="issues-title">Problems and notes</h2>
      {errors.length > 0 && (
        <div role="alert">
          <ul className="issues" aria-label="Files that could not be used">
            {errors.map((i, k) => (
              <li key={k} className="bad-item">
                <code>{i.file}</code>: {i.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {warnings.length > 0 && (
        <ul className="issues" aria-label="Warnings">
          {warnings.map((i, k) => (
            <li key={k} className="warn-item">
              <code>{i.file}</code>: {i.message}
            </li>
          ))}
        </ul>
      )}
      {notes.length > 0 && (
        <details>
          <summary>
            {notes.length} {notes.length === 1 ? 'note' : 'notes'} from the readers
          </summary>
          <ul className="issues">
            {notes.map((n, k) => (
              <li key={k}>
                <code>{n.file}</code>: {n.note}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

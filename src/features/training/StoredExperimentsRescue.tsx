import { truncateText } from '../../core/training/experimentFile';
import { trainingActions } from '../../state/trainingActions';
import { useStudio } from '../../state/store';

/**
 * The stored experiments by id with a delete button each, drawn with nothing but their ids: what
 * the Train view's error boundary offers when the view itself cannot be drawn.
 */
export function StoredExperimentsRescue() {
  const experiments = useStudio((s) => s.training.experiments);
  const broken = useStudio((s) => s.training.brokenExperiments);
  const all = [...experiments.map((e) => String(e.id)), ...broken.map((b) => String(b.id))];
  if (all.length === 0) return null;
  return (
    <div>
      <p>The experiments kept in this browser can be deleted here. If one of them causes this, delete it, then try again.</p>
      <ul className="stored" aria-label="Stored experiments (recovery)">
        {all.map((id, i) => (
          <li key={`${i} ${id}`}>
            {truncateText(id)}{' '}
            <button type="button" aria-label={`Delete ${truncateText(id)}`} onClick={() => trainingActions.remove(id)}>
              delete
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

import { useState } from 'react';
import { pairManually, unpair } from '../../core/data/pairing';
import { datasetActions } from '../../state/datasetActions';
import { useStudio } from '../../state/store';

/** The pairing found, what was left unpaired and why, and hand corrections. */
export function PairingReview() {
  const pairing = useStudio((s) => s.dataset.pairing);
  const origin = useStudio((s) => s.dataset.origin);
  const [image, setImage] = useState('');
  const [mask, setMask] = useState('');
  if (!pairing) return null;
  const editable = origin === 'files';
  // Files of formats the studio cannot read are listed, but cannot be paired by hand.
  const unpairedPaths = pairing.unpaired.filter((u) => !u.unreadable).map((u) => u.path);
  return (
    <section className="panel" aria-labelledby="pairing-title">
      <h2 id="pairing-title">
        Pairing: {pairing.pairs.length} {pairing.pairs.length === 1 ? 'pair' : 'pairs'} <span className="muted">({pairing.layout})</span>
      </h2>
      <div className="scroll-table">
        <table className="data-table" aria-label="Image and mask pairs">
          <thead>
            <tr>
              <th>case</th>
              <th>image</th>
              <th>mask</th>
              <th>field of view</th>
              <th>own split</th>
              {editable && <th />}
            </tr>
          </thead>
          <tbody>
            {pairing.pairs.map((p) => (
              <tr key={p.id}>
                <td>{p.id}</td>
                <td>{p.image}</td>
                <td>{p.mask}</td>
                <td>{p.roi ?? '—'}</td>
                <td>{p.ownSplit ?? '—'}</td>
                {editable && (
                  <td>
                    <button type="button" aria-label={`Unpair ${p.id}`} onClick={() => void datasetActions.repair(unpair(pairing, p.id))}>
                      unpair
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pairing.unpaired.length > 0 && (
        <>
          <h3>Not paired ({pairing.unpaired.length})</h3>
          <ul className="issues" aria-label="Unpaired files">
            {pairing.unpaired.map((u, k) => (
              <li key={k}>
                <code>{u.path}</code>: {u.reason}
              </li>
            ))}
          </ul>
          {editable && (
            <div className="pair-by-hand">
              <label>
                image{' '}
                <select value={image} onChange={(e) => setImage(e.currentTarget.value)}>
                  <option value="">choose…</option>
                  {unpairedPaths.map((p) => (
                    <option key={p}>{p}</option>
                  ))}
                </select>
              </label>
              <label>
                mask{' '}
                <select value={mask} onChange={(e) => setMask(e.currentTarget.value)}>
                  <option value="">choose…</option>
                  {unpairedPaths.map((p) => (
                    <option key={p}>{p}</option>
                  ))}
                </select>
              </label>
              <button
                type="button"
                disabled={!image || !mask || image === mask}
                onClick={() => {
                  void datasetActions.repair(pairManually(pairing, image, mask));
                  setImage('');
                  setMask('');
                }}
              >
                Pair by hand
              </button>
            </div>
          )}
        </>
      )}
      {pairing.ignored.length > 0 && (
        <details>
          <summary>{pairing.ignored.length} files ignored</summary>
          <ul className="issues">
            {pairing.ignored.map((u, k) => (
              <li key={k}>
                <code>{u.path}</code>: {u.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

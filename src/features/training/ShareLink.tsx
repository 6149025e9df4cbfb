/**
 * "Copy a link to this configuration": the training settings, the dataset's split seed, the
 * parameters of the losses in play and the explorer's selection as a URL (state/shareConfig). Copied with the clipboard API
 * where the browser allows it; otherwise the link is shown selected, ready to copy by hand.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { currentConfig, shareUrl } from '../../state/shareConfig';
import { useStudio } from '../../state/store';

type CopyState = { url: string; outcome: 'copied' | 'failed' };

export function ShareLink() {
  const settings = useStudio((s) => s.training.settings);
  const explorer = useStudio((s) => s.explorer);
  const splitSeed = useStudio((s) => s.dataset.splitSeed);
  const url = useMemo(
    () => shareUrl(currentConfig({ training: { settings }, explorer, dataset: { splitSeed } }), { origin: window.location.origin, pathname: window.location.pathname }),
    [settings, explorer, splitSeed],
  );
  const [shown, setShown] = useState(false);
  const [copy, setCopy] = useState<CopyState | null>(null);
  const input = useRef<HTMLInputElement>(null);

  // When the clipboard is unavailable or refused, the link is selected for a manual copy.
  useEffect(() => {
    if (copy?.outcome !== 'failed') return;
    input.current?.focus();
    input.current?.select();
  }, [copy]);

  const onCopy = async () => {
    setShown(true);
    try {
      if (!navigator.clipboard?.writeText) throw new Error('clipboard unavailable');
      await navigator.clipboard.writeText(url);
      setCopy({ url, outcome: 'copied' });
    } catch {
      setCopy({ url, outcome: 'failed' });
    }
  };

  // A status about an older link is no longer true once the configuration changes.
  const status =
    copy?.url !== url
      ? ''
      : copy.outcome === 'copied'
        ? 'Link copied to the clipboard.'
        : 'The browser did not allow copying: the link below is selected, copy it with Ctrl+C (⌘C on a Mac).';

  return (
    <div className="share-link">
      <button type="button" onClick={() => void onCopy()}>
        Copy a link to this configuration
      </button>
      {shown && (
        <label className="field">
          Configuration link{' '}
          <input ref={input} type="text" readOnly value={url} aria-label="Configuration link" onFocus={(e) => e.currentTarget.select()} />
        </label>
      )}
      <p className="muted" role="status" aria-live="polite">
        {status}
      </p>
    </div>
  );
}

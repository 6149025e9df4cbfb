/**
 * Controls of the segmentation overlay: layer checkboxes with their colour swatches, the opacity
 * and, for more than one foreground class, which class counts as foreground.
 */
import { useId } from 'react';
import { OVERLAY_COLORS, overlayColorHex, type OverlaySettings } from '../../core/viz/overlay';
import './viewer.css';

export interface OverlayControlsProps {
  settings: OverlaySettings;
  onChange: (s: OverlaySettings) => void;
  /** Classes including the background (2 = binary: no class selector). */
  numClasses: number;
  /** Names of the foreground classes: entry k names class k + 1, e.g. ['liver', 'tumour']. */
  classNames?: readonly string[];
  /** Legend of the group. */
  legend?: string;
}

type Layer = 'outline' | 'prediction' | 'tp' | 'fp' | 'fn';

const LAYERS: readonly { key: Layer; label: string; hint: string }[] = [
  { key: 'outline', label: 'Truth outline', hint: 'boundary of the ground truth' },
  { key: 'prediction', label: 'Prediction', hint: 'every predicted pixel' },
  { key: 'tp', label: 'True positives', hint: 'true positives: predicted and in the truth' },
  { key: 'fp', label: 'False positives (magenta)', hint: 'false positives: predicted, not in the truth' },
  { key: 'fn', label: 'False negatives (green)', hint: 'false negatives: in the truth, missed' },
];

export function OverlayControls({ settings, onChange, numClasses, classNames, legend = 'Overlay' }: OverlayControlsProps) {
  const opacityId = useId();
  const classId = useId();
  const set = (patch: Partial<OverlaySettings>) => onChange({ ...settings, ...patch });
  const pct = Math.round(settings.opacity * 100);

  return (
    <fieldset className="overlay-controls">
      <legend>{legend}</legend>
      <div className="oc-toggles">
        {LAYERS.map(({ key, label, hint }) => {
          const color = overlayColorHex(OVERLAY_COLORS[key]);
          return (
            <label key={key} title={hint}>
              <input type="checkbox" checked={settings[key]} onChange={(e) => set({ [key]: e.currentTarget.checked })} />
              <span
                className={key === 'outline' ? 'oc-swatch oc-outline' : 'oc-swatch'}
                style={key === 'outline' ? { borderColor: color } : { background: color }}
                aria-hidden="true"
              />
              {label}
            </label>
          );
        })}
      </div>
      <div className="oc-row">
        <label htmlFor={opacityId}>Opacity</label>
        <input
          id={opacityId}
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={settings.opacity}
          aria-label="Overlay opacity"
          aria-valuetext={`${pct}%`}
          onChange={(e) => set({ opacity: Number(e.currentTarget.value) })}
        />
        <output htmlFor={opacityId}>{pct}%</output>
        {numClasses > 2 && (
          <>
            <label htmlFor={classId}>Class</label>
            <select
              id={classId}
              value={String(settings.classFilter)}
              onChange={(e) => {
                const v = e.currentTarget.value;
                set({ classFilter: v === 'any' ? 'any' : Number(v) });
              }}
            >
              <option value="any">Any foreground</option>
              {Array.from({ length: numClasses - 1 }, (_, i) => i + 1).map((c) => (
                <option key={c} value={String(c)}>
                  {classNames?.[c - 1] ? `${c}: ${classNames[c - 1]}` : `Class ${c}`}
                </option>
              ))}
            </select>
          </>
        )}
      </div>
    </fieldset>
  );
}

import { useId } from 'react';
import type { ParamSpec } from '../../core/losses/registry';
import { fmt } from '../../core/losses/registry';

interface Props {
  spec: ParamSpec;
  value: number;
  /** Extra text after the value, e.g. the exponent it sets. */
  hint?: string;
  onChange: (value: number) => void;
}

/** A labelled range input (keyboard: arrows, Page Up/Down, Home/End) whose name carries the symbol and the word. */
export function ParamSlider({ spec, value, hint, onChange }: Props) {
  const id = useId();
  return (
    <div className="param">
      <label htmlFor={id} title={spec.meaning}>
        {spec.label}
      </label>
      <input
        id={id}
        type="range"
        min={spec.min}
        max={spec.max}
        step={spec.step}
        value={value}
        aria-valuetext={`${fmt(value)}${hint ? `, ${hint}` : ''}`}
        onChange={(e) => onChange(Number(e.currentTarget.value))}
      />
      <output htmlFor={id} className="param-value">
        {fmt(value)}
      </output>
      <span className="param-hint">{hint ?? spec.meaning}</span>
    </div>
  );
}

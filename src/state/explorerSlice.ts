/**
 * The loss explorer's state: which losses are drawn, whose controls are shown, and every
 * loss's current parameters. Plain data only.
 */
import type { StateCreator } from 'zustand';
import {
  LOSS_IDS,
  paperParams,
  resolveParams,
  type LossId,
  type LossParams,
  type ParamName,
  type ParamValue,
  type ResolvedParams,
} from '../core/losses/registry';

export interface ExplorerSlice {
  explorer: {
    /** Losses drawn in the explorer chart, in the order they were ticked. */
    selected: LossId[];
    /** The loss whose sliders and formula are shown. */
    focused: LossId;
    /** Current parameters of every loss (start at the paper's settings). */
    params: Record<LossId, ResolvedParams>;
  };
}

export function initialExplorer(): ExplorerSlice['explorer'] {
  return {
    selected: ['crossEntropy', 'asymmetricUnifiedFocal'],
    focused: 'asymmetricUnifiedFocal',
    params: Object.fromEntries(LOSS_IDS.map((id) => [id, paperParams(id)])) as Record<LossId, ResolvedParams>,
  };
}

export const createExplorerSlice: StateCreator<ExplorerSlice, [], [], ExplorerSlice> = () => ({
  explorer: initialExplorer(),
});

type Set = (fn: (s: ExplorerSlice) => Partial<ExplorerSlice>) => void;

/** Actions, callable from React and from non-React code alike. */
export function explorerActions(set: Set) {
  const update = (fn: (e: ExplorerSlice['explorer']) => ExplorerSlice['explorer']) =>
    set((s) => ({ explorer: fn(s.explorer) }));
  return {
    toggleLoss(id: LossId, on?: boolean) {
      update((e) => {
        const has = e.selected.includes(id);
        const want = on ?? !has;
        if (want === has) return e;
        return { ...e, selected: want ? [...e.selected, id] : e.selected.filter((x) => x !== id) };
      });
    },
    focusLoss(id: LossId) {
      update((e) => ({ ...e, focused: id, selected: e.selected.includes(id) ? e.selected : [...e.selected, id] }));
    },
    /** Sets one parameter; the value is validated against the registry's range. */
    setParam(id: LossId, name: ParamName, value: ParamValue) {
      update((e) => {
        const next = resolveParams(id, { ...e.params[id], [name]: value });
        return { ...e, params: { ...e.params, [id]: next } };
      });
    },
    /** Sets several parameters of one loss at once (a preset). */
    setParams(id: LossId, values: LossParams) {
      update((e) => ({ ...e, params: { ...e.params, [id]: resolveParams(id, { ...e.params[id], ...values }) } }));
    },
    resetToPaper(id: LossId) {
      update((e) => ({ ...e, params: { ...e.params, [id]: paperParams(id) } }));
    },
  };
}

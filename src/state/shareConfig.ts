/**
 * The configuration link in the page: the store's configuration as a link (core/engine/
 * configLink.ts writes it: the keys, their bounds and the decoding rules are documented there),
 * and a link applied to the store. Applying is tolerant: what is valid applies, each problem is
 * returned as an error that names the key, the value and what is allowed (an invalid setting or
 * parameter keeps its current value); a link longer than the limit is refused whole.
 */
import { decodeConfigLink, encodeConfigLink, lossesInPlay, parseHashQuery, tooLong } from '../core/engine/configLink';
import type { StudioConfiguration } from '../core/engine/configuration';
import { LOSS_IDS, type LossId, type ResolvedParams } from '../core/losses/registry';
import { explorer as explorerActions, useStudio, type StudioState } from './store';
import { datasetActions } from './datasetActions';
import { trainingActions } from './trainingActions';
import type { TrainingSettings } from './trainingSlice';

export { parseHashQuery };
export type SharedConfig = StudioConfiguration;

/** The link that opens the Train view with this configuration. */
export function shareUrl(cfg: StudioConfiguration, location: { origin: string; pathname: string }): string {
  return `${location.origin}${location.pathname}#/train?${encodeConfigLink(cfg)}`;
}

/** The shareable configuration of a store state (with the dataset's split seed when given). */
export function currentConfig(state: { training: { settings: TrainingSettings }; explorer: StudioState['explorer']; dataset?: { splitSeed: number } }): StudioConfiguration {
  const settings = state.training.settings;
  const explorer = { selected: [...state.explorer.selected], focused: state.explorer.focused };
  const params: Partial<Record<LossId, ResolvedParams>> = {};
  for (const id of lossesInPlay(settings, explorer)) params[id] = { ...state.explorer.params[id] };
  return { settings: { ...settings, losses: [...settings.losses] }, params, ...(state.dataset ? { splitSeed: state.dataset.splitSeed } : {}), explorer };
}

/**
 * Decodes a query against the current store and applies what is valid: the training settings,
 * the dataset's split seed, the parameters of the losses in play, and the explorer's selection
 * and focus. Returns the
 * errors (empty when the whole link applied).
 */
export function applySharedConfig(query: string): string[] {
  const refusal = tooLong(query);
  if (refusal) return [refusal];
  const state = useStudio.getState();
  const { config, errors } = decodeConfigLink(query, {
    settings: state.training.settings,
    params: state.explorer.params,
    explorer: { selected: state.explorer.selected, focused: state.explorer.focused },
  });
  trainingActions.setSettings(config.settings);
  if (config.splitSeed !== undefined) datasetActions.setSplitSeed(config.splitSeed);
  for (const id of LOSS_IDS) {
    const p = config.params[id];
    if (!p) continue;
    try {
      explorerActions.setParams(id, p);
    } catch (e) {
      errors.push(`p.${id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (config.explorer) {
    const { selected, focused } = config.explorer;
    // The explorer draws its losses in the order they were ticked: untick all, tick in order.
    for (const id of useStudio.getState().explorer.selected) explorerActions.toggleLoss(id, false);
    for (const id of selected) explorerActions.toggleLoss(id, true);
    explorerActions.focusLoss(focused);
    if (!selected.includes(focused)) explorerActions.toggleLoss(focused, false);
  }
  return errors;
}

/** A small experiment for the engine's tests: two losses, four training cases of 32×32, a tiny model. */
import type { DatasetSplit } from '../../data/split';
import type { Case } from '../../data/types';
import type { ExperimentRequest } from '../../training/experimentFile';
import { syntheticCases } from '../../training/testing/fixtures';
import { tinyModel } from '../../training/testing/tinyModel';
import type { EngineEvent } from '../types';

export const engineCases: Case[] = syntheticCases(8, 5, 32);

export const engineSplit: DatasetSplit = {
  train: engineCases.slice(0, 4).map((c) => c.id),
  validation: engineCases.slice(4, 6).map((c) => c.id),
  test: engineCases.slice(6).map((c) => c.id),
};

/** Three epochs of two steps of Dice and the asymmetric unified focal loss, without augmentation. */
export function engineRequest(id = 'exp-engine', training: ExperimentRequest['training'] = {}): ExperimentRequest {
  return {
    id,
    name: 'Dice · aUF on synthetic vessels',
    createdAt: '2026-02-03T04:05:06.000Z',
    runs: [{ loss: 'dice' }, { loss: 'asymmetricUnifiedFocal' }],
    training: { augmentation: null, stepsPerEpoch: 2, maxEpochs: 3, lossReadEvery: 1, ...training },
    model: { inputHeight: 32, inputWidth: 32, depth: 2, baseFilters: 4, seed: 1 },
    scheduling: 'interleaved',
    interleave: 'epoch',
    split: engineSplit,
    dataset: { origin: 'demo', description: 'synthetic', numClasses: 2, channels: 1, caseIds: engineCases.map((c) => c.id) },
  };
}

/** The tiny model of the training tests (every run of an experiment gets the first one's weights). */
export const engineModel = () => tinyModel({ filters: 4, seed: 7 });

/** Events in order, and the types in order. */
export function recorder(): { events: EngineEvent[]; emit: (e: EngineEvent) => void; types: () => string[] } {
  const events: EngineEvent[] = [];
  return { events, emit: (e) => events.push(e), types: () => events.map((e) => (e.type === 'experiment' ? `experiment:${e.event.type}` : e.type)) };
}

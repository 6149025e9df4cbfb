/**
 * The studio's one store, built from feature slices (zustand's slices pattern). It holds plain
 * data, ids and version counters: never tensors or large arrays.
 */
import { create } from 'zustand';
import { createDatasetSlice, initialDataset, type DatasetSlice } from './datasetSlice';
import { createExplorerSlice, explorerActions, initialExplorer, type ExplorerSlice } from './explorerSlice';
import { createTrainingSlice, initialTraining, type TrainingSlice } from './trainingSlice';
import { createViewerSlice, initialViewer, viewerActions, type ViewerSlice } from './viewerSlice';

export type StudioState = ExplorerSlice & DatasetSlice & TrainingSlice & ViewerSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createExplorerSlice(...a),
  ...createDatasetSlice(...a),
  ...createTrainingSlice(...a),
  ...createViewerSlice(...a),
}));

export const explorer = explorerActions(useStudio.setState);
export const viewer = viewerActions(useStudio.setState);

/** Back to the initial state (tests). */
export function resetStudio(): void {
  useStudio.setState({ explorer: initialExplorer(), dataset: initialDataset(), training: initialTraining(), viewer: initialViewer() });
}

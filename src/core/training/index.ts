/**
 * The training loop of the loss comparison (Yeung et al. 2022, "Unified Focal loss", Comput.
 * Med. Imaging Graph. 95:102026): configuration with the paper's protocol, epoch-end schedules,
 * samples and batches, one (model, loss) trainer, and the multi-loss experiment.
 *
 *   const ex = new Experiment({ createModel: () => buildUNet(unet), cases, split, onEvent: post });
 *   await ex.run();            // 'step' · 'epoch' · 'runDone' · 'testResults' events
 *   ex.stop();                 // from a 'stop' message: ends after the step in progress
 *   ex.snapshot();             // plain, JSON-safe history
 *
 *   // resumable: keep a checkpoint after every epoch, build the experiment again after a reload
 *   new Experiment({ ...options, onEpochCheckpoint: (cp) => store.put(cp) });
 *   const again = await Experiment.resume(options, cp);   // then: await again.run()
 */
export {
  DEFAULT_TRAINING,
  TRAINING_FIELD_NAMES,
  resolveStepsPerEpoch,
  trainingConfig,
  trainingConfigProblems,
  validateTrainingConfig,
  unknownTrainingFields,
  withTrainingDefaults,
  type CheckpointMetric,
  type OptimizerName,
  type SliceSelection,
  type TrainingConfig,
} from './config';
export {
  BestCheckpoint,
  EarlyStopping,
  ReduceLROnPlateau,
  isImprovement,
  type BestCheckpointState,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
  type PlateauOptions,
  type PlateauState,
  type PlateauUpdate,
} from './schedule';
export {
  batchArrays,
  colourChannels,
  fitToInput,
  makeBatch,
  normalizedSlices,
  oneHot,
  prepareSamples,
  selectChannels,
  selectSlices,
  writeOneHot,
  type BatchArrays,
  type BatchOptions,
  type FitMode,
  type PreparedSample,
  type SampleOptions,
} from './samples';
export {
  CHECKPOINT_VERSION,
  CheckpointMismatchError,
  modelWeightNames,
  type OptimizerCheckpoint,
  type TrainerCheckpoint,
  type WeightArray,
} from './checkpoint';
export { decodeOptimizer, encodeOptimizer, optimizerSlotNames, trainerCheckpointProblems, type TrainerLayout } from './checkpointCodec';
export { createOptimizer, disposeOptimizer, setLearningRate } from './optimizer';
export { modelGeometry, Predictor, type Prediction, type PredictOptions, type PredictorOptions } from './slidingWindow';
export { modelGeometry3D, predictVolume3D, volumeProbabilities3D, type PredictVolumeOptions, type VolumePrediction } from './slidingWindow3d';
export { CaseScores, caseResult, labelsAtSource, meanCaseDsc, type CaseResult, type ScoredSample } from './scoring';
export { isVolumeModel, modelInput, Trainer, sampleOrder, type EpochSummary, type Evaluation, type StopReason, type TrainerData, type TrainerData3D } from './trainer';
export {
  prepareVolume,
  prepareVolumes,
  scoreVolumes,
  volumeBatch,
  volumeCaseResult,
  volumeLabelsAtSource,
  volumeLoss,
  type PreparedVolume,
  type VolumeOptions,
  type VolumeScore,
} from './volumes';
export {
  axialSlices,
  Experiment,
  GAMMA_SWEEP,
  gammaSweepRuns,
  paperRuns,
  predictCaseVolume,
  resolveRunSpecs,
  testMetrics,
  type CaseVolumeOptions,
  type EpochRecord,
  type ExperimentCheckpoint,
  type ExperimentEvent,
  type ExperimentEventType,
  type ExperimentOptions,
  type ExperimentSnapshot,
  type InterleaveUnit,
  type RunHistory,
  type RunSpec,
  type Scheduling,
} from './experiment';

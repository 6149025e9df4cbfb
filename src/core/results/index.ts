/**
 * Test results of a loss comparison as the paper reports them (Yeung et al. 2022, Tables 2–6
 * and Figure 3): summary table with significance tests, per-case scores, box-plot data, the γ
 * sweep, and their CSV/JSON exports. Pure TypeScript over an ExperimentSnapshot.
 */
export {
  METRICS,
  METRIC_LABELS,
  TEST_LABELS,
  boxPlotData,
  caseValue,
  checkClassIndex,
  compareCaseIds,
  defaultReference,
  foregroundClasses,
  formatPValue,
  gammaSweepSeries,
  hasSweepRuns,
  missingTestReason,
  parseSweepId,
  perCaseTable,
  resultsTable,
  runInfo,
} from './table';
export type {
  BoxSeries,
  ClassSelection,
  MetricCell,
  MetricId,
  PValueCell,
  PerCaseTable,
  ResultsRow,
  ResultsTable,
  ResultsTableOptions,
  ResultsTest,
  RunInfo,
  SkippedRun,
  SweepPoint,
  SweepSeries,
} from './table';
export { RESULTS_FORMAT, classLabel, csv, csvField, perCaseCsv, resultsCsv, resultsDocument, resultsJson } from './export';
export type { ResultsJsonMeta } from './export';

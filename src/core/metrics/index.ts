/**
 * Hard-mask segmentation metrics, summaries and paired significance tests (pure TypeScript,
 * typed arrays in, plain numbers out).
 */
export {
  EMPTY_MASK_CONVENTIONS,
  argmaxLabels,
  caseMetrics,
  confusionCounts,
  confusionMatrix,
  scoresFromCounts,
} from './confusion';
export type { ClassCounts, ClassMetrics, Scores } from './confusion';
export { formatMeanStd, formatScore, meanOfFinite, summarize } from './summary';
export type { Summary } from './summary';
export { mannWhitneyCdf, pairedTest, rankSum, wilcoxonSignedRank } from './stats';
export type {
  Alternative,
  PairedTestKind,
  PairedTestOptions,
  PairedTestResult,
  RankSumOptions,
  RankSumResult,
  SignedRankOptions,
  SignedRankResult,
  TestMethod,
  ZeroMethod,
} from './stats';

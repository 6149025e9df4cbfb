/**
 * What `segstudio train` tells the person waiting: on a terminal one line redrawn in place (run,
 * epoch, step, a bar and the time left); otherwise (a log file, a Slurm task) one line per
 * finished epoch and per finished run, so logs stay readable.
 */
import type { ExperimentEvent } from '../core/training/experiment';
import { estimateProgress, formatDuration } from '../core/training/progress';

export interface ProgressPlan {
  runs: string[];
  maxEpochs: number;
  /** Known once the experiment has built its samples (setStepsPerEpoch). */
  stepsPerEpoch: number;
  /** The step budget of a run (0 or absent: none). */
  maxSteps?: number;
}

export interface Output {
  write(s: string): void;
  isTTY?: boolean;
  columns?: number;
}

const fmt = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));

export class ProgressReporter {
  private steps = 0;
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private plan: ProgressPlan,
    private readonly out: Output,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** Steps per epoch, as the experiment reports them when it starts. */
  setStepsPerEpoch(n: number): void {
    this.plan = { ...this.plan, stepsPerEpoch: n };
  }

  private estimate(at: number) {
    return estimateProgress({
      runs: this.plan.runs.length,
      maxEpochs: this.plan.maxEpochs,
      stepsPerEpoch: this.plan.stepsPerEpoch,
      maxSteps: this.plan.maxSteps ? this.plan.maxSteps : null,
      stepsDone: this.steps,
      elapsedSeconds: (at - this.started) / 1000,
    });
  }

  private eta(): string {
    const p = this.estimate(this.now());
    return `${Math.round(100 * p.fraction)} %, about ${formatDuration(p.etaSeconds)} left`;
  }

  private runLabel(run: string): string {
    return `run ${this.plan.runs.indexOf(run) + 1}/${this.plan.runs.length} ${run}`;
  }

  /** Ends a line drawn in place before printing a whole line. */
  private line(s: string): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
    this.out.write(`${s}\n`);
  }

  private firstStepAt = Number.NaN;
  private lastStepAt = Number.NaN;

  /** Steps taken and their rate, from the first step to the last (epoch-end validation included). */
  summary(): string {
    const s = (this.lastStepAt - this.firstStepAt) / 1000;
    return this.steps > 1 && s > 0 ? `${this.steps} steps in ${formatDuration(s)} (${((this.steps - 1) / s).toFixed(2)} steps/s)` : `${this.steps} steps`;
  }

  event(e: ExperimentEvent): void {
    if (e.type === 'step') {
      this.steps++;
      this.lastStepAt = this.now();
      if (this.steps === 1) this.firstStepAt = this.lastStepAt;
      if (!this.out.isTTY) return;
      const t = this.now();
      if (t - this.lastDraw < 100) return;
      this.lastDraw = t;
      const p = this.estimate(t);
      const inEpoch = ((e.step - 1) % Math.max(1, this.plan.stepsPerEpoch)) + 1;
      const head = `${this.runLabel(e.run)} · epoch ${e.epoch + 1}/${this.plan.maxEpochs} · step ${inEpoch}/${this.plan.stepsPerEpoch} `;
      const tail = ` ${Math.round(100 * p.fraction)} % · ${formatDuration(p.etaSeconds)} left`;
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 100) - head.length - tail.length - 3));
      const filled = Math.round(width * p.fraction);
      this.out.write(`\r${head}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${tail}\x1b[K`);
      this.drawn = true;
    } else if (e.type === 'epoch') {
      const dsc = e.valDsc.length ? e.valDsc.map((v) => fmt(v, 3)).join('/') : '—';
      this.line(`${this.runLabel(e.run)} · epoch ${e.epoch + 1}: train loss ${fmt(e.trainLoss)}, validation loss ${fmt(e.valLoss)}, validation DSC ${dsc}, lr ${e.lr}${e.improved ? ' (best so far)' : ''} · ${this.eta()}`);
    } else if (e.type === 'runDone') {
      this.line(`${this.runLabel(e.run)} ended (${e.reason}) after ${e.epochs} epochs; best epoch ${e.bestEpoch + 1}`);
    } else if (e.type === 'testResults') {
      const mean = e.perCase.length ? e.perCase.reduce((s, c) => s + c.dsc.reduce((a, b) => a + b, 0) / Math.max(1, c.dsc.length), 0) / e.perCase.length : Number.NaN;
      this.line(`${this.runLabel(e.run)} test: mean DSC ${fmt(mean, 3)} over ${e.perCase.length} cases`);
    }
  }

  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

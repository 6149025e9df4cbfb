/**
 * Runs reads in a worker thread under a watchdog, from the main thread:
 * - a read that does not answer within the time limit is a hang: its JavaScript stack is taken
 *   through the inspector (Debugger.pause on the worker), the worker is terminated and a new one
 *   started for the next input;
 * - a worker that dies (its V8 heap limit, set by resourceLimits to the memory budget) or whose
 *   process resident set grows past the memory budget during a read is a worker death: it is
 *   terminated (if still alive) and replaced;
 * - memory is sampled every few milliseconds while the read runs: the process's resident set
 *   (rss) and its virtual size (VmSize from /proc/self/statm), each as the peak above the value
 *   just before the input was posted. Both are process-wide, so they include the worker thread;
 *   the worker itself reports the growth of its own ArrayBuffer bytes (main-thread
 *   process.memoryUsage().arrayBuffers does not see a worker's buffers).
 *
 * Limits of the memory figures: samples miss spikes shorter than the interval; rss counts only
 * touched pages (a zero-filled 4 GiB ArrayBuffer that is never written barely moves it, which is
 * why the virtual size is sampled too); the virtual size also moves when V8 reserves heap
 * space; memory freed by the previous input but not yet returned to the system lowers the peak
 * above baseline; and the main thread's own allocations (small while a read runs) are included.
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { Worker } from 'node:worker_threads';
import type { ReadMode } from './seeds';
import type { ReadAnswer, ReadOutcome, ReadRequest } from './worker';

export type Outcome = ReadOutcome | 'hang' | 'death';

export interface RunResult {
  outcome: Outcome;
  /** Read time measured in the worker; the elapsed time at the kill for hangs and deaths. */
  ms: number;
  errorName?: string;
  /** The file a refusal names. */
  file?: string;
  message?: string;
  stack?: string;
  detail?: string;
  /** What the worker was running when it hung or died (adapter stage). */
  stage?: string;
  /** Top frames of the hung read's JavaScript stack. */
  hangFrames?: string[];
  rssPeakMb: number;
  vmPeakMb: number;
  arrayBuffersMb: number;
}

export interface RunnerOptions {
  timeoutMs: number;
  maxMemoryMb: number;
  /** The worker's stack in MiB (a browser's worker has about 1). */
  stackMb: number;
  sampleMs: number;
  /** Take the JavaScript stack of hung reads through the inspector. */
  hangStacks: boolean;
}

const MIB = 2 ** 20;
const PAGE = 4096;

/** [resident, virtual] bytes of this process: /proc/self/statm on Linux, rss only elsewhere. */
function memNow(): [number, number] {
  try {
    const [size, resident] = readFileSync('/proc/self/statm', 'latin1').split(' ').map(Number);
    return [(resident ?? 0) * PAGE, (size ?? 0) * PAGE];
  } catch {
    return [process.memoryUsage.rss(), NaN];
  }
}

interface Pending {
  id: number;
  resolve: (a: ReadAnswer | { death: string }) => void;
}

export class Runner {
  private worker: Worker | null = null;
  private workerId = '';
  private pending: Pending | null = null;
  private nextId = 1;
  private readonly stage = new SharedArrayBuffer(256);
  private session: Session | null = null;
  private inspectorIds = new Map<string, string>();
  private inspectorReady: Promise<void> = Promise.resolve();
  private attachWaiter: (() => void) | null = null;
  private pausedWaiter: ((frames: string[]) => void) | null = null;
  /** Script id → URL in the current worker (ids are per isolate). */
  private scripts = new Map<string, string>();
  /** Workers started (the first one included). */
  starts = 0;

  constructor(
    private readonly workerUrl: URL,
    private readonly opts: RunnerOptions,
  ) {
    if (opts.hangStacks) this.startInspector();
  }

  private startInspector(): void {
    const s = new Session();
    s.connect();
    s.on('NodeWorker.attachedToWorker', (m) => {
      const p = m.params as { sessionId: string; workerInfo: { workerId: string } };
      this.inspectorIds.set(String(p.workerInfo.workerId), p.sessionId);
      if (String(p.workerInfo.workerId) === this.workerId) this.attachWaiter?.();
    });
    s.on('NodeWorker.detachedFromWorker', (m) => {
      const p = m.params as { sessionId: string };
      for (const [k, v] of this.inspectorIds) if (v === p.sessionId) this.inspectorIds.delete(k);
    });
    s.on('NodeWorker.receivedMessageFromWorker', (m) => {
      const p = m.params as { message: string };
      const msg = JSON.parse(p.message) as {
        method?: string;
        params?: {
          scriptId?: string;
          url?: string;
          callFrames?: { functionName: string; url: string; location: { scriptId: string; lineNumber: number; columnNumber: number } }[];
        };
      };
      // Paused frames name their script by id; the script list comes with Debugger.enable.
      if (msg.method === 'Debugger.scriptParsed' && msg.params?.scriptId) this.scripts.set(msg.params.scriptId, msg.params.url ?? '');
      if (msg.method === 'Debugger.paused' && this.pausedWaiter) {
        const frames = (msg.params?.callFrames ?? []).slice(0, 12).map((f) => {
          const url = (f.url || this.scripts.get(f.location.scriptId) || '?').replace(/^.*\/(node_modules\/)/, '$1').replace(/^file:\/\/.*\//, '');
          return `${f.functionName || '(anonymous)'} ${url}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1}`;
        });
        this.pausedWaiter(frames);
      }
    });
    this.inspectorReady = new Promise((resolve) => s.post('NodeWorker.enable', { waitForDebuggerOnStart: false }, () => resolve()));
    this.session = s;
  }

  private toWorker(method: string, params: object = {}): void {
    const sessionId = this.inspectorIds.get(this.workerId);
    if (!this.session || !sessionId) return;
    this.session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id: this.nextId++, method, params }) });
  }

  /** The JavaScript stack of the busy worker, or [] when it does not pause in time. */
  private async hangStack(): Promise<string[]> {
    if (!this.session || !this.inspectorIds.has(this.workerId)) return [];
    const frames = new Promise<string[]>((resolve) => {
      this.pausedWaiter = resolve;
      setTimeout(() => resolve([]), 1500);
    });
    this.toWorker('Debugger.enable');
    this.toWorker('Debugger.pause');
    const out = await frames;
    this.pausedWaiter = null;
    this.toWorker('Debugger.resume');
    return out;
  }

  private async ensureWorker(): Promise<Worker> {
    if (this.worker) return this.worker;
    // Attached to the inspector session before it reads anything, so a hang's stack can be taken.
    await this.inspectorReady;
    const w = new Worker(this.workerUrl, {
      workerData: { stage: this.stage },
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxMemoryMb, maxYoungGenerationSizeMb: 64, stackSizeMb: this.opts.stackMb },
      stdout: true,
      stderr: true,
    });
    w.stdout.resume();
    w.stderr.resume();
    // Events of a worker already replaced (terminated after a hang) concern no input.
    w.on('message', (a: ReadAnswer) => {
      if (this.worker === w && this.pending && a.id === this.pending.id) this.pending.resolve(a);
    });
    w.on('error', (e) => {
      if (this.worker === w) this.pending?.resolve({ death: `${e.name}: ${e.message}` });
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.pending?.resolve({ death: `the worker exited with code ${code}` });
    });
    this.worker = w;
    this.workerId = String(w.threadId);
    this.scripts.clear();
    const attached = this.session && !this.inspectorIds.has(this.workerId) ? new Promise<void>((resolve) => {
      this.attachWaiter = resolve;
      setTimeout(resolve, 2000);
    }) : Promise.resolve();
    await new Promise<void>((resolve, reject) => {
      w.once('online', () => resolve());
      w.once('error', reject);
    });
    await attached;
    this.attachWaiter = null;
    this.starts++;
    return w;
  }

  private async kill(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    await Promise.race([w.terminate(), new Promise((r) => setTimeout(r, 10_000))]);
  }

  private readStage(): string {
    const b = new Uint8Array(this.stage);
    const end = b.indexOf(0);
    return new TextDecoder().decode(b.subarray(0, end < 0 ? b.length : end));
  }

  async run(mode: ReadMode, name: string, bytes: Uint8Array, timeoutMs = this.opts.timeoutMs): Promise<RunResult> {
    const w = await this.ensureWorker();
    const id = this.nextId++;
    const [rss0, vm0] = memNow();
    let rssPeak = rss0;
    let vmPeak = vm0;
    const t0 = performance.now();
    let overBudget = '';
    let timedOut = false;
    const answer = new Promise<ReadAnswer | { death: string }>((resolve) => {
      this.pending = { id, resolve };
    });
    const sampler = setInterval(() => {
      const [rss, vm] = memNow();
      rssPeak = Math.max(rssPeak, rss);
      vmPeak = Math.max(vmPeak, vm);
      if (!overBudget && rss - rss0 > this.opts.maxMemoryMb * MIB) {
        overBudget = `memory budget exceeded: rss rose by ${Math.round((rss - rss0) / MIB)} MiB (budget ${this.opts.maxMemoryMb} MiB)`;
        this.pending?.resolve({ death: overBudget });
      }
    }, this.opts.sampleMs);
    const timer = setTimeout(() => {
      timedOut = true;
      this.pending?.resolve({ death: 'timeout' });
    }, timeoutMs);
    const copy = bytes.slice();
    w.postMessage({ id, mode, name, bytes: copy } satisfies ReadRequest, [copy.buffer]);
    const a = await answer;
    clearInterval(sampler);
    clearTimeout(timer);
    this.pending = null;
    const elapsed = performance.now() - t0;
    const mem = { rssPeakMb: Math.max(0, rssPeak - rss0) / MIB, vmPeakMb: Math.max(0, vmPeak - vm0) / MIB };
    if ('death' in a) {
      const stage = this.readStage();
      if (timedOut && !overBudget) {
        let hangFrames = this.opts.hangStacks ? await this.hangStack() : [];
        await this.kill();
        let message = `no answer within ${timeoutMs} ms`;
        if (this.opts.hangStacks && hangFrames.length === 0) {
          // No stack (the thread did not pause in time, e.g. inside one long native call): read
          // the input again in a fresh worker and try once more; this also confirms the hang.
          const again = await this.rerunForStack(mode, name, bytes, timeoutMs);
          hangFrames = again.frames;
          if (again.answeredMs !== undefined) message += ` (a fresh worker answered in ${again.answeredMs.toFixed(0)} ms: slow under load, not stuck)`;
        }
        return { outcome: 'hang', ms: elapsed, stage, hangFrames, message, ...mem, arrayBuffersMb: NaN };
      }
      await this.kill();
      return { outcome: 'death', ms: elapsed, stage, message: a.death, ...mem, arrayBuffersMb: NaN };
    }
    const { outcome, ms, errorName, file, message, stack, detail } = a;
    return { outcome, ms, ...(errorName ? { errorName } : {}), ...(file ? { file } : {}), ...(message ? { message } : {}), ...(stack ? { stack } : {}), ...(detail ? { detail } : {}), ...mem, arrayBuffersMb: a.arrayBuffersGrowth / MIB };
  }

  /** Reads the input in a fresh worker; at the time limit takes the stack of the hang. */
  private async rerunForStack(mode: ReadMode, name: string, bytes: Uint8Array, timeoutMs: number): Promise<{ frames: string[]; answeredMs?: number }> {
    const w = await this.ensureWorker();
    const id = this.nextId++;
    const answer = new Promise<ReadAnswer | { death: string }>((resolve) => {
      this.pending = { id, resolve };
    });
    const timer = setTimeout(() => this.pending?.resolve({ death: 'timeout' }), timeoutMs);
    const copy = bytes.slice();
    const t0 = performance.now();
    w.postMessage({ id, mode, name, bytes: copy } satisfies ReadRequest, [copy.buffer]);
    const a = await answer;
    clearTimeout(timer);
    this.pending = null;
    if (!('death' in a)) return { frames: [], answeredMs: performance.now() - t0 };
    const frames = this.worker ? await this.hangStack() : [];
    await this.kill();
    return { frames };
  }

  async close(): Promise<void> {
    await this.kill();
    this.session?.disconnect();
  }
}

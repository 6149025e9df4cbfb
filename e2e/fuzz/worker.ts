/**
 * The worker thread that reads the fuzz inputs (one at a time, through adapter.ts) and says how
 * each read ended. The main thread watches it: a read that does not answer in time is a hang, a
 * thread that dies (heap limit, memory budget) is a worker death; this side only classifies the
 * reads that return:
 * - ok: volumes decoded and nothing refused;
 * - refused: the readers refused the file with a message naming it (an InputFileError, or an
 *   issue of an archive entry or of the dataset);
 * - wrapped: refused, but the message is a resource failure caught and passed on as a refusal
 *   (array buffer allocation failed, call stack exceeded, invalid array length, Map too large),
 *   or, for a dataset, a raw JavaScript error turned into an issue;
 * - crash: any other exception.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { readAsStudio, refusalOf, type ReadIssue } from './adapter';
import type { ReadMode } from './seeds';

export interface ReadRequest {
  id: number;
  mode: ReadMode;
  name: string;
  bytes: Uint8Array;
}

export type ReadOutcome = 'ok' | 'refused' | 'wrapped' | 'crash';

export interface ReadAnswer {
  id: number;
  outcome: ReadOutcome;
  ms: number;
  /** Error class for crashes (RangeError, TypeError, ...). */
  errorName?: string;
  /** The file a refusal or issue names (an archive entry, the mask of a pair, ...). */
  file?: string;
  /** The refusal, issue or error message (the first internal-looking one when several). */
  message?: string;
  stack?: string;
  detail?: string;
  /** Growth of this thread's ArrayBuffer bytes over the read (buffers not yet collected included). */
  arrayBuffersGrowth: number;
}

/** Messages of resource exhaustion: a refusal that carries one hides a reader that went too far. */
const RESOURCE = /Array buffer allocation failed|Maximum call stack size exceeded|Invalid (typed )?array length|Map maximum size exceeded|Set maximum size exceeded|Invalid string length|out of memory|allocation failed/i;

/** Raw JavaScript errors: in a dataset issue (where loadDataset keeps any error's message) they are crashes in disguise. */
const RAW_JS = /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|undefined is not|null is not|is not defined|Offset is outside the bounds|outside the bounds of the DataView|Invalid DataView|Invalid typed array|Cannot convert/i;

setFlagsFromString('--expose-gc');
/** A full garbage collection, run after reads that left much memory behind (not counted in their time). */
const gc = runInNewContext('gc') as () => void;
const GC_AFTER_BYTES = 64 * 2 ** 20;

const stageBuf = new Uint8Array(workerData.stage as SharedArrayBuffer);
const encoder = new TextEncoder();

/** Writes what is about to run where the main thread can read it if the read never returns. */
function stage(what: string): void {
  const b = encoder.encode(what.slice(0, 200));
  stageBuf.fill(0);
  stageBuf.set(b.subarray(0, stageBuf.length - 1));
}

function classify(mode: ReadMode, issues: ReadIssue[]): Pick<ReadAnswer, 'outcome' | 'file' | 'message'> {
  const internal = issues.find((i) => RESOURCE.test(i.message) || (mode === 'pair' && RAW_JS.test(i.message)));
  if (internal) return { outcome: 'wrapped', ...internal };
  const first = issues[0];
  return first ? { outcome: 'refused', ...first } : { outcome: 'ok' };
}

async function handle(req: ReadRequest): Promise<ReadAnswer> {
  const ab0 = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let answer: Omit<ReadAnswer, 'id' | 'ms' | 'arrayBuffersGrowth'>;
  try {
    const r = await readAsStudio(req.mode, req.bytes, req.name, stage);
    const c = classify(req.mode, r.issues);
    answer = r.volumes === 0 && c.outcome === 'ok' ? { outcome: 'refused', file: req.name, message: `nothing was read (${r.detail})` } : { ...c, detail: r.detail };
  } catch (e) {
    const refusal = refusalOf(e);
    if (refusal) answer = { outcome: RESOURCE.test(refusal.message) ? 'wrapped' : 'refused', ...refusal };
    else if (e instanceof Error) answer = { outcome: 'crash', errorName: e.name, message: e.message, stack: e.stack?.split('\n').slice(0, 12).join('\n') };
    else answer = { outcome: 'crash', errorName: typeof e, message: String(e) };
  }
  const ms = performance.now() - t0;
  stage('idle');
  const mem = process.memoryUsage();
  if (mem.arrayBuffers - ab0 > GC_AFTER_BYTES || mem.heapUsed > GC_AFTER_BYTES) gc();
  return { id: req.id, ms, arrayBuffersGrowth: mem.arrayBuffers - ab0, ...answer };
}

parentPort?.on('message', (req: ReadRequest) => {
  void handle(req).then((a) => parentPort?.postMessage(a));
});

/** The command line of the fuzz harness (see the comment at the top of fuzz.ts). */
import { GROUPS, type Group } from './seeds';

export interface Options {
  seed: number;
  seconds: number;
  inputs: number;
  timeoutMs: number;
  slowMs: number;
  allocMb: number;
  maxMemoryMb: number;
  stackMb: number;
  sampleMs: number;
  groups: Group[];
  bombs: boolean;
  maxFindingsPerKind: number;
  out: string;
  findings: string;
  hangStacks: boolean;
  replay?: string;
  replayIndex?: number;
  findGifHang: boolean;
  /** Every input's result, one JSON line each (the campaign's record, read back for the report). */
  log: string;
  /** Set by the supervising process for the process that runs the inputs. */
  child: boolean;
  /** First input index (a campaign process started again after an abort goes on from there). */
  from: number;
  /** Time (ms since the epoch) after which no input is started. */
  deadline: number;
}

export function parseArgs(argv: string[]): Options {
  const o: Options = {
    seed: 1,
    seconds: 300,
    inputs: 30_000,
    timeoutMs: 2000,
    slowMs: 2000,
    allocMb: 1024,
    maxMemoryMb: 4096,
    stackMb: 1,
    sampleMs: 5,
    groups: [...GROUPS],
    bombs: true,
    maxFindingsPerKind: 10,
    out: 'e2e/fuzz/.out/fuzz-report.json',
    findings: 'e2e/fuzz/.out/findings',
    hangStacks: true,
    findGifHang: false,
    log: 'e2e/fuzz/.out/fuzz-inputs.jsonl',
    child: false,
    from: 0,
    deadline: 0,
  };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n)) throw new Error(`${flag} needs a number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--seed': o.seed = num(a, v) >>> 0; i++; break;
      case '--seconds': o.seconds = num(a, v); i++; break;
      case '--inputs': o.inputs = num(a, v); i++; break;
      case '--timeout-ms': o.timeoutMs = num(a, v); i++; break;
      case '--slow-ms': o.slowMs = num(a, v); i++; break;
      case '--alloc-mb': o.allocMb = num(a, v); i++; break;
      case '--max-memory-mb': o.maxMemoryMb = num(a, v); i++; break;
      case '--stack-mb': o.stackMb = num(a, v); i++; break;
      case '--sample-ms': o.sampleMs = num(a, v); i++; break;
      case '--max-findings-per-kind': o.maxFindingsPerKind = num(a, v); i++; break;
      case '--groups': {
        const gs = (v ?? '').split(',').filter(Boolean) as Group[];
        const bad = gs.filter((g) => !GROUPS.includes(g));
        if (bad.length || gs.length === 0) throw new Error(`--groups takes some of ${GROUPS.join(',')}`);
        o.groups = gs;
        i++;
        break;
      }
      case '--no-bombs': o.bombs = false; break;
      case '--no-hang-stacks': o.hangStacks = false; break;
      case '--out': o.out = v ?? o.out; i++; break;
      case '--findings': o.findings = v ?? o.findings; i++; break;
      case '--replay': o.replay = v; i++; break;
      case '--replay-index': o.replayIndex = num(a, v); i++; break;
      case '--find-gif-hang': o.findGifHang = true; break;
      case '--log': o.log = v ?? o.log; i++; break;
      case '--child': o.child = true; break;
      case '--from': o.from = num(a, v); i++; break;
      case '--deadline': o.deadline = num(a, v); i++; break;
      default: throw new Error(`unknown flag ${a} (see the comment at the top of e2e/fuzz/fuzz.ts)`);
    }
  }
  if (!o.groups.includes('bomb')) o.bombs = false;
  return o;
}

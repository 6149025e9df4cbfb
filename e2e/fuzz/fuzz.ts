/**
 * Seeded, time-bounded fuzzing of the studio's file readers (npm run fuzz; not part of npm test).
 *
 *   npm run fuzz                                   30 000 inputs or 300 s, seed 1
 *   npm run fuzz -- --seed 7 --seconds 60 --inputs 5000 --groups png,gif
 *   npm run fuzz -- --replay e2e/fuzz/.out/findings/000123-crash-png.png
 *   npm run fuzz -- --replay-index 123 --seed 7     regenerate input 123 of seed 7 and read it
 *   npm run fuzz -- --find-gif-hang                mutate a small GIF's LZW data until a read hangs
 *
 * Flags: --seed N (1), --seconds S (300), --inputs N (30000), --timeout-ms T (2000: a read
 * without an answer by then is a hang), --slow-ms T (2000: answered reads slower than this are
 * saved as findings; only distinct from hangs when --timeout-ms is larger), --alloc-mb M (1024:
 * reads that end well but grow ArrayBuffers or the virtual size by more are saved as findings),
 * --max-memory-mb M (4096: the worker's V8 heap limit, and the rise of the process's resident
 * set that counts as a worker death), --stack-mb M (1: the worker's stack, about a browser's),
 * --sample-ms (5), --groups (comma-separated report rows), --no-bombs,
 * --max-findings-per-kind (10), --out FILE (e2e/fuzz/.out/fuzz-report.json), --findings DIR
 * (e2e/fuzz/.out/findings), --log FILE (e2e/fuzz/.out/fuzz-inputs.jsonl: every input's result),
 * --no-hang-stacks.
 *
 * Inputs: first the hand-made bombs (bombs.ts), then mutants of the seeds (seeds.ts,
 * mutate.ts), the report rows taking turns in fixed proportions. Input i of seed s is always
 * the same bytes: its own generator is seeded from (s, i). Each input is read in a worker
 * thread under a watchdog (runner.ts) as the studio reads it (adapter.ts), in a campaign process
 * that a supervising process starts again after an input aborts it (campaign.ts). The table gives,
 * per row: inputs, outcomes (ok, refused, wrapped, crash, hang, death; see worker.ts), slow
 * answers, the longest and 99th-percentile read time, and the largest rises of resident set,
 * virtual size and the worker's ArrayBuffer bytes. The JSON report adds every failure kind with
 * its count, first message, stack and examples; findings are saved as files (the input, and
 * beside it NAME.json with the seed, index, mutations and result) for --replay.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { encodeGif } from '../../src/core/io/testing/image-fixtures';
import { buildBombs } from './bombs';
import { Rng, hex, inputSeed } from './bytes';
import { campaign } from './campaign';
import { gifBlocks } from './fields';
import { extension, Generator, saveFinding, type Input } from './inputs';
import { parseArgs, type Options } from './options';
import { Runner, type RunResult } from './runner';
import { buildSeeds, type ReadMode } from './seeds';

function describeResult(r: RunResult): string {
  const lines = [`outcome: ${r.outcome}  (${r.ms.toFixed(1)} ms, rss↑ ${r.rssPeakMb.toFixed(1)} MB, vm↑ ${r.vmPeakMb.toFixed(1)} MB, arrayBuffers ${Number.isFinite(r.arrayBuffersMb) ? r.arrayBuffersMb.toFixed(1) : '-'} MB)`];
  if (r.errorName) lines.push(`error: ${r.errorName}`);
  if (r.message) lines.push(`message: ${r.file ? `${r.file}: ` : ''}${r.message}`);
  if (r.detail) lines.push(`read: ${r.detail}`);
  if (r.stage && r.outcome !== 'ok' && r.outcome !== 'refused') lines.push(`stage: ${r.stage}`);
  if (r.hangFrames?.length) lines.push('stack at the hang:', ...r.hangFrames.map((f) => `  ${f}`));
  if (r.stack && r.outcome === 'crash') lines.push('stack:', ...r.stack.split('\n').map((l) => `  ${l}`));
  return lines.join('\n');
}

const workerUrl = new URL('./worker.mjs', import.meta.url);

async function replay(opts: Options): Promise<number> {
  let input: Input;
  if (opts.replayIndex !== undefined) {
    const gen = new Generator(opts, buildSeeds(), opts.bombs ? buildBombs() : []);
    input = gen.input(opts.replayIndex);
    const file = join(opts.findings, `replay-${opts.seed}-${input.index}${extension(input.name)}`);
    mkdirSync(opts.findings, { recursive: true });
    writeFileSync(file, input.bytes);
    console.log(`input ${input.index} of seed ${opts.seed}: ${input.label} (${input.mode}) → ${file}\n  ${input.mutations.join('\n  ')}`);
  } else {
    const file = opts.replay!;
    const bytes = new Uint8Array(readFileSync(file));
    const side = existsSync(`${file}.json`) ? (JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { mode?: ReadMode; name?: string; label?: string; mutations?: string[] }) : {};
    const name = side.name ?? basename(file);
    const mode: ReadMode = side.mode ?? (name.toLowerCase().endsWith('.zip') ? 'zip' : 'file');
    input = { index: -1, group: 'bomb', label: side.label ?? basename(file), mode, name, bytes, mutations: side.mutations ?? [] };
    console.log(`${file}: ${bytes.length} bytes, read as ${mode} "${name}"${side.label ? ` (from ${side.label})` : ''}`);
  }
  const runner = new Runner(workerUrl, opts);
  const r = await runner.run(input.mode, input.name, input.bytes);
  await runner.close();
  console.log(describeResult(r));
  return r.outcome === 'crash' || r.outcome === 'hang' || r.outcome === 'death' ? 1 : 0;
}

/** Mutates the LZW data of a small valid GIF until a read hangs; saves and prints the first that does. */
async function findGifHang(opts: Options): Promise<number> {
  const base = encodeGif({ width: 4, height: 4, palette: [[0, 0, 0], [255, 255, 255], [128, 128, 128], [255, 0, 0]], frames: [{ indices: [0, 1, 2, 3, 3, 2, 1, 0, 0, 0, 1, 1, 2, 2, 3, 3] }] });
  const image = gifBlocks(base).find((u) => u.what === 'image');
  if (!image) throw new Error('no image block in the base GIF');
  const dataStart = image.start + 11; // code size byte, then the first sub-block's length byte
  const dataEnd = image.end - 1;
  const runner = new Runner(workerUrl, { ...opts, timeoutMs: Math.min(opts.timeoutMs, 500) });
  const t0 = Date.now();
  try {
    for (let i = 0; i < opts.inputs && Date.now() - t0 < opts.seconds * 1000; i++) {
      const rng = new Rng(inputSeed(opts.seed, i));
      const b = base.slice();
      const n = rng.range(1, 3);
      const changes: string[] = [];
      for (let k = 0; k < n; k++) {
        const at = dataStart + 1 + rng.int(dataEnd - dataStart - 1);
        b[at] = rng.int(256);
        changes.push(`byte ${at}=0x${(b[at] ?? 0).toString(16)}`);
      }
      const r = await runner.run('file', 'lzw.gif', b);
      if (r.outcome === 'hang') {
        const input: Input = { index: i, group: 'gif', label: 'gif/search-base', mode: 'file', name: 'lzw.gif', bytes: b, mutations: changes };
        const file = saveFinding(opts.findings, input, r, 'hang (GIF LZW search)', opts);
        console.log(`try ${i + 1}: a ${b.length}-byte GIF hangs (${changes.join(', ')})\n${hex(b)}\nsaved as ${file}\n${describeResult(r)}`);
        return 0;
      }
    }
  } finally {
    await runner.close();
  }
  console.log('no hang found within the limits');
  return 1;
}

const argv = process.argv.slice(2);
const opts = parseArgs(argv);
const main = opts.replay !== undefined || opts.replayIndex !== undefined ? replay(opts) : opts.findGifHang ? findGifHang(opts) : campaign(opts, argv);
main.then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);

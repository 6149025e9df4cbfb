import { describe, expect, it } from 'vitest';
import { ProgressReporter } from './progress';

function capture(isTTY: boolean) {
  const text: string[] = [];
  let t = 0;
  const r = new ProgressReporter({ runs: ['dice', 'focal'], maxEpochs: 2, stepsPerEpoch: 4 }, { write: (s) => text.push(s), isTTY, columns: 120 }, () => t);
  return { r, text, tick: (ms: number) => (t += ms) };
}

describe('ProgressReporter', () => {
  it('without a terminal: one line per epoch and per run, none per step', () => {
    const { r, text, tick } = capture(false);
    for (let s = 1; s <= 4; s++) {
      tick(1000);
      r.event({ type: 'step', run: 'dice', step: s, epoch: 0 });
    }
    r.event({ type: 'epoch', run: 'dice', epoch: 0, trainLoss: 0.5, valLoss: 0.4, valDsc: [0.7123], lr: 0.1, improved: true });
    r.event({ type: 'runDone', run: 'dice', reason: 'maxEpochs', epochs: 2, bestEpoch: 1 });
    expect(text).toEqual([
      'run 1/2 dice · epoch 1: train loss 0.5000, validation loss 0.4000, validation DSC 0.712, lr 0.1 (best so far) · 25 %, about 12 s left\n',
      'run 1/2 dice ended (maxEpochs) after 2 epochs; best epoch 2\n',
    ]);
  });
  it('on a terminal: a bar redrawn in place at most ten times a second, ended before a whole line', () => {
    const { r, text, tick } = capture(true);
    tick(200);
    r.event({ type: 'step', run: 'focal', step: 6, epoch: 1 });
    tick(50);
    r.event({ type: 'step', run: 'focal', step: 7, epoch: 1 });
    expect(text).toHaveLength(1);
    const ERASE_TO_END = `${String.fromCharCode(27)}[K`;
    expect(text[0]?.endsWith(ERASE_TO_END)).toBe(true);
    expect(text[0]?.slice(0, -ERASE_TO_END.length)).toMatch(/^\rrun 2\/2 focal · epoch 2\/2 · step 2\/4 \[#+\.+\] 6 % · \d+ s left$/);
    r.event({ type: 'testResults', run: 'focal', perCase: [{ id: 'a', dsc: [0.5, 0.7], iou: [], precision: [], recall: [] }] });
    expect(text.slice(1)).toEqual(['\n', 'run 2/2 focal test: mean DSC 0.600 over 1 cases\n']);
  });
});

describe('ProgressReporter.summary', () => {
  it('counts the steps and their rate between the first and the last', () => {
    const { r, tick } = capture(false);
    for (let s = 1; s <= 5; s++) {
      r.event({ type: 'step', run: 'dice', step: s, epoch: 0 });
      tick(500);
    }
    expect(r.summary()).toBe('5 steps in 2 s (2.00 steps/s)');
  });
});

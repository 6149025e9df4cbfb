/** Messages between the self-check page and its worker (a discriminated union each way). */
import type { CaseOutcome } from '../core/losses/selfcheck';
import type { BackendInfo, BackendName } from './backend';

export type SelfCheckCommand = { type: 'run'; backends: BackendName[]; referenceUrl: string };

export type SelfCheckEvent =
  | { type: 'loading'; message: string }
  | { type: 'backend'; requested: BackendName; info: BackendInfo | null; reason?: string }
  | { type: 'progress'; backend: BackendName; done: number; total: number }
  | { type: 'result'; backend: BackendInfo; outcomes: CaseOutcome[]; seconds: number }
  | { type: 'error'; message: string }
  | { type: 'done' };

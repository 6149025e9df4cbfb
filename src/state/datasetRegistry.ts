/**
 * Heavy dataset data lives here, outside React and the store: the dropped File handles (to
 * re-read after a correction) and the decoded cases (typed arrays). The store holds only plain
 * summaries and a version counter that changes when this registry does.
 */
import type { Case } from '../core/data/types';
import type { DroppedFile } from '../worker/datasetProtocol';

let files: DroppedFile[] = [];
let cases: Case[] = [];

export const datasetRegistry = {
  files: () => files,
  cases: () => cases,
  setFiles(next: DroppedFile[]) {
    files = next;
  },
  setCases(next: Case[]) {
    cases = next;
  },
  clear() {
    files = [];
    cases = [];
  },
};
